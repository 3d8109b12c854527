"""A Discord-compatible gateway and REST server on 127.0.0.1 that the real discord.py connects to.

It runs aiohttp on its own thread and event loop, so a bot can run in the test's own loop or
as a subprocess that the test kills and restarts. Point discord.py at it the way the bot does::

    discord.http.Route.BASE = srv.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(srv.gateway_url)

Payloads follow Discord's real shapes (API v10). The gateway speaks HELLO, IDENTIFY -> READY
(+ one GUILD_CREATE per guild of the shard), heartbeats, RESUME (missed events replayed, then
RESUMED) and zlib-stream transport compression when the URL asks for it. The REST side keeps
every message, DM, forum post, registered command and interaction reply for the test to read,
and can inject 429s and 5xx faults.

For community delivery it also serves channel webhooks (create, list, get, delete; execute with
`?wait=true`, `username`/`avatar_url` overrides, `thread_id`, forum posts by `thread_name`;
Manage Webhooks is granted per channel with `manage_webhooks=True`), threads started from a
message, forum posts with at most 5 known `applied_tags` (a moderated tag needs Manage Threads,
which the bot lacks), announcement channels whose messages can be crossposted 10 times an hour
per channel (`advance_clock` moves that hour on; publishing a webhook's message needs Manage
Messages, granted with `manage_messages=True`), channel message history (`before`, `after`,
`limit`), and records which users and roles a message really pings under its
`allowed_mentions`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import re
import secrets
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import pytest
from aiohttp import BodyPartReader, WSCloseCode, WSMsgType, web

Json = dict[str, Any]

API_VERSION = 10
DISCORD_EPOCH_MS = 1_420_070_400_000
JSON_TYPE = "application/json"

# Channel types, message flags and permission bits from Discord's documentation.
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15
FLAG_CROSSPOSTED = 1 << 0
FLAG_HAS_THREAD = 1 << 5
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
SEND_MESSAGES = 1 << 11
SEND_MESSAGES_IN_THREADS = 1 << 38
CREATE_PUBLIC_THREADS = 1 << 35
MANAGE_WEBHOOKS = 1 << 29
MANAGE_MESSAGES = 1 << 13
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
# The @everyone permissions of a freshly created guild.
EVERYONE_PERMISSIONS = 2_248_473_465_835_073
BOT_PERMISSIONS = 2_147_870_720
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
# Discord lets an announcement channel publish 10 messages an hour.
CROSSPOSTS_PER_HOUR = 10
APPLIED_TAGS_LIMIT = 5
WEBHOOK_TYPE_INCOMING = 1

RouteKind = Literal[
    "messages",
    "threads",
    "channels",
    "dms",
    "commands",
    "interactions",
    "webhooks",
    "channel_webhooks",
    "crossposts",
    "any",
]

_COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
_EMBED_LIMITS = {"title": 256, "description": 4096}
_MAX_EMBED_TOTAL = 6000
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EVERYONE_MENTION = re.compile(r"@(everyone|here)")


# --- records the test reads ---------------------------------------------------------------


@dataclass(frozen=True)
class ChannelSpec:
    """A guild channel to serve: text (0), announcement (5), forum (15) or category (4)."""

    id: int
    name: str
    type: int = GUILD_TEXT
    can_send: bool = True
    topic: str | None = None
    parent_id: int | None = None
    tags: tuple[str, ...] = ()
    position: int = 0
    # The bot's role lacks Manage Webhooks; a channel can grant it through an overwrite.
    manage_webhooks: bool = False
    # Forum tags only members with Manage Threads may apply.
    moderated_tags: tuple[str, ...] = ()
    # The bot's role lacks Manage Messages (needed to publish others' messages).
    manage_messages: bool = False
    # False denies the bot Create Public Threads and Send Messages in Threads there.
    can_thread: bool = True

    @classmethod
    def text(
        cls,
        id: int,
        name: str,
        *,
        can_send: bool = True,
        topic: str | None = None,
        can_thread: bool = True,
    ) -> ChannelSpec:
        """A text channel; `can_send=False` denies the bot SEND_MESSAGES there, and
        `can_thread=False` only CREATE_PUBLIC_THREADS and SEND_MESSAGES_IN_THREADS."""
        return cls(
            id=id, name=name, type=GUILD_TEXT, can_send=can_send, topic=topic, can_thread=can_thread
        )

    @classmethod
    def announcement(
        cls,
        id: int,
        name: str,
        *,
        can_send: bool = True,
        manage_webhooks: bool = False,
        manage_messages: bool = False,
    ) -> ChannelSpec:
        """An announcement channel whose messages can be published (crossposted)."""
        return cls(
            id=id,
            name=name,
            type=GUILD_ANNOUNCEMENT,
            can_send=can_send,
            manage_webhooks=manage_webhooks,
            manage_messages=manage_messages,
        )

    @classmethod
    def forum(
        cls,
        id: int,
        name: str,
        *,
        tags: Sequence[str] = (),
        can_send: bool = True,
        manage_webhooks: bool = False,
        moderated_tags: Sequence[str] = (),
    ) -> ChannelSpec:
        """A forum channel whose posts become threads, with optional tag names (those in
        `moderated_tags` are moderated)."""
        return cls(
            id=id,
            name=name,
            type=GUILD_FORUM,
            can_send=can_send,
            tags=tuple(tags),
            manage_webhooks=manage_webhooks,
            moderated_tags=tuple(moderated_tags),
        )


@dataclass(frozen=True)
class SentMessage:
    """One message as the server stored it: the request's parts and the returned object."""

    id: int
    channel_id: int
    content: str
    embeds: tuple[Json, ...]
    allowed_mentions: Json | None
    flags: int
    components: tuple[Json, ...]
    files: tuple[tuple[str, bytes], ...]
    payload: Json
    message: Json

    @property
    def ephemeral(self) -> bool:
        """Whether only the invoking user sees this message."""
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def mentioned_user_ids(self) -> list[int]:
        """Users the message actually pings, after `allowed_mentions`."""
        return [int(u["id"]) for u in self.message["mentions"]]

    @property
    def mentioned_role_ids(self) -> list[int]:
        """Roles the message actually pings, after `allowed_mentions`."""
        return [int(r) for r in self.message["mention_roles"]]

    @property
    def mentions_everyone(self) -> bool:
        """Whether the message pings @everyone or @here."""
        return bool(self.message["mention_everyone"])

    @property
    def author_name(self) -> str:
        """The name shown on the message: a webhook's `username` override when given."""
        return str(self.message["author"]["username"])

    @property
    def avatar_url(self) -> str | None:
        """The `avatar_url` override a webhook execution asked for, if any."""
        value = self.payload.get("avatar_url")
        return None if value is None else str(value)

    @property
    def webhook_id(self) -> int | None:
        """The webhook that posted the message, or None for the bot itself."""
        value = self.message.get("webhook_id")
        return None if value is None else int(value)


@dataclass(frozen=True)
class ForumPost:
    """A thread created in a forum channel together with its first message."""

    thread: Json
    message: SentMessage

    @property
    def id(self) -> int:
        """The thread's id (also the id of its first message)."""
        return int(self.thread["id"])

    @property
    def name(self) -> str:
        """The post's title."""
        return str(self.thread["name"])

    @property
    def applied_tags(self) -> list[int]:
        """Ids of the forum tags applied to the post."""
        return [int(t) for t in self.thread.get("applied_tags", [])]


@dataclass(frozen=True)
class InteractionReply:
    """One response to an interaction: the callback, a followup, an edit or a deletion."""

    kind: Literal["callback", "followup", "edit", "delete"]
    type: int | None
    data: Json
    message: SentMessage | None

    @property
    def ephemeral(self) -> bool:
        """Whether the reply is visible only to the invoking user."""
        if self.message is not None:
            return self.message.ephemeral
        return bool(int(self.data.get("flags") or 0) & FLAG_EPHEMERAL)


@dataclass(frozen=True)
class RequestRecord:
    """One REST request as answered: method, path and status."""

    method: str
    path: str
    status: int
    kind: str


# --- internal state ---------------------------------------------------------------------------


@dataclass
class _Fault:
    status: int
    retry_after: float
    is_global: bool = False


@dataclass
class _Guild:
    id: int
    name: str
    owner_id: int
    channels: dict[int, ChannelSpec]
    member_ids: list[int]
    bot_role_id: int
    tag_ids: dict[int, dict[str, int]] = field(default_factory=dict)
    joined_at: str = ""
    roles: dict[int, tuple[str, bool]] = field(default_factory=dict)
    # A Community guild's language (Discord's default for a new guild is en-US).
    preferred_locale: str = "en-US"


# What GUILD_CREATE carries beyond the guild object other guild events send.
_GUILD_CREATE_ONLY = (
    "joined_at", "large", "unavailable", "member_count", "voice_states", "members", "channels",
    "threads", "presences", "stage_instances", "guild_scheduled_events", "soundboard_sounds",
    "embedded_activities", "activity_instances", "lazy",
)  # fmt: skip


@dataclass
class _Webhook:
    id: int
    token: str
    name: str
    avatar: str | None
    channel_id: int
    guild_id: int


@dataclass
class _Interaction:
    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user: Json
    name: str
    replies: list[InteractionReply] = field(default_factory=list)
    responded: bool = False
    original: SentMessage | None = None
    original_listed: bool = False


@dataclass
class _Session:
    id: str
    shard: tuple[int, int]
    intents: int
    seq: int = 0
    events: list[Json] = field(default_factory=list)
    conn: _Connection | None = None


class _Connection:
    """One gateway websocket with its own transport-compression stream."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self._deflate = zlib.compressobj() if compress else None
        # Compression state must follow send order, so sends are serialised.
        self._lock = asyncio.Lock()

    async def send(self, payload: Json) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                return
            with contextlib.suppress(ConnectionError, RuntimeError):
                if self._deflate is None:
                    await self.ws.send_str(text)
                else:
                    data = self._deflate.compress(text.encode()) + self._deflate.flush(
                        zlib.Z_SYNC_FLUSH
                    )
                    await self.ws.send_bytes(data)


class _Snowflakes:
    """Real-looking, strictly increasing snowflake ids."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        with self._lock:
            now = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (1 << 17)
            self._last = max(now, self._last + 1)
            return self._last


def _iso_now() -> str:
    return datetime.now(UTC).isoformat()


def _json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> web.Response:
    # discord.py only parses bodies whose Content-Type is exactly application/json.
    hdrs = {"Content-Type": JSON_TYPE, **(headers or {})}
    return web.Response(status=status, body=json.dumps(body).encode(), headers=hdrs)


def _error(status: int, code: int, message: str, errors: Json | None = None) -> web.Response:
    body: Json = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return _json_response(status, body)


def _form_error(errors: Json) -> web.Response:
    return _error(400, 50035, "Invalid Form Body", errors)


def _field_error(code: str, message: str) -> Json:
    return {"_errors": [{"code": code, "message": message}]}


