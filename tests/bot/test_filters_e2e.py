"""Filters and topic roles, end to end: the real bot against the Discord-compatible server."""

from __future__ import annotations

import pytest

from tests.bot.harness import (
    GUILD,
    TEXT,
    build_world,
    command,
    reply_text,
    running_bot,
    settings_for,
)
from tests.servers.discord_server import DiscordServer, discord_server

__all__ = ["discord_server"]

TRANSIT = 910_000_000_000_000_200
SCIENCE = 910_000_000_000_000_201
UNRELATED = 910_000_000_000_000_202

HOSTILE_FEED = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Loud Wire</title>
<item><title>Tram fares frozen @everyone &lt;@&amp;{UNRELATED}&gt;</title><guid>w1</guid>
<link>https://loud.example/w1</link>
<description>@here &lt;@&amp;{UNRELATED}&gt; The tram operator froze fares for a year, the
council said on Monday after a long debate about the budget.</description></item>
</channel></rss>"""


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    discord_server.add_role(GUILD, TRANSIT, "transit")
    discord_server.add_role(GUILD, SCIENCE, "science")
    discord_server.add_role(GUILD, UNRELATED, "unrelated")
    return discord_server


def _titles(world: DiscordServer) -> list[str]:
    return [e["title"] for m in world.messages(TEXT) for e in m.embeds]


async def _add_filter(world: DiscordServer, **options: object) -> str:
    replies = await command(world, "filter", {"channel": str(TEXT), **options}, "add", admin=True)
    assert replies[-1].ephemeral
    return reply_text(replies)


async def test_an_excluded_word_drops_its_story_from_the_posted_digest(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        added = await _add_filter(world, exclude="tram")
        assert "exclude word `tram`" in added
        listed = reply_text(await command(world, "filter", {}, "list", admin=True))
        assert "exclude word `tram`" in listed and f"<#{TEXT}>" in listed
        await command(world, "digest", {}, "now", admin=True, replies=2)
    titles = _titles(world)
    assert titles, "the rest of the digest is posted"
    assert not any("tram" in t.lower() for t in titles)


async def test_a_digest_whose_stories_are_all_filtered_posts_nothing_and_status_says_why(
    world, tmp_path
):
    async with running_bot(world, settings_for(tmp_path)):
        await _add_filter(world, include="zeppelin")
        replies = await command(world, "digest", {}, "now", admin=True, replies=2)
        assert "No new stories" in reply_text(replies)
        status = reply_text(await command(world, "status", {}, admin=True, replies=2))
    assert world.messages(TEXT) == []
    assert "filters of" in status and "nothing was posted" in status


async def test_a_catastrophic_regex_is_accepted_and_decides_by_rule(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        added = await _add_filter(world, exclude="(a+)+$", regex=True)
        assert "exclude regex" in added
        kept = reply_text(
            await command(world, "filter", {"text": "a" * 500 + "!"}, "test", admin=True)
        )
        dropped = reply_text(
            await command(world, "filter", {"text": "b" + "a" * 500}, "test", admin=True)
        )
    assert kept.startswith("**Kept**")
    assert dropped.startswith("**Dropped**") and "by filter #1" in dropped


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [("(a", "Not a valid regex"), (r"(a)\1", "backreferences and lookaround")],
)
async def test_a_bad_regex_is_refused_with_the_reason(world, tmp_path, pattern, reason):
    async with running_bot(world, settings_for(tmp_path)):
        refused = await _add_filter(world, exclude=pattern, regex=True)
        listed = reply_text(await command(world, "filter", {}, "list", admin=True))
    assert reason in refused
    assert "No filters yet" in listed


async def test_filter_commands_are_for_admins_and_removed_by_id(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        refused = await command(world, "filter", {"channel": str(TEXT), "exclude": "x"}, "add")
        assert "Manage Server" in reply_text(refused)
        await _add_filter(world, exclude="tram")
        removed = reply_text(await command(world, "filter", {"id": 1}, "remove", admin=True))
        again = reply_text(await command(world, "filter", {"id": 1}, "remove", admin=True))
        both = reply_text(
            await command(
                world,
                "filter",
                {"channel": str(TEXT), "include": "a", "exclude": "b"},
                "add",
                admin=True,
            )
        )
    assert "Removed" in removed and "`tram`" in removed
    assert "No filter #1" in again
    assert "either include or exclude" in both


async def test_a_topic_role_is_mentioned_once_on_the_first_message_only(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        answer = reply_text(
            await command(
                world, "topic", {"topic": "transport", "role": str(TRANSIT)}, "ping", admin=True
            )
        )
        assert "Transport" in answer and "transit" in answer
        await command(world, "digest", {}, "now", admin=True, replies=2)
    first, *rest = world.messages(TEXT)
    assert rest
    assert first.content.count(f"<@&{TRANSIT}>") == 1
    assert first.mentioned_role_ids == [TRANSIT]
    assert first.allowed_mentions == {"parse": [], "roles": [TRANSIT]}
    assert not first.mentions_everyone and first.mentioned_user_ids == []
    for message in rest:
        assert message.allowed_mentions == {"parse": []}
        assert message.mentioned_role_ids == []


async def test_a_topic_without_a_story_in_the_digest_mentions_nobody(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        await command(
            world, "topic", {"topic": "Science", "role": str(SCIENCE)}, "ping", admin=True
        )
        await command(world, "topic", {"topic": "science"}, "unping", admin=True)
        await command(world, "digest", {}, "now", admin=True, replies=2)
    assert all(m.mentioned_role_ids == [] for m in world.messages(TEXT))
    assert all(m.allowed_mentions == {"parse": []} for m in world.messages(TEXT))


async def test_feed_text_with_everyone_and_role_mentions_pings_nobody(world, tmp_path):
    feed = tmp_path / "loud.xml"
    feed.write_text(HOSTILE_FEED)
    settings = settings_for(tmp_path, feeds=[{"url": str(feed), "name": "Loud Wire @everyone"}])
    async with running_bot(world, settings):
        await command(
            world, "topic", {"topic": "Transport", "role": str(TRANSIT)}, "ping", admin=True
        )
        await command(world, "digest", {}, "now", admin=True, replies=2)
    messages = world.messages(TEXT)
    assert any("Tram fares" in e["title"] for m in messages for e in m.embeds)
    assert not any(m.mentions_everyone for m in messages)
    assert [m.mentioned_role_ids for m in messages] == [[TRANSIT]] + [[]] * (len(messages) - 1)
    assert all(m.mentioned_user_ids == [] for m in messages)


async def test_a_restart_resends_the_stored_role_mention(world, tmp_path, monkeypatch):
    settings = settings_for(tmp_path)
    async with running_bot(world, settings) as bot:
        await command(
            world, "topic", {"topic": "Transport", "role": str(TRANSIT)}, "ping", admin=True
        )

        async def held() -> int:
            return 0

        # The digest is queued but this process stops before delivering it.
        monkeypatch.setattr(bot.newsroom.sender, "flush", held)
        assert await bot.newsroom.post_digest(GUILD, TEXT) is not None
        assert world.messages(TEXT) == []
    monkeypatch.undo()
    async with running_bot(world, settings):
        first, *rest = await world.wait_for_messages(TEXT, 2, timeout=20)
    assert first.mentioned_role_ids == [TRANSIT]
    assert first.allowed_mentions == {"parse": [], "roles": [TRANSIT]}
    assert all(m.mentioned_role_ids == [] for m in rest)
