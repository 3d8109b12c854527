"""How a digest reaches readers beyond its channel: forum tags for its topics, and publishing
(crossposting) from announcement channels within Discord's hourly limit.

Publishing is best effort and never re-sends: it happens after a message is marked sent, a
failure is logged and counted, and a message whose channel has spent its 10 publishes of
the last hour is left unpublished (not deferred: a late publish would push old news to the
following servers). Publishes are recorded in the store, so a restart keeps counting them.
A crash between marking a message sent and publishing it leaves it unpublished.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import discord

from bot import metrics
from digests import Digest, Newsdesk

log = logging.getLogger(__name__)

# Discord's limit on a thread's (a forum post's) name.
THREAD_NAME_LIMIT = 100

# Discord's limits: 10 publishes an hour per announcement channel, 5 tags per forum post.
PUBLISHES_PER_HOUR = 10
PUBLISH_WINDOW = timedelta(hours=1)
APPLIED_TAGS_LIMIT = 5
# A publish that Discord rate-limits anyway is given up on, not waited out for an hour.
PUBLISH_TIMEOUT = 30.0


def with_delivery_hints(payloads: Sequence[dict[str, Any]], digest: Digest) -> list[dict[str, Any]]:
    """The payloads carrying what delivery needs besides the message: the digest's topics
    on the first (for forum tags), and on each the feed when all its stories come from one
    (for that feed's webhook identity). Discord never sees these keys."""
    topics = list(dict.fromkeys(t for item in digest.items for t in item.story.topics))
    feeds = {item.story.primary.feed_url for item in digest.items}
    hinted = [dict(p) for p in payloads]
    if len(feeds) == 1:
        (feed,) = feeds
        for payload in hinted:
            payload["feed_url"] = feed
    if hinted and topics:
        hinted[0]["topics"] = topics
    if hinted:
        hinted[0]["thread_name"] = forum_post_name(digest)
    return hinted


def forum_post_name(digest: Digest) -> str:
    """A forum post's title for the digest: its lead headline and how many stories follow,
    within Discord's 100 characters, so a forum's list of posts reads as news."""
    lead = " ".join(digest.items[0].briefing.headline.split()) if digest.items else ""
    more = len(digest.items) - 1
    suffix = f" (+{more} more)" if more > 0 else ""
    name = lead or "News digest"
    room = THREAD_NAME_LIMIT - len(suffix)
    if len(name) > room:
        name = name[: room - 1].rstrip() + "…"
    return name + suffix


def forum_tags(
    available: Sequence[discord.ForumTag], topics: Sequence[str], *, can_moderate: bool
) -> list[discord.ForumTag]:
    """The forum's tags named like the topics (case-insensitive), in topic order, at most 5;
    a moderated tag only when the bot may apply it (Manage Threads)."""
    by_name: dict[str, discord.ForumTag] = {}
    for tag in available:
        if can_moderate or not tag.moderated:
            by_name.setdefault(tag.name.casefold(), tag)
    chosen: dict[str, discord.ForumTag] = {}
    for topic in topics:
        key = str(topic).casefold()
        if key in by_name:
            chosen.setdefault(key, by_name[key])
    return list(chosen.values())[:APPLIED_TAGS_LIMIT]


def payload_topics(payload: dict[str, object]) -> list[str]:
    """The topics a stored first message carries (none when it carries something else)."""
    stored = payload.get("topics")
    return [str(t) for t in stored] if isinstance(stored, list) else []


class Publisher:
    """Publishes messages of announcement channels, at most 10 an hour per channel."""

    def __init__(self, desk: Newsdesk) -> None:
        self.desk = desk

    async def publish(self, channel: discord.TextChannel, remote_id: str) -> bool:
        """Whether the message was published; never raises for Discord's refusal."""
        used = await self.desk.publishes_in(channel.id, PUBLISH_WINDOW)
        if used >= PUBLISHES_PER_HOUR:
            log.info(
                "message %s of channel %s left unpublished: %s publishes in the last hour",
                remote_id,
                channel.id,
                used,
            )
            metrics.PUBLISH_SKIPPED.inc()
            return False
        try:
            await asyncio.wait_for(
                channel.get_partial_message(int(remote_id)).publish(), PUBLISH_TIMEOUT
            )
        except (discord.HTTPException, TimeoutError) as exc:
            log.warning(
                "could not publish message %s of channel %s: %s", remote_id, channel.id, exc
            )
            metrics.PUBLISH_SKIPPED.inc()
            return False
        await self.desk.record_publish(channel.id, remote_id)
        metrics.PUBLISHED.inc()
        return True
