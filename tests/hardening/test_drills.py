"""Drills: crashes, Discord and model outages, a locked database and a feed host down for a day."""

# Test parameters named like the imported fixture are how pytest injects it, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import random
import sqlite3
import string
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.exts.admin._render import feed_health_line
from digests.clock import FixedClock
from digests.store import OutboxMessage
from digests.store.sql import SqlStore
from digests.wiring import open_pipeline
from tests.bot.harness import (
    GUILD,
    TEXT,
    BotProcess,
    build_world,
    command,
    reply_text,
    running_bot,
    settings_for,
)
from tests.hardening._feeds import pipeline_settings, rss
from tests.servers.discord_server import DiscordServer, discord_server
from tests.servers.feed_server import FeedServer, feed_server
from tests.servers.openai_server import OpenAIServer, openai_server

__all__ = ["discord_server", "feed_server", "openai_server"]

# How long a drill waits for the bot to get somewhere: a loaded 2-core machine restarting the
# bot twenty times is slow, and only what happens is asserted, never how fast.
WAIT = 180.0

# Discord bans an IP that makes 10,000 invalid requests (401, 403, 429) in 10 minutes.
INVALID_BUDGET_PER_SECOND = 10_000 / 600


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    return discord_server


async def until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def unrelated_story(rng: random.Random, guid: str) -> tuple[str, str, str]:
    """A story of made-up words, so that no two of them cluster together."""

    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 9)))

    sentences = [" ".join(word() for _ in range(12)).capitalize() + "." for _ in range(4)]
    title = " ".join(word() for _ in range(5)).capitalize()
    return guid, title, " ".join(sentences)


def channel_outbox(store: SqlStore, channel_id: int) -> list[OutboxMessage]:
    """Every outbox message ever queued for a channel, digest by digest, in order."""
    latest = store.latest_digest("channel", channel_id)
    messages: list[OutboxMessage] = []
    for digest_id in range(1, (latest.id if latest else 0) + 1):
        rows = store.digest_messages(digest_id)
        messages += [m for m in rows if m.target_kind == "channel" and m.target_id == channel_id]
    return messages


# --- kill -9 during digest runs -----------------------------------------------------------


def _pending_count(db: Path) -> int:
    """Messages queued but not sent, read while the bot is dead."""
    if not db.exists():
        return 0
    store = SqlStore(f"sqlite:///{db}")
    try:
        return len(store.pending_messages())
    finally:
        store.close()


def _drill_config(tmp_path: Path, feed_url: str) -> Path:
    path = tmp_path / "drill.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite:///{tmp_path / "drill.db"}"\n'
        '[summarizer]\nbackend = "extractive"\n'
        "[digest]\nmax_age_hours = 876000\n"
        # Every /digest now fetches the feed again.
        '[fetch]\nallow_private = ["127.0.0.1"]\ninterval_minutes = 0.0001\nfull_text = false\n'
        f"[discord]\nguild_ids = [{GUILD}]\n"
        f'[[feeds]]\nurl = "{feed_url}"\nname = "Drill Feed"\n'
    )
    return path


