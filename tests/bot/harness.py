"""Runs the real bot (in this process or as `newsdigest run`) against the fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import yarl

from bot.app import NewsBot
from bot.settings import BotSettings
from digests.clock import Clock
from digests.config import SAMPLES_DIR, parse_config
from digests.store import Store, open_store
from digests.wiring import open_newsdesk
from tests.servers.discord_server import ChannelSpec, DiscordServer

GUILD = 910_000_000_000_000_001
OTHER_GUILD = 910_000_000_000_000_002
TEXT = 910_000_000_000_000_010
SECOND_TEXT = 910_000_000_000_000_011
LOCKED = 910_000_000_000_000_012
FORUM = 910_000_000_000_000_020
OTHER_TEXT = 910_000_000_000_000_030
READER = 910_000_000_000_000_100
ADMIN = 910_000_000_000_000_101
MANAGE_GUILD = str(1 << 5)
TOKEN = "test-token-not-secret"


def build_world(srv: DiscordServer) -> None:
    """Two guilds: ours with text, locked and forum channels, and an unrelated one."""
    srv.add_guild(
        GUILD,
        "Newsroom",
        channels=[
            ChannelSpec.text(TEXT, "digests"),
            ChannelSpec.text(SECOND_TEXT, "evening"),
            ChannelSpec.text(LOCKED, "locked", can_send=False),
            ChannelSpec.forum(FORUM, "stories"),
        ],
        member_ids=[READER, ADMIN],
    )
    srv.add_guild(OTHER_GUILD, "Elsewhere", channels=[ChannelSpec.text(OTHER_TEXT, "news")])


def settings_for(tmp_path: Path, **extra: Any) -> BotSettings:
    """The sample feeds, a SQLite file and the offline summarizer; commands synced to both
    test guilds."""
    data: dict[str, Any] = {
        "storage": {"url": f"sqlite:///{tmp_path / 'bot.db'}"},
        "summarizer": {"backend": "extractive"},
        "digest": {"max_age_hours": 876000},
        "discord": {"guild_ids": [GUILD, OTHER_GUILD]},
        "feeds": [
            {
                "url": str(SAMPLES_DIR / "harbor-courier.xml"),
                "name": "Harbor City Courier",
                "topics": ["Local"],
            },
            {"url": str(SAMPLES_DIR / "valley-post.atom"), "name": "Valley Post"},
            {
                "url": str(SAMPLES_DIR / "metro-science.json"),
                "name": "Metro Science Desk",
                "topics": ["Science"],
            },
        ],
        "topics": [{"name": "Transport", "keywords": ["tram", "bus"]}],
    }
    data.update(extra)
    return parse_config(data, tmp_path, model=BotSettings)


def write_config(tmp_path: Path, settings: BotSettings) -> Path:
    """The same settings as a TOML file for a bot subprocess."""
    lines = [
        "[storage]",
        f'url = "{settings.storage.url}"',
        "[summarizer]",
        'backend = "extractive"',
        "[digest]",
        "max_age_hours = 876000",
        "[discord]",
        f"guild_ids = [{GUILD}, {OTHER_GUILD}]",
    ]
    for feed in settings.feed_sources():
        lines += ["[[feeds]]", f'url = "{feed.url}"']
        if feed.name:
            lines.append(f'name = "{feed.name}"')
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


class QuickBot(NewsBot):
    """The real bot minus discord.py's 5 s pause before a repeated IDENTIFY; ``store`` is
    the store under its newsdesk, for tests to look into (the bot itself never does)."""

    store: Store

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


@dataclass
class Running:
    bot: QuickBot
    task: asyncio.Task[None]


@contextlib.asynccontextmanager
async def pointed_at(srv: DiscordServer) -> AsyncIterator[None]:
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = srv.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(srv.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running_bot(
    srv: DiscordServer,
    settings: BotSettings,
    *,
    clock: Clock | None = None,
    env: Mapping[str, str] | None = None,
) -> AsyncIterator[QuickBot]:
    """The real NewsBot connected to ``srv``, ready, with its feeds polled once; its desk
    tells the time by ``clock`` and reads ``env`` (e.g. a model's key) when given."""
    store = open_store(settings.storage.url)
    try:
        desk_opened = open_newsdesk(settings, store=store, clock=clock, env=env)
        async with pointed_at(srv), desk_opened as desk:
            bot = QuickBot(settings, desk=desk, guild_ready_timeout=0.05)
            bot.store = store
            task = asyncio.create_task(bot.start(TOKEN))
            try:
                await asyncio.wait_for(bot.wait_until_ready(), 20)
                await asyncio.wait_for(bot.newsroom.poll_feeds(), 30)
                yield bot
            finally:
                await bot.close()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, 10)
    finally:
        store.close()


async def command(
    srv: DiscordServer,
    name: str,
    options: dict[str, Any] | None = None,
    subcommand: str | None = None,
    *,
    guild: int = GUILD,
    channel: int = TEXT,
    user: int = READER,
    admin: bool = False,
    replies: int = 1,
    timeout: float = 20,
) -> list[Any]:
    """Inject a slash command and wait for ``replies`` responses to it."""
    iid = srv.inject_interaction(
        guild,
        channel,
        user,
        name,
        options=options or {},
        subcommand=subcommand,
        permissions=MANAGE_GUILD if admin else None,
    )
    return await srv.wait_for_interaction_response(iid, timeout, count=replies)


async def until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Wait, polling, until ``predicate()`` holds; AssertionError naming ``what`` after
    ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def reply_text(replies: list[Any]) -> str:
    """The text of the last reply that carries any (callback data or message content)."""
    for r in reversed(replies):
        if r.message is not None and (r.message.content or r.message.embeds):
            return r.message.content or str(r.message.embeds)
        content = (r.data or {}).get("content") if isinstance(r.data, dict) else None
        if content:
            return str(content)
    return ""


class BotProcess:
    """`newsdigest run` as a real subprocess, killable with SIGKILL."""

    def __init__(self, config: Path, srv: DiscordServer, log: Path) -> None:
        self.config = config
        self.srv = srv
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE": self.srv.api_base,
        }
        env.pop("OPENAI_API_KEY", None)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "digests.cli", "run", "--config", str(self.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
