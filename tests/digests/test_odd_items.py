"""No item, feed or page breaks a digest: odd entries, failing summarizers, a failing store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digests.clock import FixedClock
from digests.config import parse_config
from digests.errors import StorageError, SummaryError
from digests.records import (
    HEADLINE_ONLY_FAILED,
    HEADLINE_ONLY_NO_TEXT,
    Briefing,
    FeedSource,
    SummaryInput,
)
from digests.store import open_store
from digests.store.sql import SqlStore
from digests.summarize.extractive import ExtractiveSummarizer
from digests.summarize.service import BriefingService
from digests.wiring import open_pipeline
from tests.digests._odd_feeds import odd_feed
from tests.servers.feed_server import FeedServer, feed_server

__all__ = ["feed_server"]

T0 = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path):
    return parse_config(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'odd.db'}"},
            "fetch": {"allow_private": ["127.0.0.1"], "full_text": False},
            "summarizer": {"backend": "extractive"},
            # Every odd item of the one feed must show, so the per-feed cap is lifted here.
            "digest": {"max_age_hours": 876000, "retention_days": 30, "max_per_feed": 10},
        },
        tmp_path,
    )


async def digest_of(settings, urls, *, store=None, clock=None):
    clock = clock or FixedClock(T0)
    async with open_pipeline(settings, clock=clock, store=store) as pipeline:
        report = await pipeline.refresh([FeedSource(u) for u in urls])
        digest = await pipeline.compose(feed_urls=urls)
    return report, digest


def by_headline(digest):
    return {item.briefing.headline: item.briefing for item in digest.items}


async def test_title_only_pixel_only_and_description_only_items_make_a_digest(
    settings, feed_server: FeedServer
):
    feed_server.route("/odd.xml").serve(odd_feed(), content_type="application/rss+xml")
    report, digest = await digest_of(settings, [feed_server.url("/odd.xml")])
    assert report.feeds[0].status == "ok"
    briefings = by_headline(digest)
    assert len(digest.items) == 4
    for headline in ("Title only: council meets tonight", "Pixel only: market hall reopens"):
        bare = briefings[headline]
        assert (bare.summary, bare.key_facts, bare.why_it_matters) == ("", (), None)
        assert bare.headline_only == HEADLINE_ONLY_NO_TEXT
    assert "12 million euros" in briefings["Ferry pier opens"].summary
    assert any("Sundays" in b.summary for b in briefings.values())
    assert digest.headline_only_counts() == {HEADLINE_ONLY_NO_TEXT: 2}
    # The headline-only story still links to its article and names its source.
    (council,) = [i for i in digest.items if i.briefing.headline.startswith("Title only")]
    assert council.story.primary.url == "https://odd.example/council"


async def test_an_entry_with_neither_title_nor_text_is_left_out_and_counted(
    settings, feed_server: FeedServer
):
    feed_server.route("/f.xml").serve(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><guid>empty</guid><title>  </title><description> </description></item>"
        b"<item><guid>ok</guid><title>Kept</title></item></channel></rss>"
    )
    report, digest = await digest_of(settings, [feed_server.url("/f.xml")])
    assert report.skipped_entries == 1
    assert [i.briefing.headline for i in digest.items] == ["Kept"]


class _FailingOn:
    """A summarizer that fails on one title, the way a backend fails on one odd text."""

    name = "extractive"

    def __init__(self, title: str, error: Exception) -> None:
        self._title = title
        self._error = error
        self._inner = ExtractiveSummarizer()

    async def summarize(self, item: SummaryInput) -> Briefing:
        if item.title == self._title:
            raise self._error
        return await self._inner.summarize(item)


@pytest.mark.parametrize(
    "error", [SummaryError("model refused"), IndexError("a bug")], ids=["summary", "unexpected"]
)
async def test_a_summarizer_error_on_one_story_costs_that_story_its_summary_only(
    settings, error: Exception
):
    store = open_store(settings.storage.url)
    try:
        service = BriefingService(
            store=store, clock=FixedClock(T0), fallback=_FailingOn("Broken", error)
        )
        text = "The pier opened on Monday. It cost 12 million euros to build."
        broken = await service.brief(SummaryInput(title="Broken", text=text))
        fine = await service.brief(SummaryInput(title="Fine", text=text))
    finally:
        store.close()
    assert (broken.headline, broken.summary, broken.headline_only) == (
        "Broken",
        "",
        HEADLINE_ONLY_FAILED,
    )
    assert fine.summary and fine.headline_only is None


async def test_a_failed_briefing_is_not_cached_so_the_next_run_retries(settings):
    store = open_store(settings.storage.url)
    text = "The pier opened on Monday. It cost 12 million euros to build."
    item = SummaryInput(title="Broken", text=text)
    try:
        failing = _FailingOn("Broken", SummaryError("down"))
        first = BriefingService(store=store, clock=FixedClock(T0), fallback=failing)
        assert (await first.brief(item)).headline_only == HEADLINE_ONLY_FAILED
        healthy = BriefingService(
            store=store, clock=FixedClock(T0), fallback=ExtractiveSummarizer()
        )
        assert (await healthy.brief(item)).summary
    finally:
        store.close()


class _StoreFailingFor(SqlStore):
    """A real store whose calls for one feed fail, as a locked or broken row would."""

    def __init__(self, url: str, bad_feed: str, method: str) -> None:
        super().__init__(url)
        self.bad_feed = bad_feed
        self.method = method

    def entry_source_hashes(self, feed_url: str) -> dict[str, str]:
        if self.method == "entry_source_hashes" and feed_url == self.bad_feed:
            raise StorageError("reading entry hashes failed: database is locked")
        return super().entry_source_hashes(feed_url)

    def upsert_articles(self, drafts, *, now):
        if self.method == "upsert_articles" and any(d.feed_url == self.bad_feed for d in drafts):
            raise StorageError("storing articles failed: value too long")
        return super().upsert_articles(drafts, now=now)


@pytest.mark.parametrize("method", ["entry_source_hashes", "upsert_articles"])
async def test_a_storage_error_on_one_feed_is_that_feeds_recorded_failure(
    settings, feed_server: FeedServer, method: str
):
    feed_server.route("/bad.xml").serve(odd_feed("https://bad.example"))
    feed_server.route("/good.xml").serve(odd_feed())
    bad, good = feed_server.url("/bad.xml"), feed_server.url("/good.xml")
    store = _StoreFailingFor(settings.storage.url, bad, method)
    store.migrate()
    try:
        report, digest = await digest_of(settings, [bad, good], store=store)
        state = store.get_feed(bad)
    finally:
        store.close()
    outcomes = {f.url: f for f in report.feeds}
    assert outcomes[bad].status == "failed" and "storage error" in (outcomes[bad].error or "")
    assert outcomes[good].status == "ok"
    assert state is not None and state.failure_count == 1
    assert len(digest.items) == 4


async def test_article_page_failures_are_counted_by_reason_and_reported(
    tmp_path, feed_server: FeedServer
):
    base = feed_server.url("").rstrip("/")
    items = "".join(
        f"<item><title>Story {n}</title><link>{base}/{path}</link><guid>{n}</guid>"
        "<description>Short teaser… Read more</description></item>"
        for n, path in enumerate(["gone1", "gone2", "broken"])
    )
    feed_server.route("/f.xml").serve(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}'
        "</channel></rss>".encode()
    )
    feed_server.route("/gone1").status(404)
    feed_server.route("/gone2").status(404)
    feed_server.route("/broken").status(500)
    settings = parse_config(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'p.db'}"},
            "fetch": {"allow_private": ["127.0.0.1"], "full_text": True},
            "summarizer": {"backend": "extractive"},
            "digest": {"max_age_hours": 876000},
        },
        tmp_path,
    )
    seen: list[tuple[str, str | None]] = []
    async with open_pipeline(settings, clock=FixedClock(T0)) as pipeline:
        report = await pipeline.refresh(
            [FeedSource(feed_server.url("/f.xml"))],
            page_progress=lambda url, outcome: seen.append((url, outcome)),
        )
    assert report.pages_fetched == 3
    assert report.page_failure_counts() == {
        "HTTP 404 Not Found": 2,
        "HTTP 500 Internal Server Error": 1,
    }
    assert sorted(o for _, o in seen if o is not None) == [
        "HTTP 404 Not Found",
        "HTTP 404 Not Found",
        "HTTP 500 Internal Server Error",
    ]
    assert sum(1 for _, o in seen if o is None) == 3


async def test_a_refresh_prunes_what_is_older_than_retention_days(
    settings, feed_server: FeedServer
):
    url = feed_server.url("/odd.xml")
    feed_server.route("/odd.xml").serve(odd_feed()).only_last()
    store = open_store(settings.storage.url)
    try:
        await digest_of(settings, [url], store=store)
        assert store.count_articles() == 4
        later = FixedClock(T0 + timedelta(days=31))
        feed_server.route("/odd.xml").serve(
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>Odd Items</title>'
            b"</channel></rss>"
        )
        report, digest = await digest_of(settings, [url], store=store, clock=later)
        assert store.count_articles() == 0
    finally:
        store.close()
    assert report.pruned is not None and report.pruned.articles == 4
    assert digest.is_empty


async def test_an_html_page_given_as_a_feed_fails_naming_the_feed_it_links_to(
    settings, feed_server: FeedServer
):
    feed_server.route("/").serve(
        b'<!DOCTYPE html><html><head><link rel="alternate" type="application/atom+xml" '
        b'href="/atom.xml"></head><body><p>Home</p></body></html>',
        content_type="text/html; charset=utf-8",
    )
    report, _ = await digest_of(settings, [feed_server.url("/")])
    (outcome,) = report.feeds
    assert outcome.status == "failed"
    assert outcome.error == (
        "this is an HTML page, not a feed; the page links to its feed at "
        + feed_server.url("/atom.xml")
    )
