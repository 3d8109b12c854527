"""Delivers queued digest messages from the outbox to Discord, exactly once and in order.

A digest's messages are stored before anything is sent and marked sent one by one. Each send
carries a nonce derived from the outbox row with ``enforce_nonce``, so a message whose send
succeeded just before a crash (but was not yet marked) is not created twice when retried.
A channel with a webhook posts through it (``bot.webhooks``, which has its own way to the
same guarantee); a forum post gets the tags of its topics and a message of an announcement
channel is published once sent (``bot.publishing``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, cast

import aiohttp
import discord

from bot import metrics
from bot.publishing import Publisher, forum_tags, payload_topics
from bot.render import MENTIONED_ROLES_LIMIT
from bot.updates import deliver_update
from bot.webhooks import NoticeHook, WebhookPoster
from digests import UPDATE_KEY, Newsdesk, OutboxMessage

log = logging.getLogger(__name__)

# After this many failed attempts (5xx, timeouts) a digest is given up on.
MAX_ATTEMPTS = 8
ProblemHook = Callable[[OutboxMessage, str], Any]


def message_kwargs(payload: dict[str, object], *, pings: bool = True) -> dict[str, Any]:
    """discord.py send() arguments for a stored payload. It pings only the roles its
    ``allowed_mentions`` lists (a topic's role), never everyone, here or a user; with
    ``pings=False`` (replaying a digest to one reader) it pings nobody."""
    stored = payload.get("embeds")
    # A payload is JSON from the outbox: anything but a list of embeds means none.
    embeds = [discord.Embed.from_dict(e) for e in stored] if isinstance(stored, list) else []
    allowed = allowed_roles(payload) if pings else discord.AllowedMentions.none()
    kwargs: dict[str, Any] = {"allowed_mentions": allowed}
    if payload.get("content"):
        kwargs["content"] = payload["content"]
    if embeds:
        kwargs["embeds"] = embeds
    return kwargs


def allowed_roles(payload: dict[str, object]) -> discord.AllowedMentions:
    """The mentions a stored payload may make: the role ids its ``allowed_mentions`` lists,
    and nothing else whatever else it says."""
    stored = payload.get("allowed_mentions")
    listed = stored.get("roles") if isinstance(stored, dict) else None
    ids = [int(r) for r in listed if str(r).isdigit()] if isinstance(listed, list) else []
    if not ids:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False,
        users=False,
        replied_user=False,
        roles=[discord.Object(id=i) for i in ids[:MENTIONED_ROLES_LIMIT]],
    )


class OutboxSender:
    """Sends pending outbox messages; one flush at a time."""

    def __init__(
        self,
        client: discord.Client,
        desk: Newsdesk,
        *,
        on_problem: ProblemHook | None = None,
        notify: NoticeHook | None = None,
    ) -> None:
        self.client = client
        self.desk = desk
        self.on_problem = on_problem
        self.webhooks = WebhookPoster(client, desk, notify=notify)
        self.publisher = Publisher(desk)
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        """Release what delivery holds open (the webhook session)."""
        await self.webhooks.close()

    async def flush(self) -> int:
        """Send every pending message in order; returns how many were sent."""
        async with self._lock:
            pending = await self.desk.pending_messages()
            sent = 0
            blocked: set[int] = set()
            threads: dict[int, int] = {}
            unsettled = self.webhooks.unsettled
            unsettled.clear()
            for message in pending:
                if message.digest_id in blocked:
                    continue
                if message.target_kind == "channel" and message.target_id in unsettled:
                    # A webhook send there may have gone out: settle it first, next flush.
                    continue
                try:
                    ok = await self._send(message, threads)
                except asyncio.CancelledError:
                    raise
                if ok:
                    sent += 1
                else:
                    # Order matters: nothing after a failed message of the same digest goes out.
                    blocked.add(message.digest_id)
            return sent

    async def _send(self, message: OutboxMessage, threads: dict[int, int]) -> bool:
        try:
            remote_id = await self._deliver(message, threads)
        except (discord.Forbidden, discord.NotFound) as exc:
            reason = f"cannot post to {message.target_kind} {message.target_id}: {exc.text or exc}"
            log.warning("%s; digest %s skipped", reason, message.digest_id)
            metrics.MESSAGES_FAILED.inc()
            await self.desk.fail_digest(message.digest_id, reason)
            if self.on_problem is not None:
                await _maybe_await(self.on_problem(message, reason))
            return False
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError, OSError) as exc:
            metrics.MESSAGES_FAILED.inc()
            log.warning(
                "sending digest %s message %s failed (attempt %s): %s",
                message.digest_id,
                message.seq,
                message.attempts + 1,
                exc,
            )
            await self.desk.mark_failed_attempt(message.id)
            if message.attempts + 1 >= MAX_ATTEMPTS:
                reason = f"gave up after {MAX_ATTEMPTS} tries"
                await self.desk.fail_digest(message.digest_id, reason)
            return False
        await self.desk.mark_sent(message.id, remote_id=remote_id)
        metrics.MESSAGES_SENT.inc()
        # Story updates go into threads, which are not published; only digest messages are.
        if message.target_kind == "channel" and remote_id and UPDATE_KEY not in message.payload:
            channel = self.client.get_channel(message.target_id)
            if isinstance(channel, discord.TextChannel) and channel.is_news():
                # After marking: a failed publish can never make the message go out again.
                await self.publisher.publish(channel, remote_id)
        return True

    async def _deliver(self, message: OutboxMessage, threads: dict[int, int]) -> str | None:
        kwargs = message_kwargs(message.payload)
        if UPDATE_KEY in message.payload:
            return await deliver_update(self.client, self.desk, message, kwargs)
        nonce = f"nd{message.id}"
        if message.target_kind == "user":
            user = self.client.get_user(message.target_id) or await self.client.fetch_user(
                message.target_id
            )
            sent = await user.send(nonce=nonce, **kwargs)
            return str(sent.id)
        channel = self.client.get_channel(message.target_id) or await self.client.fetch_channel(
            message.target_id
        )
        if isinstance(channel, discord.ForumChannel):
            return await self._deliver_forum(channel, message, kwargs, threads)
        if not isinstance(channel, discord.abc.Messageable):
            raise discord.NotFound(cast(Any, _FakeResponse(404)), "channel is not a text channel")
        if isinstance(channel, discord.TextChannel):
            through_webhook = await self.webhooks.deliver(channel, message, kwargs)
            if through_webhook is not None:
                return through_webhook
        sent = await channel.send(nonce=nonce, **kwargs)
        return str(sent.id)

    async def _deliver_forum(
        self,
        forum: discord.ForumChannel,
        message: OutboxMessage,
        kwargs: dict[str, Any],
        threads: dict[int, int],
    ) -> str:
        """Forum channels get one thread per digest: the header opens it, the rest follow."""
        if message.seq == 0:
            name = str(message.payload.get("thread_name") or "News digest")[:100]
            me = forum.guild.me
            tags = forum_tags(
                forum.available_tags,
                payload_topics(message.payload),
                can_moderate=forum.permissions_for(me).manage_threads,
            )
            created = await forum.create_thread(name=name, applied_tags=tags, **kwargs)
            threads[message.digest_id] = created.thread.id
            return str(created.thread.id)
        thread_id = threads.get(message.digest_id) or await self._thread_of(message.digest_id)
        thread = self.client.get_channel(thread_id) or await self.client.fetch_channel(thread_id)
        assert isinstance(thread, discord.Thread)
        sent = await thread.send(nonce=f"nd{message.id}", **kwargs)
        return str(sent.id)

    async def _thread_of(self, digest_id: int) -> int:
        record = await self.desk.digest_messages(digest_id)
        head = next(m for m in record if m.seq == 0)
        if head.remote_id is None:
            raise discord.NotFound(
                cast(Any, _FakeResponse(404)), "forum thread of this digest is unknown"
            )
        return int(head.remote_id)


class _FakeResponse:
    """Just enough of an aiohttp response for discord.py's exception constructors (cast where
    one is given: their annotation names requests' response too, when that is installed)."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "Not Found"


async def _maybe_await(value: Any) -> None:
    if asyncio.iscoroutine(value):
        await value
