"""Webhook identities end to end: the real bot posts through a webhook it owns in the test
Discord, exactly once through lost answers and restarts, and never pings from feed text."""

from __future__ import annotations

import asyncio

import pytest

from digests.store.sql import SqlStore
from tests.bot.harness import (
    GUILD,
    SECOND_TEXT,
    TEXT,
    BotProcess,
    build_world,
    command,
    reply_text,
    running_bot,
    settings_for,
    until,
    write_config,
)
from tests.bot.test_formats_e2e import PING_FEED, ROLE
from tests.servers.discord_server import ChannelSpec, DiscordServer, discord_server
from tests.servers.feed_server import FeedServer, feed_server

__all__ = ["discord_server", "feed_server"]

HOOKED = 910_000_000_000_000_040
AVATAR = "https://img.example/desk.png"


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    discord_server.add_channel(GUILD, ChannelSpec(HOOKED, "wire", manage_webhooks=True))
    discord_server.add_role(GUILD, ROLE, "subscribers", mentionable=True)
    return discord_server


async def _set(world: DiscordServer, channel: int = HOOKED, **options: str) -> str:
    options = {"name": "Harbor Desk", "avatar_url": AVATAR} | options
    replies = await command(
        world, "webhook", options, "set", channel=channel, admin=True, replies=2
    )
    assert all(r.ephemeral for r in replies if r.message is not None)
    return reply_text(replies)


def _executions(world: DiscordServer, status: int | None = None) -> list:
    """Channel webhook executions (interaction follow-ups use the same route)."""
    followups = f"/webhooks/{world.application_id}/"
    return [
        r
        for r in world.requests()
        if r.kind == "webhooks"
        and r.method == "POST"
        and followups not in r.path
        and (status is None or r.status == status)
    ]


async def test_without_manage_webhooks_the_admin_is_told_what_to_grant(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        text = await _set(world, channel=TEXT)
        stored = await asyncio.to_thread(bot.store.channel_webhook, GUILD, TEXT)
    assert "Manage Webhooks" in text and f"<#{TEXT}>" in text
    assert stored is None
    assert world.webhooks(TEXT) == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"name": "Discord News"}, "discord"),
        ({"name": "clyde's desk"}, "clyde"),
        ({"name": "x" * 81}, "1 to 80"),
        ({"name": "Desk", "avatar_url": "ftp://img.example/a.png"}, "http(s)"),
        ({"name": "Desk", "avatar_url": "not a url"}, "http(s)"),
    ],
)
async def test_a_name_or_avatar_discord_would_refuse_is_refused(world, tmp_path, options, expected):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        replies = await command(world, "webhook", options, "set", channel=HOOKED, admin=True)
        stored = await asyncio.to_thread(bot.store.channel_webhook, GUILD, HOOKED)
    assert expected in reply_text(replies) and replies[-1].ephemeral
    assert stored is None and world.webhooks(HOOKED) == []