@pytest.mark.slow
# Twenty bot restarts take minutes on a loaded machine; the suite's 120 s guard is for hangs.
@pytest.mark.timeout(900)
async def test_kill_9_during_twenty_digest_runs_delivers_every_message_exactly_once(
    world: DiscordServer, feed_server: FeedServer, tmp_path: Path
) -> None:
    rng = random.Random(20260302)
    items: list[tuple[str, str, str]] = []
    route = feed_server.route("/drill.xml")
    config = _drill_config(tmp_path, feed_server.url("/drill.xml"))
    proc = BotProcess(config, world, tmp_path / "b.log")
    runs = 20
    interrupted: list[int] = []
    route.serve(rss(title="Drill Feed"))
    # Slow sends (some wait out a 429), so that random kills land between two messages too.
    world.fault_rate(0.3, seed=11, statuses=[429], retry_after=0.25)
    proc.start()
    try:
        for run in range(runs):
            await world.wait_ready(WAIT, count=run + 1)
            await until(lambda: world.registered_commands(GUILD), WAIT, "commands")
            items += [unrelated_story(rng, f"r{run}-{i}") for i in range(rng.randint(1, 3))]
            route.serve(rss(*items, title="Drill Feed")).only_last()
            before = len(world.messages(TEXT))
            if run % 3 == 2:
                # Every third run dies for sure between two messages of its digest.
                world.hold_messages_after(before + 1)
            world.inject_interaction(
                GUILD, TEXT, 1, "digest", subcommand="now", permissions=str(1 << 5)
            )
            if run % 3 == 2:
                await until(lambda n=before: len(world.messages(TEXT)) > n, WAIT, "a first message")
                # The rest of the digest is queued and held back: the kill lands mid-digest.
                db = tmp_path / "drill.db"
                await until(lambda db=db: _pending_count(db) > 0, WAIT, "a held message")
            else:
                # A random moment: before the fetch, composing, between two sends, after.
                await asyncio.sleep(rng.uniform(0.0, 1.5))
            proc.kill()
            world.hold_messages_after(None)
            interrupted.append(await asyncio.to_thread(_pending_count, tmp_path / "drill.db"))
            proc.start()
        await world.wait_ready(WAIT, count=runs + 1)
        store = SqlStore(f"sqlite:///{tmp_path / 'drill.db'}")
        try:
            await until(lambda: not store.pending_messages(), WAIT, "the outbox to drain")
            queued = channel_outbox(store, TEXT)
        finally:
            store.close()
    finally:
        proc.stop()
    posted = world.messages(TEXT)
    assert any(interrupted), "no kill landed between queueing a digest and sending it all"
    assert len(queued) >= runs // 2  # most runs got as far as queueing a digest
    assert [m.payload.get("nonce") for m in posted] == [f"nd{m.id}" for m in queued]
    assert all(m.sent_at is not None for m in queued)
    titles = [e["title"] for m in posted for e in m.embeds]
    assert len(titles) == len(set(titles))  # no story twice


# --- Discord answering 30 % of requests with 429 or 5xx -----------------------------------


@pytest.mark.slow
async def test_thirty_percent_429_and_5xx_still_deliver_everything_in_order(
    world: DiscordServer, feed_server: FeedServer, tmp_path: Path
) -> None:
    rng = random.Random(7)
    items: list[tuple[str, str, str]] = []
    route = feed_server.route("/many.xml")
    settings = settings_for(
        tmp_path,
        feeds=[{"url": feed_server.url("/many.xml"), "name": "Many"}],
        fetch={"allow_private": ["127.0.0.1"], "interval_minutes": 0.0001, "full_text": False},
    )
    route.serve(rss(title="Many"))
    started = time.monotonic()
    async with running_bot(world, settings) as bot:
        # discord.py waits 1 + 2 * tries seconds after a 5xx, so 5xx are a small share.
        world.fault_rate(0.3, seed=3, statuses=[429] * 9 + [500, 502, 503], retry_after=0.05)
        for run in range(5):
            items += [unrelated_story(rng, f"m{run}-{i}") for i in range(12)]
            route.serve(rss(*items, title="Many")).only_last()
            replies = await command(world, "digest", {}, "now", admin=True, replies=2, timeout=60)
            assert "Posted a digest" in reply_text(replies)
        world.fault_rate(0)
        queued = await asyncio.to_thread(channel_outbox, bot.store, TEXT)
        pending = await asyncio.to_thread(bot.store.pending_messages)
    elapsed = time.monotonic() - started
    posted = world.messages(TEXT)
    assert pending == []
    assert [m.payload.get("nonce") for m in posted] == [f"nd{m.id}" for m in queued]
    faults = [r for r in world.requests() if r.status in (429, 500, 502, 503)]
    assert faults, "the drill injected no faults"
    # Scaled budget: the bot may not exceed Discord's rate of invalid requests, and every
    # invalid request it made was one the server forced on it (no 401/403 of its own).
    assert world.invalid_requests <= INVALID_BUDGET_PER_SECOND * elapsed
    assert not [r for r in world.requests() if r.status in (401, 403)]


# --- the model server down, slow or answering garbage -------------------------------------


