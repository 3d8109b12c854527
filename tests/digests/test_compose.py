"""Composing digests: freshness, ranking, cap, grouping by topic, sources."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from digests.compose import (
    OTHER_TOPIC,
    compose_digest,
    find_noisy_feeds,
    group_by_topic,
    looks_like_test_title,
    shortlist,
    sources_of,
)
from digests.records import Digest, DigestItem, Source, Story
from digests.store import StoryRank
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


# --- ranking noisy feeds --------------------------------------------------------------------

HOUR = timedelta(hours=1)
WORDS = "harbour tram budget school river museum festival bridge stadium".split()


@pytest.mark.parametrize(
    ("stories", "expected"),
    [
        # An undated story is never ranked as newest, however recently it was seen ...
        ([("undated", None, T0), ("dated", T0 - 2 * DAY, T0 - 3 * DAY)], ["dated", "undated"]),
        # ... and undated ones follow each other in the order they were first seen.
        (
            [("seen-early", None, T0 - 5 * HOUR), ("seen-late", None, T0 - HOUR)],
            ["seen-late", "seen-early"],
        ),
        # Dated stories keep their publication order, whenever they were stored.
        ([("old", T0 - DAY, T0), ("new", T0 - HOUR, T0 - DAY)], ["new", "old"]),
    ],
)
def test_undated_stories_rank_after_dated_ones_by_when_first_seen(
    stories: list[tuple[str, datetime | None, datetime]], expected: list[str]
) -> None:
    items = [
        make_item(story_id, feeds=(f"https://{story_id}.example/rss",), published=p, fetched_at=f)
        for story_id, p, f in stories
    ]
    assert ids(compose(items)) == expected


@pytest.mark.parametrize(("fetched_at", "kept"), [(T0 - 71 * HOUR, True), (T0 - 73 * HOUR, False)])
def test_an_undated_story_is_fresh_for_max_age_from_when_it_was_first_seen(
    fetched_at: datetime, kept: bool
) -> None:
    digest = compose([make_item("s", published=None, fetched_at=fetched_at)])
    assert (ids(digest) == ["s"]) is kept


@pytest.mark.parametrize(
    ("per_feed", "max_per_feed", "expected"),
    [
        ({FEED_A: 5, FEED_B: 2}, 3, {FEED_A: 3, FEED_B: 1}),
        ({FEED_A: 5, FEED_B: 2}, 1, {FEED_A: 1, FEED_B: 1}),
        ({FEED_A: 5, FEED_B: 2}, None, {FEED_A: 4}),  # no cap: the newest four, all of A
        ({FEED_A: 9}, 3, {FEED_A: 3}),  # a digest short of stories rather than one feed's
    ],
)
def test_compose_takes_at_most_max_per_feed_stories_from_one_feed(
    per_feed: dict[str, int], max_per_feed: int | None, expected: dict[str, int]
) -> None:
    items = [
        make_item(
            f"{feed}-{n}",
            feeds=(feed,),
            # Feed A's stories are the newest, so without a cap they fill the digest.
            published=T0 - timedelta(minutes=n + (0 if feed == FEED_A else 600)),
            headline=f"{WORDS[n]} {WORDS[-1 - n]}",
        )
        for feed, count in per_feed.items()
        for n in range(count)
    ]
    digest = compose(items, max_stories=4, max_per_feed=max_per_feed)
    counted: dict[str, int] = {}
    for item in digest.items:
        counted[item.story.primary.feed_url] = counted.get(item.story.primary.feed_url, 0) + 1
    assert counted == expected


def test_a_story_counts_against_the_cap_of_its_headline_feed_only() -> None:
    items = [
        make_item("a1", feeds=(FEED_A,), published=T0),
        make_item("shared", feeds=(FEED_B, FEED_A), published=T0 - DAY),
        make_item("a2", feeds=(FEED_A,), published=T0 - HOUR),
    ]
    assert ids(compose(items, max_per_feed=1)) == ["shared", "a1"]


def test_a_story_reported_by_several_outlets_outranks_newer_single_reports() -> None:
    items = [make_item(f"single{n}", feeds=(FEED_A,), published=T0 - n * HOUR) for n in range(3)]
    items.append(make_item("several", feeds=(FEED_B, FEED_C), published=T0 - 2 * DAY))
    assert ids(compose(items, max_stories=2))[0] == "several"


@pytest.mark.parametrize(
    ("title", "placeholder"),
    [
        ("The First Item", True),
        ("Item 3", True),
        ("Test entry", True),
        ("Title 5", True),
        ("(untitled)", True),
        ("", True),
        ("QQQQ", True),
        ("Lorem ipsum dolor", True),
        ("A New World", False),
        ("Nuclear test in the desert", False),
        ("First item of business: the budget", False),
        ("Item 0 with an invalid date", False),
        ("My first Instant Article", False),
        ("Foo Fighters announce tour", False),
    ],
)
def test_looks_like_test_title(title: str, placeholder: bool) -> None:
    assert looks_like_test_title(title) is placeholder


def _leads(feed: str, titles: list[str]) -> list[tuple[str, str, datetime, str]]:
    return [(feed, t, T0 - n * HOUR, f"{feed}-{n}") for n, t in enumerate(titles)]


@pytest.mark.parametrize(
    ("titles", "noisy"),
    [
        # One template filled in with names and numbers: an automated alert.
        (
            [
                f"Acme (NYSE:ACME) {who} Sells ${n}0,000 in Stock"
                for n, who in enumerate(["CEO", "CFO", "SVP", "Director", "Insider", "CTO"])
            ],
            True,
        ),
        (["Item 1", "Item 2", "Item 3", "Item 4", "Item 5"], True),
        # Real headlines, even on one subject, are not one template.
        (
            [
                "Trump State of the Union address promises unity",
                "So, how did conservatives like the State of the Union?",
                "FBI has grave concerns about Trump plan to release memo",
                "Tottenham Hotspur v Manchester United: Premier League live",
                "Giroud, Batshuayi and Aubameyang deals go through",
                "The week in wildlife, in pictures",
            ],
            False,
        ),
        # Numbered episodes share a name, not a template.
        (
            [
                f"Bombcast {600 + n}: {t}"
                for n, t in enumerate(
                    [
                        "Call of Tuesday",
                        "Easy Chicken",
                        "Chief Daedra Officer",
                        "Mixed Bag",
                        "Road Trip",
                    ]
                )
            ],
            False,
        ),
        # Too few items to judge.
        (["Item 1", "Item 2"], False),
    ],
)
def test_find_noisy_feeds(titles: list[str], noisy: bool) -> None:
    assert (find_noisy_feeds(_leads(FEED_A, titles)) == {FEED_A}) is noisy


def test_a_busy_feed_is_judged_by_its_latest_stories_in_any_order() -> None:
    """Only the latest TEMPLATE_SAMPLE count (so a busy feed's window is never held whole):
    a feed that turned into alerts is noisy, one whose alerts are long past is not."""
    # Headlines of four words no other headline uses.
    words = [
        "".join("bcdfghklmnprstvz"[int(d, 16)] + "aeiou"[i % 5] for i, d in enumerate(f"{n:04x}"))
        for n in range(800)
    ]
    news = [" ".join(words[4 * n : 4 * n + 4]).capitalize() for n in range(200)]
    alerts = [f"Acme (NYSE:ACME) Director Sells ${n}000 in Stock" for n in range(200)]
    turned = _leads(FEED_A, alerts + news)
    recovered = _leads(FEED_A, news + alerts)
    for leads, noisy in ((turned, True), (recovered, False)):
        for order in (leads, leads[::-1], leads[1::2] + leads[::2]):
            assert (find_noisy_feeds(iter(order)) == {FEED_A}) is noisy


def test_a_noisy_feed_or_a_placeholder_item_cannot_fill_the_digest() -> None:
    alerts = [
        make_item(
            f"alert{n}", feeds=(FEED_C,), published=T0, headline=f"Acme CEO Sells {n}00 Shares"
        )
        for n in range(6)
    ]
    news = [
        make_item(f"news{n}", feeds=(FEED_A,), published=T0 - DAY - n * HOUR, headline=h)
        for n, h in enumerate(["Council passes budget", "River floods the old town"])
    ]
    test_item = make_item("test", feeds=(FEED_B,), published=T0, headline="The First Item")
    digest = compose([*alerts, test_item, *news], max_stories=3, max_per_feed=None)
    assert ids(digest)[:2] == ["news0", "news1"]
    assert "test" not in ids(digest)


def test_noisy_feeds_given_to_compose_are_the_ones_demoted() -> None:
    items = [
        make_item("a", feeds=(FEED_A,), published=T0),
        make_item("b", feeds=(FEED_B,), published=T0 - DAY),
    ]
    assert ids(compose(items, noisy_feeds={FEED_A})) == ["b", "a"]


# --- grouping by feed categories --------------------------------------------------------


def test_without_configured_topics_shared_categories_group_the_digest() -> None:
    items = [
        make_item("s1", topics=("Donald Trump", "US news"), published=T0),
        make_item("s2", topics=("Football", "Sport"), published=T0 - HOUR),
        make_item("s3", topics=("US News",), published=T0 - 2 * HOUR),
        make_item("s4", topics=("sports",), published=T0 - 3 * HOUR),
        make_item("s5", topics=("Only here",), published=T0 - 4 * HOUR),
        make_item("s6", published=T0 - 5 * HOUR),
    ]
    grouped = [(t, [i.story.id for i in m]) for t, m in group_by_topic(compose(items))]
    assert grouped == [
        ("US news", ["s1", "s3"]),
        ("Sport", ["s2", "s4"]),
        (OTHER_TOPIC, ["s5", "s6"]),
    ]


def test_with_configured_topics_untagged_stories_group_by_shared_feed_categories() -> None:
    def item(
        story_id: str, hours: int, topics: tuple[str, ...], categories: tuple[str, ...]
    ) -> DigestItem:
        article = make_article(
            hours, published=T0 - hours * HOUR, title=story_id, categories=categories
        )
        return replace(make_item(story_id), story=Story(story_id, (article,), topics))

    items = [
        item("tram", 0, ("Transport",), ("Local news",)),
        item("fire", 1, (), ("Local news", "Fire")),
        item("vote", 2, (), ("Politics",)),
        item("flood", 3, (), ("local-news",)),
    ]
    grouped = [
        (t, [i.story.id for i in m])
        for t, m in group_by_topic(compose(items, topic_order=("Transport",)))
    ]
    assert grouped == [
        ("Transport", ["tram"]),
        ("Local news", ["fire", "flood"]),
        (OTHER_TOPIC, ["vote"]),
    ]


def test_shortlist_leaves_out_posted_stories_but_judges_their_feed_by_them() -> None:
    def rank(story_id: str, feed: str, title: str, hours: int) -> StoryRank:
        when = T0 - hours * HOUR
        return StoryRank(story_id, (), when, 1, when, when, feed, title)

    alerts = [rank(f"posted{n}", FEED_C, f"Acme CEO Sells {n}00 Shares", n) for n in range(5)]
    ranks = [
        *alerts,
        rank("alert", FEED_C, "Acme CFO Sells 900 Shares", 6),
        rank("news", FEED_A, "Council passes budget", 30),
    ]
    ids_, noisy = shortlist(
        ranks,
        now=T0,
        max_age=3 * DAY,
        limit=1,
        topic_order=(),
        max_per_feed=3,
        excluded={r.id for r in alerts},
    )
    assert noisy == {FEED_C}
    assert ids_ == ["news"]
