"""Developing stories on Discord: rendering updates and timelines, and posting an update in its
story's thread.

An update goes into a thread started from the digest message that carried the story (the
thread takes that message's id, so starting it again after a restart finds the same thread),
or into the digest's post in a forum channel. Where the bot may not start or write in the
thread, or the message is gone, the update is handed back to the core for the channel's next
digest ("Developing"). Every message allows no mention.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import discord

from bot.publishing import THREAD_NAME_LIMIT
from bot.render import (
    DESCRIPTION_LIMIT,
    FIELD_VALUE_LIMIT,
    TITLE_LIMIT,
    link_label,
    link_target,
    neutralise_mentions,
    pack_embeds,
    plain_line,
    relative_time,
    shorten,
)
from digests import (
    UPDATE_KEY,
    Digest,
    Newsdesk,
    OutboxMessage,
    StoryUpdate,
    TimelineEntry,
    one_line,
    primary_url,
)
from digests import Source as StorySource

# "A thread has already been created for this message" (Discord's JSON error code).
THREAD_ALREADY_CREATED = 160004
UPDATE_COLOUR = 0xE67E22
_FACT_LIMIT = 600


def _no_mentions() -> dict[str, Any]:
    return {"parse": []}


def _joined(entries: Sequence[str], separator: str, limit: int) -> str:
    """The leading entries joined by ``separator`` within ``limit`` characters."""
    text = ""
    for entry in entries:
        joined = f"{text}{separator}{entry}" if text else entry
        if len(joined) > limit:
            break
        text = joined
    return text


def _sources_line(sources: Sequence[StorySource], limit: int) -> str:
    entries = []
    for source in sources:
        name = link_label(source.name) or "source"
        target = link_target(source.url)
        entries.append(f"[{name}](<{target}>)" if target else plain_line(source.name))
    return _joined(entries, " · ", limit)


def update_embed(update: StoryUpdate, *, title_prefix: str) -> dict[str, Any]:
    """One update as an embed: the story's headline, the new facts, the new sources."""
    headline = one_line(neutralise_mentions(update.headline)) or "Untitled story"
    facts = "\n".join(f"- {shorten(plain_line(f), _FACT_LIMIT)}" for f in update.facts if f.strip())
    embed: dict[str, Any] = {
        "type": "rich",
        "title": shorten(f"{title_prefix}{headline}", TITLE_LIMIT),
        "color": UPDATE_COLOUR,
        "description": shorten(facts, DESCRIPTION_LIMIT),
    }
    sources = _sources_line(update.sources, FIELD_VALUE_LIMIT)
    if sources:
        noun = "New source" if len(update.sources) == 1 else "New sources"
        embed["fields"] = [{"name": noun, "value": sources, "inline": False}]
    url = link_target(update.sources[0].url) if update.sources else None
    if url:
        embed["url"] = url
    return embed


def update_messages(update: StoryUpdate) -> list[dict[str, Any]]:
    """The payload of an update posted in its story's thread."""
    name = one_line(neutralise_mentions(update.headline)) or "Developing story"
    return [
        {
            "content": "**New reports on this story**",
            "embeds": [update_embed(update, title_prefix="")],
            "allowed_mentions": _no_mentions(),
            "thread_name": shorten(name, THREAD_NAME_LIMIT),
        }
    ]


def developing_messages(updates: Sequence[StoryUpdate]) -> list[dict[str, Any]]:
    """The "Developing" part of a digest: stories posted before that have new reports."""
    embeds = [update_embed(u, title_prefix="Developing: ") for u in updates]
    batches = pack_embeds(embeds)
    out: list[dict[str, Any]] = []
    for number, batch in enumerate(batches):
        payload: dict[str, Any] = {"embeds": batch, "allowed_mentions": _no_mentions()}
        if number == 0:
            payload["content"] = "**Developing** — new reports on stories posted before"
        out.append(payload)
    return out


def with_developing(
    payloads: Sequence[dict[str, Any]], updates: Sequence[StoryUpdate]
) -> list[dict[str, Any]]:
    """A digest's payloads followed by its "Developing" messages, if any."""
    return [*payloads, *developing_messages(updates)] if updates else list(payloads)


def tag_stories(payloads: Sequence[dict[str, Any]], digest: Digest) -> list[dict[str, Any]]:
    """The payloads with each one listing the stories it carries (``story_ids``), found by
    the story's link or headline in it, so an update can start its thread from that one."""
    tagged = [dict(p) for p in payloads]
    texts = [repr(p.get("embeds") or "") + str(p.get("content") or "") for p in payloads]
    for item in digest.items:
        marks = [link_target(primary_url(item.story)), item.briefing.headline[:80]]
        for payload, text in zip(tagged[1:] or tagged, texts[1:] or texts, strict=True):
            if any(m and m in text for m in marks):
                payload.setdefault("story_ids", []).append(item.story.id)
                break
    return tagged


def timeline_embed(entries: Sequence[TimelineEntry], room: int) -> dict[str, Any]:
    """The /story timeline: each report with its outlet, time and what it added, within
    ``room`` characters (what the message's other embed leaves of Discord's 6,000)."""
    title = "Timeline"
    limit = max(0, min(DESCRIPTION_LIMIT, room - len(title)))
    lines = []
    for number, entry in enumerate(entries):
        when = relative_time(entry.published or entry.seen)
        source = _sources_line([entry.source], 300) or "source"
        if number == 0:
            said = "first report"
        elif entry.added:
            said = "adds: " + "; ".join(shorten(plain_line(f), 300) for f in entry.added)
        else:
            said = "nothing new"
        lines.append(f"{when} {source} — {said}")
    text = _joined(lines, "\n", limit)
    return {"type": "rich", "title": title, "description": text or "No reports."}


def _has_code(exc: discord.HTTPException, code: int) -> bool:
    return getattr(exc, "code", None) == code


async def deliver_update(
    client: discord.Client, desk: Newsdesk, message: OutboxMessage, kwargs: dict[str, Any]
) -> str | None:
    """Post an update in its story's thread; the message's id, or None when the thread is
    not possible and the update went back to the core for the next digest."""
    anchor = message.payload.get(UPDATE_KEY)
    anchor = anchor if isinstance(anchor, dict) else {}
    try:
        channel = client.get_channel(message.target_id) or await client.fetch_channel(
            message.target_id
        )
        if isinstance(channel, discord.ForumChannel):
            thread_id = int(str(anchor.get("post_id")))
        elif isinstance(channel, discord.TextChannel):
            thread_id = int(str(anchor.get("message_id")))
            name = str(message.payload.get("thread_name") or "Developing story")[:100]
            try:
                await channel.get_partial_message(thread_id).create_thread(name=name)
            except discord.HTTPException as exc:
                # Started before (by us before a restart, or by a reader): the thread is there.
                if not _has_code(exc, THREAD_ALREADY_CREATED):
                    raise
        else:
            raise discord.Forbidden(cast(Any, _Refusal()), "this channel has no threads")
        thread = client.get_partial_messageable(thread_id, type=discord.ChannelType.public_thread)
        sent = await thread.send(nonce=f"nd{message.id}", **kwargs)
    except (discord.Forbidden, discord.NotFound, ValueError):
        await desk.defer_story_update(message.id)
        return None
    return str(sent.id)


class _Refusal:
    """Just enough of an aiohttp response for discord.py's exception constructors (cast where
    one is given: their annotation names requests' response too, when that is installed)."""

    status = 403
    reason = "Forbidden"
