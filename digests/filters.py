"""Include/exclude rules that decide which stories a channel's digest carries.

A rule matches a word (or phrase) as whole words, ignoring case, or a regular expression run
on RE2, whose matching time is linear in the text: a pattern written by a server member can
never stall a digest run by backtracking. Rules are checked when they are made (`make_rule`),
so a rule that exists always compiles. Deciding is pure: `apply_filters` reads items and rules
and says, per item, whether it stays and which rule decided.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import re2

from digests.errors import InputError
from digests.records import DigestItem
from digests.text import one_line

Action = Literal["include", "exclude"]
Kind = Literal["word", "regex"]

PATTERN_LIMIT = 200
# RE2 refuses (rather than slowly runs) a pattern whose compiled program exceeds this memory.
_RE2_MAX_MEMORY = 1 << 20
_WORD = re.compile(r"\w")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class FilterRule:
    """One include or exclude rule, for every feed of a channel or for one feed only."""

    action: Action
    kind: Kind
    pattern: str
    # The opaque id of the destination the rule belongs to; the core never reads it.
    channel_id: int | None = None
    # None: the rule applies to every story; otherwise only to stories reported by this feed.
    feed_url: str | None = None


@dataclass(frozen=True)
class FilterDecision:
    """Whether one item stays in the digest, the rule that decided, and why in a short line."""

    item: DigestItem
    kept: bool
    reason: str
    rule: FilterRule | None = None


def make_rule(
    action: str,
    kind: str,
    pattern: str,
    *,
    channel_id: int | None = None,
    feed_url: str | None = None,
) -> FilterRule:
    """A checked rule; raises InputError with a short reason when the pattern is unusable."""
    if action not in ("include", "exclude"):
        raise InputError(f"A filter either includes or excludes, not {action!r}.")
    if kind not in ("word", "regex"):
        raise InputError(f"A filter matches a word or a regex, not {kind!r}.")
    if kind == "word":
        pattern = one_line(pattern)
    if not pattern:
        raise InputError("A filter needs a pattern.")
    if len(pattern) > PATTERN_LIMIT:
        raise InputError(f"A filter pattern is at most {PATTERN_LIMIT} characters.")
    if kind == "word" and not _WORD.search(pattern):
        raise InputError(f"{pattern!r} has no letters or digits to match as a word.")
    if kind == "regex":
        compile_pattern(pattern)
    return FilterRule(
        action=action,  # type: ignore[arg-type]  # checked above
        kind=kind,  # type: ignore[arg-type]
        pattern=pattern,
        channel_id=channel_id,
        feed_url=feed_url,
    )


def compile_pattern(pattern: str) -> Any:
    """The RE2 program of a regex rule (case-insensitive); InputError says why it is refused."""
    return _compiled(pattern)


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    options.max_mem = _RE2_MAX_MEMORY
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = _re2_reason(exc)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise InputError(f"Not a valid regex: {exc}.") from None
    # Python can read it but RE2 cannot: a feature that needs backtracking.
    raise InputError(
        f"That regex uses a feature a linear-time engine cannot run ({reason}); "
        "backreferences and lookaround are not supported."
    ) from None


def _re2_reason(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else ""
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


@dataclass(frozen=True)
class Verdict:
    """Whether a text stays, the rule that decided (None when no rule did), and why."""

    kept: bool
    reason: str
    rule: FilterRule | None = None


def rule_matches(rule: FilterRule, item: DigestItem) -> bool:
    """Whether the rule's pattern occurs in the item's headline, summary or one of its topics."""
    return _matches(rule, _texts(item))


def check_text(text: str, rules: Sequence[FilterRule]) -> Verdict:
    """What ``rules`` decide for a story whose only text is ``text`` (the caller passes the
    rules that apply to it: a feed's rules only for a story of that feed)."""
    return _verdict([text], rules)


def _matches(rule: FilterRule, texts: Sequence[str]) -> bool:
    if rule.kind == "word":
        words = _word_pattern(rule.pattern)
        return any(words.search(one_line(text)) for text in texts)
    program = _compiled(rule.pattern)
    return any(program.search(_encodable(text)) is not None for text in texts)


def apply_filters(items: Iterable[DigestItem], rules: Sequence[FilterRule]) -> list[FilterDecision]:
    """Decide each item in order: an exclude match drops it; includes, when any apply, must match.

    A rule scoped to a feed applies only to stories that feed reported; the caller passes the
    rules of one channel.
    """
    decisions = []
    for item in items:
        feeds = {article.feed_url for article in item.story.articles}
        applicable = [r for r in rules if r.feed_url is None or r.feed_url in feeds]
        decisions.append(_decide(item, applicable))
    return decisions


def kept_items(decisions: Iterable[FilterDecision]) -> tuple[DigestItem, ...]:
    """The items the decisions keep, in order."""
    return tuple(d.item for d in decisions if d.kept)


def _decide(item: DigestItem, rules: Sequence[FilterRule]) -> FilterDecision:
    verdict = _verdict(_texts(item), rules)
    return FilterDecision(item, verdict.kept, verdict.reason, verdict.rule)


def _verdict(texts: Sequence[str], rules: Sequence[FilterRule]) -> Verdict:
    for rule in rules:
        if rule.action == "exclude" and _matches(rule, texts):
            return Verdict(False, f"matches exclude {_label(rule)}", rule)
    includes = [r for r in rules if r.action == "include"]
    if not includes:
        return Verdict(True, "no include rule applies")
    for rule in includes:
        if _matches(rule, texts):
            return Verdict(True, f"matches include {_label(rule)}", rule)
    return Verdict(False, "matches no include rule")


def _label(rule: FilterRule) -> str:
    return f"{rule.kind} {rule.pattern!r}"


def _texts(item: DigestItem) -> list[str]:
    headline = item.briefing.headline.strip() or item.story.primary.title
    return [headline, item.briefing.summary, *item.story.topics]


def _encodable(text: str) -> str:
    """``text`` as RE2 can take it: a lone surrogate (from a bad JSON escape) becomes U+FFFD."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


@lru_cache(maxsize=512)
def _word_pattern(phrase: str) -> re.Pattern[str]:
    # A literal phrase bounded by non-word characters, matched on text whose whitespace runs
    # are single spaces: "AI" matches "AI," and "ai" but not "said"; a literal cannot backtrack.
    body = " ".join(re.escape(word) for word in phrase.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)
