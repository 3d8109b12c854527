"""Composing digests: freshness, ranking, cap, grouping by topic, sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from digests.compose import OTHER_TOPIC, compose_digest, group_by_topic, sources_of
from digests.records import Digest, Source, Story
from tests.digests._story_builders import T0, make_article, make_item

FEED_A = "https://a.example.com/rss"
FEED_B = "https://b.example.com/rss"
FEED_C = "https://c.example.com/rss"
DAY = timedelta(days=1)


def ids(digest: Digest) -> list[str]:
    return [item.story.id for item in digest.items]


def compose(items: list, **overrides: object) -> Digest:  # type: ignore[type-arg]
    options: dict[str, object] = {"now": T0, "max_stories": 20, "max_age": 3 * DAY}
    options.update(overrides)
    return compose_digest(items, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("published", "created_at", "kept"),
    [
        (T0 - timedelta(hours=71), None, True),
        (T0 - timedelta(hours=73), None, False),
        (None, T0 - timedelta(hours=1), True),
        (None, T0 - timedelta(days=5), False),
        (T0 - timedelta(days=5), T0, False),
        (None, None, True),
    ],
)
def test_compose_drops_stories_older_than_max_age(
    published: datetime | None, created_at: datetime | None, kept: bool
) -> None:
    digest = compose([make_item("s", published=published, created_at=created_at)])
    assert (ids(digest) == ["s"]) is kept


def test_compose_ranks_by_number_of_distinct_feeds_first() -> None:
    items = [
        make_item("one-feed", feeds=(FEED_A,), published=T0),
        make_item("three-feeds", feeds=(FEED_A, FEED_B, FEED_C), published=T0 - DAY),
        make_item("two-feeds", feeds=(FEED_A, FEED_B), published=T0 - DAY),
    ]
    assert ids(compose(items)) == ["three-feeds", "two-feeds", "one-feed"]


def test_compose_counts_feeds_not_articles() -> None:
    items = [
        make_item("same-feed-twice", feeds=(FEED_A, FEED_A), published=T0 - DAY),
        make_item("newer", feeds=(FEED_B,), published=T0),
    ]
    assert ids(compose(items)) == ["newer", "same-feed-twice"]


def test_compose_ranks_recent_stories_before_older_ones_at_equal_sources() -> None:
    items = [make_item(f"h{h}", published=T0 - timedelta(hours=h)) for h in (5, 1, 3)]
    assert ids(compose(items)) == ["h1", "h3", "h5"]


def test_compose_prefers_stories_with_a_configured_topic_at_equal_sources_and_time() -> None:
    items = [make_item("untagged"), make_item("tagged", topics=("Tech",))]
    digest = compose(items, topic_order=("Tech",), max_stories=1)
    assert ids(digest) == ["tagged"]


def test_compose_caps_at_max_stories_keeping_the_best_ranked() -> None:
    items = [make_item(f"h{h}", published=T0 - timedelta(hours=h)) for h in range(10)]
    assert ids(compose(items, max_stories=3)) == ["h0", "h1", "h2"]


def test_compose_groups_by_primary_topic_in_configured_order_with_other_last() -> None:
    items = [
        make_item("untagged", published=T0),
        make_item("sport", topics=("Sport",), published=T0 - timedelta(hours=1)),
        make_item("tech-old", topics=("Tech", "Sport"), published=T0 - timedelta(hours=3)),
        make_item("world", topics=("World",), published=T0 - timedelta(hours=2)),
        make_item("tech-new", topics=("Tech",), published=T0 - timedelta(hours=1)),
    ]
    digest = compose(items, topic_order=("Tech", "Sport"))
    assert [
        (topic, [i.story.id for i in members]) for topic, members in group_by_topic(digest)
    ] == [
        ("Tech", ["tech-new", "tech-old"]),
        ("Sport", ["sport"]),
        ("World", ["world"]),
        (OTHER_TOPIC, ["untagged"]),
    ]


def test_compose_stamps_the_digest_with_now_in_utc() -> None:
    paris = datetime(2024, 5, 1, 16, 0, tzinfo=timezone(timedelta(hours=2)))
    generated = compose([], now=paris).generated_at
    assert generated == datetime(2024, 5, 1, 14, 0, tzinfo=UTC)
    assert generated.tzinfo is UTC


def test_compose_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compose([], now=datetime(2024, 5, 1))


def test_compose_of_nothing_is_empty() -> None:
    assert compose([]).is_empty


def test_sources_of_gives_one_source_per_feed_primary_first() -> None:
    story = Story(
        id="s",
        articles=(
            make_article(1, feed=FEED_A, url="https://a.example.com/1", feed_name="Alpha"),
            make_article(2, feed=FEED_B, url="https://www.b.example.com/2"),
            make_article(3, feed=FEED_A, url="https://a.example.com/3", feed_name="Alpha"),
        ),
    )
    assert sources_of(story) == (
        Source("Alpha", "https://a.example.com/1"),
        Source("b.example.com", "https://www.b.example.com/2"),
    )


def test_sources_of_names_a_feed_without_article_url_by_its_feed_host() -> None:
    story = Story(id="s", articles=(make_article(1, feed=FEED_C, url=None),))
    assert sources_of(story) == (Source("c.example.com", ""),)


def test_sources_of_an_empty_story_is_empty() -> None:
    assert sources_of(Story(id="s", articles=())) == ()
