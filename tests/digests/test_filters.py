"""Tests for channel filter rules: checked patterns, whole-word and RE2 matching, decisions."""

from __future__ import annotations

import pytest

from digests.errors import InputError
from digests.filters import (
    FilterRule,
    apply_filters,
    compile_pattern,
    kept_items,
    make_rule,
    rule_matches,
)
from digests.records import DigestItem, Story
from tests.digests._story_builders import make_article, make_briefing

FEED_A = "https://a.example/rss"
FEED_B = "https://b.example/rss"


def item(
    headline: str = "Council approves budget",
    summary: str = "The vote was close.",
    topics: tuple[str, ...] = ("Politics",),
    *,
    feeds: tuple[str, ...] = (FEED_A,),
    story_id: str = "s1",
) -> DigestItem:
    articles = tuple(
        make_article(n, feed=feed, title="Feed title", url=f"https://news.example/{n}")
        for n, feed in enumerate(feeds)
    )
    briefing = make_briefing(headline, summary=summary, key_facts=(), why_it_matters=None)
    return DigestItem(Story(id=story_id, articles=articles, topics=topics), briefing)


# -- make_rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "kind", "pattern", "reason"),
    [
        ("include", "word", "", "needs a pattern"),
        ("include", "word", "   ", "needs a pattern"),
        ("include", "word", "!!!", "no letters or digits"),
        ("include", "word", "x" * 201, "at most 200"),
        ("keep", "word", "ai", "includes or excludes"),
        ("include", "glob", "ai*", "word or a regex"),
        ("exclude", "regex", "(unclosed", "Not a valid regex"),
        ("exclude", "regex", "[a-", "Not a valid regex"),
        ("exclude", "regex", "*lead", "Not a valid regex"),
        ("exclude", "regex", r"(\w+) \1", "backreferences and lookaround"),
        ("exclude", "regex", r"(?=sport)\w+", "backreferences and lookaround"),
        ("exclude", "regex", r"(?<!not )good", "backreferences and lookaround"),
        ("exclude", "regex", r"(?!x)y", "backreferences and lookaround"),
    ],
)
def test_make_rule_refuses_with_a_short_reason(
    action: str, kind: str, pattern: str, reason: str
) -> None:
    with pytest.raises(InputError, match=reason) as raised:
        make_rule(action, kind, pattern)
    assert len(str(raised.value)) < 200


def test_make_rule_names_the_unsupported_feature() -> None:
    with pytest.raises(InputError, match=r"invalid perl operator: \(\?="):
        make_rule("exclude", "regex", "(?=a)b")


def test_make_rule_keeps_scope_and_collapses_word_spacing() -> None:
    rule = make_rule("include", "word", "  climate   change ", channel_id=7, feed_url=FEED_A)
    assert rule == FilterRule("include", "word", "climate change", channel_id=7, feed_url=FEED_A)


def test_regex_rules_run_on_re2() -> None:
    assert type(compile_pattern("budget")).__module__.startswith("re2")


def test_catastrophic_pattern_is_answered_correctly_on_long_input() -> None:
    # A backtracking engine needs exponential time for this; RE2 answers in one linear pass.
    program = compile_pattern("(a+)+$")
    assert program.search("a" * 50_000 + "b") is None
    assert program.search("a" * 50_000) is not None
    rule = make_rule("exclude", "regex", "^(a+)+$")
    assert not rule_matches(rule, item(headline="a" * 50_000 + "b", summary="", topics=()))
    assert rule_matches(rule, item(headline="a" * 50_000, summary="", topics=()))


# -- rule_matches -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "headline", "summary", "topics", "matches"),
    [
        ("budget", "Council approves budget", "", (), True),
        ("BUDGET", "Council approves budget", "", (), True),
        ("budge", "Council approves budget", "", (), False),
        ("ai", "Said the mayor", "", (), False),
        ("ai", "New AI rules", "", (), True),
        ("ai", "Rules for AI, again", "", (), True),
        ("vote", "Headline", "The vote was close.", (), True),
        ("politics", "Headline", "", ("Politics",), True),
        ("climate change", "On climate\tchange today", "", (), True),
        ("climate change", "Climate is changing", "", (), False),
        ("c++", "Why C++ lasts", "", (), True),
        ("café", "Le CAFÉ ouvre", "", (), True),
    ],
)
def test_word_rules_match_whole_words_case_insensitively(
    pattern: str, headline: str, summary: str, topics: tuple[str, ...], matches: bool
) -> None:
    rule = make_rule("include", "word", pattern)
    assert rule_matches(rule, item(headline, summary, topics)) is matches


