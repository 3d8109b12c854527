"""Rendering a digest as terminal text, Markdown, or the JSON contract."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from datetime import datetime
from typing import Any

from digests.compose import group_by_topic, primary_url, sources_of
from digests.language import language_mark
from digests.records import Digest, DigestItem
from digests.text import one_line

EMPTY_MESSAGE = "No new stories."

_WIDTH = 88
_MD_SPECIAL = re.compile(r"([\\*_~`|\[\]()<>#])")
# List markers only format at the start of a line; a "-" or "3." elsewhere is plain text.
_LINE_MARKER = re.compile(r"^([ \t]*)(-|\d+)(\.?)(?=[ \t])", re.MULTILINE)


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    # A bullet marks only an item's first line; its continuation lines are indented under it.
    return textwrap.wrap(
        one_line(text),
        width=_WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
    ) or [(first or indent).rstrip()]


def _marked(item: DigestItem) -> str:
    return language_mark(item) + item.briefing.headline


def _text_item(item: DigestItem) -> list[str]:
    briefing = item.briefing
    lines = _wrap(_marked(item), "  ", first="* ")
    if briefing.summary.strip():
        lines += _wrap(briefing.summary, "  ")
    for fact in briefing.key_facts:
        lines += _wrap(fact, "    ", first="  - ")
    if briefing.why_it_matters:
        lines += _wrap(f"Why it matters: {briefing.why_it_matters}", "  ")
    sources = sources_of(item.story)
    if sources:
        lines.append("  Sources:")
        lines += [f"    {s.name}: {s.url}" if s.url else f"    {s.name}" for s in sources]
    return lines


def _render(
    digest: Digest,
    title: str,
    heading: Callable[[str], str],
    item_lines: Callable[[DigestItem], list[str]],
) -> str:
    """The digest under ``title``: a heading per topic, each item's lines, a blank between."""
    lines = [f"{title} - {_stamp(digest.generated_at)}", ""]
    if digest.is_empty:
        lines.append(EMPTY_MESSAGE)
    for topic, members in group_by_topic(digest):
        lines += [heading(topic), ""]
        for item in members:
            lines += [*item_lines(item), ""]
    return "\n".join(lines).rstrip() + "\n"


def render_text(digest: Digest) -> str:
    """The digest as plain terminal text, grouped by topic."""
    return _render(digest, "News digest", lambda topic: f"== {topic} ==", _text_item)


def escape_md(text: str) -> str:
    """``text`` with Markdown (Discord's too) escaped so it renders literally."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return _LINE_MARKER.sub(_escape_marker, escaped)


def _escape_marker(match: re.Match[str]) -> str:
    indent, marker, dot = match.groups()
    if marker == "-":
        return f"{indent}\\-{dot}"
    return f"{indent}{marker}\\{dot}" if dot else match.group(0)


def md_escape(text: str) -> str:
    """``text`` on one line, Markdown escaped: for inline use in the Markdown digest."""
    return escape_md(one_line(text))


def _md_item(item: DigestItem) -> list[str]:
    briefing = item.briefing
    url = primary_url(item.story)
    headline = md_escape(_marked(item))
    lines = [f"### [{headline}](<{url}>)" if url else f"### {headline}"]
    if briefing.summary.strip():
        lines += ["", md_escape(briefing.summary)]
    if briefing.key_facts:
        lines += ["", *(f"- {md_escape(fact)}" for fact in briefing.key_facts)]
    if briefing.why_it_matters:
        lines += ["", f"**Why it matters:** {md_escape(briefing.why_it_matters)}"]
    sources = [
        f"[{md_escape(s.name)}](<{s.url}>)" if s.url else md_escape(s.name)
        for s in sources_of(item.story)
    ]
    if sources:
        lines += ["", "Sources: " + ", ".join(sources)]
    return lines


def render_markdown(digest: Digest) -> str:
    """The digest as Markdown: a section per topic, a subsection per story."""
    return _render(digest, "# News digest", lambda topic: f"## {md_escape(topic)}", _md_item)


def item_to_json(item: DigestItem) -> dict[str, Any]:
    """One story of the JSON contract."""
    story, briefing = item.story, item.briefing
    published = story.published
    return {
        "id": story.id,
        "headline": briefing.headline,
        "summary": briefing.summary,
        "key_facts": list(briefing.key_facts),
        "why_it_matters": briefing.why_it_matters,
        "url": primary_url(story),
        "sources": [{"name": s.name, "url": s.url} for s in sources_of(story)],
        "published": published.isoformat() if published is not None else None,
        "topics": list(story.topics),
        "summarizer": briefing.summarizer,
        "language": briefing.language,
    }


def digest_to_json(digest: Digest) -> dict[str, Any]:
    """The digest as the documented JSON contract (generated_at plus a flat list of stories)."""
    return {
        "generated_at": digest.generated_at.isoformat(),
        "stories": [item_to_json(item) for item in digest.items],
    }
