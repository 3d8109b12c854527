"""The real bot, end to end, against the Discord-compatible test server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from digests.errors import StorageError
from tests.bot.harness import (
    FORUM,
    GUILD,
    LOCKED,
    OTHER_GUILD,
    OTHER_TEXT,
    SECOND_TEXT,
    TEXT,
    build_world,
    command,
    reply_text,
    running_bot,
    settings_for,
)
from tests.servers.discord_server import DiscordServer, discord_server

__all__ = ["discord_server"]

EXPECTED = {
    "digest",
    "topics",
    "subscribe",
    "unsubscribe",
    "story",
    "ask",
    "search",
    "schedule",
    "feed",
    "filter",
    "topic",
    "status",
    "format",
    "webhook",
}


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    return discord_server


def _walk(options):
    for option in options or []:
        yield option
        yield from _walk(option.get("options"))


async def test_commands_are_registered_at_start_with_descriptions(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        registered = world.registered_commands(GUILD)
    assert {c["name"] for c in registered} == EXPECTED
    assert len(registered) == len(EXPECTED), "no two commands share a name"
    for cmd in registered:
        assert cmd["description"]
        for option in _walk(cmd.get("options")):
            assert option["description"], (cmd["name"], option["name"])
    admin = {c["name"]: str(c.get("default_member_permissions")) for c in registered}
    assert admin["schedule"] == str(1 << 5)
    assert admin["feed"] == str(1 << 5)
    assert admin["status"] == str(1 << 5)
    assert admin["format"] == str(1 << 5)
    assert admin["filter"] == str(1 << 5)
    assert admin["topic"] == str(1 << 5)


async def test_schedule_set_by_an_admin_changes_the_next_run_and_survives_a_restart(
    world, tmp_path
):
    settings = settings_for(tmp_path)
    async with running_bot(world, settings) as bot:
        replies = await command(
            world,
            "schedule",
            {"time": "07:30", "timezone": "Europe/Berlin"},
            "set",
            admin=True,
        )
        text = reply_text(replies)
        assert "07:30" in text and "Europe/Berlin" in text
        assert replies[-1].ephemeral
        first_next = bot.newsroom.next_run(TEXT)
        assert first_next is not None
        assert first_next.astimezone(UTC).strftime("%H:%M") in {"06:30", "05:30"}
    async with running_bot(world, settings) as bot:
        assert bot.newsroom.next_run(TEXT) == first_next
        shown = reply_text(await command(world, "schedule", {}, "show", admin=True))
        assert "07:30" in shown and "Europe/Berlin" in shown and "next run" in shown


async def test_schedule_set_by_a_non_admin_is_refused(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        replies = await command(
            world, "schedule", {"time": "07:30", "timezone": "UTC"}, "set", admin=False
        )
        assert "Manage Server" in reply_text(replies)
        assert replies[-1].ephemeral
        assert bot.newsroom.next_run(TEXT) is None


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"cron": "61 * * * *", "timezone": "UTC"}, "61 * * * *"),
        ({"cron": "0 8 * * *", "timezone": "Mars/Olympus"}, "Mars/Olympus"),
        ({"time": "25:99", "timezone": "UTC"}, "25:99"),
    ],
)
async def test_a_bad_cron_or_timezone_gets_a_clear_error(world, tmp_path, options, named):
    async with running_bot(world, settings_for(tmp_path)):
        replies = await command(world, "schedule", options, "set", admin=True)
    text = reply_text(replies)
    assert "invalid" in text and named in text
    assert replies[-1].ephemeral


async def test_a_scheduled_digest_arrives_when_the_clock_reaches_it(world, tmp_path):
    # The bot starts and takes the command an hour early, however slow the machine is; only
    # then does the clock jump to two seconds before the run, and the scheduler is woken to
    # see it.
    start = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=True) as traveller:
        async with running_bot(world, settings_for(tmp_path)) as bot:
            await command(
                world, "schedule", {"time": "08:00", "timezone": "UTC"}, "set", admin=True
            )
            assert bot.newsroom.next_run(TEXT) == datetime(2026, 12, 1, 8, tzinfo=UTC)
            traveller.move_to(datetime(2026, 12, 1, 7, 59, 58, tzinfo=UTC))
            bot.newsroom.scheduler.wakeup()
            messages = await world.wait_for_messages(TEXT, 2, timeout=20)
    header, *rest = messages
    assert "News digest" in header.content
    embeds = [e for m in rest for e in m.embeds]
    assert any("tram" in e["title"].lower() for e in embeds)
    assert all(m.allowed_mentions == {"parse": []} for m in messages)


async def test_digest_now_posts_each_story_once_per_channel(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        first = await command(world, "digest", {}, "now", admin=True, replies=2)
        assert "Posted a digest" in reply_text(first)
        count = len(world.messages(TEXT))
        assert count >= 2
        again = await command(world, "digest", {}, "now", admin=True, replies=2)
        assert "No new stories" in reply_text(again)
        assert len(world.messages(TEXT)) == count


async def test_digest_latest_shows_the_last_digest_ephemerally(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        await command(world, "digest", {}, "now", admin=True, replies=2)
        replies = await command(world, "digest", {}, "latest", replies=3)
    assert all(r.ephemeral for r in replies[1:])
    assert "News digest" in replies[1].message.content


async def test_forum_channels_get_one_thread_per_digest(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        await command(world, "digest", {"channel": str(FORUM)}, "now", admin=True, replies=2)
        posts = world.threads(FORUM)
        assert len(posts) == 1
        follow = world.messages(posts[0].id)
    assert follow and any(m.embeds for m in follow)


async def test_a_channel_the_bot_cannot_post_to_is_reported_not_retried(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        await command(world, "digest", {"channel": str(LOCKED)}, "now", admin=True, replies=2)
        assert bot.newsroom.problems.get(LOCKED)
        assert await asyncio.to_thread(bot.store.pending_messages) == []
        await command(
            world,
            "schedule",
            {"time": "08:00", "timezone": "UTC", "channel": str(LOCKED)},
            "set",
            admin=True,
        )
        shown = reply_text(await command(world, "schedule", {}, "show", admin=True))
    assert "last delivery failed" in shown
    assert world.messages(LOCKED) == []


async def test_a_database_failure_marking_the_run_is_reported_and_the_digest_still_goes(
    world, tmp_path, monkeypatch, caplog
):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        await command(world, "schedule", {"time": "08:00", "timezone": "UTC"}, "set", admin=True)

        def broken(guild_id, channel_id, when):
            raise StorageError("database is locked")

        monkeypatch.setattr(bot.store, "mark_schedule_run", broken)
        await bot.newsroom.post_digest(GUILD, TEXT)
        shown = reply_text(await command(world, "schedule", {}, "show", admin=True))
    assert "database is locked" in shown
    assert "database is locked" in bot.newsroom.problems[TEXT]
    assert any(r.levelname == "ERROR" and str(TEXT) in r.getMessage() for r in caplog.records)
    assert world.messages(TEXT)


async def test_an_unscheduled_channel_is_not_reported_as_a_problem(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        await bot.newsroom.post_digest(GUILD, TEXT)
    assert TEXT not in bot.newsroom.problems


async def test_a_429_with_retry_after_is_waited_out(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        world.fail_next("messages", count=2, status=429, retry_after=0.3)
        await command(world, "digest", {}, "now", admin=True, replies=2)
        messages = world.messages(TEXT)
    assert len(messages) >= 2
    assert len({m.id for m in messages}) == len(messages)


async def test_ask_answers_with_a_source(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        replies = await command(
            world, "ask", {"question": "How much will the tram line cost?"}, replies=2
        )
    text = reply_text(replies)
    assert "480 million" in text
    assert "Sources:" in text and "courier.example.org" in text


async def test_search_finds_stories_newest_first(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        replies = await command(world, "search", {"query": "tram"})
    assert "tram" in reply_text(replies).lower()


async def test_story_shows_the_full_briefing_with_every_source(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        stories = await asyncio.to_thread(bot.store.search_stories, "tram", feed_urls=None, limit=1)
        replies = await command(world, "story", {"id": stories[0].id}, replies=2)
    embed = replies[-1].message.embeds[0]
    text = str(embed)
    assert "Harbor City Courier" in text and "Valley Post" in text


async def test_topics_lists_counts_and_subscribers_get_a_dm(world, tmp_path):
    from tests.bot.harness import READER

    async with running_bot(world, settings_for(tmp_path)):
        # Each of these is deferred, then answered.
        topics = reply_text(await command(world, "topics", replies=2))
        assert "Transport" in topics
        sub = reply_text(await command(world, "subscribe", {"topic": "transport"}, replies=2))
        assert "Subscribed to Transport" in sub
        await command(world, "digest", {}, "now", admin=True, replies=2)
        dms = world.dms(READER)
        assert len(dms) >= 2
        assert any("tram" in e["title"].lower() for m in dms for e in m.embeds)
        unsub = reply_text(await command(world, "unsubscribe", {"topic": "Transport"}, replies=2))
    assert "Unsubscribed" in unsub


async def test_a_guild_sees_only_its_own_feeds_and_schedules(world, tmp_path, feed_server):
    feed_server.route("/extra.xml").serve(
        b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Extra News</title>
        <item><title>Zeppelin service returns to Lakeport</title><guid>z1</guid>
        <link>https://extra.example/z1</link><description>A zeppelin line between Lakeport
        and Brindle opened on Monday with two daily flights, the operator Skyward said. Tickets
        cost 140 euros and the trip takes three hours, about half the time of the train.
        The operator plans four flights a day from March if demand holds, and says the airship
        uses a fifth of the fuel of a regional jet on the same route.</description></item>
        </channel></rss>""",
        content_type="application/rss+xml",
    )
    settings = settings_for(tmp_path, fetch={"allow_private": ["127.0.0.1"]})
    url = feed_server.url("/extra.xml")
    async with running_bot(world, settings) as bot:
        added = reply_text(await command(world, "feed", {"url": url}, "add", admin=True, replies=2))
        assert "Extra News" in added and "1 entries" in added
        await bot.newsroom.poll_feeds()
        mine = reply_text(await command(world, "search", {"query": "zeppelin"}))
        theirs = reply_text(
            await command(
                world, "search", {"query": "zeppelin"}, guild=OTHER_GUILD, channel=OTHER_TEXT
            )
        )
        assert "Zeppelin" in mine
        assert "No stories match" in theirs
        listed = reply_text(
            await command(
                world, "feed", {}, "list", guild=OTHER_GUILD, channel=OTHER_TEXT, admin=True
            )
        )
        assert "Extra News" not in listed
        removed = reply_text(
            await command(
                world,
                "feed",
                {"url": url},
                "remove",
                guild=OTHER_GUILD,
                channel=OTHER_TEXT,
                admin=True,
            )
        )
        assert "no such feed" in removed
        assert url in await asyncio.to_thread(bot.store.community_feed_urls, GUILD)


