"""Posting a channel's digests through a webhook the bot owns, under a name and avatar of the
channel's (or of the digest's feed), still exactly once.

Webhook executions carry no nonce, so a resend cannot be deduplicated by Discord. Instead,
before each execution the outbox records that it started, with the newest message id the
channel had then (``begin_webhook_send``). When a message that was started is sent again
(after a crash between the send reaching Discord and the outbox marking it, or a lost
response), the channel's messages after that id are read first: one posted by the same
webhook with the same content and embeds is this outbox row's message, and is marked sent
instead of posted again. This finds the message exactly because, once a webhook send of a
channel is in doubt, nothing else goes to that channel until it is settled (``unsettled``):
the only messages of that webhook after the recorded id are this row's own attempts. Sends
are made with ``wait=True``, so a message that went out is always recorded with its id, and
over a session that hands a 5xx straight back: discord.py would otherwise repeat the
execution blindly, and a 5xx may come after the message was created.

A deleted webhook (404 Unknown Webhook) is made again once; if that fails, the channel
stops using a webhook, admins are told, and the message goes out as the bot.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import discord

from bot import metrics
from digests import (
    ChannelWebhook,
    InputError,
    Newsdesk,
    NotFoundError,
    OutboxMessage,
    WebhookSend,
)

log = logging.getLogger(__name__)

NAME_LIMIT = 80
AVATAR_URL_LIMIT = 2048
# Discord refuses webhook names containing these words.
_FORBIDDEN_WORDS = ("discord", "clyde")
UNKNOWN_WEBHOOK = 10015
# How far a look for an earlier attempt reads through a channel's messages.
LOOKUP_LIMIT = 200
NEEDS_PERMISSION = (
    "I need the **Manage Webhooks** permission in <#{channel}> to post there under my own "
    "name and avatar. Grant it to my role for that channel, then run /webhook set again."
)

# Told (guild id, channel id, text) when a channel's webhook had to be given up.
NoticeHook = Callable[[int, int, str], Awaitable[None]]


_WEBHOOK_URL = re.compile(r"(/webhooks/\d+/)[\w.-]+")


class RedactWebhookTokens(logging.Filter):
    """Replaces the token in webhook URLs of a log record (discord.py logs them at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        redacted = _WEBHOOK_URL.sub(r"\1<token>", text)
        if redacted != text:
            record.msg, record.args = redacted, ()
        return True


def redact_webhook_logs() -> None:
    """Keep webhook tokens out of discord.py's webhook log, once."""
    logger = logging.getLogger("discord.webhook.async_")
    if not any(isinstance(f, RedactWebhookTokens) for f in logger.filters):
        logger.addFilter(RedactWebhookTokens())


class WebhookServerError(aiohttp.ClientError):
    """Discord answered a webhook execution with a server error; the message may exist."""


def check_identity(name: str, avatar_url: str | None) -> tuple[str, str | None]:
    """The name and avatar URL as stored, or InputError saying what Discord would refuse."""
    name = name.strip()
    if not 1 <= len(name) <= NAME_LIMIT:
        raise InputError(f"A webhook name has 1 to {NAME_LIMIT} characters.")
    lowered = name.lower()
    for word in _FORBIDDEN_WORDS:
        if word in lowered:
            raise InputError(f"Discord does not allow a webhook name containing {word!r}.")
    url = (avatar_url or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2048:
            raise InputError("The avatar must be an http(s) URL of an image.")
    return name, url


def can_manage_webhooks(channel: discord.abc.GuildChannel) -> bool:
    """Whether the bot may create webhooks in the channel."""
    return channel.permissions_for(channel.guild.me).manage_webhooks


def fingerprint(content: str | None, embeds: list[discord.Embed]) -> tuple[Any, ...]:
    """What identifies a digest message among others: its text and its embeds' main parts."""
    return (
        (content or "").strip(),
        tuple((e.title, e.description, e.url) for e in embeds),
    )


class WebhookPoster:
    """Sends outbox messages of channels that post through a webhook."""

    def __init__(
        self, client: discord.Client, desk: Newsdesk, *, notify: NoticeHook | None = None
    ) -> None:
        self.client = client
        self.desk = desk
        self.notify = notify
        # Channels with a webhook send in doubt: nothing more goes there until the next flush.
        self.unsettled: set[int] = set()
        # The newest message id this process got back per channel (the cache may lag).
        self._last_ids: dict[int, int] = {}
        self._http: aiohttp.ClientSession | None = None
        redact_webhook_logs()

    async def close(self) -> None:
        """Release the HTTP session webhook executions use."""
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(raise_for_status=_raise_on_server_error)
        return self._http

    async def deliver(
        self, channel: discord.TextChannel, message: OutboxMessage, kwargs: dict[str, Any]
    ) -> str | None:
        """The sent message's id, or None when the channel posts as the bot."""
        hook = await self.desk.channel_webhook(channel.guild.id, channel.id)
        if hook is None:
            return None
        started = await self.desk.webhook_send(message.id)
        if started is not None:
            found = await self._find_earlier(channel, started, kwargs)
            if found is not None:
                log.info(
                    "digest %s message %s had gone out already", message.digest_id, message.seq
                )
                metrics.WEBHOOK_RESENDS_AVOIDED.inc()
                return str(found)
        after = started.after_id if started is not None else self._after_id(channel)
        try:
            return await self._execute(hook, message, kwargs, after)
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_WEBHOOK:
                raise
        remade = await self._remake(channel, hook)
        if remade is not None:
            try:
                return await self._execute(remade, message, kwargs, after)
            except discord.NotFound as exc:
                if exc.code != UNKNOWN_WEBHOOK:
                    raise
        await self._give_up(channel, "was deleted and could not be made again")
        return None

    def _after_id(self, channel: discord.TextChannel) -> int | None:
        known = [i for i in (channel.last_message_id, self._last_ids.get(channel.id)) if i]
        return max(known) if known else None

    async def _execute(
        self,
        hook: ChannelWebhook,
        message: OutboxMessage,
        kwargs: dict[str, Any],
        after: int | None,
    ) -> str:
        await self.desk.begin_webhook_send(message.id, webhook_id=hook.webhook_id, after_id=after)
        identity = hook.identity_for(_feed_of(message))
        webhook = discord.Webhook.partial(hook.webhook_id, hook.token, session=self._session())
        try:
            sent = await webhook.send(
                wait=True,
                username=identity.name,
                avatar_url=identity.avatar_url or discord.utils.MISSING,
                **kwargs,
            )
        except discord.NotFound:
            raise
        except aiohttp.ClientResponseError as exc:
            self.unsettled.add(hook.channel_id)
            # Its text names the URL, which holds the token: never let it reach a log.
            raise WebhookServerError(f"the webhook execution was answered {exc.status}") from None
        except Exception:
            # It may have gone out: settle it (by looking) before the channel gets more.
            self.unsettled.add(hook.channel_id)
            raise
        self._last_ids[hook.channel_id] = max(sent.id, self._last_ids.get(hook.channel_id, 0))
        metrics.WEBHOOK_MESSAGES.inc()
        return str(sent.id)

    async def _find_earlier(
        self, channel: discord.TextChannel, started: WebhookSend, kwargs: dict[str, Any]
    ) -> int | None:
        """The id of this row's message if an earlier attempt posted it."""
        wanted = fingerprint(kwargs.get("content"), kwargs.get("embeds") or [])
        after = discord.Object(id=started.after_id) if started.after_id else None
        async for earlier in channel.history(limit=LOOKUP_LIMIT, after=after, oldest_first=True):
            if earlier.webhook_id != started.webhook_id:
                continue
            if fingerprint(earlier.content, earlier.embeds) == wanted:
                return earlier.id
        return None

    async def _remake(
        self, channel: discord.TextChannel, hook: ChannelWebhook
    ) -> ChannelWebhook | None:
        """A new webhook in place of a deleted one, or None when the bot may not make one
        (a transient failure is raised: the message is tried again later, as any other)."""
        log.warning("the webhook of channel %s is gone; making it again", channel.id)
        try:
            made = await channel.create_webhook(name=hook.identity.name, reason="newsdigest")
        except (discord.Forbidden, discord.NotFound) as exc:
            log.warning("could not make the webhook of channel %s again: %s", channel.id, exc)
            return None
        assert made.token is not None
        metrics.WEBHOOKS_REMADE.inc()
        return await self.desk.set_channel_webhook(
            channel.guild.id,
            channel.id,
            made.id,
            made.token,
            hook.identity.name,
            hook.identity.avatar_url,
        )

    async def _give_up(self, channel: discord.TextChannel, what: str) -> None:
        """Post as the bot from now on, and tell the admins why."""
        try:
            await self.desk.remove_channel_webhook(channel.guild.id, channel.id)
        except NotFoundError:
            log.debug("the webhook of channel %s was already forgotten", channel.id)
        text = (
            f"⚠️ The webhook I post through in <#{channel.id}> {what} "
            "(I need **Manage Webhooks** there). Digests there now come from me as the bot; "
            "run `/webhook set` to use a webhook again."
        )
        log.warning("the webhook of channel %s %s; posting as the bot", channel.id, what)
        if self.notify is not None:
            await self.notify(channel.guild.id, channel.id, text)


def _feed_of(message: OutboxMessage) -> str | None:
    feed = message.payload.get("feed_url")
    return feed if isinstance(feed, str) else None


async def _raise_on_server_error(response: aiohttp.ClientResponse) -> None:
    """A 5xx reaches the caller instead of being retried: the message may exist already."""
    if response.status >= 500:
        response.raise_for_status()