@pytest.mark.parametrize(
    ("pattern", "headline", "matches"),
    [
        (r"\bbudget\b", "Council approves BUDGET", True),
        (r"^council", "Council approves budget", True),
        (r"^approves", "Council approves budget", False),
        (r"\d{4}", "Budget for 2025", True),
        (r"(?-i)budget", "BUDGET", False),
    ],
)
def test_regex_rules_search_each_text(pattern: str, headline: str, matches: bool) -> None:
    rule = make_rule("exclude", "regex", pattern)
    assert rule_matches(rule, item(headline, "", ())) is matches


def test_regex_rules_read_text_with_a_lone_surrogate() -> None:
    rule = make_rule("include", "regex", "budget\\?")
    assert rule_matches(rule, item(headline="\ud800 budget?", summary="", topics=()))


def test_a_blank_briefing_headline_falls_back_to_the_feed_title() -> None:
    rule = make_rule("include", "word", "feed")
    assert rule_matches(rule, item(headline="  ", summary="", topics=()))


# -- apply_filters ----------------------------------------------------------------------------

SPORT = item("Cup final tonight", topics=("Sport",), story_id="sport")
BUDGET = item("Council approves budget", topics=("Politics",), story_id="budget")
FROM_B = item("Budget leak", topics=("Politics",), feeds=(FEED_B,), story_id="b")
BOTH = item("Cup budget row", topics=("Sport",), feeds=(FEED_A, FEED_B), story_id="both")
ITEMS = (SPORT, BUDGET, FROM_B, BOTH)


@pytest.mark.parametrize(
    ("rules", "kept"),
    [
        ((), ["sport", "budget", "b", "both"]),
        ((("exclude", "word", "cup", None),), ["budget", "b"]),
        ((("include", "word", "budget", None),), ["budget", "b", "both"]),
        (
            (("include", "word", "budget", None), ("exclude", "word", "leak", None)),
            ["budget", "both"],
        ),
        (
            (("include", "word", "sport", None), ("include", "word", "leak", None)),
            ["sport", "b", "both"],
        ),
        ((("exclude", "word", "budget", FEED_B),), ["sport", "budget"]),
        ((("include", "word", "cup", FEED_A),), ["sport", "b", "both"]),
        ((("exclude", "regex", r"^cup\b", None),), ["budget", "b"]),
        ((("include", "regex", "nothing matches this", None),), []),
    ],
)
def test_apply_filters_decides_each_item(
    rules: tuple[tuple[str, str, str, str | None], ...], kept: list[str]
) -> None:
    made = [make_rule(a, k, p, feed_url=f) for a, k, p, f in rules]
    decisions = apply_filters(ITEMS, made)
    assert [d.item for d in decisions] == list(ITEMS)
    assert [i.story.id for i in kept_items(decisions)] == kept


@pytest.mark.parametrize(
    ("rules", "target", "kept", "reason"),
    [
        ((), SPORT, True, "no include rule applies"),
        ((("exclude", "word", "cup"),), SPORT, False, "matches exclude word 'cup'"),
        ((("include", "word", "cup"),), SPORT, True, "matches include word 'cup'"),
        ((("include", "word", "cup"),), BUDGET, False, "matches no include rule"),
        (
            (("include", "word", "cup"), ("exclude", "regex", "final")),
            SPORT,
            False,
            "matches exclude regex 'final'",
        ),
    ],
)
def test_apply_filters_says_why(
    rules: tuple[tuple[str, str, str], ...], target: DigestItem, kept: bool, reason: str
) -> None:
    (decision,) = apply_filters([target], [make_rule(*r) for r in rules])
    assert (decision.kept, decision.reason) == (kept, reason)
    assert (decision.rule is None) == (reason.startswith(("no", "matches no")))
