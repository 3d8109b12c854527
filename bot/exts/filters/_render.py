"""Reply lines of /filter: one rule, a channel's rules, what a test decided."""

from __future__ import annotations

from collections.abc import Sequence

from bot.render import plain_line
from digests import FilterCheck, FilterRecord

LIST_LIMIT = 2000


def rule_line(record: FilterRecord) -> str:
    """``#id`` and what the rule does, e.g. "#3 exclude word `bus` (feed <url>)"."""
    rule = record.rule
    kind = "regex" if rule.kind == "regex" else "word"
    # A pattern is shown as typed, in a code span that a backtick cannot end early.
    pattern = plain_line(rule.pattern).replace("`", "\u02cb")
    line = f"#{record.id} {rule.action} {kind} `{pattern}`"
    if rule.feed_url:
        line += f" (only <{plain_line(rule.feed_url)[:300]}>)"
    return line


def rules_text(records: Sequence[FilterRecord]) -> str:
    """The rules grouped by channel, within one message."""
    lines: list[str] = []
    channel: int | None = None
    for record in records:
        if record.rule.channel_id != channel:
            channel = record.rule.channel_id
            lines.append(f"<#{channel}>:")
        lines.append(f"- {rule_line(record)}")
    text = "\n".join(lines)
    return text if len(text) <= LIST_LIMIT else text[: LIST_LIMIT - 2] + "\n…"


def verdict_text(check: FilterCheck, channel_id: int) -> str:
    """Kept or dropped in the channel's digests, and by which rule."""
    word = "kept" if check.kept else "dropped"
    by = f" by filter #{check.filter_id}" if check.filter_id is not None else ""
    text = f"**{word.capitalize()}** in <#{channel_id}>'s digests{by}: {plain_line(check.reason)}."
    if check.unchecked:
        text += f" ({check.unchecked} filters for one feed only were not checked.)"
    return text