def _dead_port() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.mark.parametrize("failure", ["down", "refused", "slow", "garbage"])
async def test_a_failing_model_falls_back_and_the_digest_still_goes_out(
    world: DiscordServer,
    openai_server: OpenAIServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-drill-key")
    base_url = openai_server.base_url
    if failure == "down":
        openai_server.fail(503)
    elif failure == "refused":
        base_url = _dead_port()
    elif failure == "slow":
        openai_server.slow(30.0)
    else:
        openai_server.answer_text("Sure! Here is your briefing: {not json")
    settings = settings_for(
        tmp_path,
        summarizer={
            "backend": "openai",
            "base_url": base_url,
            "timeout_seconds": 0.5,
            "max_retries": 0,
        },
    )
    async with running_bot(world, settings) as bot:
        replies = await command(world, "digest", {}, "now", admin=True, replies=2, timeout=30)
        record = await asyncio.to_thread(bot.store.latest_digest, "channel", TEXT)
    assert "Posted a digest" in reply_text(replies)
    assert record is not None and len(world.messages(TEXT)) == len(record.messages)
    if failure != "refused":
        assert openai_server.requests  # the model was asked before falling back


# --- the database busy or locked ----------------------------------------------------------


def _hold_write_lock(path: Path, seconds: float, locked: threading.Event) -> None:
    connection = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        locked.set()
        time.sleep(seconds)
        connection.execute("COMMIT")
    finally:
        connection.close()


async def test_a_locked_database_is_waited_out_and_nothing_is_lost(
    world: DiscordServer, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path)
    async with running_bot(world, settings) as bot:
        locked = threading.Event()
        holder = threading.Thread(
            target=_hold_write_lock, args=(tmp_path / "bot.db", 1.5, locked), daemon=True
        )
        holder.start()
        await asyncio.to_thread(locked.wait, 10)
        replies = await command(world, "digest", {}, "now", admin=True, replies=2, timeout=30)
        await asyncio.to_thread(holder.join, 10)
        record = await asyncio.to_thread(bot.store.latest_digest, "channel", TEXT)
        pending = await asyncio.to_thread(bot.store.pending_messages)
    assert "Posted a digest" in reply_text(replies)
    assert record is not None and pending == []
    assert len(world.messages(TEXT)) == len(record.messages)


# --- a feed host down for a day -----------------------------------------------------------


async def test_a_feed_host_down_for_a_day_backs_off_shows_it_and_resumes(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    rng = random.Random(5)
    route = feed_server.route("/flaky.xml")
    route.serve(rss(unrelated_story(rng, "f1")))
    url = feed_server.url("/flaky.xml")
    settings = pipeline_settings(tmp_path, [url])
    clock = FixedClock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    async with open_pipeline(settings, clock=clock) as pipeline:
        await pipeline.refresh(only_due=True)
        outage_ends = clock.now() + timedelta(days=1)
        route.fail(503, body="upstream down")
        delays: list[float] = []
        for _attempt in range(100):  # bounded: a disabled feed is never due again
            state = pipeline.store.get_feed(url)
            assert state is not None and state.next_fetch_at is not None
            if state.next_fetch_at >= outage_ends:
                break
            clock.set(state.next_fetch_at)
            await pipeline.refresh(only_due=True)
            after = pipeline.store.get_feed(url)
            assert after is not None and after.next_fetch_at is not None
            delays.append((after.next_fetch_at - clock.now()).total_seconds())
        down = pipeline.store.get_feed(url)
        assert down is not None
        shown = feed_health_line(down)

        route.serve(rss(unrelated_story(rng, "f1"), unrelated_story(rng, "f2")))
        clock.set(max(down.next_fetch_at or outage_ends, outage_ends))
        report = await pipeline.refresh(only_due=True)
        back = pipeline.store.get_feed(url)

    assert len(delays) >= 8
    assert delays == sorted(delays)  # exponential backoff, capped
    assert delays[1] == 2 * delays[0]
    assert down.enabled and down.failure_count == len(delays)
    assert down.last_error == "HTTP 503 Service Unavailable"
    assert "last error: HTTP 503 Service Unavailable" in shown
    assert f"failures {len(delays)}" in shown
    assert report.new_articles == 1
    assert back is not None and back.failure_count == 0 and back.last_error is None
