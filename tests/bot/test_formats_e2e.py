"""Channel formats, previews and failing-feed notices, end to end: the real bot against the
Discord-compatible test server, with the desk's clock driven by the test."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest

from digests.clock import FixedClock
from tests.bot.harness import (
    ADMIN,
    GUILD,
    SECOND_TEXT,
    TEXT,
    build_world,
    command,
    reply_text,
    running_bot,
    settings_for,
)
from tests.bot.test_formats import PINGS
from tests.servers.discord_server import DiscordServer, discord_server
from tests.servers.feed_server import FeedServer, feed_server

__all__ = ["discord_server", "feed_server"]

ROLE = 910_000_000_000_000_500
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
COMPACT_LINE = re.compile(r"^\[.+\]\(<https?://[^>]+>\) — .+$")

PING_FEED = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Loud News</title>
<item><title>@everyone the river bridge reopens &lt;@&amp;{ROLE}&gt;</title><guid>p1</guid>
<link>https://loud.example/p1</link><description>@here The river bridge reopened on Monday
after repairs, &lt;@&amp;{ROLE}&gt; the council said, and buses use it again.</description>
</item></channel></rss>""".encode()

QUIET_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet News</title>
<item><title>Library opens late</title><guid>q1</guid><link>https://quiet.example/q1</link>
<description>The library opens until ten on Thursdays from May.</description></item>
</channel></rss>"""


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    discord_server.add_role(GUILD, ROLE, "subscribers", mentionable=True)
    return discord_server


async def test_a_channel_set_to_compact_gets_its_digest_as_compact_lines(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        replies = await command(world, "format", {"style": "compact"}, "set", admin=True)
        assert "compact" in reply_text(replies) and replies[-1].ephemeral
        shown = reply_text(await command(world, "format", {}, "show", admin=True))
        assert "compact" in shown
        await command(world, "digest", {}, "now", admin=True, replies=2)
        header, *rest = world.messages(TEXT)
    assert "News digest" in header.content
    lines = [line for m in rest for line in m.content.splitlines()]
    assert lines and all(COMPACT_LINE.match(line) for line in lines), lines
    assert not any(m.embeds for m in rest)
    assert any("tram" in line.lower() for line in lines)


async def test_a_custom_template_fed_pings_by_the_feed_pings_nobody(
    world, tmp_path, feed_server: FeedServer
):
    feed_server.route("/loud.xml").serve(PING_FEED)
    settings = settings_for(
        tmp_path,
        fetch={"allow_private": ["127.0.0.1"]},
        feeds=[{"url": feed_server.url("/loud.xml"), "name": "Loud News"}],
    )
    async with running_bot(world, settings):
        template = "**{headline}** ({sources})\n{summary}\n{url}"
        options = {"style": "custom", "template": template}
        assert "custom" in reply_text(await command(world, "format", options, "set", admin=True))
        await command(world, "digest", {}, "now", admin=True, replies=2)
        messages = world.messages(TEXT)
    body = "\n".join(m.content for m in messages[1:])
    assert "river bridge reopens" in body and "<https://loud.example/p1>" in body
    # The feed's attempts arrive as text, broken up so they cannot ping.
    assert "everyone" in body and str(ROLE) in body
    assert not PINGS.search(body)
    for message in messages:
        assert not message.mentions_everyone
        assert message.mentioned_role_ids == [] and message.mentioned_user_ids == []


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"style": "custom", "template": "{headline} {author}"}, "Unknown placeholder {author}"),
        ({"style": "custom", "template": "{summary}" + "x" * 1600}, "at most 1500 characters"),
        ({"style": "custom"}, "needs a template"),
        ({"style": "compact", "template": "{headline}"}, "custom style only"),
    ],
)
async def test_a_bad_format_gets_a_clear_error_and_changes_nothing(world, tmp_path, options, says):
    async with running_bot(world, settings_for(tmp_path)):
        replies = await command(world, "format", options, "set", admin=True)
        assert says in reply_text(replies) and replies[-1].ephemeral
        assert "full" in reply_text(await command(world, "format", {}, "show", admin=True))


async def test_format_is_for_admins_only(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        replies = await command(world, "format", {"style": "compact"}, "set", admin=False)
        assert "Manage Server" in reply_text(replies)
        assert "full" in reply_text(await command(world, "format", {}, "show", admin=True))


async def test_preview_shows_only_the_admin_and_does_not_mark_stories_posted(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)) as bot:
        await command(world, "format", {"style": "headlines"}, "set", admin=True)
        replies = await command(world, "format", {}, "preview", admin=True, replies=3)
        assert all(r.ephemeral for r in replies[1:])
        previewed = [r.message.content for r in replies[1:]]
        assert "News digest" in previewed[0] and previewed[1].startswith("- ")
        assert world.messages(TEXT) == []
        assert await asyncio.to_thread(bot.store.posted_story_ids, "channel", TEXT) == set()
        await bot.newsroom.post_digest(GUILD, TEXT)
        posted = world.messages(TEXT)
    # The real digest still holds what the preview showed.
    assert posted[1].content.splitlines()[0] == previewed[1].splitlines()[0]


async def test_a_failing_feed_gives_one_notice_then_none_then_one_back(
    world, tmp_path, feed_server: FeedServer
):
    route = feed_server.route("/quiet.xml").serve(QUIET_FEED).status(404)
    settings = settings_for(tmp_path, fetch={"allow_private": ["127.0.0.1"]})
    clock = FixedClock(START)
    async with running_bot(world, settings, clock=clock) as bot:
        url = feed_server.url("/quiet.xml")
        await command(world, "feed", {"url": url}, "add", admin=True, replies=2)
        status = await command(
            world, "status", {"channel": str(SECOND_TEXT)}, admin=True, replies=2
        )
        assert f"<#{SECOND_TEXT}>" in reply_text(status)
        await bot.newsroom.poll_feeds()
        assert world.messages(SECOND_TEXT) == []
        clock.advance(hours=25)
        await bot.newsroom.poll_feeds()
        (notice,) = world.messages(SECOND_TEXT)
        clock.advance(hours=2)
        await bot.newsroom.poll_feeds()
        assert len(world.messages(SECOND_TEXT)) == 1
        route.serve(QUIET_FEED).only_last()
        clock.advance(hours=1)
        await bot.newsroom.poll_feeds()
        messages = world.messages(SECOND_TEXT)
        assert len(messages) == 2
        await bot.newsroom.poll_feeds()
        assert len(world.messages(SECOND_TEXT)) == 2
    assert "Quiet News" in notice.content and "404" in notice.content
    assert "/feed remove" in notice.content
    assert notice.allowed_mentions == {"parse": []}
    assert "is back" in messages[1].content
    assert ADMIN not in notice.mentioned_user_ids


async def test_a_restart_does_not_repeat_a_notice(world, tmp_path, feed_server: FeedServer):
    feed_server.route("/quiet.xml").serve(QUIET_FEED).status(503)
    settings = settings_for(tmp_path, fetch={"allow_private": ["127.0.0.1"]})
    clock = FixedClock(START)
    async with running_bot(world, settings, clock=clock) as bot:
        url = feed_server.url("/quiet.xml")
        await command(world, "feed", {"url": url}, "add", admin=True, replies=2)
        await command(world, "status", {"channel": str(SECOND_TEXT)}, admin=True, replies=2)
        await bot.newsroom.poll_feeds()
        clock.advance(hours=25)
        await bot.newsroom.poll_feeds()
        assert len(world.messages(SECOND_TEXT)) == 1
    clock.advance(hours=1)
    async with running_bot(world, settings, clock=clock) as bot:
        await bot.newsroom.poll_feeds()
        assert len(world.messages(SECOND_TEXT)) == 1