async def test_a_digest_goes_out_through_the_webhook_under_its_name(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        assert "Harbor Desk" in await _set(world)
        shown = reply_text(await command(world, "webhook", {}, "show", channel=HOOKED, admin=True))
        await command(world, "digest", {}, "now", channel=HOOKED, admin=True, replies=2)
        record = await asyncio.to_thread(bot.store.latest_digest, "channel", HOOKED)
        hook = await asyncio.to_thread(bot.store.channel_webhook, GUILD, HOOKED)
    posted = world.messages(HOOKED)
    assert record is not None and hook is not None
    assert len(posted) == len(record.messages) >= 2
    assert [str(m.id) for m in posted] == [m.remote_id for m in record.messages]
    assert {m.webhook_id for m in posted} == {hook.webhook_id}
    assert {m.author_name for m in posted} == {"Harbor Desk"}
    assert {m.avatar_url for m in posted} == {AVATAR}
    assert "Harbor Desk" in shown and hook.token not in shown
    assert posted[0].content.startswith("**News digest**")


async def test_webhook_off_posts_as_the_bot_again_and_deletes_the_webhook(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        await _set(world)
        replies = await command(world, "webhook", {}, "off", channel=HOOKED, admin=True, replies=2)
        await command(world, "digest", {}, "now", channel=HOOKED, admin=True, replies=2)
    assert "as the bot" in reply_text(replies)
    assert world.webhooks(HOOKED) == []
    assert world.messages(HOOKED) and all(m.webhook_id is None for m in world.messages(HOOKED))


async def test_feed_text_through_a_webhook_pings_nobody_and_takes_the_feeds_identity(
    world, tmp_path, feed_server: FeedServer
):
    feed_server.route("/loud.xml").serve(PING_FEED)
    url = feed_server.url("/loud.xml")
    settings = settings_for(
        tmp_path,
        fetch={"allow_private": ["127.0.0.1"]},
        feeds=[{"url": url, "name": "Loud News"}],
    )
    async with running_bot(world, settings):
        await _set(world)
        assert "Loud desk" in await _set(world, name="Loud desk", feed=url)
        await command(world, "digest", {}, "now", channel=HOOKED, admin=True, replies=2)
    posted = world.messages(HOOKED)
    assert posted and all(m.webhook_id is not None for m in posted)
    assert {m.author_name for m in posted} == {"Loud desk"}
    assert any("everyone" in (m.content + str(m.embeds)) for m in posted)
    for m in posted:
        assert not m.mentions_everyone
        assert m.mentioned_role_ids == [] and m.mentioned_user_ids == []


async def test_a_lost_webhook_answer_is_found_in_the_channel_not_posted_twice(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        await _set(world)
        world.lose_responses(1)
        await command(world, "digest", {}, "now", channel=HOOKED, admin=True, replies=2)
        # The first answer was lost, so the channel waits for the next flush to settle it.
        assert len(world.messages(HOOKED)) == 1
        await bot.newsroom.sender.flush()
        record = await asyncio.to_thread(bot.store.latest_digest, "channel", HOOKED)
    posted = world.messages(HOOKED)
    assert record is not None
    assert [str(m.id) for m in posted] == [m.remote_id for m in record.messages]
    assert len(_executions(world)) == len(posted)


@pytest.mark.slow
async def test_killed_after_a_webhook_send_reached_discord_it_is_neither_lost_nor_doubled(
    world, tmp_path
):
    settings = settings_for(tmp_path, digest={"max_age_hours": 876000, "max_stories": 20})
    proc = BotProcess(write_config(tmp_path, settings), world, tmp_path / "bot.log")
    proc.start()
    try:
        await world.wait_ready(30)
        await until(lambda: world.registered_commands(GUILD), 30, "commands")
        await _set(world)
        world.hold_webhook_responses(1)
        await command(world, "digest", {}, "now", channel=HOOKED, admin=True, timeout=60)
        # The header exists on Discord, but the bot waits on a 429 instead of its answer.
        await until(lambda: world.messages(HOOKED), 30, "the first webhook message")
        await until(lambda: _executions(world, 429), 30, "the held answer")
        proc.kill()
        assert len(world.messages(HOOKED)) == 1

        proc.start()
        await world.wait_ready(30, count=2)
        store = SqlStore(settings.storage.url)
        try:
            await until(lambda: not store.pending_messages(), 60, "the outbox to drain")
            record = store.latest_digest("channel", HOOKED)
        finally:
            store.close()
    finally:
        proc.stop()
    posted = world.messages(HOOKED)
    assert record is not None and len(record.messages) >= 2
    assert [str(m.id) for m in posted] == [m.remote_id for m in record.messages]
    assert posted[0].content.startswith("**News digest**")
    assert len({m.content + str(m.embeds) for m in posted}) == len(posted)


async def test_a_deleted_webhook_is_made_again_once(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        await _set(world)
        (old,) = world.webhooks(HOOKED)
        world.delete_webhook(int(old["id"]))
        await command(world, "digest", {}, "now", channel=HOOKED, admin=True, replies=2)
        hook = await asyncio.to_thread(bot.store.channel_webhook, GUILD, HOOKED)
    (new,) = world.webhooks(HOOKED)
    posted = world.messages(HOOKED)
    assert hook is not None and hook.webhook_id == int(new["id"]) != int(old["id"])
    assert posted and {m.webhook_id for m in posted} == {hook.webhook_id}
    assert {m.author_name for m in posted} == {"Harbor Desk"}
    assert len(_executions(world, 404)) == 1


async def test_a_webhook_that_cannot_be_made_again_is_reported_not_retried(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        await command(world, "status", {"channel": str(SECOND_TEXT)}, admin=True, replies=2)
        await _set(world)
        (old,) = world.webhooks(HOOKED)
        world.delete_webhook(int(old["id"]))
        world.revoke_manage_webhooks(HOOKED)
        await command(world, "digest", {}, "now", channel=HOOKED, admin=True, replies=2)
        await until(lambda: world.messages(SECOND_TEXT), 20, "the notice")
        await bot.newsroom.sender.flush()
        hook = await asyncio.to_thread(bot.store.channel_webhook, GUILD, HOOKED)
    posted = world.messages(HOOKED)
    (notice,) = world.messages(SECOND_TEXT)
    assert posted and all(m.webhook_id is None for m in posted)
    assert hook is None
    assert "webhook" in notice.content and "Manage Webhooks" in notice.content
    assert f"<#{HOOKED}>" in notice.content and notice.allowed_mentions == {"parse": []}
    assert len(_executions(world)) == 1
