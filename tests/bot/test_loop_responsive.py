"""No callback of the bot blocks its event loop while it polls many feeds and posts a digest
(see ``tests.loop_meter`` for how callbacks are metered)."""

from __future__ import annotations

from pathlib import Path

import pytest

from digests.store import open_store
from tests.bot.harness import build_world, command, reply_text, running_bot, settings_for
from tests.loop_meter import report, run_metered
from tests.servers.discord_server import DiscordServer, discord_server
from tests.servers.feed_server import FeedServer, feed_server
from tests.test_loop_responsive import serve_feeds

__all__ = ["discord_server", "feed_server"]

# The harness gives the bot's first poll 30 s: fewer feeds than the core's test, on a loaded
# machine and in debug mode.
FEEDS = 80


async def poll_and_post(srv: DiscordServer, tmp_path: Path, urls: list[str]) -> str:
    settings = settings_for(
        tmp_path,
        feeds=[{"url": url} for url in urls],
        fetch={"allow_private": ["127.0.0.1"], "full_text": False},
    )
    # running_bot polls the feeds once before it yields.
    async with running_bot(srv, settings):
        return reply_text(await command(srv, "digest", {}, "now", admin=True, replies=2))


@pytest.mark.slow
def test_no_bot_callback_blocks_the_loop_while_it_polls_feeds_and_posts_a_digest(
    tmp_path: Path, discord_server: DiscordServer, feed_server: FeedServer
) -> None:
    build_world(discord_server)
    # The test's own harness opens the store on the loop: migrated here, before it starts.
    open_store(f"sqlite:///{tmp_path / 'bot.db'}").close()
    posted, slow = run_metered(
        poll_and_post(discord_server, tmp_path, serve_feeds(feed_server, FEEDS))
    )
    assert "Posted a digest" in posted
    assert slow == [], report(slow)