def embed_errors(embeds: Sequence[Json]) -> Json:
    """Discord's `errors` tree for embeds breaking its size limits; empty when all fit."""
    errors: Json = {}
    if len(embeds) > 10:
        errors["embeds"] = _field_error("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        return errors
    total = 0
    for index, embed in enumerate(embeds):
        own: Json = {}
        for key, limit in _EMBED_LIMITS.items():
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                own[key] = _field_error(
                    "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
                )
        fields = embed.get("fields") or []
        if len(fields) > 25:
            own["fields"] = _field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        field_errors: Json = {}
        for f_index, fld in enumerate(fields):
            name, value = str(fld.get("name", "")), str(fld.get("value", ""))
            total += len(name) + len(value)
            bad: Json = {}
            if not name or len(name) > 256:
                bad["name"] = _field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 256.")
            if not value or len(value) > 1024:
                bad["value"] = _field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1024.")
            if bad:
                field_errors[str(f_index)] = bad
        if field_errors and "fields" not in own:
            own["fields"] = field_errors
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        total += len(footer) + len(author)
        if len(footer) > 2048:
            own["footer"] = {"text": _field_error("BASE_TYPE_MAX_LENGTH", "Must be 2048 or fewer.")}
        if len(author) > 256:
            own["author"] = {"name": _field_error("BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer.")}
        if own:
            errors.setdefault("embeds", {})[str(index)] = own
    if total > _MAX_EMBED_TOTAL and not errors:
        errors["embeds"] = _field_error(
            "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )
    return errors


def command_errors(commands: Sequence[Json]) -> Json:
    """Discord's `errors` tree for an invalid bulk command registration; empty when valid."""
    errors: Json = {}
    seen: set[tuple[str, int]] = set()
    for index, cmd in enumerate(commands):
        own: Json = {}
        name = str(cmd.get("name", ""))
        ctype = int(cmd.get("type", 1))
        if not _COMMAND_NAME.match(name) or (ctype == 1 and name != name.lower()):
            own["name"] = _field_error("APPLICATION_COMMAND_INVALID_NAME", "Invalid name")
        if (name, ctype) in seen:
            own["name"] = _field_error(
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {name}",
            )
        seen.add((name, ctype))
        description = str(cmd.get("description", ""))
        if ctype == 1 and not 1 <= len(description) <= 100:
            own["description"] = _field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100.")
        option_errors = _option_errors(cmd.get("options") or [])
        if option_errors:
            own["options"] = option_errors
        if own:
            errors[str(index)] = own
    if len(commands) > 100:
        errors["_errors"] = [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 100 or fewer."}]
    return errors


def _option_errors(options: Sequence[Json]) -> Json:
    if len(options) > 25:
        return _field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    errors: Json = {}
    optional_seen = False
    for index, opt in enumerate(options):
        own: Json = {}
        name = str(opt.get("name", ""))
        if not _COMMAND_NAME.match(name) or name != name.lower():
            own["name"] = _field_error("APPLICATION_COMMAND_INVALID_NAME", "Invalid name")
        if not 1 <= len(str(opt.get("description", ""))) <= 100:
            own["description"] = _field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100.")
        if len(opt.get("choices") or []) > 25:
            own["choices"] = _field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer.")
        if opt.get("type") in (1, 2):
            nested = _option_errors(opt.get("options") or [])
            if nested:
                own["options"] = nested
        elif opt.get("required"):
            if optional_seen:
                own["required"] = _field_error(
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        if own:
            errors[str(index)] = own
    return errors


# --- the server ---------------------------------------------------------------------------------


class DiscordServer:
    """A fake Discord: gateway + REST on 127.0.0.1, with controls for tests."""

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_user_id: int = 1_111_111_111_111_111_111,
        bot_name: str = "newsdigest",
        heartbeat_interval_ms: int = 41_250,
        shard_count: int = 1,
        port: int = 0,
    ) -> None:
        self.token = token
        self.bot_user_id = bot_user_id
        self.application_id = bot_user_id
        self.bot_name = bot_name
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.shard_count = shard_count
        self.port = port
        self._ids = _Snowflakes()
        self._lock = threading.RLock()
        self._guilds: dict[int, _Guild] = {}
        self._channels: dict[int, Json] = {}
        self._channel_guild: dict[int, int] = {}
        self._no_send: set[int] = set()
        self._no_threads: set[int] = set()
        self._blocked_dm_users: set[int] = set()
        self._messages: dict[int, list[SentMessage]] = {}
        self._dm_channels: dict[int, int] = {}
        self._posts: dict[int, list[ForumPost]] = {}
        self._commands: dict[int | None, list[Json]] = {}
        self._interactions: dict[int, _Interaction] = {}
        self._tokens: dict[str, int] = {}
        self._webhook_messages: dict[int, tuple[int, SentMessage]] = {}
        self._webhooks: dict[int, _Webhook] = {}
        self._crossposts: dict[int, list[float]] = {}
        self._clock_offset = 0.0
        self._sessions: dict[str, _Session] = {}
        self._latest_session: dict[tuple[int, int], str] = {}
        self._connections: set[_Connection] = set()
        self._closing: set[asyncio.Future[Any]] = set()
        self._faults: dict[str, list[_Fault]] = {}
        self._fault_rate = 0.0
        self._fault_kind = "messages"
        self._fault_statuses: tuple[int, ...] = (429,)
        self._fault_retry_after = 0.05
        self._fault_random = random.Random(0)
        self._requests: list[RequestRecord] = []
        self._route_kinds: dict[tuple[str, str], str] = {}
        self.invalid_requests = 0
        self.nonce_hits = 0
        self._created = 0
        self._hold_after: int | None = None
        self._lose_responses = 0
        self._hold_webhook_responses = 0
        self.ready_count = 0
        self.resume_count = 0
        self.identify_payloads: list[Json] = []
        self.gateway_queries: list[dict[str, str]] = []
        self.heartbeats = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None

    # --- lifecycle --------------------------------------------------------------------------
    @property
    def api_base(self) -> str:
        """The REST base URL to assign to `discord.http.Route.BASE`."""
        return f"http://127.0.0.1:{self.port}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """The websocket URL to assign to `DiscordWebSocket.DEFAULT_GATEWAY`."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    def start(self) -> None:
        """Starts serving on a background thread; returns once the port is bound."""

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve())
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="fake-discord", daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("fake Discord server did not start")
        if self._start_error is not None:
            raise RuntimeError("fake Discord server failed to start") from self._start_error

    def close(self) -> None:
        """Closes every websocket and stops the server thread."""
        loop, stopping = self._loop, self._stopping
        if loop is None or stopping is None or self._thread is None:
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(stopping.set)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> DiscordServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        try:
            app = self._make_app()
            self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            await site.start()
            self.port = int(self._runner.addresses[0][1])
        except BaseException as exc:
            self._start_error = exc
            self._started.set()
            raise
        self._started.set()
        await self._stopping.wait()
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=WSCloseCode.GOING_AWAY), 1.0)
        for task in list(self._closing):
            task.cancel()
        await self._runner.cleanup()

    def _call(self, coro: Awaitable[Any], timeout: float = 10.0) -> Any:
        """Runs a coroutine on the server loop from any other thread."""
        if self._loop is None:
            raise RuntimeError("server not started")
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(coro), self._loop)
        return future.result(timeout)

    # --- world building ---------------------------------------------------------------------
    def add_guild(
        self,
        guild_id: int,
        name: str,
        channels: Iterable[ChannelSpec | Mapping[str, Any]] = (),
        *,
        owner_id: int = 2_222_222_222_222_222_222,
        member_ids: Iterable[int] = (),
        preferred_locale: str = "en-US",
    ) -> None:
        """Adds a guild the bot is in; a connected bot receives its GUILD_CREATE at once."""
        specs = [c if isinstance(c, ChannelSpec) else _spec_from_mapping(c) for c in channels]
        guild = _Guild(
            id=guild_id,
            name=name,
            owner_id=owner_id,
            channels={},
            member_ids=[owner_id, *[m for m in member_ids if m != owner_id]],
            bot_role_id=self._ids.next(),
            joined_at=_iso_now(),
            preferred_locale=preferred_locale,
        )
        with self._lock:
            self._guilds[guild_id] = guild
            for spec in specs:
                self._add_channel(guild, spec)
        if self._loop is not None and self._started.is_set():
            self._call(self._dispatch_guild(guild_id, "GUILD_CREATE", self._guild_create(guild)))

    def set_preferred_locale(self, guild_id: int, locale: str) -> None:
        """Changes a guild's language (a Community setting); a connected bot receives
        GUILD_UPDATE with the guild object."""
        with self._lock:
            guild = self._guilds[guild_id]
            guild.preferred_locale = locale
        payload = self._guild_create(guild)
        for key in _GUILD_CREATE_ONLY:
            payload.pop(key, None)
        self._call(self._dispatch_guild(guild_id, "GUILD_UPDATE", payload))

    def add_channel(self, guild_id: int, channel: ChannelSpec) -> None:
        """Adds a channel to a guild; a connected bot receives CHANNEL_CREATE."""
        with self._lock:
            guild = self._guilds[guild_id]
            self._add_channel(guild, channel)
            payload = dict(self._channels[channel.id])
        if self._loop is not None:
            self._call(self._dispatch_guild(guild_id, "CHANNEL_CREATE", payload))

    def _add_channel(self, guild: _Guild, spec: ChannelSpec) -> None:
        guild.channels[spec.id] = spec
        if spec.tags:
            guild.tag_ids[spec.id] = {tag: self._ids.next() for tag in spec.tags}
        self._channels[spec.id] = self._channel_object(guild, spec)
        self._channel_guild[spec.id] = guild.id
        if not spec.can_send:
            self._no_send.add(spec.id)
        if not spec.can_thread:
            self._no_threads.add(spec.id)

    def add_role(
        self, guild_id: int, role_id: int, name: str, *, mentionable: bool = False
    ) -> None:
        """Adds a role to a guild; a connected bot receives GUILD_ROLE_CREATE."""
        with self._lock:
            guild = self._guilds[guild_id]
            guild.roles[role_id] = (name, mentionable)
            role = next(r for r in self._roles(guild) if r["id"] == str(role_id))
        if self._loop is not None and self._started.is_set():
            event = {"guild_id": str(guild_id), "role": role}
            self._call(self._dispatch_guild(guild_id, "GUILD_ROLE_CREATE", event))

    def advance_clock(self, seconds: float) -> None:
        """Moves the server's clock on, so hourly limits can be tested without waiting."""
        with self._lock:
            self._clock_offset += seconds

    def _now(self) -> float:
        return time.time() + self._clock_offset

    def block_dms(self, user_id: int) -> None:
        """Makes DMs to this user fail with 403 code 50007, as when a user closes DMs."""
        with self._lock:
            self._blocked_dm_users.add(user_id)

    # --- what the bot did -------------------------------------------------------------------
    def messages(self, channel_id: int) -> list[SentMessage]:
        """Every visible message in a channel (or thread, or DM), oldest first."""
        with self._lock:
            return list(self._messages.get(channel_id, []))

    def dms(self, user_id: int) -> list[SentMessage]:
        """Every message the bot sent to a user's DM channel, oldest first."""
        with self._lock:
            channel_id = self._dm_channels.get(user_id)
            return [] if channel_id is None else list(self._messages.get(channel_id, []))

    def threads(self, forum_id: int) -> list[ForumPost]:
        """Every post (thread + first message) created in a forum channel, oldest first."""
        with self._lock:
            return list(self._posts.get(forum_id, []))

    def webhooks(self, channel_id: int) -> list[Json]:
        """The webhooks that exist in a channel (deleted ones are gone), oldest first."""
        with self._lock:
            return [
                self._webhook_object(w)
                for w in self._webhooks.values()
                if w.channel_id == channel_id
            ]

    def registered_commands(self, guild_id: int | None = None) -> list[Json]:
        """The commands last registered globally (None) or for one guild, with their ids."""
        with self._lock:
            return [dict(c) for c in self._commands.get(guild_id, [])]

    def interaction_replies(self, interaction_id: int) -> list[InteractionReply]:
        """Every response recorded so far for one interaction."""
        with self._lock:
            return list(self._interactions[interaction_id].replies)

    def requests(self) -> list[RequestRecord]:
        """Every REST request answered so far, in order."""
        with self._lock:
            return list(self._requests)

    async def wait_ready(self, timeout: float = 10.0, *, count: int = 1) -> None:
        """Waits until `count` READY (+ GUILD_CREATEs) have been sent since the server started."""
        await _wait_until(lambda: self.ready_count >= count, timeout, f"{count} READY")

    async def wait_resumed(self, timeout: float = 10.0, *, count: int = 1) -> None:
        """Waits until `count` sessions have been resumed."""
        await _wait_until(lambda: self.resume_count >= count, timeout, f"{count} RESUMED")

    async def wait_for_messages(
        self, channel_id: int, count: int = 1, timeout: float = 10.0
    ) -> list[SentMessage]:
        """Waits until a channel holds at least `count` messages and returns them all."""
        await _wait_until(
            lambda: len(self.messages(channel_id)) >= count,
            timeout,
            f"{count} messages in channel {channel_id}",
        )
        return self.messages(channel_id)

    async def wait_for_interaction_response(
        self, interaction_id: int, timeout: float = 10.0, *, count: int = 1
    ) -> list[InteractionReply]:
        """Waits for `count` replies (callback, followups, edits) to an interaction."""
        await _wait_until(
            lambda: len(self.interaction_replies(interaction_id)) >= count,
            timeout,
            f"{count} replies to interaction {interaction_id}",
        )
        return self.interaction_replies(interaction_id)

    # --- fault injection --------------------------------------------------------------------
    def fail_next(
        self,
        route_kind: RouteKind = "messages",
        count: int = 1,
        status: int = 429,
        retry_after: float = 0.2,
        *,
        is_global: bool = False,
    ) -> None:
        """Answers the next `count` requests of a kind with `status` (429 carries Retry-After)."""
        with self._lock:
            faults = self._faults.setdefault(route_kind, [])
            faults.extend(_Fault(status, retry_after, is_global) for _ in range(count))

    def fault_rate(
        self,
        rate: float,
        *,
        seed: int = 0,
        route_kind: RouteKind = "messages",
        statuses: Sequence[int] = (429,),
        retry_after: float = 0.05,
    ) -> None:
        """Fails each request of a kind with probability `rate` (0 turns it off), reproducibly."""
        with self._lock:
            self._fault_rate = rate
            self._fault_random = random.Random(seed)
            self._fault_kind = route_kind
            self._fault_statuses = tuple(statuses)
            self._fault_retry_after = retry_after

    def _take_fault(self, kind: str) -> _Fault | None:
        with self._lock:
            for key in (kind, "any"):
                pending = self._faults.get(key)
                if pending:
                    return pending.pop(0)
            randomly = self._fault_rate and self._fault_kind in (kind, "any")
            if randomly and self._fault_random.random() < self._fault_rate:
                status = self._fault_random.choice(self._fault_statuses)
                return _Fault(status, self._fault_retry_after)
        return None

    def hold_messages_after(self, count: int | None) -> None:
        """Once ``count`` channel messages exist, answer further sends with a 30 s 429, so a
        test can kill the bot between two messages; ``None`` lets sends through again."""
        with self._lock:
            self._hold_after = count

    def delete_webhook(self, webhook_id: int) -> None:
        """Deletes a channel webhook, as a member does in the channel's settings."""
        with self._lock:
            self._webhooks.pop(webhook_id, None)

    def revoke_manage_webhooks(self, channel_id: int) -> None:
        """Takes Manage Webhooks away from the bot in a channel (the bot is not told)."""
        with self._lock:
            guild = self._guilds[self._channel_guild[channel_id]]
            guild.channels[channel_id] = replace(guild.channels[channel_id], manage_webhooks=False)

    def hold_webhook_responses(self, count: int = 1) -> None:
        """Create the next ``count`` webhook messages but answer with a 30 s 429, as if the
        answer were lost: a test kills the bot before it learns the message went out."""
        with self._lock:
            self._hold_webhook_responses = count

    def lose_responses(self, count: int = 1) -> None:
        """Create the next ``count`` channel messages but answer 500, as when a response is
        lost on the way back."""
        with self._lock:
            self._lose_responses = count

    # --- gateway controls -------------------------------------------------------------------
    def drop_gateway(self, code: int = 4000) -> None:
        """Closes every gateway websocket with a resumable close code; the bot RESUMEs."""

        async def drop() -> None:
            conns = list(self._connections)
            with self._lock:
                # Events from now on are buffered for the RESUME, whatever the close's timing.
                for session in self._sessions.values():
                    if session.conn in conns:
                        session.conn = None
            for conn in conns:
                self._connections.discard(conn)
                # Not awaited: closing waits for the client's reply, whose loop may be ours'
                # caller's, blocked in this very call.
                task = asyncio.ensure_future(conn.ws.close(code=code, message=b"dropped by test"))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

        self._call(drop())

    def invalidate_sessions(self) -> None:
        """Forgets every session, so the next RESUME gets INVALID_SESSION and re-IDENTIFYs."""
        with self._lock:
            self._sessions.clear()
            self._latest_session.clear()

    def inject_interaction(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        name: str,
        options: Mapping[str, Any] | Sequence[Json] | None = None,
        subcommand: str | None = None,
        *,
        permissions: str | None = None,
        type: int = 2,
        focused: str | None = None,
        locale: str = "en-US",
        roles: Sequence[int] = (),
    ) -> int:
        """Delivers an INTERACTION_CREATE for a slash command; returns the interaction id.

        `subcommand` is "sub" or "group sub". `type=4` makes it an autocomplete request with
        `focused` naming the option being typed. `permissions` defaults to @everyone's.
        """
        iid = self._ids.next()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        with self._lock:
            payload = self._interaction_payload(
                iid,
                token,
                guild_id,
                channel_id,
                user_id,
                name,
                options,
                subcommand,
                permissions,
                type,
                focused,
                locale,
                roles,
            )
            self._interactions[iid] = _Interaction(
                id=iid,
                token=token,
                type=type,
                guild_id=guild_id,
                channel_id=channel_id,
                user=self._user(user_id),
                name=name,
            )
            self._tokens[token] = iid
            if not self._sessions_for(guild_id):
                raise RuntimeError("no bot session has identified with this server")
        self._call(self._dispatch_guild(guild_id, "INTERACTION_CREATE", payload))
        return iid

    # --- payload builders -------------------------------------------------------------------
    def _bot_user(self) -> Json:
        return {
            "id": str(self.bot_user_id),
            "username": self.bot_name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "system": False,
            "mfa_enabled": True,
            "verified": True,
            "email": None,
            "flags": 0,
            "public_flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
            "collectibles": None,
        }

    def _user(self, user_id: int) -> Json:
        if user_id == self.bot_user_id:
            return self._bot_user()
        return {
            "id": str(user_id),
            "username": f"user{user_id % 100_000}",
            "discriminator": "0",
            "global_name": f"User {user_id % 100_000}",
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
            "collectibles": None,
        }

    def _member(self, guild: _Guild, user_id: int, *, with_user: bool = True) -> Json:
        member: Json = {
            "roles": [str(guild.bot_role_id)] if user_id == self.bot_user_id else [],
            "nick": None,
            "avatar": None,
            "banner": None,
            "joined_at": guild.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
            "avatar_decoration_data": None,
        }
        if with_user:
            member["user"] = self._user(user_id)
        return member

    def _roles(self, guild: _Guild) -> list[Json]:
        def role(role_id: int, name: str, position: int, perms: int, tags: Json | None) -> Json:
            data: Json = {
                "id": str(role_id),
                "name": name,
                "color": 0,
                "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False,
                "icon": None,
                "unicode_emoji": None,
                "position": position,
                "permissions": str(perms),
                "managed": tags is not None,
                "mentionable": False,
                "flags": 0,
            }
            if tags is not None:
                data["tags"] = tags
            return data

        extra = []
        for position, (role_id, (name, mentionable)) in enumerate(guild.roles.items(), start=2):
            extra.append(role(role_id, name, position, 0, None) | {"mentionable": mentionable})
        return [
            role(guild.id, "@everyone", 0, EVERYONE_PERMISSIONS, None),
            role(
                guild.bot_role_id,
                self.bot_name,
                1,
                BOT_PERMISSIONS,
                {"bot_id": str(self.bot_user_id)},
            ),
            *extra,
        ]

    def _channel_object(self, guild: _Guild, spec: ChannelSpec) -> Json:
        overwrites: list[Json] = []
        allow = (MANAGE_WEBHOOKS if spec.manage_webhooks else 0) | (
            MANAGE_MESSAGES if spec.manage_messages else 0
        )
        deny = (
            0 if spec.can_send else SEND_MESSAGES | SEND_MESSAGES_IN_THREADS | CREATE_PUBLIC_THREADS
        )
        if not spec.can_thread:
            deny |= SEND_MESSAGES_IN_THREADS | CREATE_PUBLIC_THREADS
        if allow or deny:
            overwrites.append(
                {"id": str(self.bot_user_id), "type": 1, "allow": str(allow), "deny": str(deny)}
            )
        data: Json = {
            "id": str(spec.id),
            "type": spec.type,
            "guild_id": str(guild.id),
            "name": spec.name,
            "position": spec.position,
            "permission_overwrites": overwrites,
            "parent_id": None if spec.parent_id is None else str(spec.parent_id),
            "nsfw": False,
            "flags": 0,
        }
        if spec.type in (GUILD_TEXT, GUILD_ANNOUNCEMENT, GUILD_FORUM):
            data |= {
                "topic": spec.topic,
                "rate_limit_per_user": 0,
                "last_message_id": None,
                "default_auto_archive_duration": 4320,
                "default_thread_rate_limit_per_user": 0,
            }
        if spec.type in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            data["last_pin_timestamp"] = None
        if spec.type == GUILD_FORUM:
            tag_ids = guild.tag_ids.get(spec.id, {})
            data |= {
                "available_tags": [
                    {
                        "id": str(tag_id),
                        "name": tag,
                        "moderated": tag in spec.moderated_tags,
                        "emoji_id": None,
                        "emoji_name": None,
                    }
                    for tag, tag_id in tag_ids.items()
                ],
                "default_reaction_emoji": None,
                "default_sort_order": None,
                "default_forum_layout": 0,
                "template": "",
            }
        return data

    def _guild_create(self, guild: _Guild) -> Json:
        with self._lock:
            channels = [dict(self._channels[c]) for c in guild.channels]
            for channel in channels:
                # GUILD_CREATE channels omit guild_id; it is implied by the guild.
                channel.pop("guild_id", None)
            threads = [
                dict(data)
                for channel_id, data in self._channels.items()
                if data["type"] in (ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD)
                and self._channel_guild.get(channel_id) == guild.id
            ]
        members = [self._member(guild, uid) for uid in [self.bot_user_id, *guild.member_ids]]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "roles": self._roles(guild),
            "emojis": [],
            "stickers": [],
            "features": ["COMMUNITY", "NEWS"],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_presences": None,
            "max_members": 500_000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": guild.preferred_locale,
            "nsfw_level": 0,
            "nsfw": False,
            "incidents_data": None,
            "hub_type": None,
            "latest_onboarding_question_id": None,
            "home_header": None,
            "version": int(time.time() * 1000),
            # Fields that only GUILD_CREATE carries.
            "joined_at": guild.joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "voice_states": [],
            "members": members,
            "channels": channels,
            "threads": threads,
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "activity_instances": [],
            "lazy": True,
        }

    def _message_object(
        self,
        *,
        message_id: int,
        channel_id: int,
        body: Json,
        attachments: list[Json],
        message_type: int = 0,
        interaction: _Interaction | None = None,
        flags: int = 0,
        webhook: _Webhook | None = None,
    ) -> Json:
        users, roles, everyone = self._mentions(channel_id, body)
        message: Json = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": message_type,
            "content": str(body.get("content") or ""),
            "author": self._bot_user() if webhook is None else self._webhook_author(webhook, body),
            "timestamp": _iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": everyone,
            "mentions": [self._user(u) for u in users],
            "mention_roles": [str(r) for r in roles],
            "mention_channels": [],
            "attachments": attachments,
            "embeds": [{"type": "rich", **e} for e in body.get("embeds") or []],
            "reactions": [],
            "pinned": False,
            "flags": flags,
            "components": list(body.get("components") or []),
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if body.get("message_reference"):
            message["message_reference"] = {
                "type": 0,
                "channel_id": str(channel_id),
                **body["message_reference"],
            }
        if interaction is not None:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "name": interaction.name,
                "command_type": 1,
                "user": interaction.user,
                "authorizing_integration_owners": self._integration_owners(interaction.guild_id),
            }
            message["interaction"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "name": interaction.name,
                "user": interaction.user,
            }
        if webhook is not None:
            message["webhook_id"] = str(webhook.id)
        guild_id = self._channel_guild.get(channel_id)
        if guild_id is not None:
            message["guild_id"] = str(guild_id)
        return message

    def _mentions(self, channel_id: int, body: Json) -> tuple[list[int], list[int], bool]:
        """Who a message really pings: mentions in its content that `allowed_mentions` allows.

        As on Discord, only the content pings (never embeds), an absent `allowed_mentions`
        allows everything, and `parse` or an explicit id list lets each kind through.
        """
        content = str(body.get("content") or "")
        allowed = body.get("allowed_mentions")
        parse = set(allowed.get("parse") or []) if allowed is not None else None
        listed_users = {int(u) for u in (allowed or {}).get("users") or []}
        listed_roles = {int(r) for r in (allowed or {}).get("roles") or []}

        def lets(kind: str, listed: set[int], ident: int) -> bool:
            return parse is None or kind in parse or ident in listed

        guild = self._guilds.get(self._channel_guild.get(channel_id, -1))
        known_users = {self.bot_user_id, *(guild.member_ids if guild else [])}
        users = _unique_ints(_USER_MENTION.findall(content))
        # @everyone holds Mention Everyone in these guilds, so every role can be pinged.
        roles = _unique_ints(_ROLE_MENTION.findall(content))
        return (
            [u for u in users if u in known_users and lets("users", listed_users, u)],
            [r for r in roles if guild and r in guild.roles and lets("roles", listed_roles, r)],
            bool(_EVERYONE_MENTION.search(content)) and (parse is None or "everyone" in parse),
        )

    def _integration_owners(self, guild_id: int | None) -> Json:
        return {"0": str(guild_id) if guild_id is not None else "0"}

    def _sent(
        self,
        *,
        channel_id: int,
        body: Json,
        files: list[tuple[str, bytes]],
        message_type: int = 0,
        interaction: _Interaction | None = None,
        message_id: int | None = None,
        flags: int | None = None,
        webhook: _Webhook | None = None,
    ) -> SentMessage:
        message_id = message_id or self._ids.next()
        attachments = self._attachments(channel_id, body, files)
        flag_value = int(body.get("flags") or 0) if flags is None else flags
        message = self._message_object(
            message_id=message_id,
            channel_id=channel_id,
            body=body,
            attachments=attachments,
            message_type=message_type,
            interaction=interaction,
            flags=flag_value,
            webhook=webhook,
        )
        return SentMessage(
            id=message_id,
            channel_id=channel_id,
            content=message["content"],
            embeds=tuple(message["embeds"]),
            allowed_mentions=body.get("allowed_mentions"),
            flags=flag_value,
            components=tuple(message["components"]),
            files=tuple(files),
            payload=body,
            message=message,
        )

    def _attachments(
        self, channel_id: int, body: Json, files: list[tuple[str, bytes]]
    ) -> list[Json]:
        result = []
        for index, (filename, content) in enumerate(files):
            attachment_id = self._ids.next()
            declared: Json = next(
                (a for a in body.get("attachments") or [] if str(a.get("id")) == str(index)), {}
            )
            url = (
                f"http://127.0.0.1:{self.port}/attachments/{channel_id}/{attachment_id}/{filename}"
            )
            result.append(
                {
                    "id": str(attachment_id),
                    "filename": filename,
                    "size": len(content),
                    "url": url,
                    "proxy_url": url,
                    "content_type": "application/octet-stream",
                    "description": declared.get("description"),
                }
            )
        return result

    def _interaction_payload(
        self,
        iid: int,
        token: str,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        name: str,
        options: Mapping[str, Any] | Sequence[Json] | None,
        subcommand: str | None,
        permissions: str | None,
        itype: int,
        focused: str | None,
        locale: str,
        roles: Sequence[int],
    ) -> Json:
        command, command_guild = self._find_command(name, guild_id)
        schema = _option_schema(command, subcommand)
        resolved: Json = {}
        built = self._build_options(options, schema, focused, guild_id, resolved, permissions)
        if subcommand:
            parts = subcommand.split()
            nested: list[Json] = [{"type": 1, "name": parts[-1], "options": built}]
            if len(parts) == 2:
                nested = [{"type": 2, "name": parts[0], "options": nested}]
            built = nested
        data: Json = {
            "id": str(command["id"]) if command else str(self._ids.next()),
            "name": name,
            "type": 1,
            "options": built,
        }
        if resolved:
            data["resolved"] = resolved
        if command_guild is not None:
            data["guild_id"] = str(command_guild)
        channel = dict(
            self._channels.get(channel_id) or {"id": str(channel_id), "type": GUILD_TEXT}
        )
        payload: Json = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "channel_id": str(channel_id),
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": self._integration_owners(guild_id),
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if guild_id is not None:
            guild = self._guilds[guild_id]
            perms = permissions if permissions is not None else str(EVERYONE_PERMISSIONS)
            member = self._member(guild, user_id)
            member["permissions"] = perms
            member["roles"] = [str(r) for r in roles]
            channel["permissions"] = perms
            bot_perms = 0 if channel_id in self._no_send else EVERYONE_PERMISSIONS | BOT_PERMISSIONS
            payload |= {
                "guild_id": str(guild_id),
                "guild": {
                    "id": str(guild_id),
                    "locale": "en-US",
                    "features": ["COMMUNITY", "NEWS"],
                },
                "guild_locale": "en-US",
                "member": member,
                "app_permissions": str(bot_perms),
                "context": 0,
                "channel": channel,
            }
        else:
            payload |= {
                "user": self._user(user_id),
                "app_permissions": str(EVERYONE_PERMISSIONS),
                "context": 1,
                "channel": channel,
            }
        return payload

    def _find_command(self, name: str, guild_id: int | None) -> tuple[Json | None, int | None]:
        if guild_id is not None:
            for cmd in self._commands.get(guild_id, []):
                if cmd["name"] == name and int(cmd.get("type", 1)) == 1:
                    return cmd, guild_id
        for cmd in self._commands.get(None, []):
            if cmd["name"] == name and int(cmd.get("type", 1)) == 1:
                return cmd, None
        return None, None

    def _build_options(
        self,
        options: Mapping[str, Any] | Sequence[Json] | None,
        schema: Mapping[str, Json],
        focused: str | None,
        guild_id: int | None,
        resolved: Json,
        permissions: str | None,
    ) -> list[Json]:
        if options is None:
            return []
        if not isinstance(options, Mapping):
            return [dict(o) for o in options]
        built = []
        for opt_name, value in options.items():
            otype = int(schema.get(opt_name, {}).get("type", _infer_option_type(value)))
            option: Json = {"name": opt_name, "type": otype, "value": _option_value(otype, value)}
            if otype == 7:
                channel_id = int(value)
                channel = dict(self._channels.get(channel_id) or {})
                channel.setdefault("id", str(channel_id))
                channel.setdefault("type", GUILD_TEXT)
                channel.setdefault("name", str(channel_id))
                channel["permissions"] = permissions or str(EVERYONE_PERMISSIONS)
                resolved.setdefault("channels", {})[str(channel_id)] = channel
            elif otype == 6:
                user_id = int(value)
                resolved.setdefault("users", {})[str(user_id)] = self._user(user_id)
                if guild_id is not None:
                    member = self._member(self._guilds[guild_id], user_id, with_user=False)
                    member["permissions"] = str(EVERYONE_PERMISSIONS)
                    resolved.setdefault("members", {})[str(user_id)] = member
            elif otype == 8 and guild_id is not None:
                roles = {r["id"]: r for r in self._roles(self._guilds[guild_id])}
                if str(value) in roles:
                    resolved.setdefault("roles", {})[str(value)] = roles[str(value)]
            if opt_name == focused:
                option["focused"] = True
                option["value"] = str(value)
            built.append(option)
        return built

    def _sessions_for(self, guild_id: int | None) -> list[_Session]:
        sessions = [
            self._sessions[sid] for sid in self._latest_session.values() if sid in self._sessions
        ]
        if guild_id is None:
            return sessions
        return [s for s in sessions if (guild_id >> 22) % s.shard[1] == s.shard[0]]

    # --- gateway ----------------------------------------------------------------------------
    async def _dispatch_guild(self, guild_id: int | None, event: str, data: Json) -> None:
        with self._lock:
            sessions = self._sessions_for(guild_id)
        for session in sessions:
            await self._dispatch(session, event, data)

    async def _dispatch(self, session: _Session, event: str, data: Json) -> None:
        with self._lock:
            session.seq += 1
            payload = {"op": 0, "d": data, "s": session.seq, "t": event}
            session.events.append(payload)
            conn = session.conn
        if conn is not None:
            await conn.send(payload)

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        if request.query.get("encoding", "json") != "json":
            await ws.close(code=4002, message=b"Error while decoding payload.")
            return ws
        self.gateway_queries.append(dict(request.query))
        # zstd-stream is not offered; discord.py also reads plain text frames in that case.
        conn = _Connection(ws, request.query.get("compress") == "zlib-stream")
        self._connections.add(conn)
        session: _Session | None = None
        try:
            await conn.send(
                {
                    "op": 10,
                    "d": {
                        "heartbeat_interval": self.heartbeat_interval_ms,
                        "_trace": ['["gateway-prd-fake",{"micros":0}]'],
                    },
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                try:
                    payload = json.loads(msg.data)
                    op = payload["op"]
                except (ValueError, KeyError, TypeError):
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
                if op == 1:
                    self.heartbeats += 1
                    await conn.send({"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    if session is not None:
                        await ws.close(code=4005, message=b"Already authenticated.")
                        break
                    session = await self._identify(conn, payload.get("d") or {})
                elif op == 6:
                    session = await self._resume(conn, payload.get("d") or {})
                elif session is None and op in (3, 4, 8):
                    await ws.close(code=4003, message=b"Not authenticated.")
                    break
                elif op == 8 and session is not None:
                    await self._request_members(session, payload.get("d") or {})
                elif op in (3, 4):
                    continue
                else:
                    await ws.close(code=4001, message=b"Unknown opcode.")
                    break
        finally:
            self._connections.discard(conn)
            if session is not None and session.conn is conn:
                session.conn = None
        return ws

    def _token_ok(self, token: str | None) -> bool:
        if not token:
            return False
        return self.token is None or token == self.token

    async def _identify(self, conn: _Connection, data: Json) -> _Session | None:
        if not self._token_ok(data.get("token")):
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return None
        shard_id, shard_count = data.get("shard") or [0, 1]
        if not 0 <= shard_id < shard_count:
            await conn.ws.close(code=4010, message=b"Invalid shard.")
            return None
        session = _Session(
            id=secrets.token_hex(16),
            shard=(int(shard_id), int(shard_count)),
            intents=int(data.get("intents", 0)),
            conn=conn,
        )
        with self._lock:
            self.identify_payloads.append(data)
            self._sessions[session.id] = session
            self._latest_session[session.shard] = session.id
            guilds = [g for g in self._guilds.values() if (g.id >> 22) % shard_count == shard_id]
        ready: Json = {
            "v": API_VERSION,
            "user": self._bot_user(),
            "user_settings": {},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "geo_ordered_rtc_regions": ["rotterdam", "madrid"],
            "application": {"id": str(self.application_id), "flags": 8953856},
            "auth": {},
            "_trace": ['["gateway-prd-fake",{"micros":0}]'],
        }
        if "shard" in data:
            ready["shard"] = [shard_id, shard_count]
        await self._dispatch(session, "READY", ready)
        for guild in guilds:
            await self._dispatch(session, "GUILD_CREATE", self._guild_create(guild))
        with self._lock:
            self.ready_count += 1
        return session

    async def _resume(self, conn: _Connection, data: Json) -> _Session | None:
        with self._lock:
            session = self._sessions.get(str(data.get("session_id")))
        if session is None or not self._token_ok(data.get("token")):
            # d=false: the session cannot be resumed, the client must IDENTIFY afresh.
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return None
        last_seq = int(data.get("seq") or 0)
        with self._lock:
            session.conn = conn
            missed = [e for e in session.events if e["s"] > last_seq]
        for event in missed:
            await conn.send(event)
        await self._dispatch(session, "RESUMED", {"_trace": ['["gateway-prd-fake",{"micros":0}]']})
        with self._lock:
            self.resume_count += 1
        return session

    async def _request_members(self, session: _Session, data: Json) -> None:
        guild = self._guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        members = [self._member(guild, uid) for uid in [self.bot_user_id, *guild.member_ids]]
        chunk: Json = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self._dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)

    # --- REST plumbing ----------------------------------------------------------------------
    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        api = f"/api/v{API_VERSION}"
        routes: list[
            tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]], str]
        ] = [
            ("GET", "/users/@me", self._get_me, "users"),
            ("GET", "/users/{user_id}", self._get_user, "users"),
            ("GET", "/gateway", self._get_gateway, "gateway"),
            ("GET", "/gateway/bot", self._get_gateway_bot, "gateway"),
            ("GET", "/applications/@me", self._get_application, "applications"),
            ("GET", "/oauth2/applications/@me", self._get_application, "applications"),
            ("GET", "/applications/{app}/commands", self._get_commands, "commands"),
            ("PUT", "/applications/{app}/commands", self._put_commands, "commands"),
            ("POST", "/applications/{app}/commands", self._post_command, "commands"),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands, "commands"),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands, "commands"),
            ("POST", "/applications/{app}/guilds/{guild}/commands", self._post_command, "commands"),
            ("GET", "/channels/{channel}", self._get_channel, "channels"),
            ("GET", "/channels/{channel}/messages/{message}", self._get_message, "channels"),
            ("GET", "/channels/{channel}/messages", self._get_messages, "channels"),
            ("POST", "/channels/{channel}/messages", self._post_message, "messages"),
            ("POST", "/channels/{channel}/threads", self._post_thread, "threads"),
            (
                "POST",
                "/channels/{channel}/messages/{message}/threads",
                self._post_message_thread,
                "threads",
            ),
            (
                "POST",
                "/channels/{channel}/messages/{message}/crosspost",
                self._post_crosspost,
                "crossposts",
            ),
            (
                "POST",
                "/channels/{channel}/webhooks",
                self._post_channel_webhook,
                "channel_webhooks",
            ),
            ("GET", "/channels/{channel}/webhooks", self._get_channel_webhooks, "channel_webhooks"),
            ("GET", "/webhooks/{webhook}", self._get_webhook_by_id, "channel_webhooks"),
            ("DELETE", "/webhooks/{webhook}", self._delete_webhook_by_id, "channel_webhooks"),
            ("POST", "/users/@me/channels", self._post_dm, "dms"),
            ("POST", "/interactions/{iid}/{token}/callback", self._post_callback, "interactions"),
            ("GET", "/webhooks/{app}/{token}", self._get_webhook, "webhooks"),
            ("PATCH", "/webhooks/{app}/{token}", self._get_webhook, "webhooks"),
            ("DELETE", "/webhooks/{app}/{token}", self._delete_webhook, "webhooks"),
            ("POST", "/webhooks/{app}/{token}", self._post_followup, "webhooks"),
            (
                "GET",
                "/webhooks/{app}/{token}/messages/{message}",
                self._get_webhook_msg,
                "webhooks",
            ),
            (
                "PATCH",
                "/webhooks/{app}/{token}/messages/{message}",
                self._edit_webhook_msg,
                "webhooks",
            ),
            (
                "DELETE",
                "/webhooks/{app}/{token}/messages/{message}",
                self._del_webhook_msg,
                "webhooks",
            ),
        ]
        for method, path, handler, kind in routes:
            app.router.add_route(method, api + path, handler)
            self._route_kinds[(method, api + path)] = kind
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/", self._gateway)
        return app

    @web.middleware
    async def _middleware(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        if not request.path.startswith("/api/"):
            return await handler(request)
        route = request.match_info.route
        canonical = route.resource.canonical if route.resource is not None else request.path
        kind = self._route_kinds.get((request.method, canonical), "unknown")
        response = await self._answer(request, handler, kind)
        response.headers.setdefault("Via", "1.1 google")
        with self._lock:
            self._requests.append(
                RequestRecord(request.method, request.path, response.status, kind)
            )
            if response.status in (401, 403, 429):
                self.invalid_requests += 1
        return response

    async def _answer(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        kind: str,
    ) -> web.StreamResponse:
        if kind == "unknown":
            return _error(404, 0, "404: Not Found")
        # Interaction and webhook routes authenticate with their token, not the bot's.
        if kind not in ("interactions", "webhooks"):
            auth = request.headers.get("Authorization", "")
            if not auth.startswith("Bot ") or not self._token_ok(auth[4:]):
                return _error(401, 0, "401: Unauthorized")
        fault = self._take_fault(kind)
        if fault is not None:
            return _fault_response(fault, kind)
        response = await handler(request)
        if 200 <= response.status < 300:
            response.headers.update(
                {
                    "X-RateLimit-Bucket": f"fake-{kind}",
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "4",
                    "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
                    "X-RateLimit-Reset-After": "1.000",
                }
            )
        return response

    # --- REST handlers ----------------------------------------------------------------------
    async def _get_me(self, request: web.Request) -> web.StreamResponse:
        return _json_response(200, self._bot_user())

    async def _get_user(self, request: web.Request) -> web.StreamResponse:
        return _json_response(200, self._user(int(request.match_info["user_id"])))

    async def _get_gateway(self, request: web.Request) -> web.StreamResponse:
        return _json_response(200, {"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.StreamResponse:
        return _json_response(
            200,
            {
                "url": self.gateway_url,
                "shards": self.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            },
        )

    async def _get_application(self, request: web.Request) -> web.StreamResponse:
        owner = self._user(2_222_222_222_222_222_222)
        return _json_response(
            200,
            {
                "id": str(self.application_id),
                "name": self.bot_name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 8953856,
                "owner": owner,
                "team": None,
                "bot": self._bot_user(),
                "rpc_origins": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "tags": [],
                "install_params": None,
                "integration_types_config": {"0": {}},
                "custom_install_url": None,
                "approximate_guild_count": len(self._guilds),
                "approximate_user_install_count": 0,
            },
        )

    def _check_app(self, request: web.Request) -> web.Response | None:
        if request.match_info["app"] != str(self.application_id):
            return _error(403, 50001, "Missing Access")
        guild = request.match_info.get("guild")
        if guild is not None and int(guild) not in self._guilds:
            return _error(404, 10004, "Unknown Guild")
        return None

    def _stored_command(self, cmd: Json, guild_id: int | None, previous: Sequence[Json]) -> Json:
        ctype = int(cmd.get("type", 1))
        same = next((p for p in previous if p["name"] == cmd["name"] and p["type"] == ctype), None)
        stored: Json = {
            "id": same["id"] if same else str(self._ids.next()),
            "application_id": str(self.application_id),
            "version": str(self._ids.next()),
            "default_member_permissions": cmd.get("default_member_permissions"),
            "type": ctype,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description", ""),
            "description_localizations": cmd.get("description_localizations"),
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types", [0]),
            "nsfw": bool(cmd.get("nsfw", False)),
        }
        if cmd.get("options"):
            stored["options"] = cmd["options"]
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored

    async def _get_commands(self, request: web.Request) -> web.StreamResponse:
        refusal = self._check_app(request)
        if refusal is not None:
            return refusal
        return _json_response(
            200, self.registered_commands(_opt_int(request.match_info.get("guild")))
        )

    async def _put_commands(self, request: web.Request) -> web.StreamResponse:
        refusal = self._check_app(request)
        if refusal is not None:
            return refusal
        body = await request.json()
        if not isinstance(body, list):
            return _form_error(_field_error("LIST_TYPE_CONVERT", "Only iterables may be used."))
        errors = command_errors(body)
        if errors:
            return _form_error(errors)
        guild_id = _opt_int(request.match_info.get("guild"))
        with self._lock:
            previous = self._commands.get(guild_id, [])
            stored = [self._stored_command(c, guild_id, previous) for c in body]
            self._commands[guild_id] = stored
        return _json_response(200, stored)

    async def _post_command(self, request: web.Request) -> web.StreamResponse:
        refusal = self._check_app(request)
        if refusal is not None:
            return refusal
        body = await request.json()
        errors = command_errors([body])
        if errors:
            return _form_error(errors["0"])
        guild_id = _opt_int(request.match_info.get("guild"))
        with self._lock:
            previous = self._commands.get(guild_id, [])
            stored = self._stored_command(body, guild_id, previous)
            others = [c for c in previous if c["id"] != stored["id"]]
            self._commands[guild_id] = [*others, stored]
        return _json_response(200 if len(others) < len(previous) else 201, stored)

    async def _get_channel(self, request: web.Request) -> web.StreamResponse:
        channel = self._channels.get(_snowflake(request.match_info["channel"]))
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        return _json_response(200, channel)

    async def _get_message(self, request: web.Request) -> web.StreamResponse:
        channel_id = _snowflake(request.match_info["channel"])
        if channel_id not in self._channels:
            return _error(404, 10003, "Unknown Channel")
        message_id = _snowflake(request.match_info["message"])
        for sent in self.messages(channel_id):
            if sent.id == message_id:
                return _json_response(200, sent.message)
        return _error(404, 10008, "Unknown Message")

    async def _get_messages(self, request: web.Request) -> web.StreamResponse:
        """A page of a channel's history, newest first, as Discord answers it: the `limit`
        (1-100, default 50) messages just after `after`, just before `before`, or the latest."""
        channel_id = _snowflake(request.match_info["channel"])
        if channel_id not in self._channels:
            return _error(404, 10003, "Unknown Channel")
        try:
            limit = int(request.query.get("limit", "50"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return _form_error(
                {"limit": _field_error("NUMBER_TYPE_MAX", "Must be between 1 and 100.")}
            )
        listed = self.messages(channel_id)
        after, before = request.query.get("after"), request.query.get("before")
        if after is not None:
            page = [m for m in listed if m.id > _snowflake(after)][:limit]
        elif before is not None:
            page = [m for m in listed if m.id < _snowflake(before)][-limit:]
        else:
            page = listed[-limit:]
        return _json_response(200, [m.message for m in reversed(page)])

    def _send_refusal(self, channel_id: int) -> web.Response | None:
        channel = self._channels.get(channel_id)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if channel["type"] in (GUILD_FORUM, GUILD_CATEGORY):
            return _error(400, 50008, "Cannot send messages in a non-text channel")
        parent = channel.get("parent_id")
        in_thread = channel["type"] in (PUBLIC_THREAD, PRIVATE_THREAD) and parent
        if channel_id in self._no_send or (
            in_thread and (int(parent) in self._no_send or int(parent) in self._no_threads)
        ):
            return _error(403, 50013, "Missing Permissions")
        if channel["type"] == DM:
            recipient = int(channel["recipients"][0]["id"])
            if recipient in self._blocked_dm_users:
                return _error(403, 50007, "Cannot send messages to this user")
        return None

    async def _post_message(self, request: web.Request) -> web.StreamResponse:
        channel_id = _snowflake(request.match_info["channel"])
        refusal = self._send_refusal(channel_id)
        if refusal is not None:
            return refusal
        body, files = await _read_body(request)
        invalid = _message_refusal(body, files)
        if invalid is not None:
            return invalid
        with self._lock:
            held = self._hold_after is not None and self._created >= self._hold_after
        if held:
            # Stall the sender with a long rate limit: a test kills the bot meanwhile.
            return _fault_response(_Fault(429, 30.0), "messages")
        if body.get("enforce_nonce") and body.get("nonce") is not None:
            # As on Discord: a repeated nonce from the same author returns the first message
            # instead of creating another (Discord keeps nonces for a few minutes).
            with self._lock:
                for earlier in self._messages.get(channel_id, []):
                    if earlier.payload.get("nonce") == body["nonce"]:
                        self.nonce_hits += 1
                        return _json_response(200, earlier.message)
        sent = self._sent(channel_id=channel_id, body=body, files=files)
        if body.get("message_reference"):
            sent = replace(sent, message=sent.message | {"type": 19})
        with self._lock:
            self._messages.setdefault(channel_id, []).append(sent)
            self._channels[channel_id]["last_message_id"] = str(sent.id)
            self._created += 1
            lose = self._lose_responses > 0
            if lose:
                self._lose_responses -= 1
        await self._announce_message(channel_id, sent)
        if lose:
            # The message exists, but the client never learns it: only a nonce saves it
            # from being created twice when the client tries again.
            return _json_response(500, {"message": "500: Internal Server Error", "code": 0})
        return _json_response(200, sent.message)

    async def _announce_message(self, channel_id: int, sent: SentMessage) -> None:
        guild_id = self._channel_guild.get(channel_id)
        event = dict(sent.message)
        if guild_id is not None:
            event["member"] = self._member(
                self._guilds[guild_id], self.bot_user_id, with_user=False
            )
        wanted = INTENT_GUILD_MESSAGES if guild_id is not None else INTENT_DIRECT_MESSAGES
        with self._lock:
            sessions = [s for s in self._sessions_for(guild_id) if s.intents & wanted]
        for session in sessions:
            await self._dispatch(session, "MESSAGE_CREATE", event)

    async def _post_dm(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        user_id = int(body["recipient_id"])
        with self._lock:
            channel_id = self._dm_channels.get(user_id)
            if channel_id is None:
                channel_id = self._ids.next()
                self._dm_channels[user_id] = channel_id
                self._channels[channel_id] = {
                    "id": str(channel_id),
                    "type": DM,
                    "last_message_id": None,
                    "flags": 0,
                    "recipients": [self._user(user_id)],
                }
            channel = dict(self._channels[channel_id])
        return _json_response(200, channel)

    async def _post_thread(self, request: web.Request) -> web.StreamResponse:
        parent_id = _snowflake(request.match_info["channel"])
        parent = self._channels.get(parent_id)
        if parent is None:
            return _error(404, 10003, "Unknown Channel")
        if parent_id in self._no_send or (
            parent_id in self._no_threads and parent["type"] != GUILD_FORUM
        ):
            return _error(403, 50013, "Missing Permissions")
        body, files = await _read_body(request)
        if parent["type"] != GUILD_FORUM:
            thread_type = int(body.get("type") or PUBLIC_THREAD)
            if parent["type"] == GUILD_ANNOUNCEMENT:
                thread_type = ANNOUNCEMENT_THREAD
            return await self._open_thread(parent_id, body, thread_type=thread_type)
        message_body = body.get("message")
        if not isinstance(message_body, dict):
            return _form_error(
                {"message": _field_error("BASE_TYPE_REQUIRED", "This field is required")}
            )
        return await self._forum_post(
            parent_id, str(body.get("name") or ""), body, message_body, files, webhook=None
        )

    async def _post_message_thread(self, request: web.Request) -> web.StreamResponse:
        """Starts a thread on an existing message; the thread takes the message's id."""
        found = self._typed_channel(request, (GUILD_TEXT, GUILD_ANNOUNCEMENT))
        if isinstance(found, web.Response):
            return found
        channel_id, channel = found
        if channel_id in self._no_send or channel_id in self._no_threads:
            return _error(403, 50013, "Missing Permissions")
        message_id = _snowflake(request.match_info["message"])
        with self._lock:
            listed = self._messages.get(channel_id, [])
            index = next((i for i, m in enumerate(listed) if m.id == message_id), None)
            if index is not None and message_id in self._channels:
                return _error(400, 160004, "A thread has already been created for this message")
        if index is None:
            return _error(404, 10008, "Unknown Message")
        body, _ = await _read_body(request)
        kind = ANNOUNCEMENT_THREAD if channel["type"] == GUILD_ANNOUNCEMENT else PUBLIC_THREAD
        response = await self._open_thread(channel_id, body, thread_type=kind, thread_id=message_id)
        if response.status == 201:
            with self._lock:
                old = listed[index]
                thread = dict(self._channels[message_id])
                message = old.message | {"flags": old.flags | FLAG_HAS_THREAD, "thread": thread}
                listed[index] = replace(old, flags=old.flags | FLAG_HAS_THREAD, message=message)
        return response

    async def _forum_post(
        self,
        parent_id: int,
        name: str,
        body: Json,
        message_body: Json,
        files: list[tuple[str, bytes]],
        *,
        webhook: _Webhook | None,
    ) -> web.Response:
        invalid = _message_refusal(message_body, files)
        if invalid is not None:
            return invalid
        guild_id = self._channel_guild[parent_id]
        tags = [str(t) for t in body.get("applied_tags") or []]
        if len(tags) > APPLIED_TAGS_LIMIT:
            return _form_error(
                {
                    "applied_tags": _field_error(
                        "BASE_TYPE_MAX_LENGTH", f"Must be {APPLIED_TAGS_LIMIT} or fewer in length."
                    )
                }
            )
        known = {str(t) for t in self._guilds[guild_id].tag_ids.get(parent_id, {}).values()}
        unknown = {
            str(n): _field_error("TAG_INVALID", "Unknown tag")
            for n, t in enumerate(tags)
            if t not in known
        }
        if unknown:
            return _form_error({"applied_tags": unknown})
        spec = self._guilds[guild_id].channels.get(parent_id)
        moderated = {
            str(self._guilds[guild_id].tag_ids[parent_id][name])
            for name in (spec.moderated_tags if spec is not None else ())
        }
        if moderated & set(tags):
            # Only members with Manage Threads may apply a moderated tag.
            return _error(403, 50013, "Missing Permissions")
        thread_id = self._ids.next()
        response = await self._open_thread(
            parent_id,
            body | {"name": name, "applied_tags": tags},
            thread_type=PUBLIC_THREAD,
            thread_id=thread_id,
            first_message=True,
        )
        if response.status != 201:
            return response
        # A forum post's first message shares the thread's id.
        sent = self._sent(
            channel_id=thread_id,
            body=message_body,
            files=files,
            message_id=thread_id,
            webhook=webhook,
        )
        with self._lock:
            self._messages.setdefault(thread_id, []).append(sent)
            thread = dict(self._channels[thread_id])
            self._posts.setdefault(parent_id, []).append(ForumPost(thread=thread, message=sent))
            self._channels[parent_id]["last_message_id"] = str(thread_id)
        payload = json.loads(response.body) | {"message": sent.message}
        return _json_response(201, payload)

    async def _open_thread(
        self,
        parent_id: int,
        body: Json,
        *,
        thread_type: int,
        thread_id: int | None = None,
        first_message: bool = False,
    ) -> web.Response:
        """Creates a thread under a channel, announces THREAD_CREATE and answers with it."""
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            return _form_error(
                {"name": _field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100.")}
            )
        guild_id = self._channel_guild[parent_id]
        thread_id = thread_id or self._ids.next()
        now = _iso_now()
        thread: Json = {
            "id": str(thread_id),
            "type": thread_type,
            "guild_id": str(guild_id),
            "parent_id": str(parent_id),
            "owner_id": str(self.bot_user_id),
            "name": name,
            "last_message_id": str(thread_id) if first_message else None,
            "rate_limit_per_user": int(body.get("rate_limit_per_user") or 0),
            "flags": 0,
            "message_count": 1 if first_message else 0,
            "total_message_sent": 1 if first_message else 0,
            "member_count": 1,
            "thread_metadata": {
                "archived": False,
                "archive_timestamp": now,
                "auto_archive_duration": int(body.get("auto_archive_duration") or 4320),
                "locked": False,
                "create_timestamp": now,
                "invitable": bool(body.get("invitable", True)),
            },
            "member": {
                "id": str(thread_id),
                "user_id": str(self.bot_user_id),
                "join_timestamp": now,
                "flags": 1,
                "muted": False,
                "mute_config": None,
            },
            "applied_tags": [str(t) for t in body.get("applied_tags") or []],
        }
        with self._lock:
            self._channels[thread_id] = {k: v for k, v in thread.items() if k != "member"}
            self._channel_guild[thread_id] = guild_id
            sessions = [s for s in self._sessions_for(guild_id) if s.intents & INTENT_GUILDS]
        thread_event = dict(thread) | {"newly_created": True}
        for session in sessions:
            await self._dispatch(session, "THREAD_CREATE", thread_event)
        return _json_response(201, thread)

    async def _post_crosspost(self, request: web.Request) -> web.StreamResponse:
        """Publishes an announcement-channel message, at most 10 an hour per channel."""
        found = self._typed_channel(request, (GUILD_ANNOUNCEMENT,))
        if isinstance(found, web.Response):
            return found
        channel_id = found[0]
        message_id = _snowflake(request.match_info["message"])
        with self._lock:
            listed = self._messages.get(channel_id, [])
            index = next((i for i, m in enumerate(listed) if m.id == message_id), None)
            if index is None:
                return _error(404, 10008, "Unknown Message")
            old = listed[index]
            spec = self._guilds[self._channel_guild[channel_id]].channels.get(channel_id)
            if old.message.get("webhook_id") and not (spec is not None and spec.manage_messages):
                # Publishing a message the bot did not send needs Manage Messages.
                return _error(403, 50013, "Missing Permissions")
            if old.flags & FLAG_CROSSPOSTED:
                return _error(400, 40033, "This message has already been crossposted.")
            now = self._now()
            recent = [t for t in self._crossposts.get(channel_id, []) if now - t < 3600]
            if len(recent) >= CROSSPOSTS_PER_HOUR:
                retry_after = round(3600 - (now - recent[0]), 3)
                self._crossposts[channel_id] = recent
                return _fault_response(_Fault(429, retry_after), "crossposts")
            self._crossposts[channel_id] = [*recent, now]
            flags = old.flags | FLAG_CROSSPOSTED
            published = replace(old, flags=flags, message=old.message | {"flags": flags})
            listed[index] = published
        return _json_response(200, published.message)

    # --- channel webhooks -------------------------------------------------------------------
    def _webhook_object(self, webhook: _Webhook, *, with_user: bool = True) -> Json:
        data: Json = {
            "id": str(webhook.id),
            "type": WEBHOOK_TYPE_INCOMING,
            "guild_id": str(webhook.guild_id),
            "channel_id": str(webhook.channel_id),
            "name": webhook.name,
            "avatar": webhook.avatar,
            "token": webhook.token,
            "application_id": None,
            "url": f"https://discord.com/api/webhooks/{webhook.id}/{webhook.token}",
        }
        if with_user:
            data["user"] = self._bot_user()
        return data

    def _webhook_author(self, webhook: _Webhook, body: Json) -> Json:
        # Executions may override the name and avatar shown, per message.
        return {
            "id": str(webhook.id),
            "username": str(body.get("username") or webhook.name),
            "avatar": webhook.avatar,
            "discriminator": "0000",
            "bot": True,
            "global_name": None,
            "public_flags": 0,
            "flags": 0,
        }

    def _can_manage_webhooks(self, channel_id: int) -> bool:
        guild_id = self._channel_guild.get(channel_id)
        if guild_id is None:
            return False
        spec = self._guilds[guild_id].channels.get(channel_id)
        return spec is not None and spec.manage_webhooks

    def _typed_channel(
        self, request: web.Request, types: Sequence[int]
    ) -> tuple[int, Json] | web.Response:
        """The request's channel when it is one of `types`, else Discord's error for it."""
        channel_id = _snowflake(request.match_info["channel"])
        channel = self._channels.get(channel_id)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if channel["type"] not in types:
            return _error(400, 50024, "Cannot execute action on this channel type")
        return channel_id, channel

    def _webhook_channel(self, request: web.Request) -> int | web.Response:
        found = self._typed_channel(request, (GUILD_TEXT, GUILD_ANNOUNCEMENT, GUILD_FORUM))
        if isinstance(found, web.Response):
            return found
        channel_id = found[0]
        if not self._can_manage_webhooks(channel_id):
            return _error(403, 50013, "Missing Permissions")
        return channel_id

    async def _post_channel_webhook(self, request: web.Request) -> web.StreamResponse:
        found = self._webhook_channel(request)
        if isinstance(found, web.Response):
            return found
        body, _ = await _read_body(request)
        name = str(body.get("name") or "")
        lowered = name.lower()
        if not 1 <= len(name) <= 80:
            return _form_error(
                {
                    "name": _field_error(
                        "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 80 in length."
                    )
                }
            )
        if "clyde" in lowered or "discord" in lowered:
            return _form_error(
                {"name": _field_error("USERNAME_INVALID_CONTAINS", "Username cannot contain that.")}
            )
        avatar = body.get("avatar")
        webhook = _Webhook(
            id=self._ids.next(),
            token=secrets.token_urlsafe(48),
            name=name,
            avatar=None if avatar is None else secrets.token_hex(16),
            channel_id=found,
            guild_id=self._channel_guild[found],
        )
        with self._lock:
            self._webhooks[webhook.id] = webhook
        return _json_response(200, self._webhook_object(webhook))

    async def _get_channel_webhooks(self, request: web.Request) -> web.StreamResponse:
        found = self._webhook_channel(request)
        if isinstance(found, web.Response):
            return found
        return _json_response(200, self.webhooks(found))

    def _channel_webhook(self, request: web.Request, *, by_token: bool) -> _Webhook | web.Response:
        ident = request.match_info["webhook" if not by_token else "app"]
        with self._lock:
            webhook = self._webhooks.get(_snowflake(ident))
        if webhook is None or (by_token and webhook.token != request.match_info["token"]):
            return _error(404, 10015, "Unknown Webhook")
        return webhook

    async def _get_webhook_by_id(self, request: web.Request) -> web.StreamResponse:
        found = self._channel_webhook(request, by_token=False)
        if isinstance(found, web.Response):
            return found
        if not self._can_manage_webhooks(found.channel_id):
            return _error(403, 50013, "Missing Permissions")
        return _json_response(200, self._webhook_object(found))

    async def _delete_webhook_by_id(self, request: web.Request) -> web.StreamResponse:
        found = self._channel_webhook(request, by_token=False)
        if isinstance(found, web.Response):
            return found
        if not self._can_manage_webhooks(found.channel_id):
            return _error(403, 50013, "Missing Permissions")
        with self._lock:
            self._webhooks.pop(found.id, None)
        return web.Response(status=204)

    async def _execute_webhook(self, request: web.Request) -> web.StreamResponse:
        """Posts as a channel webhook: into its channel, a thread of it, or a new forum post."""
        found = self._channel_webhook(request, by_token=True)
        if isinstance(found, web.Response):
            return found
        webhook = found
        body, files = await _read_body(request)
        wait = request.query.get("wait", "").lower() in ("1", "true")
        parent = self._channels.get(webhook.channel_id)
        if parent is None:
            return _error(404, 10003, "Unknown Channel")
        thread_ref = request.query.get("thread_id")
        if parent["type"] == GUILD_FORUM and thread_ref is None:
            name = str(body.get("thread_name") or "")
            if not name:
                return _error(
                    400,
                    220001,
                    "Webhooks posted to forum channels must have a thread_name or thread_id",
                )
            response = await self._forum_post(
                webhook.channel_id, name, body, body, files, webhook=webhook
            )
            if response.status != 201:
                return response
            message = json.loads(response.body)["message"]
            return _json_response(200, message) if wait else web.Response(status=204)
        channel_id = webhook.channel_id
        if thread_ref is not None:
            channel_id = _snowflake(thread_ref)
            thread = self._channels.get(channel_id)
            if thread is None or thread.get("parent_id") != str(webhook.channel_id):
                return _error(404, 10003, "Unknown Channel")
        invalid = _message_refusal(body, files)
        if invalid is not None:
            return invalid
        sent = self._sent(channel_id=channel_id, body=body, files=files, webhook=webhook)
        with self._lock:
            self._messages.setdefault(channel_id, []).append(sent)
            self._channels[channel_id]["last_message_id"] = str(sent.id)
            held = self._hold_webhook_responses > 0
            lose = not held and self._lose_responses > 0
            if held:
                self._hold_webhook_responses -= 1
            if lose:
                self._lose_responses -= 1
        await self._announce_message(channel_id, sent)
        if held:
            return _fault_response(_Fault(429, 30.0), "webhooks")
        if lose:
            # Webhook executions carry no nonce: only the client can tell it went out.
            return _json_response(500, {"message": "500: Internal Server Error", "code": 0})
        return _json_response(200, sent.message) if wait else web.Response(status=204)

    # --- interactions -----------------------------------------------------------------------
    async def _post_callback(self, request: web.Request) -> web.StreamResponse:
        interaction = self._interaction_by_token(request.match_info["token"])
        if interaction is None or str(interaction.id) != request.match_info["iid"]:
            return _error(404, 10062, "Unknown interaction")
        if interaction.responded:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body, files = await _read_body(request)
        rtype = int(body.get("type", 0))
        data: Json = body.get("data") or {}
        message: SentMessage | None = None
        if rtype == 4:
            invalid = _message_refusal(data, files)
            if invalid is not None:
                return invalid
            message = self._sent(
                channel_id=interaction.channel_id,
                body=data,
                files=files,
                message_type=20,
                interaction=interaction,
            )
        elif rtype == 5:
            flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            message = self._sent(
                channel_id=interaction.channel_id,
                body={},
                files=[],
                message_type=20,
                interaction=interaction,
                flags=flags,
            )
        elif rtype not in (1, 6, 7, 8, 9, 10, 12):
            return _form_error(
                {
                    "type": _field_error(
                        "BASE_TYPE_CHOICES", "Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}."
                    )
                }
            )
        with self._lock:
            interaction.responded = True
            if message is not None:
                interaction.original = message
                self._webhook_messages[message.id] = (interaction.id, message)
                if rtype == 4 and not message.ephemeral:
                    self._messages.setdefault(interaction.channel_id, []).append(message)
                    interaction.original_listed = True
            interaction.replies.append(InteractionReply("callback", rtype, data, message))
        if request.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)
        callback: Json = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_loading": rtype == 5,
                "response_message_ephemeral": bool(message and message.ephemeral),
            },
            "resource": {"type": rtype},
        }
        if message is not None:
            callback["interaction"]["response_message_id"] = str(message.id)
            callback["resource"]["message"] = message.message
        return _json_response(200, callback)

    def _interaction_by_token(self, token: str) -> _Interaction | None:
        with self._lock:
            iid = self._tokens.get(token)
            return None if iid is None else self._interactions[iid]

    def _webhook_interaction(self, request: web.Request) -> _Interaction | web.Response:
        interaction = self._interaction_by_token(request.match_info["token"])
        if interaction is None or request.match_info["app"] != str(self.application_id):
            return _error(404, 10015, "Unknown Webhook")
        return interaction

    def _is_channel_webhook(self, request: web.Request) -> bool:
        return request.match_info["app"] != str(self.application_id)

    async def _get_webhook(self, request: web.Request) -> web.StreamResponse:
        if self._is_channel_webhook(request) and request.method == "GET":
            hook = self._channel_webhook(request, by_token=True)
            if isinstance(hook, web.Response):
                return hook
            return _json_response(200, self._webhook_object(hook, with_user=False))
        found = self._webhook_interaction(request)
        if isinstance(found, web.Response):
            return found
        return _json_response(
            200,
            {
                "id": str(self.application_id),
                "type": 3,
                "name": self.bot_name,
                "avatar": None,
                "channel_id": None,
                "guild_id": None,
                "application_id": str(self.application_id),
            },
        )

    async def _delete_webhook(self, request: web.Request) -> web.StreamResponse:
        if self._is_channel_webhook(request):
            hook = self._channel_webhook(request, by_token=True)
            if isinstance(hook, web.Response):
                return hook
            with self._lock:
                self._webhooks.pop(hook.id, None)
            return web.Response(status=204)
        found = self._webhook_interaction(request)
        return found if isinstance(found, web.Response) else web.Response(status=204)

    async def _post_followup(self, request: web.Request) -> web.StreamResponse:
        if self._is_channel_webhook(request):
            return await self._execute_webhook(request)
        found = self._webhook_interaction(request)
        if isinstance(found, web.Response):
            return found
        interaction = found
        if not interaction.responded:
            return _error(404, 10015, "Unknown Webhook")
        body, files = await _read_body(request)
        invalid = _message_refusal(body, files)
        if invalid is not None:
            return invalid
        original = interaction.original
        if original is not None and original.flags & FLAG_LOADING:
            # The first followup to a deferred response replaces its "thinking" message.
            message = self._sent(
                channel_id=interaction.channel_id,
                body=body,
                files=files,
                message_type=20,
                interaction=interaction,
                message_id=original.id,
                flags=(original.flags & FLAG_EPHEMERAL)
                | (int(body.get("flags") or 0) & ~FLAG_EPHEMERAL),
            )
            with self._lock:
                interaction.original = message
        else:
            message = self._sent(
                channel_id=interaction.channel_id,
                body=body,
                files=files,
                message_type=20,
                interaction=interaction,
            )
        with self._lock:
            self._webhook_messages[message.id] = (interaction.id, message)
            if not message.ephemeral:
                self._list_message(interaction.channel_id, message)
            interaction.replies.append(InteractionReply("followup", None, body, message))
        if request.query.get("wait", "").lower() in ("1", "true"):
            return _json_response(200, message.message)
        return web.Response(status=204)

    def _list_message(self, channel_id: int, message: SentMessage) -> None:
        listed = self._messages.setdefault(channel_id, [])
        for index, existing in enumerate(listed):
            if existing.id == message.id:
                listed[index] = message
                return
        listed.append(message)

    def _webhook_message(
        self, request: web.Request
    ) -> tuple[_Interaction, SentMessage] | web.Response:
        found = self._webhook_interaction(request)
        if isinstance(found, web.Response):
            return found
        ref = request.match_info["message"]
        with self._lock:
            if ref == "@original":
                message = found.original
            else:
                entry = self._webhook_messages.get(_snowflake(ref))
                message = entry[1] if entry and entry[0] == found.id else None
                if message is not None and found.original and message.id == found.original.id:
                    message = found.original
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return found, message

    async def _get_webhook_msg(self, request: web.Request) -> web.StreamResponse:
        found = self._webhook_message(request)
        if isinstance(found, web.Response):
            return found
        return _json_response(200, found[1].message)

    async def _edit_webhook_msg(self, request: web.Request) -> web.StreamResponse:
        found = self._webhook_message(request)
        if isinstance(found, web.Response):
            return found
        interaction, old = found
        body, files = await _read_body(request)
        merged = {
            "content": old.content,
            "embeds": [{k: v for k, v in e.items() if k != "type"} for e in old.embeds],
            "components": list(old.components),
            "allowed_mentions": old.allowed_mentions,
        } | {k: v for k, v in body.items() if v is not None or k == "content"}
        edited = self._sent(
            channel_id=old.channel_id,
            body=merged,
            files=files or list(old.files),
            message_type=20,
            interaction=interaction,
            message_id=old.id,
            flags=old.flags & ~FLAG_LOADING,
        )
        edited.message["edited_timestamp"] = None if old.flags & FLAG_LOADING else _iso_now()
        with self._lock:
            self._webhook_messages[old.id] = (interaction.id, edited)
            if interaction.original is not None and interaction.original.id == old.id:
                interaction.original = edited
            if not edited.ephemeral:
                self._list_message(old.channel_id, edited)
            interaction.replies.append(InteractionReply("edit", None, body, edited))
        return _json_response(200, edited.message)

    async def _del_webhook_msg(self, request: web.Request) -> web.StreamResponse:
        found = self._webhook_message(request)
        if isinstance(found, web.Response):
            return found
        interaction, old = found
        with self._lock:
            listed = self._messages.get(old.channel_id, [])
            self._messages[old.channel_id] = [m for m in listed if m.id != old.id]
            self._webhook_messages.pop(old.id, None)
            interaction.replies.append(InteractionReply("delete", None, {}, old))
        return web.Response(status=204)


# --- helpers ------------------------------------------------------------------------------------


async def _as_coroutine(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


async def _wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        # Short polls keep this safe to await from any event loop.
        await asyncio.sleep(0.01)


def _snowflake(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return -1


def _unique_ints(values: Iterable[str]) -> list[int]:
    return list(dict.fromkeys(int(v) for v in values))


def _opt_int(text: str | None) -> int | None:
    return None if text is None else int(text)


def _spec_from_mapping(data: Mapping[str, Any]) -> ChannelSpec:
    return ChannelSpec(
        id=int(data["id"]),
        name=str(data["name"]),
        type=int(data.get("type", GUILD_TEXT)),
        can_send=bool(data.get("can_send", True)),
        can_thread=bool(data.get("can_thread", True)),
        topic=data.get("topic"),
        parent_id=_opt_int(data.get("parent_id")),
        tags=tuple(data.get("tags", ())),
    )


def _infer_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    return 3


def _option_value(otype: int, value: Any) -> Any:
    if otype in (6, 7, 8, 9, 11):
        return str(value)
    if otype == 4:
        return int(value)
    if otype == 10:
        return float(value)
    if otype == 5:
        return bool(value)
    return str(value)


def _option_schema(command: Json | None, subcommand: str | None) -> dict[str, Json]:
    options: list[Json] = list((command or {}).get("options") or [])
    for part in (subcommand or "").split():
        match = next(
            (o for o in options if o.get("name") == part and o.get("type") in (1, 2)), None
        )
        options = list((match or {}).get("options") or [])
    return {str(o["name"]): o for o in options if o.get("type") not in (1, 2)}


def _message_refusal(body: Json, files: Sequence[tuple[str, bytes]]) -> web.Response | None:
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    if not (
        content
        or embeds
        or files
        or body.get("components")
        or body.get("sticker_ids")
        or body.get("poll")
    ):
        return _error(400, 50006, "Cannot send an empty message")
    errors: Json = {}
    if len(str(content)) > 2000:
        errors["content"] = _field_error("BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    errors |= embed_errors(embeds)
    errors |= _allowed_mentions_errors(body.get("allowed_mentions"))
    return _form_error(errors) if errors else None


def _allowed_mentions_errors(allowed: Any) -> Json:
    """Discord refuses `parse` naming a kind whose ids are also listed, and over 100 ids."""
    if not isinstance(allowed, dict):
        return {}
    errors: Json = {}
    parse = allowed.get("parse") or []
    for kind in ("users", "roles"):
        listed = allowed.get(kind) or []
        if kind in parse and listed:
            errors[f"allowed_mentions.{kind}"] = _field_error(
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )
        elif len(listed) > 100:
            errors[f"allowed_mentions.{kind}"] = _field_error(
                "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."
            )
    return errors


async def _read_body(request: web.Request) -> tuple[Json, list[tuple[str, bytes]]]:
    """The JSON payload of a request, from a JSON body or multipart `payload_json`, and files."""
    if not request.can_read_body:
        return {}, []
    if request.content_type.startswith("multipart/"):
        payload: Json = {}
        files: list[tuple[str, bytes]] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            if part.name == "payload_json":
                payload = json.loads(data)
            elif part.filename:
                files.append((part.filename, bytes(data)))
        return payload, files
    body = await request.json()
    return (body if isinstance(body, dict) else {}), []


def _fault_response(fault: _Fault, kind: str) -> web.Response:
    if fault.status == 429:
        body = {
            "message": "You are being rate limited.",
            "retry_after": fault.retry_after,
            "global": fault.is_global,
        }
        headers = {
            "Retry-After": str(max(1, math.ceil(fault.retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
            "X-RateLimit-Bucket": f"fake-{kind}",
            "X-RateLimit-Scope": "global" if fault.is_global else "user",
        }
        if fault.is_global:
            headers["X-RateLimit-Global"] = "true"
        return _json_response(429, body, headers)
    if fault.status >= 500:
        return _json_response(fault.status, {"message": f"{fault.status}: Server Error", "code": 0})
    return _error(fault.status, 0, f"{fault.status}: injected fault")


@pytest.fixture
def discord_server() -> Iterator[DiscordServer]:
    """A started fake Discord, closed after the test."""
    srv = DiscordServer()
    srv.start()
    try:
        yield srv
    finally:
        srv.close()
