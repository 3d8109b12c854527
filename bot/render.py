"""Rendering briefings into JSON-ready Discord message payloads that respect every Discord limit.

Payloads are plain dicts (stored in an outbox before sending), never ``discord.Embed`` objects.
Discord measures every limit in code points, which is what ``len`` counts.

Discord renders Markdown in message content, embed descriptions and field values, so feed text
there is escaped; it shows embed titles, author names and masked-link text literally, so text
there is only neutralised (an escape would show its backslash).

It is a little over the house's ~500 lines because every Discord limit is enforced here, in
one place, for the digest, the story view and the role-mention header alike.
"""

from __future__ import annotations

import colorsys
import re
import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from digests import (
    ELLIPSIS,
    Briefing,
    Digest,
    DigestItem,
    Source,
    Story,
    escape_md,
    group_by_topic,
    language_mark,
    one_line,
    primary_topic,
    primary_url,
    sources_of,
    story_time,
    truncate,
)

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_PER_EMBED = 25
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
CONTENT_LIMIT = 2000
URL_LIMIT = 2048
# Discord takes at most 100 ids in one allowed_mentions list.
MENTIONED_ROLES_LIMIT = 100

ZERO_WIDTH_SPACE = "\u200b"

_SOURCE_NAME_LIMIT = 100
_HEADER_TITLE_LIMIT = 256
_HEADER_TOPIC_LIMIT = 100
# The closing line of a digest story (published time, other sources) is at most a field's size.
_STORY_META_LIMIT = FIELD_VALUE_LIMIT
# One colour per topic, chosen by a stable hash of its name from 24 hues 15° apart, at a
# saturation and lightness readable on both the dark and the light theme.
TOPIC_COLOURS = tuple(
    int.from_bytes(bytes(round(c * 255) for c in colorsys.hls_to_rgb(step / 24, 0.55, 0.7)))
    for step in range(24)
)
# Room kept for the summary when the /story view lists many sources; the rest goes to sources.
_DETAIL_DESCRIPTION_RESERVE = 1500
# A block cut shorter than this reads as noise, so it is dropped instead.
_MIN_PARTIAL_BLOCK = 16

_INVISIBLE = dict.fromkeys(
    [
        *range(0x00, 0x09),
        *range(0x0B, 0x20),
        *range(0x7F, 0xA0),
        0x00AD,  # soft hyphen
        0x061C,  # Arabic letter mark
        0x180E,  # Mongolian vowel separator
        0x200B,  # zero-width space (re-inserted deliberately after "@")
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        0x2060,  # word joiner
        *range(0x2061, 0x2065),
        *range(0x2066, 0x206A),
        0xFEFF,  # byte-order mark / zero-width no-break space
    ]
)
# ZWJ/ZWNJ (U+200C/D) stay: they build emoji sequences and shape Persian and Indic text, and
# cannot hide a mention because every "@" is broken up anyway.

_BLANK_RUNS = re.compile(r"\n{3,}")
# What would end a masked link's text early (a bracket, a backslash escaping the closing one)
# or open a code span across it becomes a look-alike there.
_LINK_TEXT_UNSAFE = str.maketrans({"[": "(", "]": ")", "\\": "\u29f5", "`": "\u02cb"})
# Characters that would end a Markdown link target early or that a client might read as markup.
_URL_UNSAFE = str.maketrans(
    {"@": "%40", "(": "%28", ")": "%29", " ": "%20", "<": "%3C", ">": "%3E", "\\": "%5C"}
)


def neutralise_mentions(text: str) -> str:
    """Return ``text`` with invisible/bidi characters removed and no "@" able to ping."""
    return text.translate(_INVISIBLE).replace("@", "@" + ZERO_WIDTH_SPACE)


