"""Guild isolation: no command of one guild, autocomplete included, reads or changes another's."""

# Test parameters named like the imported fixture are how pytest injects it, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.bot.harness import (
    GUILD,
    MANAGE_GUILD,
    OTHER_GUILD,
    OTHER_TEXT,
    READER,
    TEXT,
    build_world,
    command,
    reply_text,
    running_bot,
    settings_for,
)
from tests.hardening._feeds import rss
from tests.servers.discord_server import DiscordServer, discord_server
from tests.servers.feed_server import FeedServer, feed_server

__all__ = ["discord_server", "feed_server"]

THEIRS = {"guild": OTHER_GUILD, "channel": OTHER_TEXT}


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    return discord_server


async def autocomplete(
    srv: DiscordServer,
    name: str,
    options: dict[str, Any],
    focused: str,
    subcommand: str | None = None,
    *,
    guild: int = GUILD,
    channel: int = TEXT,
) -> list[dict[str, Any]]:
    """The choices the bot offers while ``focused`` is being typed."""
    iid = srv.inject_interaction(
        guild,
        channel,
        READER,
        name,
        options=options,
        subcommand=subcommand,
        permissions=MANAGE_GUILD,
        type=4,
        focused=focused,
    )
    replies = await srv.wait_for_interaction_response(iid, 20)
    return list(replies[-1].data.get("choices") or [])


ZEPPELIN = (
    "A zeppelin line between Lakeport and Brindle opened on Monday with two daily flights, "
    "the operator Skyward said. Tickets cost 140 euros and the trip takes three hours, about "
    "half the time of the train. Skyward plans four flights a day from March if demand holds."
)
KITES = (
    "The kite festival of Osterby drew 40,000 visitors over the weekend, the organisers said. "
    "More than 600 kites from 18 countries flew above the dunes, and a Danish team won the "
    "prize for the largest kite with a 90 square metre whale. The festival returns in June."
)
OSTRICHES = (
    "An ostrich farm near Velden will triple its flock to 900 birds after winning a contract "
    "with a supermarket chain, the farmer Petra Holm said. The farm employs 14 people and "
    "plans to hire six more by the autumn. Ostrich meat sales grew by a third last year."
)


@pytest.fixture
async def two_guilds(world: DiscordServer, feed_server: FeedServer, tmp_path):
    """Our guild added a feed with topic Airships, follows it and has a schedule; the other
    guild added a feed of its own, one of whose reports is of the same event as ours."""
    feed_server.route("/ours.xml").serve(
        rss(("z1", "Zeppelin line opens", ZEPPELIN), ("k1", "Kite festival record", KITES))
    )
    feed_server.route("/theirs.xml").serve(
        rss(
            ("o1", "Ostrich farm expands", OSTRICHES),
            ("z2", "Zeppelin service starts", ZEPPELIN.replace("Monday", "Monday morning")),
        )
    )
    ours, theirs = feed_server.url("/ours.xml"), feed_server.url("/theirs.xml")
    settings = settings_for(tmp_path, fetch={"allow_private": ["127.0.0.1"]})
    async with running_bot(world, settings) as bot:
        added = {"url": ours, "topics": "Airships"}
        await command(world, "feed", added, "add", admin=True, replies=2)
        await command(world, "feed", {"url": theirs}, "add", admin=True, replies=2, **THEIRS)
        await bot.newsroom.poll_feeds()
        await command(world, "subscribe", {"topic": "Airships"}, replies=2)
        await command(world, "schedule", {"time": "08:00", "timezone": "UTC"}, "set", admin=True)
        found = await asyncio.to_thread(bot.store.search_stories, "kite", limit=1)
        yield bot, ours, theirs, found[0].id