SITE_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Site Feed</title>
<item><title>Ferry timetable changes</title><guid>f1</guid><link>https://site.example/f1</link>
<description>The ferry runs every hour from Monday.</description></item></channel></rss>"""


async def test_feed_add_with_a_site_url_subscribes_to_the_feed_the_site_links_to(
    world, tmp_path, feed_server
):
    feed_server.route("/").serve(
        b"""<!DOCTYPE html><html><head><title>Site</title>
        <link rel="alternate" type="application/rss+xml" title="RSS" href="/news/rss.xml">
        </head><body><p>Welcome</p></body></html>""",
        content_type="text/html",
    )
    feed_server.route("/news/rss.xml").serve(SITE_FEED, content_type="application/rss+xml")
    settings = settings_for(tmp_path, fetch={"allow_private": ["127.0.0.1"]})
    async with running_bot(world, settings) as bot:
        added = reply_text(
            await command(
                world, "feed", {"url": feed_server.url("/")}, "add", admin=True, replies=2
            )
        )
        urls = await asyncio.to_thread(bot.store.community_feed_urls, GUILD)
    feed_url = feed_server.url("/news/rss.xml")
    assert "Site Feed" in added and feed_url in added
    assert urls == [feed_url]


async def test_feed_add_with_a_page_linking_to_no_feed_says_it_is_a_page(
    world, tmp_path, feed_server
):
    feed_server.route("/").serve(
        b"<!doctype html><html><head><title>Site</title></head><body>Hi</body></html>",
        content_type="text/html",
    )
    settings = settings_for(tmp_path, fetch={"allow_private": ["127.0.0.1"]})
    async with running_bot(world, settings) as bot:
        replies = await command(
            world, "feed", {"url": feed_server.url("/")}, "add", admin=True, replies=2
        )
        urls = await asyncio.to_thread(bot.store.community_feed_urls, GUILD)
    assert "this is an HTML page, not a feed" in reply_text(replies)
    assert urls == []


async def test_schedules_are_per_channel_and_pause_resume_remove(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        await command(
            world,
            "schedule",
            {
                "cron": "0 18 * * mon-fri",
                "timezone": "America/New_York",
                "channel": str(SECOND_TEXT),
            },
            "set",
            admin=True,
        )
        assert bot.newsroom.next_run(SECOND_TEXT) is not None
        await command(world, "schedule", {"channel": str(SECOND_TEXT)}, "pause", admin=True)
        assert bot.newsroom.next_run(SECOND_TEXT) is None
        await command(world, "schedule", {"channel": str(SECOND_TEXT)}, "resume", admin=True)
        nxt = bot.newsroom.next_run(SECOND_TEXT)
        assert nxt is not None and nxt.astimezone(UTC) - datetime.now(UTC) < timedelta(days=4)
        await command(world, "schedule", {"channel": str(SECOND_TEXT)}, "remove", admin=True)
        assert bot.newsroom.next_run(SECOND_TEXT) is None


from tests.servers.feed_server import feed_server  # noqa: E402

__all__ += ["feed_server"]


async def test_runs_missed_during_downtime_coalesce_into_one_digest(world, tmp_path):
    from digests.store import Schedule, open_store

    settings = settings_for(tmp_path)
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    store = open_store(settings.storage.url)
    store.set_schedule(
        Schedule(GUILD, TEXT, "UTC", times=("08:00",), last_run_at=three_days_ago),
        now=three_days_ago,
    )
    store.close()
    async with running_bot(world, settings) as bot:
        messages = await world.wait_for_messages(TEXT, 2, timeout=20)
        await asyncio.sleep(0.5)  # room for a wrongly repeated catch-up to show up
        digests = await asyncio.to_thread(bot.store.latest_digest, "channel", TEXT)
        assert digests is not None
        assert len(world.messages(TEXT)) == len(digests.messages)
    headers = [m for m in messages if "News digest" in m.content]
    assert len(headers) == 1
