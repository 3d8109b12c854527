"""Several processes: one scheduler leader through PostgreSQL, shards split across processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.newsroom import schedule_changes
from digests.config import SAMPLES_DIR
from digests.store import Schedule
from digests.store.sql import SqlStore
from tests.bot.harness import (
    ADMIN,
    READER,
    BotProcess,
    command,
    reply_text,
    running_bot,
    settings_for,
)
from tests.digests.store_fixtures import pg_schema, pg_unreachable, pg_url
from tests.servers.discord_server import ChannelSpec, DiscordServer

# One guild per shard of two: a guild's shard is (id >> 22) % shard_count.
SHARD0_GUILD = 920_000_000_000_000_001 & ~(1 << 22)
SHARD1_GUILD = SHARD0_GUILD | (1 << 22)
MORNING = 920_000_000_000_000_010
EVENING = 920_000_000_000_000_011
NOON = 920_000_000_000_000_012
SHARD1_TEXT = 920_000_000_000_000_020
# Where each guild's commands are typed and its /digest now posts (no schedule there).
COMMAND_CHANNEL = {SHARD0_GUILD: NOON, SHARD1_GUILD: SHARD1_TEXT}
TAKEOVER_LIMIT_SECONDS = 30


def _schedule(channel_id: int, *, paused: bool = False, cron: str = "0 8 * * *") -> Schedule:
    return Schedule(SHARD0_GUILD, channel_id, "UTC", cron=cron, paused=paused)


@pytest.mark.parametrize(
    ("known", "stored", "changed", "gone"),
    [
        ({}, [_schedule(1)], [1], []),
        ({1: _schedule(1)}, [_schedule(1)], [], []),
        ({1: _schedule(1)}, [], [], [1]),
        ({1: _schedule(1)}, [_schedule(1, paused=True)], [1], []),
        ({1: _schedule(1)}, [_schedule(1, cron="0 9 * * *")], [1], []),
        (
            {1: _schedule(1)},
            [Schedule(SHARD0_GUILD, 1, "UTC", cron="0 8 * * *", last_run_at=datetime.now(UTC))],
            [],
            [],
        ),
    ],
    ids=["new", "unchanged", "removed", "paused", "new-cron", "only-ran"],
)
def test_schedule_changes_follow_the_store(known, stored, changed, gone):
    to_apply, to_drop = schedule_changes(known, stored)
    assert [s.channel_id for s in to_apply] == changed
    assert to_drop == gone


@pytest.fixture
def sharded_world() -> Iterator[DiscordServer]:
    """A fake Discord with two shards and one guild on each."""
    srv = DiscordServer(shard_count=2)
    srv.start()
    try:
        srv.add_guild(
            SHARD0_GUILD,
            "Shard zero",
            channels=[
                ChannelSpec.text(MORNING, "morning"),
                ChannelSpec.text(EVENING, "evening"),
                ChannelSpec.text(NOON, "noon"),
            ],
            member_ids=[READER, ADMIN],
        )
        srv.add_guild(
            SHARD1_GUILD,
            "Shard one",
            channels=[ChannelSpec.text(SHARD1_TEXT, "news")],
            member_ids=[READER, ADMIN],
        )
        yield srv
    finally:
        srv.close()


def test_the_two_guilds_sit_on_different_shards():
    assert ((SHARD0_GUILD >> 22) % 2, (SHARD1_GUILD >> 22) % 2) == (0, 1)


async def test_a_sharded_bot_identifies_every_shard_and_guilds_land_on_theirs(
    sharded_world, tmp_path
):
    settings = settings_for(
        tmp_path,
        discord={"guild_ids": [SHARD0_GUILD, SHARD1_GUILD], "shard_count": 2},
    )
    async with running_bot(sharded_world, settings) as bot:
        await sharded_world.wait_ready(20, count=2)
        shards = sorted(tuple(p["shard"]) for p in sharded_world.identify_payloads)
        placed = {g.id: g.shard_id for g in bot.guilds}
    assert shards == [(0, 2), (1, 2)]
    assert placed == {SHARD0_GUILD: 0, SHARD1_GUILD: 1}


# --- two processes on one PostgreSQL database ------------------------------------------------


@pytest.fixture
def pg_store_url() -> Iterator[str]:
    """A migrated, empty fresh schema on the test server, as a URL the bot can use."""
    url = pg_url()
    reason = pg_unreachable(url)
    if reason is not None:
        pytest.skip(f"PostgreSQL not reachable at {url}: {reason}")
    with pg_schema(url) as schema:
        sep = "&" if "?" in url else "?"
        scoped = f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
        store = SqlStore(scoped)
        try:
            # Migrated here, so the two processes find the schema ready and race for nothing.
            store.migrate()
        finally:
            store.close()
        yield scoped


def _write_config(path: Path, storage_url: str, shard_id: int) -> Path:
    feeds = [
        ("harbor-courier.xml", "Harbor City Courier"),
        ("valley-post.atom", "Valley Post"),
        ("metro-science.json", "Metro Science Desk"),
    ]
    lines = [
        "[storage]",
        f'url = "{storage_url}"',
        "[summarizer]",
        'backend = "extractive"',
        "[digest]",
        "max_age_hours = 876000",
        "[discord]",
        f"guild_ids = [{SHARD0_GUILD}, {SHARD1_GUILD}]",
        "shard_count = 2",
        f"shard_ids = [{shard_id}]",
        "leader_poll_seconds = 0.5",
    ]
    for file, name in feeds:
        lines += ["[[feeds]]", f'url = "{SAMPLES_DIR / file}"', f'name = "{name}"']
    path.write_text("\n".join(lines) + "\n")
    return path


def _missed_schedule(channel_id: int) -> Schedule:
    """A daily schedule whose run two hours ago was missed (its next run is a day away)."""
    fire = (datetime.now(UTC) - timedelta(hours=2)).strftime("%H:%M")
    return Schedule(
        SHARD0_GUILD,
        channel_id,
        "UTC",
        times=(fire,),
        last_run_at=datetime.now(UTC) - timedelta(days=1, hours=3),
    )


def _add_schedule(url: str, schedule: Schedule) -> None:
    store = SqlStore(url)
    try:
        store.set_schedule(schedule, now=schedule.last_run_at or datetime.now(UTC))
    finally:
        store.close()


def _digests_in(url: str, channel_id: int) -> int:
    store = SqlStore(url)
    try:
        record = store.latest_digest("channel", channel_id)
        return 0 if record is None else len(record.messages)
    finally:
        store.close()


async def _leader_flags(srv: DiscordServer) -> dict[int, bool]:
    """Whether the process serving each guild says it runs the scheduler (via /status)."""
    flags = {}
    for guild, channel in COMMAND_CHANNEL.items():
        replies = await command(
            srv, "status", guild=guild, channel=channel, user=ADMIN, admin=True, replies=2
        )
        flags[guild] = "Scheduler leader**: yes" in reply_text(replies)
    return flags


async def _until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


@pytest.mark.postgres
@pytest.mark.slow
async def test_one_leader_posts_once_and_a_survivor_takes_over_after_kill_9(
    sharded_world, pg_store_url, tmp_path
):
    srv = sharded_world
    _add_schedule(pg_store_url, _missed_schedule(MORNING))
    procs = {
        SHARD0_GUILD: BotProcess(
            _write_config(tmp_path / "shard0.toml", pg_store_url, 0), srv, tmp_path / "0.log"
        ),
        SHARD1_GUILD: BotProcess(
            _write_config(tmp_path / "shard1.toml", pg_store_url, 1), srv, tmp_path / "1.log"
        ),
    }
    for proc in procs.values():
        proc.start()
    try:
        await srv.wait_ready(60, count=2)

        async def commands_synced() -> bool:
            return all(srv.registered_commands(g) for g in procs)

        await _until(commands_synced, 30, "commands")
        flags = await _leader_flags(srv)
        assert sorted(flags.values()) == [False, True], flags

        # The missed run is caught up by the leader alone, once.
        morning = await srv.wait_for_messages(MORNING, 2, timeout=60)
        await asyncio.sleep(1.5)  # three leadership polls: room for a wrong second post
        assert len(srv.messages(MORNING)) == len(morning)
        assert len(morning) == await asyncio.to_thread(_digests_in, pg_store_url, MORNING)
        assert sum("News digest" in m.content for m in srv.messages(MORNING)) == 1

        # A follower answers /digest now itself; the outbox keeps it to one post.
        follower_guild = next(g for g, lead in flags.items() if not lead)
        posted = await command(
            srv,
            "digest",
            {},
            "now",
            guild=follower_guild,
            channel=COMMAND_CHANNEL[follower_guild],
            admin=True,
            replies=2,
            timeout=60,
        )
        assert "Posted a digest" in reply_text(posted)
        free = srv.messages(COMMAND_CHANNEL[follower_guild])
        assert len(free) == await asyncio.to_thread(
            _digests_in, pg_store_url, COMMAND_CHANNEL[follower_guild]
        )

        # The next schedule is known to the leader; then the leader dies without warning.
        await asyncio.to_thread(_add_schedule, pg_store_url, _missed_schedule(EVENING))
        await asyncio.sleep(1.5)
        leader_guild = next(g for g, lead in flags.items() if lead)
        killed_at = time.monotonic()
        procs[leader_guild].kill()

        survivor = follower_guild

        async def survivor_leads() -> bool:
            replies = await command(
                srv,
                "status",
                guild=survivor,
                channel=COMMAND_CHANNEL[survivor],
                admin=True,
                replies=2,
            )
            return "Scheduler leader**: yes" in reply_text(replies)

        await _until(survivor_leads, TAKEOVER_LIMIT_SECONDS, "the survivor to take over")
        assert time.monotonic() - killed_at < TAKEOVER_LIMIT_SECONDS

        evening = await srv.wait_for_messages(EVENING, 2, timeout=60)
        await asyncio.sleep(1.5)
        assert len(srv.messages(EVENING)) == len(evening)
        assert len(evening) == await asyncio.to_thread(_digests_in, pg_store_url, EVENING)
        assert sum("News digest" in m.content for m in srv.messages(EVENING)) == 1
        assert len(srv.messages(MORNING)) == len(morning)
    finally:
        for proc in procs.values():
            proc.stop()


# --- one process's newsroom following and taking over ------------------------------------------


class _SwitchableLeader:
    """Leadership as a test decides it, with the interface the newsroom uses."""

    def __init__(self, leading: bool) -> None:
        self.leading = leading
        self.poll_seconds = 3600.0

    @property
    def is_leader(self) -> bool:
        return self.leading

    def try_acquire(self) -> bool:
        return self.leading

    async def acquire_forever(self, on_check) -> None:
        await asyncio.Event().wait()

    async def aclose(self) -> None:
        self.leading = False


class _NoFeeds:
    """A pipeline whose refresh finds nothing due."""

    async def refresh(self, *, only_due: bool = False):
        from digests.refresh_report import RefreshReport

        return RefreshReport()


@pytest.fixture
async def follower(tmp_path):
    from bot.newsroom import Newsroom
    from digests import Newsdesk
    from digests.answer import Answerer
    from digests.clock import SystemClock

    store = SqlStore(f"sqlite:///{tmp_path / 'shared.db'}")
    store.migrate()
    leader = _SwitchableLeader(leading=False)
    desk = Newsdesk(
        settings_for(tmp_path),
        store=store,
        pipeline=_NoFeeds(),  # type: ignore[arg-type]
        answerer=Answerer(),
        clock=SystemClock(),
    )
    room = Newsroom(
        None,  # type: ignore[arg-type]
        desk=desk,
        leader=leader,  # type: ignore[arg-type]
    )
    await room.start()
    try:
        yield room, leader, store
    finally:
        await room.stop()
        store.close()


async def test_a_follower_runs_no_jobs_but_tells_the_next_run(follower):
    room, _leader, store = follower
    schedule = store.set_schedule(_schedule(MORNING), now=datetime.now(UTC))
    assert room.apply_schedule(schedule) is None
    assert not room.is_leader
    assert room.scheduler.get_jobs() == []
    assert room.next_run(MORNING) is not None


async def test_a_follower_that_takes_over_runs_what_others_stored(follower):
    room, leader, store = follower
    # Written by another process: this one never saw a command for it.
    store.set_schedule(_schedule(EVENING), now=datetime.now(UTC))
    leader.leading = True
    await room._on_check(True)
    jobs = {job.id for job in room.scheduler.get_jobs()}
    assert room.is_leader
    assert {"poll", "flush", f"digest:{EVENING}"} <= jobs


async def test_the_leader_follows_schedule_changes_made_elsewhere(follower):
    room, leader, store = follower
    leader.leading = True
    await room._on_check(True)
    store.set_schedule(_schedule(MORNING), now=datetime.now(UTC))
    await room._on_check(True)
    assert room.next_run(MORNING) is not None
    store.remove_schedule(SHARD0_GUILD, MORNING)
    await room._on_check(True)
    assert room.scheduler.get_job(f"digest:{MORNING}") is None


async def test_a_leader_that_loses_the_lock_stops_its_jobs(follower):
    room, leader, _store = follower
    leader.leading = True
    await room._on_check(True)
    leader.leading = False
    await room._on_check(False)
    assert not room.is_leader
    assert room.scheduler.get_jobs() == []
