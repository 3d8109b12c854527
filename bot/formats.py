"""Plain-text digest formats: a server's own story template, and the built-in `compact` and
`headlines` layouts.

A template names placeholders ({headline}, {summary}, ...) and is checked when it is set, so a
format that exists always renders. Whatever a feed says arrives neutralised and escaped: it
cannot ping, add a link or format the message. The template's own text is the admin's and is
kept as written; the payloads allow no mentions at all.
"""

from __future__ import annotations

import functools
import logging
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.render import (
    CONTENT_LIMIT,
    digest_header,
    digest_messages,
    link_label,
    link_target,
    neutralise_mentions,
    plain_line,
    relative_time,
    shorten,
)
from digests import (
    Article,
    Briefing,
    ChannelFormat,
    Digest,
    DigestItem,
    InputError,
    Story,
    escape_md,
    language_mark,
    primary_topic,
    primary_url,
    sources_of,
)

log = logging.getLogger(__name__)

PLACEHOLDERS = ("headline", "summary", "facts", "sources", "url", "topics", "published")
BUILT_IN_FORMATS = ("default", "compact", "headlines")
TEMPLATE_LIMIT = 1500
# Values cut first when a story would not fit one message: the longest, least essential text.
_SHRINK_ORDER = ("summary", "facts", "sources", "topics", "headline")
_STORY_SEPARATOR = "\n\n"
_LINE_SEPARATOR = "\n"

_SAMPLE_TIME = datetime(2024, 5, 1, 7, 30, tzinfo=UTC)
# The short story a template must fit one message with; also what a preview shows.
SAMPLE_ITEM = DigestItem(
    story=Story(
        id="sample",
        articles=(
            Article(
                id=0,
                feed_url="https://news.example/rss",
                feed_name="Example News",
                entry_id="sample",
                url="https://news.example/council-budget",
                canonical_url="https://news.example/council-budget",
                title="Council approves budget",
                author=None,
                published=_SAMPLE_TIME,
                fetched_at=_SAMPLE_TIME,
                text="",
                image_url=None,
                content_hash="sample",
            ),
        ),
        topics=("Politics",),
    ),
    briefing=Briefing(
        headline="Council approves budget",
        summary="The council approved next year's budget by seven votes to two.",
        key_facts=("Spending rises 3%.", "Taxes stay the same."),
        why_it_matters=None,
        summarizer="extractive",
    ),
)


@dataclass(frozen=True)
class StoryTemplate:
    """A checked story template: literal text, each followed by a placeholder (or None)."""

    text: str
    # (literal, placeholder or None, whether the placeholder sits inside a link's [text])
    parts: tuple[tuple[str, str | None, bool], ...]

    @property
    def placeholders(self) -> tuple[str, ...]:
        """The placeholders the template uses, in order, repeats included."""
        return tuple(name for _, name, _ in self.parts if name is not None)


def parse_template(text: str) -> StoryTemplate:
    """A template ready to render; InputError names what is wrong with it."""
    text = text.strip()
    if not text:
        raise InputError("A format needs some text, e.g. `{headline} {url}`.")
    if len(text) > TEMPLATE_LIMIT:
        raise InputError(f"A format is at most {TEMPLATE_LIMIT} characters.")
    try:
        pieces = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise InputError(f"That format has a stray brace: {exc}; write {{{{ or }}}}.") from None
    parts: list[tuple[str, str | None, bool]] = []
    before = ""
    for literal, name, spec, conversion in pieces:
        before += literal
        if name is None:
            parts.append((literal, None, False))
            continue
        if name not in PLACEHOLDERS:
            known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            raise InputError(f"Unknown placeholder {{{name}}}; use {known}.")
        if spec or conversion:
            raise InputError(f"Placeholder {{{name}}} takes no options; write {{{name}}}.")
        # Inside "[...](...)" a value is link text, which Discord shows literally.
        in_link = before.count("[") > before.count("]")
        parts.append((literal, name, in_link))
    template = StoryTemplate(text=text, parts=tuple(parts))
    sample = _fill(template, _values(SAMPLE_ITEM))
    if len(sample) > CONTENT_LIMIT:
        raise InputError(
            f"That format is {len(sample)} characters even for a short story; "
            f"a Discord message holds {CONTENT_LIMIT}."
        )
    return template


