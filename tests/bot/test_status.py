"""/status: feed health, last digests, outbox, tokens, leadership and shards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.cogs.status import StatusReport, render_status
from digests.records import FeedState, Validators
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


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    return discord_server


def _feed(url: str, *, error: str | None = None, disabled: str | None = None) -> FeedState:
    return FeedState(
        url=url,
        name=url.rsplit("/", 1)[-1],
        title=None,
        topics=(),
        validators=Validators(),
        last_fetched_at=None,
        last_success_at=None,
        last_error=error,
        last_warning=None,
        failure_count=3 if error else 0,
        next_fetch_at=None,
        disabled_reason=disabled,
    )


def _report(**changes: object) -> StatusReport:
    base: dict[str, object] = {
        "feeds": (_feed("https://a.example/ok"),),
        "last_digests": (),
        "unsent_messages": 0,
        "tokens_today": 0,
        "leader": True,
        "shard_ids": (0,),
        "shard_count": 1,
    }
    base.update(changes)
    return StatusReport(**base)  # type: ignore[arg-type]


def test_failing_feeds_are_counted_and_named() -> None:
    text = render_status(
        _report(
            feeds=(
                _feed("https://a.example/ok"),
                _feed("https://b.example/broken", error="HTTP 503"),
                _feed("https://c.example/gone", disabled="HTTP 410 ten times"),
            )
        )
    )
    assert "1 ok, 2 failing" in text
    assert "broken (3 failures): HTTP 503" in text
    assert "gone (disabled): HTTP 410 ten times" in text


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"leader": False}, "Scheduler leader**: no"),
        ({"leader": True}, "Scheduler leader**: yes"),
        ({"shard_ids": (1, 3), "shard_count": 4}, "Shards**: 1, 3 of 4"),
        ({"unsent_messages": 7}, "Unsent messages** (all servers): 7"),
        ({"tokens_today": 1234}, "LLM tokens today**: 1234"),
        (
            {"last_digests": ((TEXT, datetime(2026, 1, 2, tzinfo=UTC)),)},
            f"<#{TEXT}>: <t:{int(datetime(2026, 1, 2, tzinfo=UTC).timestamp())}:R>",
        ),
    ],
)
def test_status_shows_each_figure(changes: dict[str, object], shown: str) -> None:
    assert shown in render_status(_report(**changes))


def test_feed_names_cannot_ping() -> None:
    text = render_status(_report(feeds=(_feed("https://x.example/@everyone", error="boom"),)))
    assert "@everyone" not in text


async def test_status_answers_an_admin_ephemerally(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        await command(world, "digest", {}, "now", admin=True, replies=2)
        replies = await command(world, "status", admin=True, replies=2)
    text = reply_text(replies)
    assert replies[-1].ephemeral
    assert "3 ok, 0 failing" in text
    assert f"<#{TEXT}>: <t:" in text
    assert "Unsent messages** (all servers): 0" in text
    assert "Scheduler leader**: yes" in text
    assert "Shards**: 0 of 1" in text


async def test_status_is_refused_to_a_non_admin(world, tmp_path):
    async with running_bot(world, settings_for(tmp_path)):
        replies = await command(world, "status", guild=GUILD, admin=False)
    assert "Manage Server" in reply_text(replies)
    assert replies[-1].ephemeral
