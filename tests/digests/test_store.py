"""The storage contract, run against every backend: SQLite in memory, SQLite file, PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from digests.compose import select_stories, shortlist
from digests.errors import NotFoundError, StorageError
from digests.filters import FilterRule, make_rule
from digests.records import Article, ArticleDraft, Briefing, FeedSource, FeedState, Validators
from digests.store import FetchSuccess, NewStory, Schedule, StoryRank, UpsertResult
from digests.store.models import Base, UtcDateTime
from digests.store.sql import MIGRATIONS_DIR, SqlStore, normalize_url
from digests.store.sql._base import _is_retryable
from tests.digests.store_fixtures import store_fixture  # noqa: F401  (the "store" fixture)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
FEED_A = "https://a.example/feed.xml"
FEED_B = "https://b.example/feed.xml"


def draft(
    entry: str,
    *,
    feed: str = FEED_A,
    canonical: str | None = "auto",
    content_hash: str | None = None,
    title: str | None = None,
    text: str = "Body text.",
    published: datetime | None = T0,
    source_hash: str | None = None,
) -> ArticleDraft:
    url = f"https://news.example/{entry}"
    return ArticleDraft(
        feed_url=feed,
        entry_id=entry,
        url=url,
        canonical_url=url if canonical == "auto" else canonical,
        title=title or f"Title {entry}",
        author="Reporter",
        published=published,
        text=text,
        image_url=None,
        content_hash=content_hash or f"hash-{entry}",
        source_hash=source_hash,
    )


def ensure(store: SqlStore, source: FeedSource) -> FeedState:
    """``ensure_feeds`` of one feed, and its state."""
    store.ensure_feeds([source])
    state = store.get_feed(source.url)
    assert state is not None
    return state


def upsert(store: SqlStore, found: ArticleDraft, *, now: datetime) -> UpsertResult:
    (result,) = store.upsert_articles([found], now=now)
    return result


def article_of(store: SqlStore, article_id: int) -> Article | None:
    found = store.get_articles([article_id])
    return found[0] if found else None


def schedule_of(store: SqlStore, community_id: int, channel_id: int) -> Schedule | None:
    listed = store.list_schedules(community_id)
    return next((s for s in listed if s.channel_id == channel_id), None)


def add_article(store: SqlStore, entry: str, *, now: datetime = T0, **kwargs: Any) -> int:
    result = upsert(store, draft(entry, **kwargs), now=now)
    assert result.status == "new"
    return result.article_id


def briefing(headline: str = "Headline") -> Briefing:
    return Briefing(
        headline=headline,
        summary="Summary.",
        key_facts=("one", "two"),
        why_it_matters="Because.",
        summarizer="extractive",
        dropped_facts=1,
        fallback_reason=None,
        tokens=42,
    )


def enqueue(store: SqlStore, story_ids: list[str], *, target_id: int = 10, **kwargs: Any) -> Any:
    defaults: dict[str, Any] = {
        "community_id": 1,
        "target_kind": "channel",
        "target_id": target_id,
        "story_ids": story_ids,
        "payloads": [{"content": "header"}, {"embeds": [{"title": "s"}]}],
        "now": T0,
    }
    return store.enqueue_digest(**{**defaults, **kwargs})


# --- datetimes -----------------------------------------------------------------------------


def test_datetimes_come_back_aware_utc(store: SqlStore) -> None:
    ensure(store, FeedSource(FEED_A))
    local = datetime(2024, 5, 1, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    store.record_fetch_success(FEED_A, now=local, validators=Validators(), next_fetch_at=local)
    state = store.get_feed(FEED_A)
    assert state is not None and state.last_fetched_at is not None
    assert state.last_fetched_at == local
    assert state.last_fetched_at.tzinfo == UTC
    assert state.last_fetched_at.microsecond == 123456


NAIVE = datetime(2024, 5, 1, 12, 0)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda s: s.due_feeds(NAIVE), id="due_feeds"),
        pytest.param(lambda s: s.stories_since(NAIVE), id="stories_since"),
        pytest.param(lambda s: s.story_outlines_since(NAIVE), id="story_outlines_since"),
        pytest.param(lambda s: s.upsert_articles([draft("x")], now=NAIVE), id="upsert_now"),
        pytest.param(
            lambda s: s.upsert_articles([draft("x", published=NAIVE)], now=T0),
            id="upsert_published",
        ),
        pytest.param(lambda s: s.put_briefing("h", briefing(), now=NAIVE), id="put_briefing"),
        pytest.param(lambda s: s.set_schedule(Schedule(1, 2, "UTC"), now=NAIVE), id="set_schedule"),
        pytest.param(
            lambda s: s.record_fetch_success(
                FEED_A, now=NAIVE, validators=Validators(), next_fetch_at=T0
            ),
            id="record_fetch_success",
        ),
    ],
)
def test_naive_datetime_raises_value_error(
    store: SqlStore, call: Callable[[SqlStore], Any]
) -> None:
    ensure(store, FeedSource(FEED_A))
    with pytest.raises(ValueError, match="naive"):
        call(store)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "pg"])
def test_utc_column_type_refuses_naive_values(dialect: Any) -> None:
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(NAIVE, dialect)


def test_utc_column_type_reads_naive_values_as_utc() -> None:
    value = UtcDateTime().process_result_value(NAIVE, sqlite.dialect())
    assert value == NAIVE.replace(tzinfo=UTC)


# --- feeds ---------------------------------------------------------------------------------


def test_ensure_feed_creates_an_enabled_feed(store: SqlStore) -> None:
    state = ensure(store, FeedSource(FEED_A, "A", ("tech",)))
    assert (state.url, state.name, state.topics) == (FEED_A, "A", ("tech",))
    assert state.enabled and state.failure_count == 0 and state.next_fetch_at is None


def test_ensure_feed_updates_name_and_topics_when_given(store: SqlStore) -> None:
    ensure(store, FeedSource(FEED_A, "A", ("tech",)))
    state = ensure(store, FeedSource(FEED_A, "A2", ("world",)))
    assert (state.name, state.topics) == ("A2", ("world",))


def test_ensure_feed_keeps_name_and_topics_when_not_given(store: SqlStore) -> None:
    ensure(store, FeedSource(FEED_A, "A", ("tech",)))
    state = ensure(store, FeedSource(FEED_A))
    assert (state.name, state.topics) == ("A", ("tech",))


def test_ensure_feeds_creates_new_feeds_and_updates_known_ones(store: SqlStore) -> None:
    ensure(store, FeedSource(FEED_A, name="Old A", topics=("world",)))
    store.ensure_feeds(
        [FeedSource(FEED_A, name="New A"), FeedSource(FEED_B, topics=("tech",)), FeedSource(FEED_B)]
    )
    a, b = store.list_feeds()
    assert (a.url, a.name, a.topics) == (FEED_A, "New A", ("world",))
    assert (b.url, b.name, b.topics, b.enabled) == (FEED_B, None, ("tech",), True)


def test_ensure_feeds_makes_a_community_feed_a_config_feed(store: SqlStore) -> None:
    store.add_community_feed(1, FeedSource(FEED_A))
    store.ensure_feeds([FeedSource(FEED_A)])
    store.remove_community_feed(1, FEED_A)
    assert store.get_feed(FEED_A) is not None


def test_get_unknown_feed_is_none(store: SqlStore) -> None:
    assert store.get_feed(FEED_A) is None


def test_list_feeds_is_ordered_by_url(store: SqlStore) -> None:
    for url in (FEED_B, FEED_A):
        ensure(store, FeedSource(url))
    assert [f.url for f in store.list_feeds()] == [FEED_A, FEED_B]


def test_an_article_keeps_its_removed_feed_without_its_name(store: SqlStore) -> None:
    store.add_community_feed(1, FeedSource(FEED_A, "A"))
    article_id = add_article(store, "e1")
    store.remove_community_feed(1, FEED_A)
    assert store.get_feed(FEED_A) is None
    article = article_of(store, article_id)
    assert article is not None and article.feed_url == FEED_A and article.feed_name is None


def test_article_carries_its_feed_name(store: SqlStore) -> None:
    ensure(store, FeedSource(FEED_A, "Outlet A"))
    article = article_of(store, add_article(store, "e1"))
    assert article is not None and article.feed_name == "Outlet A"


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda s: s.record_fetch_success(
                FEED_B, now=T0, validators=Validators(), next_fetch_at=T0
            ),
            id="record_fetch_success",
        ),
        pytest.param(
            lambda s: s.record_fetch_failure(
                FEED_B, now=T0, error="x", next_fetch_at=T0, disable_after=3
            ),
            id="record_fetch_failure",
        ),
    ],
)
def test_mutating_an_unknown_feed_raises_not_found(
    store: SqlStore, call: Callable[[SqlStore], Any]
) -> None:
    with pytest.raises(NotFoundError):
        call(store)


def test_fetch_success_stores_validators_title_and_clears_failures(store: SqlStore) -> None:
    ensure(store, FeedSource(FEED_A))
    store.record_fetch_failure(FEED_A, now=T0, error="boom", next_fetch_at=T0, disable_after=5)
    later = T0 + timedelta(minutes=15)
    state = store.record_fetch_success(
        FEED_A,
        now=later,
        validators=Validators(etag='"v1"', last_modified="Wed, 01 May 2024 12:00:00 GMT"),
        next_fetch_at=later + timedelta(minutes=15),
        title="Feed A",
        warning="bozo",
    )
    assert state.validators == Validators('"v1"', "Wed, 01 May 2024 12:00:00 GMT")
    assert (state.title, state.last_warning, state.last_error) == ("Feed A", "bozo", None)
    assert state.failure_count == 0
    assert state.last_success_at == later and state.last_fetched_at == later
    assert state.next_fetch_at == later + timedelta(minutes=15)


def test_fetch_success_without_title_keeps_the_old_title(store: SqlStore) -> None:
    ensure(store, FeedSource(FEED_A))
    store.record_fetch_success(FEED_A, now=T0, validators=Validators(), next_fetch_at=T0, title="A")
    state = store.record_fetch_success(FEED_A, now=T0, validators=Validators(), next_fetch_at=T0)
    assert state.title == "A"


def test_fetch_successes_match_recording_each(store: SqlStore) -> None:
    later = T0 + timedelta(minutes=15)
    for url in (FEED_A, FEED_B):
        ensure(store, FeedSource(url))
        store.record_fetch_failure(url, now=T0, error="boom", next_fetch_at=T0, disable_after=5)
    store.record_fetch_success(FEED_B, now=T0, validators=Validators(), next_fetch_at=T0, title="B")
    validators = Validators(etag='"v1"', last_modified="Wed, 01 May 2024 12:00:00 GMT")
    store.record_fetch_successes(
        [
            FetchSuccess(FEED_A, later, validators, later + timedelta(minutes=15), "A", "bozo"),
            FetchSuccess(FEED_B, later, Validators(), later),
            FetchSuccess("https://removed.example/feed.xml", later, Validators(), later),
        ]
    )
    a, b = store.get_feed(FEED_A), store.get_feed(FEED_B)
    assert a is not None and b is not None
    assert (a.validators, a.title, a.last_warning, a.last_error) == (
        validators,
        "A",
        "bozo",
        None,
    )
    assert (a.failure_count, a.last_success_at, a.last_fetched_at) == (0, later, later)
    assert a.next_fetch_at == later + timedelta(minutes=15)
    assert (b.title, b.failure_count, b.next_fetch_at) == ("B", 0, later)
    assert [f.url for f in store.due_feeds(later)] == [FEED_B]


def test_fetch_successes_refuse_a_naive_time(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        store.record_fetch_successes(
            [FetchSuccess(FEED_A, datetime(2024, 5, 1), Validators(), T0)]  # noqa: DTZ001
        )


def test_fetch_failure_records_error_and_backoff(store: SqlStore) -> None:
    ensure(store, FeedSource(FEED_A))
    retry_at = T0 + timedelta(hours=1)
    state = store.record_fetch_failure(
        FEED_A, now=T0, error="HTTP 503", next_fetch_at=retry_at, disable_after=3
    )
    assert (state.last_error, state.failure_count, state.next_fetch_at) == ("HTTP 503", 1, retry_at)
    assert state.last_fetched_at == T0 and state.last_success_at is None
    assert state.enabled


def test_feed_is_disabled_after_n_consecutive_failures(store: SqlStore) -> None:
    ensure(store, FeedSource(FEED_A))
    for n in range(3):
        state = store.record_fetch_failure(
            FEED_A, now=T0, error=f"HTTP 50{n}", next_fetch_at=T0, disable_after=3
        )
    assert not state.enabled and state.failure_count == 3
    assert state.disabled_reason is not None and "HTTP 502" in state.disabled_reason


@pytest.mark.parametrize(
    ("next_fetch_at", "disabled", "due"),
    [
        (None, False, True),
        (T0 - timedelta(seconds=1), False, True),
        (T0, False, True),
        (T0 + timedelta(seconds=1), False, False),
        (None, True, False),
    ],
    ids=["never-fetched", "overdue", "exactly-now", "later", "disabled"],
)
def test_due_feeds(
    store: SqlStore, next_fetch_at: datetime | None, disabled: bool, due: bool
) -> None:
    ensure(store, FeedSource(FEED_A))
    if next_fetch_at is not None:
        store.record_fetch_success(
            FEED_A, now=T0, validators=Validators(), next_fetch_at=next_fetch_at
        )
    if disabled:
        store.record_fetch_failure(FEED_A, now=T0, error="x", next_fetch_at=T0, disable_after=1)
    assert [f.url for f in store.due_feeds(T0)] == ([FEED_A] if due else [])


# --- articles ------------------------------------------------------------------------------


def test_upsert_stores_a_new_article(store: SqlStore) -> None:
    result = upsert(store, draft("e1"), now=T0)
    assert result.status == "new"
    article = article_of(store, result.article_id)
    assert article is not None
    assert (article.entry_id, article.title, article.text) == ("e1", "Title e1", "Body text.")
    assert article.fetched_at == T0 and article.published == T0 and article.story_id is None


def test_upsert_same_entry_same_content_is_unchanged(store: SqlStore) -> None:
    first = upsert(store, draft("e1"), now=T0)
    again = upsert(store, draft("e1"), now=T0 + timedelta(hours=1))
    assert again == replace(first, status="unchanged")


def test_upsert_same_entry_new_content_updates_and_keeps_fetched_at(store: SqlStore) -> None:
    first = upsert(store, draft("e1"), now=T0)
    changed = draft("e1", content_hash="hash-v2", text="Corrected text.")
    again = upsert(store, changed, now=T0 + timedelta(hours=1))
    assert again == replace(first, status="updated")
    article = article_of(store, first.article_id)
    assert article is not None
    assert (article.text, article.content_hash, article.fetched_at) == (
        "Corrected text.",
        "hash-v2",
        T0,
    )


@pytest.mark.parametrize(
    "second",
    [
        pytest.param(
            draft("other", feed=FEED_B, canonical="https://news.example/e1"), id="canonical-url"
        ),
        pytest.param(draft("other", feed=FEED_B, content_hash="hash-e1"), id="content-hash"),
        pytest.param(draft("other", canonical="https://news.example/e1"), id="same-feed-url"),
    ],
)
def test_upsert_matching_another_article_is_a_duplicate(
    store: SqlStore, second: ArticleDraft
) -> None:
    first = upsert(store, draft("e1"), now=T0)
    result = upsert(store, second, now=T0)
    assert (result.article_id, result.status) == (first.article_id, "duplicate")
    assert store.count_articles() == 1


def test_upsert_articles_matches_upserting_one_by_one(store: SqlStore) -> None:
    first = upsert(store, draft("e1"), now=T0)
    batch = [
        draft("e1"),
        draft("e1b", content_hash="hash-e1"),
        draft("e2"),
        draft("e3", feed=FEED_B, canonical="https://news.example/e2"),
        draft("e2", content_hash="hash-e2-v2", text="Corrected."),
    ]
    results = store.upsert_articles(batch, now=T0 + timedelta(hours=1))
    e2 = results[2].article_id
    assert [(r.article_id, r.status) for r in results] == [
        (first.article_id, "unchanged"),
        (first.article_id, "duplicate"),
        (e2, "new"),
        (e2, "duplicate"),
        (e2, "updated"),
    ]
    stored = article_of(store, e2)
    assert stored is not None and (stored.text, stored.fetched_at) == (
        "Corrected.",
        T0 + timedelta(hours=1),
    )


def test_upsert_articles_of_nothing_is_nothing(store: SqlStore) -> None:
    assert store.upsert_articles([], now=T0) == []


def test_upsert_articles_refuses_a_naive_published_date(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        store.upsert_articles([draft("e1"), draft("e2", published=datetime(2024, 5, 1))], now=T0)
    assert store.count_articles() == 0


def test_articles_without_canonical_url_are_not_duplicates_of_each_other(store: SqlStore) -> None:
    add_article(store, "e1", canonical=None)
    add_article(store, "e2", canonical=None)
    assert store.count_articles() == 2


def test_get_articles_keeps_the_order_given_and_leaves_out_unknown_ids(store: SqlStore) -> None:
    a, b = add_article(store, "a"), add_article(store, "b")
    assert [x.id for x in store.get_articles([b, 999, a])] == [b, a]


def test_get_articles_reads_more_ids_than_one_statement_binds(store: SqlStore) -> None:
    a = add_article(store, "a")
    assert [x.id for x in store.get_articles([*range(10_000, 12_500), a])] == [a]


def test_article_signatures_are_stored_and_read_back_by_id(store: SqlStore) -> None:
    a, b = add_article(store, "a"), add_article(store, "b")
    assert store.article_signatures([a, b]) == {}
    store.set_article_signatures({a: b"\x00sig-a", b: b"sig-b", 999: b"none"})
    store.set_article_signatures({b: b"sig-b2"})
    assert store.article_signatures([b, a, 999]) == {a: b"\x00sig-a", b: b"sig-b2"}
    assert store.article_signatures([*range(10_000, 12_500), a]) == {a: b"\x00sig-a"}


def test_an_article_whose_text_changes_loses_its_signature(store: SqlStore) -> None:
    a, b = add_article(store, "a"), add_article(store, "b")
    store.set_article_signatures({a: b"sig-a", b: b"sig-b"})
    assert upsert(store, draft("b"), now=T0).status == "unchanged"
    changed = upsert(store, draft("a", content_hash="other", text="New text."), now=T0)
    assert changed.status == "updated"
    assert store.article_signatures([a, b]) == {b: b"sig-b"}


def test_articles_without_story_can_leave_their_text_unread(store: SqlStore) -> None:
    add_article(store, "a", text="Long body.")
    (full,) = store.articles_without_story()
    (light,) = store.articles_without_story(with_text=False)
    assert full.text == "Long body."
    assert light == replace(full, text="")


def test_articles_without_story_lists_ungrouped_oldest_first(store: SqlStore) -> None:
    grouped = add_article(store, "g")
    add_article(store, "late", now=T0 + timedelta(hours=1))
    add_article(store, "early", now=T0 - timedelta(hours=1))
    store.create_story("s1", [grouped], topics=[], now=T0)
    assert [a.entry_id for a in store.articles_without_story()] == ["early", "late"]


def test_count_articles(store: SqlStore) -> None:
    for entry in ("a", "b", "c"):
        add_article(store, entry)
    assert store.count_articles() == 3


# --- stories -------------------------------------------------------------------------------


def test_create_story_groups_articles(store: SqlStore) -> None:
    a = add_article(store, "a", published=T0)
    b = add_article(store, "b", feed=FEED_B, published=T0 - timedelta(hours=2))
    story = store.create_story("s1", [a, b], topics=["world"], now=T0)
    assert story.id == "s1" and story.topics == ("world",) and story.created_at == T0
    assert [x.entry_id for x in story.articles] == ["b", "a"]
    assert story.primary.entry_id == "b"
    assert all(x.story_id == "s1" for x in story.articles)
    assert store.get_story("s1") == story


def test_create_story_with_unknown_article_raises_and_stores_nothing(store: SqlStore) -> None:
    a = add_article(store, "a")
    with pytest.raises(NotFoundError):
        store.create_story("s1", [a, 999], topics=[], now=T0)
    assert store.get_story("s1") is None
    assert [x.id for x in store.articles_without_story()] == [a]


def test_add_to_story_attaches_more_articles(store: SqlStore) -> None:
    a, b = add_article(store, "a"), add_article(store, "b")
    store.create_story("s1", [a], topics=[], now=T0)
    story = store.add_to_story("s1", [b])
    assert {x.id for x in story.articles} == {a, b}


def test_add_to_unknown_story_raises_not_found(store: SqlStore) -> None:
    a = add_article(store, "a")
    with pytest.raises(NotFoundError):
        store.add_to_story("missing", [a])


def test_create_stories_stores_each_with_its_articles_and_topics(store: SqlStore) -> None:
    a, b = add_article(store, "a"), add_article(store, "b", feed=FEED_B)
    c = add_article(store, "c")
    store.create_stories([NewStory("s1", (a, b), ("world",)), NewStory("s2", (c,))], now=T0)
    one, two = store.get_story("s1"), store.get_story("s2")
    assert one is not None and two is not None
    assert ({x.id for x in one.articles}, one.topics, one.created_at) == ({a, b}, ("world",), T0)
    assert ([x.id for x in two.articles], two.topics) == ([c], ())
    assert store.articles_without_story() == []


@pytest.mark.parametrize(
    ("stories", "error"),
    [
        pytest.param([NewStory("s2", (999,))], NotFoundError, id="unknown-article"),
        pytest.param([NewStory("taken", ())], StorageError, id="taken-id"),
    ],
)
def test_create_stories_stores_nothing_when_one_fails(
    store: SqlStore, stories: list[NewStory], error: type[Exception]
) -> None:
    store.create_story("taken", [add_article(store, "t")], topics=[], now=T0)
    a = add_article(store, "a")
    with pytest.raises(error):
        store.create_stories([NewStory("s1", (a,)), *stories], now=T0)
    assert store.get_story("s1") is None
    assert [x.id for x in store.articles_without_story()] == [a]


def test_add_to_stories_returns_the_grown_stories_in_order(store: SqlStore) -> None:
    a, b, c, d = (add_article(store, e) for e in ("a", "b", "c", "d"))
    store.create_stories([NewStory("s1", (a,)), NewStory("s2", (b,))], now=T0)
    grown = store.add_to_stories({"s2": [c], "s1": [d]})
    assert [(s.id, {x.id for x in s.articles}) for s in grown] == [("s2", {b, c}), ("s1", {a, d})]
    assert grown[0] == store.get_story("s2")


@pytest.mark.parametrize(
    ("story_id", "article"), [("missing", "a"), ("s1", None)], ids=["story", "article"]
)
def test_add_to_stories_with_an_unknown_id_raises_and_attaches_nothing(
    store: SqlStore, story_id: str, article: str | None
) -> None:
    a, b = add_article(store, "a"), add_article(store, "b")
    store.create_story("s1", [add_article(store, "x")], topics=[], now=T0)
    with pytest.raises(NotFoundError):
        store.add_to_stories({"s1": [b], story_id: [a if article else 999]})
    assert {x.id for x in store.articles_without_story()} == {a, b}


def test_set_stories_topics(store: SqlStore) -> None:
    store.create_stories(
        [NewStory("s1", (add_article(store, "a"),)), NewStory("s2", (add_article(store, "b"),))],
        now=T0,
    )
    store.set_stories_topics({"s1": ["y", "z"], "s2": []})
    assert [s.topics for s in store.get_stories(["s1", "s2"])] == [("y", "z"), ()]


def test_set_stories_topics_of_an_unknown_story_raises_and_sets_none(store: SqlStore) -> None:
    store.create_story("s1", [add_article(store, "a")], topics=["x"], now=T0)
    with pytest.raises(NotFoundError):
        store.set_stories_topics({"s1": ["y"], "missing": ["x"]})
    story = store.get_story("s1")
    assert story is not None and story.topics == ("x",)


def test_story_ranks_since_aggregates_feeds_and_earliest_date(store: SqlStore) -> None:
    a1 = add_article(store, "a1", published=T0)
    a2 = add_article(store, "a2", published=T0 - timedelta(hours=3))
    b1 = add_article(store, "b1", feed=FEED_B, published=T0 - timedelta(hours=1))
    undated = add_article(store, "u", published=None)
    store.create_story("old", [add_article(store, "x")], topics=[], now=T0 - timedelta(days=1))
    store.create_story("mixed", [a1, a2, b1], topics=["world"], now=T0)
    store.create_story("undated", [undated], topics=[], now=T0 + timedelta(hours=1))
    assert store.story_ranks_since(T0) == [
        StoryRank("undated", (), T0 + timedelta(hours=1), 1, None, T0, FEED_A, "Title u"),
        StoryRank("mixed", ("world",), T0, 2, T0 - timedelta(hours=3), T0, FEED_A, "Title a2"),
    ]
    assert store.story_ranks_since(T0, feed_urls=[FEED_B]) == [
        StoryRank("mixed", ("world",), T0, 1, T0 - timedelta(hours=1), T0, FEED_B, "Title b1"),
    ]


def test_story_ranks_lead_with_the_article_story_primary_picks(store: SqlStore) -> None:
    """The SQL aggregates name the same primary article as ``Story.primary`` does."""
    cases = {
        # The earliest published with a URL, whatever was stored first.
        "by-date": [("d1", FEED_A, T0, True), ("d2", FEED_B, T0 - timedelta(hours=2), True)],
        # An article without a URL only leads when none has one.
        "by-url": [("u1", FEED_A, T0 - timedelta(hours=5), False), ("u2", FEED_B, T0, True)],
        "no-url": [("n1", FEED_B, T0, False), ("n2", FEED_A, T0 - timedelta(hours=1), False)],
        # Undated articles count from when they were stored.
        "undated": [("z1", FEED_A, None, True), ("z2", FEED_B, T0 + timedelta(hours=1), True)],
    }
    for story_id, members in cases.items():
        ids = []
        for entry, feed, published, with_url in members:
            d = draft(entry, feed=feed, published=published)
            if not with_url:
                d = replace(d, url=None)
            result = upsert(store, d, now=T0 + timedelta(minutes=len(ids)))
            ids.append(result.article_id)
        store.create_story(story_id, ids, topics=[], now=T0)
    stories = {s.id: s for s in store.stories_since(T0)}
    for rank in store.story_ranks_since(T0):
        primary = stories[rank.id].primary
        assert (rank.lead_feed, rank.lead_title) == (primary.feed_url, primary.title), rank.id
        assert rank.first_seen == min(a.fetched_at for a in stories[rank.id].articles)


def test_ranking_from_sql_aggregates_matches_ranking_the_loaded_stories(
    store: SqlStore,
) -> None:
    """The digest ranks a window from ``story_ranks_since`` and loads only the shortlist; it
    picks what ranking every loaded story would pick, cap, noise and undated included."""
    feed_c = "https://c.example/feed.xml"
    members: dict[str, list[int]] = {}
    words = "harbour tram budget school river museum festival bridge".split()
    for n, word in enumerate(words):  # one busy feed, more stories than its cap
        members[f"busy{n}"] = [
            add_article(
                store, f"a{n}", title=f"Council {word} plan", published=T0 - timedelta(hours=n)
            )
        ]
    for n in range(6):  # a feed of one template filled in with numbers
        members[f"alert{n}"] = [
            add_article(
                store,
                f"c{n}",
                feed=feed_c,
                title=f"Acme (NYSE:ACME) Director Sells ${n}000 in Stock",
                published=T0 + timedelta(minutes=n),
            )
        ]
    members["undated"] = [add_article(store, "u", feed=FEED_B, published=None)]
    members["item"] = [add_article(store, "t", feed=FEED_B, title="The First Item")]
    members["shared"] = [
        add_article(store, "s1", published=T0 - timedelta(days=1)),
        add_article(store, "s2", feed=FEED_B, published=T0 - timedelta(days=1)),
    ]
    members["b-old"] = [add_article(store, "b", feed=FEED_B, published=T0 - timedelta(hours=30))]
    for story_id, ids in members.items():
        store.create_story(story_id, ids, topics=[], now=T0)
    now, max_age = T0 + timedelta(hours=2), timedelta(days=3)
    options: dict[str, Any] = {"now": now, "max_age": max_age, "topic_order": ()}
    for limit, per_feed in ((6, 3), (12, 3), (20, 2), (20, None)):
        ids, noisy = shortlist(
            store.story_ranks_since(T0), limit=limit, max_per_feed=per_feed, **options
        )
        from_sql = select_stories(
            store.get_stories(ids),
            max_stories=limit,
            max_per_feed=per_feed,
            noisy_feeds=noisy,
            **options,
        )
        everything = select_stories(
            store.stories_since(T0), max_stories=limit, max_per_feed=per_feed, **options
        )
        assert [s.id for s in from_sql] == [s.id for s in everything]
        assert noisy == {feed_c}
    top = [s.id for s in everything]
    assert top[0] == "shared"
    assert top.index("b-old") < top.index("undated") < top.index("alert5")


def test_article_categories_are_stored_and_updated(store: SqlStore) -> None:
    first = upsert(
        store, replace(draft("c"), categories=("US news", "Politics")), now=T0
    ).article_id
    article = article_of(store, first)
    assert article is not None and article.categories == ("US news", "Politics")
    upsert(store, replace(draft("c", content_hash="changed"), categories=("Sport",)), now=T0)
    article = article_of(store, first)
    assert article is not None and article.categories == ("Sport",)
    store.create_story("s", [first], topics=[], now=T0)
    [light] = store.stories_since(T0, with_text=False)
    assert light.articles[0].categories == ("Sport",)


def test_get_unknown_story_is_none(store: SqlStore) -> None:
    assert store.get_story("missing") is None


def test_stories_since_newest_first(store: SqlStore) -> None:
    for n, hours in enumerate((-5, 1, 2)):
        article = add_article(store, f"e{n}")
        store.create_story(f"s{n}", [article], topics=[], now=T0 + timedelta(hours=hours))
    assert [s.id for s in store.stories_since(T0)] == ["s2", "s1"]


def test_stories_since_scoped_by_feed_urls(store: SqlStore) -> None:
    a1, b1 = add_article(store, "a1"), add_article(store, "b1", feed=FEED_B)
    b2 = add_article(store, "b2", feed=FEED_B)
    store.create_story("mixed", [a1, b1], topics=[], now=T0)
    store.create_story("only-b", [b2], topics=[], now=T0)
    stories = store.stories_since(T0, feed_urls={FEED_A})
    assert [s.id for s in stories] == ["mixed"]
    assert [a.entry_id for a in stories[0].articles] == ["a1"]


def test_stories_since_with_no_feeds_is_empty(store: SqlStore) -> None:
    store.create_story("s1", [add_article(store, "a")], topics=[], now=T0)
    assert store.stories_since(T0, feed_urls=[]) == []


def test_stories_since_without_text_is_the_same_stories_with_empty_texts(store: SqlStore) -> None:
    a1, b1 = add_article(store, "a1"), add_article(store, "b1", feed=FEED_B)
    store.create_story("mixed", [a1, b1], topics=["world"], now=T0)
    store.create_story("later", [add_article(store, "a2")], topics=[], now=T0 + timedelta(1))
    full = store.stories_since(T0, feed_urls={FEED_A})
    light = store.stories_since(T0, feed_urls={FEED_A}, with_text=False)
    assert all(a.text == "" for s in light for a in s.articles)
    assert light == [
        replace(s, articles=tuple(replace(a, text="") for a in s.articles)) for s in full
    ]


def test_get_stories_keeps_the_order_given_and_scopes_articles(store: SqlStore) -> None:
    a1, b1 = add_article(store, "a1"), add_article(store, "b1", feed=FEED_B)
    store.create_story("mixed", [a1, b1], topics=[], now=T0)
    store.create_story("only-b", [add_article(store, "b2", feed=FEED_B)], topics=[], now=T0)
    store.create_story("only-a", [add_article(store, "a2")], topics=[], now=T0)
    assert [s.id for s in store.get_stories(["only-a", "missing", "mixed"])] == [
        "only-a",
        "mixed",
    ]
    scoped = store.get_stories(["mixed", "only-b", "only-a"], feed_urls=[FEED_A])
    assert [(s.id, [a.entry_id for a in s.articles]) for s in scoped] == [
        ("mixed", ["a1"]),
        ("only-a", ["a2"]),
    ]
    assert store.get_stories(["mixed"])[0] == store.get_story("mixed")


def test_story_outlines_since_lists_members_in_story_order_newest_story_first(
    store: SqlStore,
) -> None:
    late = add_article(store, "late", published=T0 + timedelta(hours=1))
    early = add_article(store, "early", feed=FEED_B, published=T0 - timedelta(hours=1))
    store.create_story("old", [add_article(store, "x")], topics=[], now=T0 - timedelta(days=1))
    store.create_story("s1", [late, early], topics=[], now=T0)
    store.create_story("s2", [add_article(store, "y")], topics=[], now=T0 + timedelta(hours=1))
    outlines = store.story_outlines_since(T0)
    assert [o.id for o in outlines] == ["s2", "s1"]
    assert outlines[1].members == ((early, FEED_B), (late, FEED_A))


def test_story_outlines_since_orders_an_undated_member_by_its_fetch_time(
    store: SqlStore,
) -> None:
    undated = add_article(store, "undated", published=None, now=T0 - timedelta(minutes=30))
    dated = add_article(store, "dated", feed=FEED_B, published=T0 - timedelta(hours=1))
    tied = add_article(store, "tied", published=T0 - timedelta(minutes=30))
    store.create_story("s1", [tied, undated, dated], topics=[], now=T0)
    (outline,) = store.story_outlines_since(T0)
    assert outline.members == ((dated, FEED_B), (undated, FEED_A), (tied, FEED_A))


# --- search --------------------------------------------------------------------------------


@pytest.fixture()
def searchable(store: SqlStore) -> SqlStore:
    rows = [
        ("rates", FEED_A, "Central bank raises RATES", "Inflation stays high.", 1),
        ("storm", FEED_A, "Storm hits coast", "Über 10,000 homes lost power.", 2),
        ("mixed", FEED_B, "Bank merger approved", "Regulators cleared the deal.", 3),
        ("percent", FEED_B, "Growth at 5% this year", "Economy grows.", 4),
    ]
    for story_id, feed, title, body, hours in rows:
        article = add_article(store, story_id, feed=feed, title=title, text=body)
        store.create_story(story_id, [article], topics=[], now=T0 + timedelta(hours=hours))
    extra = add_article(store, "extra", feed=FEED_B, title="Follow-up", text="Inflation data")
    store.add_to_story("mixed", [extra])
    return store


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("bank", ["mixed", "rates"]),
        ("BANK inflation", ["mixed", "rates"]),
        ("bank merger", ["mixed"]),
        ("rates storm", []),
        ("über", ["storm"]),
        ("ÜBER", ["storm"]),
        ("5%", ["percent"]),
        ("%", ["percent"]),
        ("_", []),
        ("   ", []),
    ],
)
def test_search_stories_needs_every_word(
    searchable: SqlStore, query: str, expected: list[str]
) -> None:
    assert [s.id for s in searchable.search_stories(query)] == expected


def test_search_stories_respects_limit(searchable: SqlStore) -> None:
    assert [s.id for s in searchable.search_stories("bank", limit=1)] == ["mixed"]


def test_search_stories_scoped_by_feed_urls(searchable: SqlStore) -> None:
    assert [s.id for s in searchable.search_stories("bank", feed_urls=[FEED_A])] == ["rates"]
    assert searchable.search_stories("storm", feed_urls=[FEED_B]) == []


# --- briefings -----------------------------------------------------------------------------


def test_briefing_cache_round_trip(store: SqlStore) -> None:
    assert store.get_briefing("h1") is None
    store.put_briefing("h1", briefing(), now=T0)
    assert store.get_briefing("h1") == briefing()


def test_put_briefing_replaces_the_cached_one(store: SqlStore) -> None:
    store.put_briefing("h1", briefing("old"), now=T0)
    store.put_briefing("h1", briefing("new"), now=T0)
    cached = store.get_briefing("h1")
    assert cached is not None and cached.headline == "new"


# --- tokens --------------------------------------------------------------------------------


def test_tokens_add_up_per_day(store: SqlStore) -> None:
    day, other = date(2024, 5, 1), date(2024, 5, 2)
    assert store.add_tokens(day, 100) == 100
    assert store.add_tokens(day, 50) == 150
    assert store.add_tokens(other, 7) == 7
    assert (store.tokens_used(day), store.tokens_used(other)) == (150, 7)


def test_tokens_used_on_a_quiet_day_is_zero(store: SqlStore) -> None:
    assert store.tokens_used(date(2024, 5, 1)) == 0


def test_tokens_added_from_many_threads_all_count(store: SqlStore) -> None:
    day = date(2024, 5, 1)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: store.add_tokens(day, 1), range(40)))
    assert store.tokens_used(day) == 40


# --- community feeds ---------------------------------------------------------------------------


def test_add_community_feed_creates_the_feed(store: SqlStore) -> None:
    state = store.add_community_feed(1, FeedSource(FEED_A, "A", ("tech",)))
    assert (state.url, state.name, state.topics) == (FEED_A, "A", ("tech",))
    assert store.community_feed_urls(1) == [FEED_A]


def test_add_community_feed_twice_is_harmless(store: SqlStore) -> None:
    store.add_community_feed(1, FeedSource(FEED_A))
    store.add_community_feed(1, FeedSource(FEED_A))
    assert store.community_feed_urls(1) == [FEED_A]


def test_community_feeds_are_isolated_between_communities(store: SqlStore) -> None:
    store.add_community_feed(1, FeedSource(FEED_B))
    store.add_community_feed(1, FeedSource(FEED_A))
    store.add_community_feed(2, FeedSource(FEED_B))
    assert (store.community_feed_urls(1), store.community_feed_urls(2)) == (
        [FEED_A, FEED_B],
        [FEED_B],
    )
    assert store.community_feed_urls(3) == []


def test_config_feeds_are_not_community_feeds(store: SqlStore) -> None:
    ensure(store, FeedSource(FEED_A))
    assert store.community_feed_urls(1) == []


def test_remove_last_community_use_deletes_the_feed(store: SqlStore) -> None:
    store.add_community_feed(1, FeedSource(FEED_A))
    store.remove_community_feed(1, FEED_A)
    assert store.community_feed_urls(1) == [] and store.get_feed(FEED_A) is None


def test_remove_community_feed_keeps_a_feed_another_community_uses(store: SqlStore) -> None:
    store.add_community_feed(1, FeedSource(FEED_A))
    store.add_community_feed(2, FeedSource(FEED_A))
    store.remove_community_feed(1, FEED_A)
    assert store.community_feed_urls(2) == [FEED_A] and store.get_feed(FEED_A) is not None


@pytest.mark.parametrize(
    "config_first", [True, False], ids=["config-then-community", "community-then-config"]
)
def test_remove_community_feed_keeps_a_config_feed(store: SqlStore, config_first: bool) -> None:
    if config_first:
        ensure(store, FeedSource(FEED_A))
    store.add_community_feed(1, FeedSource(FEED_A))
    if not config_first:
        ensure(store, FeedSource(FEED_A))
    store.remove_community_feed(1, FEED_A)
    assert store.get_feed(FEED_A) is not None


@pytest.mark.parametrize("attached_to", [None, 2], ids=["unknown-feed", "other-community"])
def test_remove_community_feed_the_community_lacks_raises_not_found(
    store: SqlStore, attached_to: int | None
) -> None:
    if attached_to is not None:
        store.add_community_feed(attached_to, FeedSource(FEED_A))
    with pytest.raises(NotFoundError):
        store.remove_community_feed(1, FEED_A)


# --- schedules -----------------------------------------------------------------------------


def test_set_schedule_creates_it(store: SqlStore) -> None:
    saved = store.set_schedule(Schedule(1, 100, "Europe/Berlin", times=("08:00", "18:00")), now=T0)
    assert saved == Schedule(1, 100, "Europe/Berlin", times=("08:00", "18:00"), updated_at=T0)
    assert schedule_of(store, 1, 100) == saved


def test_set_schedule_replaces_it_and_keeps_the_last_run(store: SqlStore) -> None:
    store.set_schedule(Schedule(1, 100, "UTC", times=("08:00",)), now=T0)
    store.mark_schedule_run(1, 100, T0)
    later = T0 + timedelta(days=1)
    saved = store.set_schedule(Schedule(1, 100, "Asia/Tokyo", cron="0 7 * * 1-5"), now=later)
    assert (saved.timezone, saved.cron, saved.times) == ("Asia/Tokyo", "0 7 * * 1-5", ())
    assert (saved.updated_at, saved.last_run_at) == (later, T0)


def test_list_schedules_all_or_per_community(store: SqlStore) -> None:
    for community, channel in ((2, 200), (1, 101), (1, 100)):
        store.set_schedule(Schedule(community, channel, "UTC"), now=T0)
    assert [(s.community_id, s.channel_id) for s in store.list_schedules()] == [
        (1, 100),
        (1, 101),
        (2, 200),
    ]
    assert [s.channel_id for s in store.list_schedules(1)] == [100, 101]


def test_pause_and_resume_schedule(store: SqlStore) -> None:
    store.set_schedule(Schedule(1, 100, "UTC"), now=T0)
    assert store.set_schedule_paused(1, 100, True).paused
    assert not store.set_schedule_paused(1, 100, False).paused


def test_remove_schedule(store: SqlStore) -> None:
    store.set_schedule(Schedule(1, 100, "UTC"), now=T0)
    store.remove_schedule(1, 100)
    assert store.list_schedules() == []


def test_mark_schedule_run(store: SqlStore) -> None:
    store.set_schedule(Schedule(1, 100, "UTC"), now=T0)
    store.mark_schedule_run(1, 100, T0 + timedelta(hours=1))
    saved = schedule_of(store, 1, 100)
    assert saved is not None and saved.last_run_at == T0 + timedelta(hours=1)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda s: s.set_schedule_paused(2, 100, True), id="pause"),
        pytest.param(lambda s: s.remove_schedule(2, 100), id="remove"),
        pytest.param(lambda s: s.mark_schedule_run(2, 100, T0), id="mark_run"),
        pytest.param(lambda s: s.remove_schedule(1, 999), id="unknown-channel"),
    ],
)
def test_schedule_outside_the_community_raises_not_found(
    store: SqlStore, call: Callable[[SqlStore], Any]
) -> None:
    store.set_schedule(Schedule(1, 100, "UTC"), now=T0)
    with pytest.raises(NotFoundError):
        call(store)
    assert schedule_of(store, 1, 100) is not None


# --- outbox --------------------------------------------------------------------------------


def test_enqueue_digest_stores_messages_in_order(store: SqlStore) -> None:
    record = enqueue(store, ["s1", "s2"])
    assert (record.status, record.story_ids, record.created_at) == ("pending", ("s1", "s2"), T0)
    assert [m.seq for m in record.messages] == [0, 1]
    assert [m.payload for m in record.messages] == [
        {"content": "header"},
        {"embeds": [{"title": "s"}]},
    ]
    assert all(
        (m.target_kind, m.target_id, m.sent_at) == ("channel", 10, None) for m in record.messages
    )
    assert store.pending_messages(record.id) == list(record.messages)


def test_enqueue_claims_the_stories_for_the_target(store: SqlStore) -> None:
    enqueue(store, ["s1", "s2"])
    assert store.posted_story_ids("channel", 10) == {"s1", "s2"}
    assert store.posted_story_ids("channel", 11) == set()
    assert store.posted_story_ids("user", 10) == set()


def test_second_claim_of_a_story_is_refused_and_stores_nothing(store: SqlStore) -> None:
    first = enqueue(store, ["s1"])
    with pytest.raises(StorageError):
        enqueue(store, ["s2", "s1"])
    assert store.posted_story_ids("channel", 10) == {"s1"}
    assert {m.digest_id for m in store.pending_messages()} == {first.id}


def test_same_story_may_go_to_different_targets(store: SqlStore) -> None:
    enqueue(store, ["s1"], target_id=10)
    enqueue(store, ["s1"], target_id=11)
    record = enqueue(store, ["s1"], target_kind="user", target_id=10)
    assert record.target_kind == "user"


def test_pending_messages_by_digest_then_seq(store: SqlStore) -> None:
    first = enqueue(store, ["s1"], target_id=10)
    second = enqueue(store, ["s2"], target_id=11)
    pending = [(m.digest_id, m.seq) for m in store.pending_messages()]
    assert pending == [(first.id, 0), (first.id, 1), (second.id, 0), (second.id, 1)]


def test_digest_becomes_sent_with_its_last_message(store: SqlStore) -> None:
    record = enqueue(store, ["s1"])
    header, body = record.messages
    store.mark_message_sent(header.id, remote_id="m-1", now=T0)
    assert store.latest_digest("channel", 10) is None
    assert [m.id for m in store.pending_messages()] == [body.id]
    store.mark_message_sent(body.id, remote_id="m-2", now=T0 + timedelta(seconds=1))
    latest = store.latest_digest("channel", 10)
    assert latest is not None and latest.id == record.id and latest.status == "sent"
    assert [(m.remote_id, m.sent_at) for m in latest.messages] == [
        ("m-1", T0),
        ("m-2", T0 + timedelta(seconds=1)),
    ]
    assert store.pending_messages() == []


def test_digest_messages_lists_sent_and_unsent_in_order(store: SqlStore) -> None:
    record = enqueue(store, ["s1"])
    header, _ = record.messages
    store.mark_message_sent(header.id, remote_id="thread-1", now=T0)
    listed = store.digest_messages(record.id)
    assert [(m.seq, m.remote_id) for m in listed] == [(0, "thread-1"), (1, None)]
    assert store.digest_messages(record.id + 100) == []


def test_delivery_attempts_are_counted(store: SqlStore) -> None:
    message = enqueue(store, ["s1"]).messages[0]
    store.mark_message_attempt(message.id)
    store.mark_message_attempt(message.id)
    assert store.pending_messages()[0].attempts == 2


def test_failed_digest_leaves_the_outbox_and_keeps_its_claims(store: SqlStore) -> None:
    record = enqueue(store, ["s1"])
    store.fail_digest(record.id, "channel deleted")
    assert store.pending_messages() == []
    assert store.latest_digest("channel", 10) is None
    assert store.posted_story_ids("channel", 10) == {"s1"}


def test_latest_digest_is_the_newest_sent_one(store: SqlStore) -> None:
    ids = []
    for n in range(3):
        record = enqueue(store, [f"s{n}"], now=T0 + timedelta(hours=n))
        ids.append(record.id)
        if n < 2:
            for message in record.messages:
                store.mark_message_sent(message.id, remote_id=None, now=T0)
    latest = store.latest_digest("channel", 10)
    assert latest is not None and latest.id == ids[1] and latest.story_ids == ("s1",)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda s: s.mark_message_sent(999, remote_id=None, now=T0), id="sent"),
        pytest.param(lambda s: s.mark_message_attempt(999), id="attempt"),
        pytest.param(lambda s: s.fail_digest(999, "x"), id="fail"),
    ],
)
def test_outbox_mutation_of_unknown_row_raises_not_found(
    store: SqlStore, call: Callable[[SqlStore], Any]
) -> None:
    with pytest.raises(NotFoundError):
        call(store)


# --- subscriptions -------------------------------------------------------------------------


def test_subscribe_once(store: SqlStore) -> None:
    assert store.subscribe(1, 7, "tech") is True
    assert store.subscribe(1, 7, "tech") is False
    assert store.subscriptions(1, 7) == ["tech"]


def test_unsubscribe(store: SqlStore) -> None:
    store.subscribe(1, 7, "tech")
    assert store.unsubscribe(1, 7, "tech") is True
    assert store.unsubscribe(1, 7, "tech") is False
    assert store.subscriptions(1, 7) == []


def test_subscribers_are_scoped_to_community_and_topic(store: SqlStore) -> None:
    for community, user, topic in ((1, 9, "tech"), (1, 7, "tech"), (1, 8, "world"), (2, 6, "tech")):
        store.subscribe(community, user, topic)
    assert store.subscribers(1, "tech") == [7, 9]
    assert store.subscriptions(1, 9) == ["tech"]


# --- filters and topic roles ----------------------------------------------------------------


def test_add_filter_stores_the_rule_with_an_id(store: SqlStore) -> None:
    rule = make_rule("exclude", "regex", "(a+)+$", channel_id=10, feed_url=FEED_A)
    record = store.add_filter(1, rule, now=T0)
    assert record.rule == rule
    assert record.community_id == 1
    assert record.created_at == T0
    assert store.list_filters(1) == [record]


def test_list_filters_by_channel_then_id_and_scoped_to_community(store: SqlStore) -> None:
    first = store.add_filter(1, make_rule("include", "word", "tram", channel_id=11), now=T0)
    second = store.add_filter(1, make_rule("exclude", "word", "bus", channel_id=10), now=T0)
    third = store.add_filter(1, make_rule("exclude", "word", "car", channel_id=11), now=T0)
    store.add_filter(2, make_rule("exclude", "word", "car", channel_id=20), now=T0)
    assert store.list_filters(1) == [second, first, third]
    assert store.list_filters(1, 11) == [first, third]
    assert store.list_filters(1, 99) == []


def test_remove_filter_returns_it_and_forgets_it(store: SqlStore) -> None:
    record = store.add_filter(1, make_rule("exclude", "word", "bus", channel_id=10), now=T0)
    assert store.remove_filter(1, record.id) == record
    assert store.list_filters(1) == []


@pytest.mark.parametrize("community", [1, 2], ids=["unknown-id", "other-community"])
def test_remove_filter_the_community_lacks_raises_not_found(
    store: SqlStore, community: int
) -> None:
    record = store.add_filter(1, make_rule("exclude", "word", "bus", channel_id=10), now=T0)
    with pytest.raises(NotFoundError):
        store.remove_filter(community, record.id + (community == 1))
    assert store.list_filters(1) == [record]


def test_add_filter_refuses_a_rule_without_a_channel_or_a_naive_time(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="channel"):
        store.add_filter(1, FilterRule("exclude", "word", "bus"), now=T0)
    with pytest.raises(ValueError, match="naive"):
        store.add_filter(
            1, make_rule("exclude", "word", "bus", channel_id=1), now=T0.replace(tzinfo=None)
        )


def test_topic_roles_are_set_replaced_and_scoped_to_community(store: SqlStore) -> None:
    store.set_topic_role(1, "Transport", 501)
    store.set_topic_role(1, "Science", 502)
    store.set_topic_role(1, "Transport", 503)
    store.set_topic_role(2, "Transport", 601)
    assert store.topic_roles(1) == {"Science": 502, "Transport": 503}
    assert list(store.topic_roles(1)) == ["Science", "Transport"]
    assert store.topic_roles(3) == {}


def test_remove_topic_role(store: SqlStore) -> None:
    store.set_topic_role(1, "Transport", 501)
    store.remove_topic_role(1, "Transport")
    assert store.topic_roles(1) == {}
    with pytest.raises(NotFoundError):
        store.remove_topic_role(1, "Transport")


# --- migrations and plumbing ---------------------------------------------------------------


def test_migrate_twice_is_a_no_op(store: SqlStore) -> None:
    ensure(store, FeedSource(FEED_A))
    store.migrate()
    with store.engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
    assert revision == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert store.get_feed(FEED_A) is not None


def test_an_entry_sent_unchanged_is_known_by_its_source_hash(store: SqlStore) -> None:
    ensure(store, FeedSource(FEED_A))
    first = upsert(store, draft("e1", source_hash="s1"), now=T0)
    upsert(store, draft("e2"), now=T0)
    assert store.entry_source_hashes(FEED_A) == {"e1": "s1"}
    # Same cleaned content under a new raw form: the hash moves, the article does not.
    again = upsert(store, draft("e1", source_hash="s2"), now=T0)
    assert again == UpsertResult(first.article_id, "unchanged")
    assert store.entry_source_hashes(FEED_A) == {"e1": "s2"}
    assert store.entry_source_hashes(FEED_B) == {}


def test_migration_head_matches_the_models(store: SqlStore) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_migration_template_ships_beside_the_revisions() -> None:
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert (MIGRATIONS_DIR / "versions" / "__init__.py").is_file()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize("url", ["not a url", "mysql://u@h/db"])
def test_unusable_url_raises_storage_error(url: str) -> None:
    with pytest.raises(StorageError):
        SqlStore(url)


def test_sqlite_file_store_creates_its_folder_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "news.db"
    store = SqlStore(f"sqlite:///{path}")
    try:
        store.migrate()
        with store.engine.connect() as conn:
            mode = conn.execute(text("PRAGMA journal_mode")).scalar()
            foreign_keys = conn.execute(text("PRAGMA foreign_keys")).scalar()
    finally:
        store.close()
    assert path.is_file() and mode == "wal" and foreign_keys == 1


def test_database_failure_is_a_storage_error_with_cause(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'unmigrated.db'}")
    try:
        with pytest.raises(StorageError, match="listing feeds") as caught:
            store.list_feeds()
    finally:
        store.close()
    assert isinstance(caught.value.__cause__, SQLAlchemyError)


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("no such table: feeds"), False),
    ],
)
def test_sqlite_lock_conflicts_are_retryable(error: Exception, retryable: bool) -> None:
    assert _is_retryable(OperationalError("SELECT 1", {}, error)) is retryable


@pytest.mark.parametrize(
    ("sqlstate", "retryable"), [("40001", True), ("40P01", True), ("23505", False)]
)
def test_postgres_serialization_failures_are_retryable(sqlstate: str, retryable: bool) -> None:
    class PgError(Exception):
        pass

    error = PgError("conflict")
    error.sqlstate = sqlstate  # type: ignore[attr-defined]
    assert _is_retryable(OperationalError("SELECT 1", {}, error)) is retryable


@pytest.mark.postgres
def test_processes_starting_together_on_a_fresh_database_migrate_once() -> None:
    from tests.digests.store_fixtures import pg_schema, pg_unreachable, pg_url

    url = pg_url()
    if (reason := pg_unreachable(url)) is not None:
        pytest.skip(f"PostgreSQL not reachable at {url}: {reason}")
    with pg_schema(url) as schema:
        stores = [
            # A lock timeout turns a wrong interleaving into an error instead of a hang.
            SqlStore(url, connect_args={"options": f"-csearch_path={schema} -clock_timeout=20s"})
            for _ in range(4)
        ]
        try:
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda s: s.migrate(), stores))
            ensure(stores[0], FeedSource(FEED_A))
            assert [f.url for f in stores[3].list_feeds()] == [FEED_A]
        finally:
            for s in stores:
                s.close()


# --- retention -----------------------------------------------------------------------------

CUTOFF = T0 + timedelta(days=30)
LATER = CUTOFF + timedelta(days=1)


def story_of(store: SqlStore, story_id: str, *entries: str, now: datetime = T0) -> None:
    ids = [add_article(store, e, now=now) for e in entries]
    store.create_story(story_id, ids, topics=[], now=now)


def sent(store: SqlStore, story_ids: list[str], *, target_id: int = 10) -> Any:
    record = enqueue(store, story_ids, target_id=target_id)
    for message in record.messages:
        store.mark_message_sent(message.id, remote_id=None, now=T0)
    return record


def test_prune_deletes_old_stories_with_their_articles_and_keeps_recent_ones(
    store: SqlStore,
) -> None:
    story_of(store, "old", "o1", "o2")
    story_of(store, "new", "n1", now=LATER)
    report = store.prune(before=CUTOFF)
    assert (report.stories, report.articles) == (1, 2)
    assert store.get_story("old") is None
    assert store.get_story("new") is not None
    assert store.count_articles() == 1


def test_prune_keeps_an_old_story_that_grew_recently_whole(store: SqlStore) -> None:
    story_of(store, "s1", "old")
    recent = add_article(store, "recent", now=LATER)
    store.add_to_story("s1", [recent])
    assert store.prune(before=CUTOFF).total == 0
    story = store.get_story("s1")
    assert story is not None and len(story.articles) == 2


def test_prune_deletes_old_articles_in_no_story(store: SqlStore) -> None:
    add_article(store, "loose")
    add_article(store, "fresh", now=LATER)
    assert store.prune(before=CUTOFF).articles == 1
    assert [a.entry_id for a in store.articles_without_story()] == ["fresh"]


@pytest.mark.parametrize("finish", ["pending", "failed"])
def test_prune_keeps_a_story_of_an_unsent_digest(store: SqlStore, finish: str) -> None:
    story_of(store, "held", "h1")
    record = enqueue(store, ["held"])
    if finish == "failed":
        store.fail_digest(record.id, "channel deleted")
    assert store.prune(before=CUTOFF).total == 0
    assert store.get_story("held") is not None
    assert store.posted_story_ids("channel", 10) == {"held"}


def test_prune_deletes_an_old_sent_digest_once_its_stories_are_gone(store: SqlStore) -> None:
    story_of(store, "s1", "a1")
    record = sent(store, ["s1"])
    report = store.prune(before=CUTOFF)
    assert (report.stories, report.digests) == (1, 1)
    assert store.digest_messages(record.id) == []
    assert store.latest_digest("channel", 10) is None
    assert store.posted_story_ids("channel", 10) == set()


def test_prune_keeps_a_sent_digest_whose_story_is_kept(store: SqlStore) -> None:
    # The digest is the story's claim: without it the story could be posted again.
    story_of(store, "s1", "a1")
    store.add_to_story("s1", [add_article(store, "recent", now=LATER)])
    sent(store, ["s1"])
    assert store.prune(before=CUTOFF).digests == 0
    assert store.posted_story_ids("channel", 10) == {"s1"}


def test_prune_deletes_old_briefings_only(store: SqlStore) -> None:
    store.put_briefing("old", briefing("Old"), now=T0)
    store.put_briefing("new", briefing("New"), now=LATER)
    assert store.prune(before=CUTOFF).briefings == 1
    assert store.get_briefing("old") is None
    assert store.get_briefing("new") is not None


def test_prune_of_nothing_deletes_nothing(store: SqlStore) -> None:
    assert store.prune(before=CUTOFF).total == 0


def test_prune_refuses_a_naive_cutoff(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        store.prune(before=CUTOFF.replace(tzinfo=None))