def render_story(template: StoryTemplate, item: DigestItem) -> str:
    """One story through a template, within one message: the longest values are cut to fit."""
    values = _values(item)
    text = _fill(template, values)
    counts = {name: template.placeholders.count(name) for name in PLACEHOLDERS}
    for name in (*_SHRINK_ORDER, "url", "published"):
        overflow = len(text) - CONTENT_LIMIT
        if overflow <= 0:
            break
        uses = counts[name]
        if not uses:
            continue
        for key in (name, f"{name}@link"):
            value = values[key]
            if name in ("url", "published"):
                # A link or a timestamp cut short is broken: it goes whole.
                values[key] = ""
            else:
                values[key] = shorten(value, max(0, len(value) - -(-overflow // uses)))
        text = _fill(template, values)
    return text


def compact_line(item: DigestItem) -> str:
    """One line: the linked headline, its source and its topic."""
    story = item.story
    headline = _headline(item)
    url = link_target(primary_url(story))
    head = f"[{link_label(headline)}](<{url}>)" if url else plain_line(headline)
    sources = sources_of(story)
    tail = [plain_line(sources[0].name)] if sources else []
    tail.append(plain_line(item.topic or primary_topic(story)))
    line = " — ".join([head, " · ".join(t for t in tail if t)])
    if len(line) <= CONTENT_LIMIT:
        return line
    return shorten(plain_line(headline), CONTENT_LIMIT)


def headline_line(item: DigestItem) -> str:
    """One line: the headline as a list item."""
    return shorten(f"- {plain_line(_headline(item))}", CONTENT_LIMIT)


def format_messages(
    digest: Digest, style: str | StoryTemplate, *, title: str
) -> list[dict[str, Any]]:
    """Message payloads for a digest in a format: a built-in name or a checked template."""
    if style == "default":
        return digest_messages(digest, title=title)
    render: Callable[[DigestItem], str]
    separator = _LINE_SEPARATOR
    if isinstance(style, StoryTemplate):
        render = functools.partial(render_story, style)
        separator = _STORY_SEPARATOR
    elif style == "compact":
        render = compact_line
    elif style == "headlines":
        render = headline_line
    else:
        raise InputError(f"Unknown format {style!r}; use {', '.join(BUILT_IN_FORMATS)}.")
    header = digest_header(digest, title=title)
    texts = [header, *pack_texts((render(item) for item in digest.items), separator)]
    return [{"content": text, "allowed_mentions": {"parse": []}} for text in texts]


def preview_messages(
    style: str | StoryTemplate, items: Sequence[DigestItem] = (), *, title: str
) -> list[dict[str, Any]]:
    """What a digest in ``style`` would look like: of the given recent stories, else a sample."""
    shown = tuple(items) or (SAMPLE_ITEM,)
    times = [t for t in (i.story.published for i in shown) if t is not None]
    digest = Digest(generated_at=max(times, default=_SAMPLE_TIME), items=shown)
    return format_messages(digest, style, title=title)


def channel_style(fmt: ChannelFormat) -> str | StoryTemplate:
    """The ``format_messages`` style of a channel's stored format. A stored template was
    checked when it was set; should it no longer parse, the channel gets the default layout
    rather than no digest."""
    if fmt.style == "full":
        return "default"
    if fmt.style != "custom":
        return fmt.style
    try:
        return parse_template(fmt.template or "")
    except InputError as exc:
        log.warning("the format of channel %s no longer parses: %s", fmt.channel_id, exc)
        return "default"


def channel_messages(fmt: ChannelFormat, digest: Digest, *, title: str) -> list[dict[str, Any]]:
    """Message payloads for a digest in the channel's own format."""
    return format_messages(digest, channel_style(fmt), title=title)


def pack_texts(texts: Iterable[str], separator: str) -> list[str]:
    """Texts joined in order into as few messages of at most 2,000 characters as fit."""
    messages: list[str] = []
    for text in texts:
        if messages and len(messages[-1]) + len(separator) + len(text) <= CONTENT_LIMIT:
            messages[-1] += separator + text
        else:
            messages.append(text)
    return messages


def _headline(item: DigestItem) -> str:
    headline = item.briefing.headline.strip() or item.story.primary.title or "Untitled story"
    return language_mark(item) + headline


def _values(item: DigestItem) -> dict[str, str]:
    """Each placeholder's text, escaped for Markdown, and its literal form for link text."""
    story, briefing = item.story, item.briefing
    headline = _headline(item)
    names = [s.name for s in sources_of(story)]
    topics = list(dict.fromkeys(story.topics))
    url = link_target(primary_url(story))
    published = story.published
    summary = "\n".join(
        line for line in escape_md(neutralise_mentions(briefing.summary)).splitlines() if line
    ).strip()
    values = {
        "headline": plain_line(headline),
        "summary": summary,
        "facts": "\n".join(f"• {plain_line(f)}" for f in briefing.key_facts if f.strip()),
        "sources": ", ".join(plain_line(n) for n in names),
        "topics": ", ".join(plain_line(t) for t in topics),
        # Angle brackets keep Discord from unfurling a preview per story; they also work
        # inside "[text](<url>)".
        "url": f"<{url}>" if url else "",
        "published": relative_time(published) if published is not None else "",
    }
    literal = {
        "headline@link": link_label(headline),
        "summary@link": link_label(briefing.summary),
        "facts@link": link_label(" · ".join(briefing.key_facts)),
        "sources@link": link_label(", ".join(names)),
        "topics@link": link_label(", ".join(topics)),
        "url@link": values["url"],
        "published@link": values["published"],
    }
    return values | literal


def _fill(template: StoryTemplate, values: Mapping[str, str]) -> str:
    out = []
    for literal, name, in_link in template.parts:
        out.append(literal)
        if name is not None:
            out.append(values[f"{name}@link" if in_link else name])
    return "".join(out).strip()
