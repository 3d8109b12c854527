"""Forum tags for a digest's topics and publishing from announcement channels, end to end,
plus the pure rules that pick the tags and carry the hints."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import discord
import pytest

from bot.publishing import APPLIED_TAGS_LIMIT, PUBLISHES_PER_HOUR, forum_tags, payload_topics
from tests.bot.harness import GUILD, build_world, command, running_bot, settings_for
from tests.servers.discord_server import (
    FLAG_CROSSPOSTED,
    ChannelSpec,
    DiscordServer,
    discord_server,
)

__all__ = ["discord_server"]

TAGGED = 910_000_000_000_000_050
NEWS = 910_000_000_000_000_060
TAGS = ("local", "SCIENCE", "Sports", "Transport")
MODERATED = ("Transport",)


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    discord_server.add_channel(
        GUILD, ChannelSpec.forum(TAGGED, "tagged", tags=TAGS, moderated_tags=MODERATED)
    )
    discord_server.add_channel(GUILD, ChannelSpec.announcement(NEWS, "wire"))
    return discord_server


def _crossposts(world: DiscordServer, status: int | None = None) -> list:
    return [r for r in world.requests() if r.kind == "crossposts" and r.status in (status, None)]


async def test_a_forum_post_carries_the_tags_of_its_topics_but_no_moderated_one(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        await command(world, "digest", {"channel": str(TAGGED)}, "now", admin=True, replies=2)
        record = await asyncio.to_thread(bot.store.latest_digest, "channel", TAGGED)
        forum = bot.get_channel(TAGGED)
    assert record is not None and isinstance(forum, discord.ForumChannel)
    topics = {t.casefold() for t in payload_topics(record.messages[0].payload)}
    assert {"local", "science", "transport"} <= topics
    (post,) = world.threads(TAGGED)
    headline = record.messages[1].payload["embeds"][0]["title"]  # type: ignore[index]
    assert post.name.startswith(str(headline)[:40]), "the post is named for its lead story"
    names = {t.id: t.name for t in forum.available_tags}
    assert sorted(names[t] for t in post.applied_tags) == ["SCIENCE", "local"]


async def test_an_announcement_digest_is_published_message_by_message(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        await command(world, "digest", {"channel": str(NEWS)}, "now", admin=True, replies=2)
        used = await asyncio.to_thread(
            bot.store.publishes_since, NEWS, bot.desk.now() - timedelta(hours=1)
        )
    posted = world.messages(NEWS)
    assert len(posted) >= 2
    assert all(m.flags & FLAG_CROSSPOSTED for m in posted)
    assert used == len(posted)


async def test_publishing_stops_at_ten_an_hour_and_the_digest_still_goes_out(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        now = bot.desk.now()
        # Nine publishes this hour; the older ones no longer count.
        for n in range(PUBLISHES_PER_HOUR - 1):
            await asyncio.to_thread(bot.store.record_publish, NEWS, f"m{n}", now=now)
        for n in range(5):
            old = now - timedelta(hours=1, minutes=1)
            await asyncio.to_thread(bot.store.record_publish, NEWS, f"old{n}", now=old)
        await command(world, "digest", {"channel": str(NEWS)}, "now", admin=True, replies=2)
        record = await asyncio.to_thread(bot.store.latest_digest, "channel", NEWS)
    posted = world.messages(NEWS)
    assert record is not None and record.status == "sent"
    assert len(posted) == len(record.messages) >= 2
    assert [bool(m.flags & FLAG_CROSSPOSTED) for m in posted] == [True] + [False] * (
        len(posted) - 1
    )
    assert not _crossposts(world, 429)


async def test_a_failed_publish_never_sends_the_message_again(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        world.fail_next("crossposts", 1, status=400)
        await command(world, "digest", {"channel": str(NEWS)}, "now", admin=True, replies=2)
        record = await asyncio.to_thread(bot.store.latest_digest, "channel", NEWS)
    posted = world.messages(NEWS)
    assert record is not None
    assert [str(m.id) for m in posted] == [m.remote_id for m in record.messages]
    assert not posted[0].flags & FLAG_CROSSPOSTED
    assert all(m.flags & FLAG_CROSSPOSTED for m in posted[1:])


def _tags(tags: list[tuple[str, bool]]) -> list[discord.ForumTag]:
    made = []
    for n, (name, moderated) in enumerate(tags, start=1):
        tag = discord.ForumTag(name=name, moderated=moderated)
        tag.id = n
        made.append(tag)
    return made


@pytest.mark.parametrize(
    ("topics", "can_moderate", "expected"),
    [
        (["Local", "Science"], False, ["local", "Science"]),
        (["science", "LOCAL"], False, ["Science", "local"]),
        (["Mod"], False, []),
        (["Mod"], True, ["Mod"]),
        (["Elsewhere"], False, []),
        ([f"t{n}" for n in range(8)], False, [f"t{n}" for n in range(APPLIED_TAGS_LIMIT)]),
    ],
)
def test_forum_tags_match_topics_case_insensitively_at_most_five(topics, can_moderate, expected):
    tags = [("local", False), ("Science", False), ("Mod", True)]
    tags += [(f"t{n}", False) for n in range(8)]
    chosen = forum_tags(_tags(tags), topics, can_moderate=can_moderate)
    assert [t.name for t in chosen] == expected
