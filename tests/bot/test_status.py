"""/status: feed health, last digests, outbox, tokens, leadership and shards."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.exts.status._report import StatusReport, render_status
from digests.records import FeedState, Validators
from digests.refresh_report import FeedOutcome, RefreshReport, skip_summary
from tests.bot.harness import (
    GUILD,
    TEXT,
    build_world,
    command,
    reply_text,
    running_bot,
    settings_for,
)
from tests.digests._odd_feeds import odd_feed
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


def test_status_lists_what_was_skipped_and_why() -> None:
    report = RefreshReport(
        feeds=(
            FeedOutcome(
                "https://a.example/f",
                "ok",
                skipped=2,
                pages=3,
                page_failures=("HTTP 404 Not Found", "HTTP 404 Not Found"),
            ),
        )
    )
    lines = skip_summary(report, {"no usable text": 1})
    text = render_status(_report(skipped=tuple(lines)))
    assert "**Skipped**" in text
    assert "2 of 3 article pages could not be fetched" in text and "2 HTTP 404 Not Found" in text
    assert "left out 2 feed entries" in text
    assert "1 story shown by headline only: 1 no usable text" in text


def test_status_has_no_skipped_section_when_nothing_was_skipped() -> None:
    assert skip_summary(RefreshReport(), {}) == []
    assert "Skipped" not in render_status(_report())


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


async def test_digest_now_survives_odd_items_and_status_says_what_was_skipped(world, tmp_path):
    feed = tmp_path / "odd.xml"
    feed.write_bytes(odd_feed())
    settings = settings_for(tmp_path, feeds=[{"url": str(feed), "name": "Odd Items"}])
    async with running_bot(world, settings) as bot:
        await bot.newsroom.poll_feeds()
        posted = await command(world, "digest", {}, "now", admin=True, replies=2)
        replies = await command(world, "status", admin=True, replies=2)
    assert "Posted a digest" in reply_text(posted)
    embeds = [e for m in world.messages(TEXT) for e in m.embeds]
    titles = {e["title"] for e in embeds}
    assert {"Title only: council meets tonight", "Pixel only: market hall reopens"} <= titles
    bare = [e for e in embeds if e["title"].startswith(("Title only", "Pixel only"))]
    # A headline-only story has no briefing text: its description is at most when it appeared.
    assert all(re.fullmatch(r"(<t:\d+:R>)?", e.get("description", "")) and e["url"] for e in bare)
    assert "2 stories shown by headline only: 2 no usable text" in reply_text(replies)


def test_status_names_where_feed_notices_go_or_how_to_turn_them_on() -> None:
    assert "**Feed notices** go to <#42>" in render_status(_report(notice_channel=42))
    assert "off (turn on with /status channel:)" in render_status(_report())
