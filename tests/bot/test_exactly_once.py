"""Exactly-once posting: a killed bot's digest is finished after restart, nothing doubles."""

from __future__ import annotations

import asyncio

import pytest

from digests.store.sql import SqlStore
from tests.bot.harness import (
    GUILD,
    TEXT,
    BotProcess,
    build_world,
    command,
    running_bot,
    settings_for,
    until,
    write_config,
)
from tests.servers.discord_server import DiscordServer, discord_server

__all__ = ["discord_server"]


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    return discord_server


def _outbox(store: SqlStore) -> list:
    digests = [store.latest_digest("channel", TEXT)]
    return [m for d in digests if d for m in d.messages]


@pytest.mark.slow
async def test_killed_between_two_messages_every_message_arrives_exactly_once(world, tmp_path):
    settings = settings_for(tmp_path, digest={"max_age_hours": 876000, "max_stories": 20})
    config = write_config(tmp_path, settings)
    proc = BotProcess(config, world, tmp_path / "bot.log")
    proc.start()
    try:
        await world.wait_ready(30)
        await until(lambda: world.registered_commands(GUILD), 30, "commands")
        world.hold_messages_after(1)
        command_task = asyncio.create_task(
            command(world, "digest", {}, "now", admin=True, replies=1, timeout=60)
        )
        await world.wait_for_messages(TEXT, 1, timeout=60)
        await command_task
        # Let the second send hit the stall, then kill the process without warning.
        await until(lambda: any(r.status == 429 for r in world.requests()), 30, "the stalled send")
        proc.kill()
        assert len(world.messages(TEXT)) == 1

        world.hold_messages_after(None)
        proc.start()
        await world.wait_ready(30, count=2)
        store = SqlStore(settings.storage.url)
        try:
            await until(lambda: not store.pending_messages(), 60, "the outbox to drain")
            expected = store.digest_messages(store.latest_digest("channel", TEXT).id)
        finally:
            store.close()
    finally:
        proc.stop()
    posted = world.messages(TEXT)
    assert len(expected) >= 2
    assert len(posted) == len(expected)
    assert [m.payload.get("nonce") for m in posted] == [f"nd{m.id}" for m in expected]
    assert str(posted[0].content).startswith("**News digest**")


async def test_a_lost_response_does_not_double_a_message(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        world.lose_responses(1)
        await command(world, "digest", {}, "now", admin=True, replies=2, timeout=30)
        record = await asyncio.to_thread(bot.store.latest_digest, "channel", TEXT)
    posted = world.messages(TEXT)
    assert record is not None
    assert len(posted) == len(record.messages)
    assert world.nonce_hits >= 1
