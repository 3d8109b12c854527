"""How quickly the bot acknowledges slash commands while it refreshes many feeds.

The real bot runs against the project's Discord test server (gateway and REST on
127.0.0.1) with the bench's feeds configured. While ``poll_feeds`` refreshes them all, a
``/topics`` interaction is injected 50 ms after the previous one was answered, and the time
to its first response (the acknowledgement) is taken. The test server is polled every
10 ms, which bounds the resolution.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from pathlib import Path
from typing import Any

from bench.feeds import FeedServer
from bot.settings import BotSettings
from digests.config import parse_config
from digests.wiring import open_newsdesk
from tests.bot.harness import GUILD, READER, TEXT, TOKEN, QuickBot, build_world, pointed_at
from tests.servers.discord_server import DiscordServer

PAUSE = 0.05
IDLE_SAMPLES = 21


async def interaction_latency(
    feeds: int, *, items: int, latency: float, hosts: int, concurrency: int, workdir: Path
) -> dict[str, Any]:
    """p50/p99/max seconds from an injected interaction to its acknowledgement while a
    refresh of ``feeds`` feeds runs and while the bot is idle, with how many were measured."""
    with (
        FeedServer(feeds, items=items, latency=latency, hosts=hosts) as served,
        DiscordServer(token=TOKEN) as discord_server,
    ):
        build_world(discord_server)
        settings = parse_config(
            {
                "storage": {"url": f"sqlite:///{workdir / 'bot.db'}"},
                "fetch": {
                    "allow_private": ["127.0.0.0/8"],
                    "full_text": False,
                    "concurrency": concurrency,
                },
                "summarizer": {"backend": "extractive"},
                "discord": {"guild_ids": [GUILD]},
                "feeds": [{"url": url} for url in served.urls],
            },
            workdir,
            model=BotSettings,
        )
        async with pointed_at(discord_server), open_newsdesk(settings) as desk:
            bot = QuickBot(settings, desk=desk, guild_ready_timeout=0.05)
            task = asyncio.create_task(bot.start(TOKEN))
            try:
                await asyncio.wait_for(bot.wait_until_ready(), 60)
                # Idle first: the same commands with nothing else running.
                idle = [await _acknowledged(discord_server) for _ in range(IDLE_SAMPLES)]
                started = time.perf_counter()
                refresh = asyncio.create_task(bot.newsroom.poll_feeds())
                seconds: list[float] = []
                while not refresh.done():
                    seconds.append(await _acknowledged(discord_server))
                    await asyncio.sleep(PAUSE)
                await refresh
                refresh_s = time.perf_counter() - started
            finally:
                await bot.close()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, 10)
    return {
        "refreshing": _summary(seconds),
        "idle": _summary(idle[1:]),  # the very first command warms caches
        "refresh_s": refresh_s,
    }


def _summary(seconds: list[float]) -> dict[str, float | int]:
    ordered = sorted(seconds) or [float("nan")]
    return {
        "interactions": len(seconds),
        "p50_s": statistics.median(ordered),
        "p99_s": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max_s": ordered[-1],
    }


async def _acknowledged(discord_server: DiscordServer) -> float:
    """Seconds from injecting ``/topics`` to its acknowledgement (the deferral), then waits
    for the answer that follows it, uncounted: one reader's command at a time, not a pile."""
    started = time.perf_counter()
    # Injected from a thread: the call waits on the test server's own loop.
    iid = await asyncio.to_thread(
        discord_server.inject_interaction, GUILD, TEXT, READER, "topics", options={}
    )
    await discord_server.wait_for_interaction_response(iid, 60)
    acknowledged = time.perf_counter() - started
    await discord_server.wait_for_interaction_response(iid, 60, count=2)
    return acknowledged