@pytest.mark.parametrize(
    ("name", "options", "focused", "subcommand"),
    [
        ("story", {"id": ""}, "id", None),
        ("ask", {"question": "what?", "story": ""}, "story", None),
        ("feed", {"url": ""}, "url", "remove"),
        ("unsubscribe", {"topic": ""}, "topic", None),
        ("subscribe", {"topic": ""}, "topic", None),
    ],
    ids=["story", "ask-story", "feed-remove", "unsubscribe", "subscribe"],
)
async def test_autocomplete_never_offers_another_guilds_data(
    world, two_guilds, name, options, focused, subcommand
):
    _bot, ours, _theirs, story_id = two_guilds

    mine = await autocomplete(world, name, options, focused, subcommand)
    offered = await autocomplete(world, name, options, focused, subcommand, **THEIRS)

    text = str(offered).lower()
    assert "kite" not in text and "airships" not in text
    assert story_id not in str(offered) and ours not in str(offered)
    assert "kite" in str(mine).lower() or "airships" in str(mine).lower() or ours in str(mine)


@pytest.mark.parametrize(
    ("name", "options", "responses"),
    [
        # /story refuses before deferring; /ask defers first, then answers. Waiting for
        # the answer itself, not a deferral, keeps the test from racing the bot.
        ("story", {"id": "{story}"}, 1),
        ("ask", {"question": "Which line?", "story": "{story}"}, 2),
    ],
)
async def test_another_guilds_story_id_is_refused(world, two_guilds, name, options, responses):
    _bot, _ours, _theirs, story_id = two_guilds
    filled = {k: v.format(story=story_id) for k, v in options.items()}

    replies = await command(world, name, filled, replies=responses, **THEIRS)

    assert "No story with id" in reply_text(replies)
    assert "kite" not in reply_text(replies).lower()


@pytest.mark.parametrize("subcommand", ["pause", "remove"])
async def test_another_guilds_schedule_cannot_be_changed(world, two_guilds, subcommand):
    bot, _ours, _theirs, _story = two_guilds
    before = bot.newsroom.next_run(TEXT)

    replies = await command(
        world, "schedule", {"channel": str(TEXT)}, subcommand, admin=True, **THEIRS
    )

    assert replies[-1].ephemeral
    assert bot.newsroom.next_run(TEXT) == before is not None
    (schedule,) = await asyncio.to_thread(bot.store.list_schedules, GUILD)
    assert not schedule.paused


async def test_another_guilds_feed_cannot_be_removed_or_listed(world, two_guilds):
    bot, ours, theirs, _story = two_guilds

    removed = await command(world, "feed", {"url": ours}, "remove", admin=True, **THEIRS)
    listed = await command(world, "feed", {}, "list", admin=True, **THEIRS)

    assert "no such feed" in reply_text(removed)
    assert ours in await asyncio.to_thread(bot.store.community_feed_urls, GUILD)
    assert ours not in reply_text(listed) and theirs in reply_text(listed)


async def test_another_guilds_topic_cannot_be_subscribed(world, two_guilds):
    # Deferred, then answered.
    replies = await command(world, "subscribe", {"topic": "Airships"}, replies=2, **THEIRS)

    assert "Unknown topic" in reply_text(replies)


async def test_search_and_topics_show_only_the_guilds_own_stories(world, two_guilds):
    found = reply_text(await command(world, "search", {"query": "kite"}, **THEIRS))
    topics = reply_text(await command(world, "topics", replies=2, **THEIRS))

    assert "No stories match" in found
    assert "opics" in topics  # the answer came: "Topics (last 7 days)" or "No topics yet."
    assert "Airships" not in topics


async def test_a_story_two_guilds_share_shows_each_only_its_own_sources_and_topics(
    world, two_guilds
):
    bot, _ours, _theirs, _story = two_guilds
    (shared,) = await asyncio.to_thread(bot.store.search_stories, "zeppelin", limit=1)
    assert len(shared.articles) == 2 and "Airships" in shared.topics

    replies = await command(world, "story", {"id": shared.id}, replies=2, **THEIRS)

    shown = str(replies[-1].message.embeds)
    assert "Zeppelin" in shown
    assert "Airships" not in shown and "/ours.xml" not in shown
