"""Discord input: bad options get a clear ephemeral error; /ask and /search are rate-limited."""

from __future__ import annotations

import pytest

from digests.answer import MAX_QUESTION_CHARS
from tests.bot.harness import build_world, command, reply_text, running_bot, settings_for
from tests.servers.discord_server import DiscordServer, discord_server

__all__ = ["discord_server"]


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    return discord_server


BAD_OPTIONS = [
    pytest.param("feed", "add", {"url": "/etc/passwd"}, "expected an http(s) URL", id="feed-path"),
    pytest.param(
        "feed", "add", {"url": "file:///etc/passwd"}, "expected an http(s) URL", id="feed-file"
    ),
    pytest.param(
        "feed", "add", {"url": "ftp://example.org/f"}, "expected an http(s) URL", id="feed-ftp"
    ),
    pytest.param(
        "feed",
        "add",
        {"url": "https://example.org/" + "a" * 2100},
        "1 to 2048 characters",
        id="feed-too-long",
    ),
    pytest.param(
        "feed",
        "add",
        {"url": "https://example.org/feed.xml", "topics": "x" * 51},
        "at most 50 characters",
        id="topic-too-long",
    ),
    pytest.param(
        "feed",
        "add",
        {"url": "https://example.org/feed.xml", "topics": ",".join(f"t{i}" for i in range(11))},
        "at most 10 topics",
        id="too-many-topics",
    ),
    pytest.param(
        "schedule", "set", {"cron": "* * *", "timezone": "UTC"}, "* * *", id="cron-fields"
    ),
    pytest.param("schedule", "set", {"time": "25:61", "timezone": "UTC"}, "25:61", id="time"),
    pytest.param(
        "schedule", "set", {"time": "08:00", "timezone": "Not/AZone"}, "Not/AZone", id="timezone"
    ),
    pytest.param(
        "schedule",
        "set",
        {"time": "08:00", "cron": "0 8 * * *", "timezone": "UTC"},
        "not both",
        id="cron-and-time",
    ),
    pytest.param(None, "ask", {"question": "x" * (MAX_QUESTION_CHARS + 1)}, "1 to 300", id="ask"),
    pytest.param(None, "ask", {"question": "   "}, "1 to 300", id="ask-blank"),
    pytest.param(None, "search", {"query": "q" * 101}, "1 to 100", id="search"),
    pytest.param(None, "subscribe", {"topic": "No such topic"}, "Unknown topic", id="topic"),
    pytest.param(None, "story", {"id": "nope"}, "No story with id", id="story"),
]


@pytest.mark.parametrize(("group", "sub", "options", "says"), BAD_OPTIONS)
async def test_a_bad_option_gets_a_clear_ephemeral_error(
    world, tmp_path, group, sub, options, says
):
    name, subcommand = (group, sub) if group else (sub, None)
    # Those that look topics up defer first: the error is the answer after the deferral.
    replies_expected = 2 if name in ("subscribe", "unsubscribe") else 1
    async with running_bot(world, settings_for(tmp_path)):
        replies = await command(
            world, name, options, subcommand, admin=True, replies=replies_expected
        )
    assert says in reply_text(replies)
    assert replies[-1].ephemeral


LIMITED_USERS = {"ask": 910_000_000_000_000_700, "search": 910_000_000_000_000_710}


@pytest.mark.parametrize(
    ("name", "options", "limit"),
    [("ask", {"question": "What does the tram cost?"}, 5), ("search", {"query": "tram"}, 10)],
)
async def test_ask_and_search_are_rate_limited_per_user(world, tmp_path, name, options, limit):
    # Users of their own: the cooldown buckets live as long as the process, across tests.
    user, other = (LIMITED_USERS[name], LIMITED_USERS[name] + 1)
    answers = 2 if name == "ask" else 1
    async with running_bot(world, settings_for(tmp_path)):
        for _ in range(limit):
            replies = await command(world, name, options, user=user, replies=answers)
            assert "Slow down" not in reply_text(replies)
        refused = await command(world, name, options, user=user)
        other_user = await command(world, name, options, user=other, replies=answers)
    assert "Slow down" in reply_text(refused)
    assert refused[-1].ephemeral
    assert "Slow down" not in reply_text(other_user)
