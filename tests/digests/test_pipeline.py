"""The refresh pipeline over a real local HTTP server: validators, backoff, updates."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from digests import read_pool, refresh_step
from digests.clock import FixedClock
from digests.config import parse_config
from digests.records import FeedSource
from digests.similarity import article_signature
from digests.store import open_store
from digests.stored_signatures import decode_signature
from digests.wiring import open_pipeline
from tests.servers.feed_server import FeedServer, feed_server

__all__ = ["feed_server"]

T0 = datetime(2026, 11, 30, 12, tzinfo=UTC)


def rss(*items: tuple[str, str, str]) -> bytes:
    body = "".join(
        f"<item><title>{t}</title><guid>{g}</guid><link>https://news.example/{g}</link>"
        f"<description>{d}</description></item>"
        for g, t, d in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>{body}'
        "</channel></rss>"
    ).encode()


LONG = (
    "The harbour authority opened a new ferry pier on Monday after two years of work. "
    "The pier cost 12 million euros and can take ships of up to 180 metres. "
    "Officials expect 300,000 more passengers a year once the summer timetable starts. "
    "Residents had complained about queues at the old pier for a decade. "
) * 2


@pytest.fixture
def settings(tmp_path):
    return parse_config(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'p.db'}"},
            "fetch": {
                "allow_private": ["127.0.0.1"],
                "max_failures": 3,
                "backoff_base_seconds": 60,
                "interval_minutes": 15,
                "full_text": False,
            },
            "summarizer": {"backend": "extractive"},
        },
        tmp_path,
    )


async def refresh(settings, clock, url):
    store = open_store(settings.storage.url)
    try:
        async with open_pipeline(settings, clock=clock, store=store) as pipeline:
            report = await pipeline.refresh([FeedSource(url)])
        return report, store.get_feed(url), store
    finally:
        store.close()


async def test_unchanged_feed_is_asked_conditionally_and_304_changes_nothing(
    settings, feed_server: FeedServer
):
    feed_server.route("/f.xml").serve(rss(("a", "Pier opens", LONG)), etag='"v1"')
    url = feed_server.url("/f.xml")
    clock = FixedClock(T0)
    first, state, _ = await refresh(settings, clock, url)
    assert first.new_articles == 1 and state.validators.etag == '"v1"'
    second, state, _ = await refresh(settings, clock, url)
    assert second.feeds[0].status == "not_modified"
    assert feed_server.requests[-1][2].get("If-None-Match") == '"v1"'
    assert state.next_fetch_at == T0 + timedelta(minutes=15)


async def test_a_failing_feed_backs_off_and_is_disabled_after_max_failures(
    settings, feed_server: FeedServer
):
    feed_server.route("/down.xml").fail(500)
    url = feed_server.url("/down.xml")
    clock = FixedClock(T0)
    report, state, _ = await refresh(settings, clock, url)
    assert report.feeds[0].status == "failed" and "500" in state.last_error
    assert state.failure_count == 1 and state.next_fetch_at == T0 + timedelta(seconds=60)
    await refresh(settings, clock, url)
    _, state, _ = await refresh(settings, clock, url)
    assert state.failure_count == 3
    assert state.disabled_reason and "500" in state.disabled_reason


async def test_retry_after_is_honoured_on_429(settings, feed_server: FeedServer):
    feed_server.route("/busy.xml").fail(429, retry_after=3600)
    url = feed_server.url("/busy.xml")
    _, state, _ = await refresh(settings, FixedClock(T0), url)
    assert state.next_fetch_at == T0 + timedelta(seconds=3600)


async def test_a_retry_after_date_is_read_against_the_pipelines_clock(
    settings, feed_server: FeedServer
):
    # The date lies in the real past: only the pipeline's clock makes it two hours ahead.
    feed_server.route("/later.xml").fail(503, retry_after=T0 + timedelta(hours=2))
    url = feed_server.url("/later.xml")
    _, state, _ = await refresh(settings, FixedClock(T0), url)
    assert state.next_fetch_at == T0 + timedelta(hours=2)


async def test_an_updated_entry_updates_its_article(settings, feed_server: FeedServer):
    route = feed_server.route("/u.xml")
    route.serve(rss(("a", "Pier opens", LONG))).then_serve(
        rss(("a", "Pier opens", LONG + " The mayor cut the ribbon at noon."))
    )
    url = feed_server.url("/u.xml")
    clock = FixedClock(T0)
    await refresh(settings, clock, url)
    report, _, _ = await refresh(settings, clock, url)
    assert report.feeds[0].updated == 1 and report.new_articles == 0
    store = open_store(settings.storage.url)
    try:
        stories = store.stories_since(T0 - timedelta(days=1))
        (article,) = [*store.articles_without_story(), *(a for s in stories for a in s.articles)]
        assert "ribbon" in article.text
    finally:
        store.close()


async def test_the_same_article_under_two_tracking_urls_is_stored_once(
    settings, feed_server: FeedServer
):
    feed = rss(("a?utm_source=x", "Pier opens", LONG), ("a?utm_source=y&fbclid=1", "Pier", LONG))
    feed_server.route("/d.xml").serve(feed)
    report, _, _ = await refresh(settings, FixedClock(T0), feed_server.url("/d.xml"))
    assert report.new_articles == 1 and report.feeds[0].duplicates == 1


async def test_a_malformed_feed_keeps_what_it_can_with_a_warning(settings, feed_server: FeedServer):
    broken = rss(("a", "Pier opens", LONG)).replace(b"</channel></rss>", b"<item><title>&bad")
    feed_server.route("/m.xml").serve(broken)
    report, state, _ = await refresh(settings, FixedClock(T0), feed_server.url("/m.xml"))
    assert report.new_articles >= 1 and report.feeds[0].status == "ok"
    assert state.last_warning


async def test_an_unchanged_teaser_entry_does_not_fetch_its_page_again(
    settings, feed_server: FeedServer
):
    base = feed_server.url("/").rstrip("/")
    teaser = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
        f"<title>Pier opens</title><guid>p1</guid><link>{base}/pier</link>"
        "<description>The new pier opens… Read more</description></item></channel></rss>"
    )
    feed_server.route("/t.xml").serve(teaser.encode())
    page = feed_server.route("/pier").serve(
        f"<html><body><article><p>{LONG}</p></article></body></html>".encode(),
        content_type="text/html",
    )
    full_text = settings.model_copy(
        update={"fetch": settings.fetch.model_copy(update={"full_text": True})}
    )
    clock = FixedClock(T0)
    first, _, _ = await refresh(full_text, clock, feed_server.url("/t.xml"))
    second, _, _ = await refresh(full_text, clock, feed_server.url("/t.xml"))
    assert first.new_articles == 1
    assert second.new_articles == 0 and second.feeds[0].updated == 0
    assert page.hits == 1


async def test_a_new_process_joins_a_report_to_a_story_stored_before(
    settings, feed_server: FeedServer
):
    # Each refresh opens its own pipeline: the story's vectors are read back from the store.
    feed_server.route("/a.xml").serve(rss(("a", "New ferry pier opens", LONG)))
    retold = LONG.replace("Residents had complained", "Locals had grumbled")
    feed_server.route("/b.xml").serve(rss(("b", "Harbour opens its new ferry pier", retold)))
    clock = FixedClock(T0)
    first, _, _ = await refresh(settings, clock, feed_server.url("/a.xml"))
    second, _, _ = await refresh(settings, clock, feed_server.url("/b.xml"))
    assert second.new_articles == 1
    assert (first.new_stories, second.new_stories, second.grown_stories) == (1, 0, 1)


async def test_clustered_articles_keep_their_signature_in_the_store(
    settings, feed_server: FeedServer
):
    feed_server.route("/a.xml").serve(rss(("a", "New ferry pier opens", LONG)))
    _, _, _ = await refresh(settings, FixedClock(T0), feed_server.url("/a.xml"))
    store = open_store(settings.storage.url)
    try:
        (story,) = store.stories_since(T0 - timedelta(days=1))
        (article,) = story.articles
        blob = store.article_signatures([article.id])[article.id]
    finally:
        store.close()
    assert decode_signature(blob, settings.digest.cluster_method) == article_signature(article)


async def test_a_story_that_grows_is_tagged_with_its_new_reports_topics(
    settings, feed_server: FeedServer
):
    tagged = settings.model_copy(
        update={
            "topics": parse_config(
                {
                    "topics": [
                        {"name": "Transport", "keywords": ["ferry"]},
                        {"name": "Complaints", "keywords": ["grumbled"]},
                    ]
                },
                settings.base_dir,
            ).topics
        }
    )
    feed_server.route("/a.xml").serve(rss(("a", "New ferry pier opens", LONG)))
    retold = LONG.replace("Residents had complained", "Locals had grumbled")
    feed_server.route("/b.xml").serve(rss(("b", "Harbour opens its new ferry pier", retold)))
    clock = FixedClock(T0)
    await refresh(tagged, clock, feed_server.url("/a.xml"))
    await refresh(tagged, clock, feed_server.url("/b.xml"))
    store = open_store(settings.storage.url)
    try:
        (story,) = store.stories_since(T0)
    finally:
        store.close()
    assert story.topics == ("Transport", "Complaints")


async def refresh_now_and_an_hour_later(settings, store, urls: list[str]) -> None:
    for later in (timedelta(0), timedelta(hours=1)):
        async with open_pipeline(settings, clock=FixedClock(T0 + later), store=store) as p:
            await p.refresh([FeedSource(u) for u in urls])


async def test_a_refresh_records_every_feeds_fetch(settings, feed_server: FeedServer):
    feed_server.route("/a.xml").serve(rss(("a", "Pier opens", LONG)), etag='"a1"')
    feed_server.route("/b.xml").serve(rss(("b", "Bridge closes", LONG[::-1])), etag='"b1"')
    urls = [feed_server.url("/a.xml"), feed_server.url("/b.xml")]
    store = open_store(settings.storage.url)
    try:
        await refresh_now_and_an_hour_later(settings, store, urls)
        states = [store.get_feed(u) for u in urls]
    finally:
        store.close()
    expected = T0 + timedelta(hours=1)
    assert [(s.validators.etag, s.title, s.last_success_at) for s in states] == [
        ('"a1"', "Local", expected),
        ('"b1"', "Local", expected),
    ]
    assert all(s.next_fetch_at == expected + timedelta(minutes=15) for s in states)


async def test_fetches_recorded_in_batches_during_a_refresh_are_all_kept(
    settings, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
):
    """With a batch of two, five feeds are recorded as two batches written while the others
    are fetched and a last one after: no fetch is recorded twice or lost between them."""
    monkeypatch.setattr(refresh_step, "SUCCESS_BATCH", 2)
    urls = []
    for name in "abcde":
        feed_server.route(f"/{name}.xml").serve(
            rss((name, f"Story {name}", LONG)), etag=f'"{name}1"'
        )
        urls.append(feed_server.url(f"/{name}.xml"))
    store = open_store(settings.storage.url)
    written: list[int] = []
    record = store.record_fetch_successes

    def counted(successes):
        written.append(len(successes))
        record(successes)

    monkeypatch.setattr(store, "record_fetch_successes", counted)
    try:
        await refresh_now_and_an_hour_later(settings, store, urls)
        states = [store.get_feed(u) for u in urls]
    finally:
        store.close()
    # Each refresh: batches of at least two while fetching, then what is left.
    assert sum(written) == 10 and len(written) >= 4
    assert [(s.validators.etag, s.last_success_at) for s in states] == [
        (f'"{name}1"', T0 + timedelta(hours=1)) for name in "abcde"
    ]


async def test_articles_are_placed_from_their_readers_queries_as_from_their_text(
    settings, feed_server: FeedServer, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    retold = LONG.replace("Residents had complained", "Locals had grumbled")
    feed_server.route("/a.xml").serve(rss(("a", "New ferry pier opens", LONG)))
    feed_server.route("/b.xml").serve(rss(("b", "Harbour opens its new ferry pier", retold)))
    other = "A storm closed the mountain pass road for three days, the police said on Sunday. "
    feed_server.route("/c.xml").serve(rss(("c", "Storm closes mountain pass", other * 4)))
    urls = [feed_server.url(f"/{name}.xml") for name in "abc"]

    async def stories(db: str) -> list[tuple[tuple[str, str], ...]]:
        # Read in this process, so that what the reader makes can be left out below.
        local = settings.model_copy(
            update={
                "storage": settings.storage.model_copy(update={"url": f"sqlite:///{db}"}),
                "fetch": settings.fetch.model_copy(update={"read_workers": 0}),
            }
        )
        store = open_store(local.storage.url)
        try:
            async with open_pipeline(local, clock=FixedClock(T0), store=store) as pipeline:
                await pipeline.refresh([FeedSource(u) for u in urls])
            found = store.stories_since(T0 - timedelta(days=1))
            return sorted(tuple(sorted((a.title, a.language) for a in s.articles)) for s in found)
        finally:
            store.close()

    from_queries = await stories(str(tmp_path / "queries.db"))
    made = read_pool._changed

    def without_reader_work(entry, signature):
        changed = made(entry, signature)
        return dataclasses.replace(changed, query=None)

    monkeypatch.setattr(read_pool, "_changed", without_reader_work)
    from_text = await stories(str(tmp_path / "text.db"))
    assert from_queries == from_text
    assert sorted(map(len, from_queries)) == [1, 2]
    assert {language for story in from_queries for _, language in story} == {"en"}