def embed_length(embed: dict[str, Any]) -> int:
    """Characters of ``embed`` that count towards Discord's 6,000 limit."""
    fields = embed.get("fields") or []
    return (
        len(embed.get("title") or "")
        + len(embed.get("description") or "")
        + sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields)
        + len((embed.get("footer") or {}).get("text") or "")
        + len((embed.get("author") or {}).get("name") or "")
    )


def story_embed(item: DigestItem) -> dict[str, Any]:
    """The digest embed of one story: its source, linked headline, briefing, time, in colour.

    It carries no fields and no footer: the topic is its colour (and the header's contents),
    the source is the author line, and the published time and any other sources close the
    description in one line.
    """
    story, briefing = item.story, item.briefing
    title = shorten(language_mark(item) + _story_title(story, briefing), TITLE_LIMIT)
    embed: dict[str, Any] = {
        "type": "rich",
        "title": title,
        "color": topic_colour(item.topic or primary_topic(story)),
    }
    url = _safe_url(primary_url(story))
    if url:
        embed["url"] = url
    sources = sources_of(story)
    author = ""
    if sources:
        author = shorten(_inline(sources[0].name) or "source", AUTHOR_LIMIT)
        embed["author"] = {"name": author}
    meta = _story_meta(story, sources[1:])
    room = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(title) - len(author))
    if meta:
        room -= len(meta) + 2
    description = "\n\n".join(
        part for part in (_fit_blocks(_description_blocks(briefing), room), meta) if part
    )
    if description:
        embed["description"] = description
    image = _safe_url(story.primary.image_url)
    if image:
        embed["thumbnail"] = {"url": image}
    return embed


def story_detail_embed(story: Story, briefing: Briefing) -> dict[str, Any]:
    """The /story embed: the full briefing and every source that fits Discord's limits."""
    return _briefing_embed(
        story,
        briefing,
        max_source_fields=FIELDS_PER_EMBED - 1,
        description_reserve=_DETAIL_DESCRIPTION_RESERVE,
    )


def topic_colour(topic: str) -> int:
    """The embed colour of a topic: the same for the same name (any case), on every run."""
    key = one_line(topic.casefold()).encode()
    return TOPIC_COLOURS[zlib.crc32(key) % len(TOPIC_COLOURS)]


def relative_time(when: datetime) -> str:
    """A Discord timestamp that each reader sees as "3 hours ago" in their own clock."""
    # Naive datetimes are taken to be UTC, as everywhere in the core.
    return f"<t:{int(when.replace(tzinfo=when.tzinfo or UTC).timestamp())}:R>"


def digest_messages(digest: Digest, *, title: str) -> list[dict[str, Any]]:
    """Message payloads for a digest: a header, then story embeds packed in order."""
    messages: list[dict[str, Any]] = [
        {"content": digest_header(digest, title=title), "allowed_mentions": _no_mentions()}
    ]
    for batch in pack_embeds(story_embed(item) for item in digest.items):
        messages.append({"embeds": batch, "allowed_mentions": _no_mentions()})
    return messages


def with_role_mentions(
    payloads: Sequence[dict[str, Any]], role_ids: Sequence[int]
) -> list[dict[str, Any]]:
    """The payloads with the first one mentioning each role once, on a line of its own, and
    allowed to ping exactly those roles (never everyone, here or a user); the others keep
    allowing no mention at all. Stored in the outbox as they are, a resend pings the same."""
    roles = list(dict.fromkeys(role_ids))[:MENTIONED_ROLES_LIMIT]
    if not roles or not payloads:
        return list(payloads)
    line = " ".join(f"<@&{role}>" for role in roles)
    first = dict(payloads[0])
    content = str(first.get("content") or "")
    body = shorten(content, CONTENT_LIMIT - len(line) - 1) if content else ""
    first["content"] = f"{line}\n{body}" if body else line
    first["allowed_mentions"] = {"parse": [], "roles": [str(role) for role in roles]}
    return [first, *payloads[1:]]


