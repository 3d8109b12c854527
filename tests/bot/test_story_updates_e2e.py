"""Developing stories, end to end: a story posted in a digest gets one update in its thread
when a second outlet adds a fact, none for a copy, and none twice across a crash."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digests.clock import FixedClock
from tests.bot.harness import (
    FORUM,
    GUILD,
    TEXT,
    build_world,
    command,
    reply_text,
    running_bot,
    settings_for,
)
from tests.digests._bridge_reports import EMPTY, FIRST, SECOND, THIRD, feed_of
from tests.servers.discord_server import ChannelSpec, DiscordServer, SentMessage, discord_server
from tests.servers.feed_server import FeedServer, feed_server

__all__ = ["discord_server", "feed_server"]

NO_THREADS = 910_000_000_000_000_013
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
REPORTS = {
    "Alpha": ("Kestrel Bridge closed after crack found", FIRST),
    "Beta": ("Kestrel Bridge repairs to take six weeks", SECOND),
    "Gamma": ("Kestrel Bridge repair bill", THIRD),
}


@pytest.fixture
def world(discord_server: DiscordServer) -> DiscordServer:
    build_world(discord_server)
    discord_server.add_channel(GUILD, ChannelSpec.text(NO_THREADS, "plain", can_thread=False))
    return discord_server


class Outlets:
    """Three feeds on the feed server: Alpha has the story, Beta and Gamma report later."""

    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.routes = {
            name: server.route(f"/{name.lower()}.xml").serve(EMPTY.format(name=name))
            for name in ("Alpha", "Beta", "Gamma")
        }

    def feeds(self) -> list[dict[str, str]]:
        names = {"Alpha": "Alpha Times", "Beta": "Beta Post", "Gamma": "Gamma Wire"}
        return [
            {"url": self.server.url(f"/{key.lower()}.xml"), "name": name}
            for key, name in names.items()
        ]

    def report(self, name: str, clock: FixedClock | None = None) -> None:
        """Publish the outlet's report of the story; with ``clock``, 20 minutes later, so
        the feeds are due again."""
        self.routes[name].serve(feed_of(name, *REPORTS[name])).only_last()
        if clock is not None:
            clock.advance(minutes=20)


@pytest.fixture
def outlets(feed_server: FeedServer) -> Outlets:
    """The three outlets, the first of which has reported the story."""
    made = Outlets(feed_server)
    made.report("Alpha")
    return made


def _settings(tmp_path: Path, outlets: Outlets):  # type: ignore[no-untyped-def]
    return settings_for(
        tmp_path, feeds=outlets.feeds(), topics=[], fetch={"allow_private": ["127.0.0.1"]}
    )


def _carrier(world: DiscordServer, channel_id: int) -> SentMessage:
    """The digest message whose embed tells the bridge story."""
    return next(m for m in world.messages(channel_id) if any("Kestrel" in str(e) for e in m.embeds))


def _update_texts(messages: list[SentMessage]) -> list[str]:
    return [m.content + " " + str(m.embeds) for m in messages]


async def test_a_new_fact_gives_one_update_in_the_story_thread_and_a_copy_gives_none(
    world, tmp_path, outlets
):
    settings = _settings(tmp_path, outlets)
    clock = FixedClock(START)
    async with running_bot(world, settings, clock=clock) as bot:
        await bot.newsroom.post_digest(GUILD, TEXT)
        carrier = _carrier(world, TEXT)
        assert world.messages(carrier.id) == []

        outlets.report("Beta", clock)
        await bot.newsroom.poll_feeds()
        (update,) = world.messages(carrier.id)
        text = _update_texts([update])[0]
        assert "12 million" in text and "Alma Reyes" in text
        assert "Beta Post" in text and "https://beta.example/beta-1" in text
        assert "40,000" not in text, "what the digest said is not told again"
        assert update.allowed_mentions == {"parse": []}

        outlets.report("Gamma")
        clock.advance(hours=2)
        await bot.newsroom.poll_feeds()
        assert len(world.messages(carrier.id)) == 1
        stories = await asyncio.to_thread(bot.store.search_stories, "Kestrel", feed_urls=None)
        told = await asyncio.to_thread(bot.store.story_updates_since, START)
    # The third report was looked at, due, and found to add nothing.
    assert [r.delivery for r in told] == ["thread", "quiet"]
    assert len(stories) == 1
    assert {a.feed_name for a in stories[0].articles} == {"Alpha Times", "Beta Post", "Gamma Wire"}


async def test_a_crash_between_send_and_mark_sent_does_not_send_the_update_twice(
    world, tmp_path, outlets
):
    settings = _settings(tmp_path, outlets)
    clock = FixedClock(START)
    async with running_bot(world, settings, clock=clock) as bot:
        await bot.newsroom.post_digest(GUILD, TEXT)
        carrier = _carrier(world, TEXT)
        outlets.report("Beta", clock)
        real = bot.store.mark_message_sent

        def crash(message_id, *, remote_id, now):  # type: ignore[no-untyped-def]
            # The message went out; the process dies before the outbox hears of it.
            raise asyncio.CancelledError

        bot.store.mark_message_sent = crash  # type: ignore[method-assign]
        with pytest.raises(asyncio.CancelledError):
            await bot.newsroom.poll_feeds()
        bot.store.mark_message_sent = real  # type: ignore[method-assign]
        assert len(world.messages(carrier.id)) == 1
        assert await asyncio.to_thread(bot.store.pending_messages)
    clock.advance(minutes=5)
    async with running_bot(world, settings, clock=clock) as bot:
        await bot.newsroom.sender.flush()
        assert await asyncio.to_thread(bot.store.pending_messages) == []
    clock.advance(hours=2)
    async with running_bot(world, settings, clock=clock) as bot:
        await bot.newsroom.poll_feeds()
    assert len(world.messages(carrier.id)) == 1
    assert world.nonce_hits >= 1


async def test_a_forum_digest_gets_its_update_in_the_digest_post(world, tmp_path, outlets):
    clock = FixedClock(START)
    async with running_bot(world, _settings(tmp_path, outlets), clock=clock) as bot:
        await bot.newsroom.post_digest(GUILD, FORUM)
        (post,) = world.threads(FORUM)
        before = len(world.messages(post.id))
        outlets.report("Beta", clock)
        await bot.newsroom.poll_feeds()
        messages = world.messages(post.id)
    assert len(messages) == before + 1
    assert "Alma Reyes" in _update_texts(messages[-1:])[0]


async def test_updates_off_for_a_channel_posts_no_update(world, tmp_path, outlets):
    clock = FixedClock(START)
    async with running_bot(world, _settings(tmp_path, outlets), clock=clock) as bot:
        replies = await command(
            world,
            "schedule",
            {"time": "08:00", "timezone": "UTC", "updates": False},
            "set",
            admin=True,
        )
        assert "updates off" in reply_text(replies)
        shown = reply_text(await command(world, "schedule", {}, "show", admin=True))
        assert "story updates off" in shown
        await bot.newsroom.post_digest(GUILD, TEXT)
        carrier = _carrier(world, TEXT)
        outlets.report("Beta", clock)
        await bot.newsroom.poll_feeds()
        assert world.messages(carrier.id) == []


async def test_story_shows_every_source_with_its_time_and_the_timeline(world, tmp_path, outlets):
    clock = FixedClock(START)
    async with running_bot(world, _settings(tmp_path, outlets), clock=clock) as bot:
        outlets.report("Beta", clock)
        await bot.newsroom.poll_feeds()
        (story,) = await asyncio.to_thread(bot.store.search_stories, "Kestrel", feed_urls=None)
        replies = await command(world, "story", {"id": story.id}, replies=2)
    embeds = replies[-1].message.embeds
    text = str(embeds)
    assert "Alpha Times" in text and "Beta Post" in text
    timeline = next(e for e in embeds if e.get("title") == "Timeline")
    lines = timeline["description"].splitlines()
    assert len(lines) == 2
    assert all("<t:" in line for line in lines)
    assert "first report" in lines[0]
    assert "Alma Reyes" in lines[1]


async def test_where_no_thread_may_be_started_the_update_is_developing_in_the_next_digest(
    world, tmp_path, outlets
):
    clock = FixedClock(START)
    async with running_bot(world, _settings(tmp_path, outlets), clock=clock) as bot:
        await bot.newsroom.post_digest(GUILD, NO_THREADS)
        carrier = _carrier(world, NO_THREADS)
        first = len(world.messages(NO_THREADS))
        outlets.report("Beta", clock)
        await bot.newsroom.poll_feeds()
        assert world.messages(carrier.id) == []
        assert len(world.messages(NO_THREADS)) == first
        assert await asyncio.to_thread(bot.store.pending_messages) == []
        await bot.newsroom.post_digest(GUILD, NO_THREADS)
        developing = world.messages(NO_THREADS)[first:]
        await bot.newsroom.post_digest(GUILD, NO_THREADS)
        assert len(world.messages(NO_THREADS)) == first + len(developing), "carried once"
    (item,) = developing
    assert item.content.startswith("**Developing**")
    text = _update_texts([item])[0]
    assert "Alma Reyes" in text and "Beta Post" in text
    assert item.allowed_mentions == {"parse": []}
