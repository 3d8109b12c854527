"""No callback blocks the event loop during a many-feed refresh and a digest of the core
(see ``tests.loop_meter`` for how callbacks are metered)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bench.feeds import render_rss
from digests import Settings, open_newsdesk, parse_config
from tests.loop_meter import report, run_metered
from tests.servers.feed_server import FeedServer, feed_server

__all__ = ["feed_server"]

# 200 feeds of 20 items (4,000 articles): the work per feed of a 1,000-feed refresh, in
# well under a minute on two loaded cores.
FEEDS = 200
ITEMS = 20


def serve_feeds(srv: FeedServer, count: int = FEEDS) -> list[str]:
    """``count`` generated news feeds on ``srv`` (a fifth of the events told by several)."""
    urls = []
    for n in range(count):
        path = f"/feeds/{n}.xml"
        body = render_rss(n, 0, items=ITEMS, base_url=srv.url(""))
        srv.route(path).serve(body, content_type="application/rss+xml")
        urls.append(srv.url(path))
    return urls


def many_feeds_settings(tmp_path: Path, urls: list[str]) -> Settings:
    return parse_config(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'desk.db'}"},
            "summarizer": {"backend": "extractive"},
            "digest": {"max_age_hours": 876000},
            "fetch": {"allow_private": ["127.0.0.1"], "full_text": False},
            "feeds": [{"url": url} for url in urls],
        },
        tmp_path,
    )


async def refresh_and_compose(settings: Settings) -> tuple[int, int]:
    async with open_newsdesk(settings, env={}) as desk:
        report = await desk.refresh(only_due=False)
        digest = await desk.compose(1, 10)
    return report.new_articles, len(digest.items)


@pytest.mark.slow
def test_no_callback_blocks_the_loop_in_a_refresh_and_a_digest(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    settings = many_feeds_settings(tmp_path, serve_feeds(feed_server))
    (new_articles, items), slow = run_metered(refresh_and_compose(settings))
    assert new_articles > FEEDS * ITEMS // 2
    assert items > 0
    assert slow == [], report(slow)


def test_the_meter_reports_a_callback_that_burns_the_loops_cpu() -> None:
    async def burn() -> None:
        start = time.thread_time()
        while time.thread_time() - start < 0.15:
            pass
        await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.sleep(0)  # a cheap step first
        await burn()

    _, slow = run_metered(main())
    assert len(slow) == 1
    spent, where = slow[0]
    assert spent >= 0.15
    assert "main" in where