def pack_embeds(embeds: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Group embeds in order into batches of at most 10 embeds and 6,000 characters each."""
    batches: list[list[dict[str, Any]]] = []
    batch: list[dict[str, Any]] = []
    size = 0
    for embed in embeds:
        length = embed_length(embed)
        if batch and (len(batch) >= EMBEDS_PER_MESSAGE or size + length > EMBED_TOTAL_LIMIT):
            batches.append(batch)
            batch, size = [], 0
        batch.append(embed)
        size += length
    if batch:
        batches.append(batch)
    return batches


def _no_mentions() -> dict[str, Any]:
    return {"parse": []}


def digest_header(digest: Digest, *, title: str) -> str:
    """A digest's first message, its contents: how many stories over which time, and how
    many under each topic."""
    heading = shorten(_inline_md(title) or "News digest", _HEADER_TITLE_LIMIT)
    day = digest.generated_at.astimezone(UTC).date().isoformat()
    count = len(digest.items)
    if not count:
        return f"**{heading}** — no new stories ({day})"
    noun = "story" if count == 1 else "stories"
    first = f"**{heading}** — {count} {noun} · {_window(digest) or day}"
    lines: list[str] = []
    groups = group_by_topic(digest)
    used = len(first)
    for shown, (topic, members) in enumerate(groups):
        name = shorten(_inline_md(topic) or "Other", _HEADER_TOPIC_LIMIT)
        line = f"- **{name}** · {len(members)}"
        rest = len(groups) - shown - 1
        # Room is kept for the note that counts the topics left out.
        note = len(f"\n- {ELLIPSIS} and {rest} more topics") if rest else 0
        if used + 1 + len(line) + note > CONTENT_LIMIT:
            lines.append(f"- {ELLIPSIS} and {len(groups) - shown} more topics")
            break
        lines.append(line)
        used += 1 + len(line)
    return "\n".join([first, *lines])


def _window(digest: Digest) -> str:
    """The span of the digest's story times as Discord timestamps, or "" when none is dated."""
    times = [t for t in (story_time(item.story) for item in digest.items) if t is not None]
    if not times:
        return ""
    start, end = (int(t.timestamp()) for t in (min(times), max(times)))
    if start == end:
        return f"<t:{start}:f>"
    return f"<t:{start}:f> – <t:{end}:f>"


def _story_title(story: Story, briefing: Briefing) -> str:
    # Discord shows embed titles literally: neutralised, never escaped.
    return shorten(
        _inline(briefing.headline) or _inline(story.primary.title) or "Untitled story",
        TITLE_LIMIT,
    )


def _story_meta(story: Story, others: Sequence[Source]) -> str:
    """The closing line of a digest story: when it was published, who else reported it."""
    published = story.published
    when = relative_time(published) if published is not None else ""
    if not others:
        return when
    lead = f"{when} · Also reported by " if when else "Also reported by "
    entries = _source_entries(others, links=True)
    listed = _joined_within(entries, _STORY_META_LIMIT - len(lead))
    if not listed:
        listed = _joined_within(_source_entries(others, links=False), _STORY_META_LIMIT - len(lead))
    return lead + listed if listed else when


def _joined_within(entries: Sequence[str], limit: int) -> str:
    """The leading entries joined by commas within ``limit``, with a note counting the rest."""
    text = ""
    for shown, entry in enumerate(entries):
        rest = len(entries) - shown - 1
        joined = f"{text}, {entry}" if text else entry
        note = f" {ELLIPSIS} and {rest} more" if rest else ""
        if len(joined) + len(note) > limit:
            hidden = f" {ELLIPSIS} and {len(entries) - shown} more"
            return text + hidden if text and len(text) + len(hidden) <= limit else text
        text = joined
    return text


def _briefing_embed(
    story: Story, briefing: Briefing, *, max_source_fields: int, description_reserve: int
) -> dict[str, Any]:
    """Assemble a story embed, giving sources their room first and the summary the rest."""
    primary = story.primary
    title = _story_title(story, briefing)
    made_by = "headline only" if briefing.headline_only else briefing.summarizer
    written = f" · {briefing.language}" if briefing.language else ""
    footer = shorten(_inline(f"story {story.id} · {made_by}{written}"), FOOTER_LIMIT)
    embed: dict[str, Any] = {
        "type": "rich",
        "title": title,
        "color": topic_colour(primary_topic(story)),
    }
    url = _safe_url(primary_url(story))
    if url:
        embed["url"] = url

    topic_fields = _topics_field(story.topics)
    blocks = _description_blocks(briefing)
    wanted = len(_fit_blocks(blocks, DESCRIPTION_LIMIT))
    fixed = len(title) + len(footer) + _fields_length(topic_fields)
    sources = sources_of(story)
    source_budget = EMBED_TOTAL_LIMIT - fixed - min(wanted, description_reserve)
    source_fields, shown = _source_fields(
        _source_entries(sources, links=True), max_fields=max_source_fields, budget=source_budget
    )
    if sources and not shown:
        # Links too long to list even one: names alone still say who reported the story.
        source_fields, _ = _source_fields(
            _source_entries(sources, links=False),
            max_fields=max_source_fields,
            budget=source_budget,
        )
    room = EMBED_TOTAL_LIMIT - fixed - _fields_length(source_fields)
    description = _fit_blocks(blocks, min(DESCRIPTION_LIMIT, room))
    if description:
        embed["description"] = description

    fields = [*source_fields, *topic_fields]
    if fields:
        embed["fields"] = fields
    published = story.published
    if published is not None:
        embed["timestamp"] = published.astimezone(UTC).isoformat()
    image = _safe_url(primary.image_url)
    if image:
        embed["thumbnail"] = {"url": image}
    embed["footer"] = {"text": footer}
    return embed


def _description_blocks(briefing: Briefing) -> list[tuple[str, str, str]]:
    """Description parts as (separator before, fixed markup, truncatable text)."""
    blocks: list[tuple[str, str, str]] = []
    summary = _BLANK_RUNS.sub("\n\n", escape_md(neutralise_mentions(briefing.summary))).strip()
    if summary:
        blocks.append(("", "", summary))
    for number, fact in enumerate(f for f in map(_inline_md, briefing.key_facts) if f):
        blocks.append(("\n\n" if number == 0 else "\n", "• ", fact))
    why = _inline_md(briefing.why_it_matters or "")
    if why:
        blocks.append(("\n\n", "**Why it matters:** ", why))
    return blocks


def _fit_blocks(blocks: Sequence[tuple[str, str, str]], limit: int) -> str:
    """Join blocks in order within ``limit``, cutting the first that does not fit whole."""
    text = ""
    for separator, markup, body in blocks:
        lead = separator if text else ""
        room = limit - len(text) - len(lead) - len(markup)
        if len(body) <= room:
            text += lead + markup + body
            continue
        if room >= _MIN_PARTIAL_BLOCK:
            text += lead + markup + shorten(body, room)
        break
    return text


def _topics_field(topics: Sequence[str]) -> list[dict[str, Any]]:
    names = [name for name in (_inline_md(t) for t in _unique(topics)) if name]
    if not names:
        return []
    return [
        {"name": "Topics", "value": shorten(", ".join(names), FIELD_VALUE_LIMIT), "inline": False}
    ]


def _source_entries(sources: Sequence[Source], *, links: bool) -> list[str]:
    """One line per source: a Markdown link, or the bare name when no safe link fits."""
    entries = []
    for source in sources:
        # Link text shows literally; a bare name is rendered as Markdown, so it is escaped.
        name = shorten(_inline_md(source.name) or "source", _SOURCE_NAME_LIMIT)
        url = _safe_url(source.url) if links else None
        text = shorten(_link_text(source.name) or "source", _SOURCE_NAME_LIMIT)
        link = f"[{text}]({url})" if url else name
        entries.append(link if len(link) <= FIELD_VALUE_LIMIT else name)
    return entries


def _source_fields(
    entries: Sequence[str], *, max_fields: int, budget: int
) -> tuple[list[dict[str, Any]], int]:
    """Fields listing the most leading entries that fit, and how many entries they list."""

    def fits(fields: list[dict[str, Any]]) -> bool:
        return len(fields) <= max_fields and _fields_length(fields) <= budget

    whole = _paged_sources(entries, len(entries))
    if fits(whole):
        return whole, len(entries)
    # Listing fewer sources never costs more (each line outweighs the shrinking "more" note),
    # so the largest count that fits can be found by bisection.
    low, high = 0, len(entries) - 1
    best: tuple[list[dict[str, Any]], int] = ([], 0)
    while low <= high:
        middle = (low + high) // 2
        fields = _paged_sources(entries, middle)
        if fits(fields):
            best, low = (fields, middle), middle + 1
        else:
            high = middle - 1
    return best


def _paged_sources(entries: Sequence[str], shown: int) -> list[dict[str, Any]]:
    """Fields listing the first ``shown`` entries, with a note counting the rest."""
    pages: list[str] = []
    for entry in entries[:shown]:
        if pages and len(pages[-1]) + 1 + len(entry) <= FIELD_VALUE_LIMIT:
            pages[-1] += "\n" + entry
        else:
            pages.append(entry)
    hidden = len(entries) - shown
    if hidden:
        note = f"{ELLIPSIS} and {hidden} more"
        if pages and len(pages[-1]) + 1 + len(note) <= FIELD_VALUE_LIMIT:
            pages[-1] += "\n" + note
        else:
            pages.append(note)
    if len(pages) == 1:
        return [{"name": "Sources", "value": pages[0], "inline": False}]
    return [
        {"name": f"Sources ({number}/{len(pages)})", "value": page, "inline": False}
        for number, page in enumerate(pages, start=1)
    ]


def _fields_length(fields: Sequence[dict[str, Any]]) -> int:
    return sum(len(f["name"]) + len(f["value"]) for f in fields)


def _safe_url(url: str | None) -> str | None:
    """An http(s) URL safe inside a Markdown link, or None when there is no such URL."""
    if not url:
        return None
    cleaned = url.translate(_INVISIBLE).strip()
    try:
        parts = urlsplit(cleaned)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    # Credentials are dropped: nobody needs them in a shared channel, and "@" must not survive.
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    safe = urlunsplit(
        (
            parts.scheme.lower(),
            netloc.translate(_URL_UNSAFE),
            parts.path.translate(_URL_UNSAFE),
            parts.query.translate(_URL_UNSAFE),
            parts.fragment.translate(_URL_UNSAFE),
        )
    )
    return safe if len(safe) <= URL_LIMIT else None


def link_label(text: str) -> str:
    """Feed text for the text of ``[text](url)``: shown literally, unable to end the link."""
    return _link_text(text)


def shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut with an ellipsis and never inside an escape."""
    return truncate(text, limit, word_cut=None, trim=None, escapes=True)


def plain_line(text: str) -> str:
    """Feed or user text for a one-line reply: no pings, no hidden characters, no markup."""
    return _inline_md(text)


def link_target(url: str | None) -> str | None:
    """An http(s) URL that cannot break out of ``[text](<url>)``, or None."""
    return _safe_url(url)


def _inline(text: str) -> str:
    """Neutralised text on one line."""
    return one_line(neutralise_mentions(text))


def _link_text(text: str) -> str:
    """Neutralised text for a masked link: literal, with no bracket to end the link early."""
    return _inline(text).translate(_LINK_TEXT_UNSAFE)


def _inline_md(text: str) -> str:
    """Neutralised, escaped text on one line."""
    return escape_md(_inline(text))


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
