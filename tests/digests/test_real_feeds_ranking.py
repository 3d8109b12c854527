"""Ranking and grouping a digest of sixteen real, noisy feeds (skipped without the data)."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from pathlib import Path

import pytest

from bench.ranking import REAL_NEWS_FEEDS, real_feeds_digest
from digests.compose import OTHER_TOPIC, group_by_topic, looks_like_test_title
from digests.config import DigestConfig
from digests.records import Digest

DATA = Path(
    os.environ.get("NEWSDIGEST_DATA")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data"
)
FEEDS = DATA / "feeds" / "real"
GUARDIAN = FEEDS / "rss-parser" / "guardian.rss"

pytestmark = pytest.mark.skipif(
    not all((FEEDS / name).is_file() for name in REAL_NEWS_FEEDS),
    reason="the shared real feeds are absent",
)


@pytest.fixture(scope="module")
def digests() -> tuple[Digest, Digest]:
    return asyncio.run(real_feeds_digest(FEEDS, max_stories=20))


def test_no_feed_has_more_than_max_per_feed_stories(digests: tuple[Digest, Digest]) -> None:
    top, _ = digests
    per_feed = Counter(item.story.primary.feed_url for item in top.items)
    assert len(top.items) == 20
    assert max(per_feed.values()) <= DigestConfig().max_per_feed


def test_undated_and_placeholder_items_are_not_on_top(digests: tuple[Digest, Digest]) -> None:
    top, everything = digests
    # The feeds hold undated and test items ...
    assert any(item.story.published is None for item in everything.items)
    assert any(looks_like_test_title(item.story.primary.title) for item in everything.items)
    # ... and more than twenty dated real ones, which come first.
    assert all(item.story.published is not None for item in top.items)
    assert not any(looks_like_test_title(item.story.primary.title) for item in top.items)


def test_the_guardian_is_in_the_digest_and_its_categories_group_stories(
    digests: tuple[Digest, Digest],
) -> None:
    top, everything = digests
    assert any(item.story.primary.feed_url == str(GUARDIAN) for item in top.items)
    guardian_categories = {
        topic
        for item in everything.items
        for topic in item.story.topics
        if item.story.primary.feed_url == str(GUARDIAN)
    }
    groups = [topic for topic, _ in group_by_topic(everything) if topic != OTHER_TOPIC]
    assert {"US news", "World news"} <= set(groups) & guardian_categories
    assert len(groups) >= 10
