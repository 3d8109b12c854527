"""The refresh step: fetch each feed, read it, draft and store its changed entries (fetching
the article page of a teaser), then group new articles into stories and tag their topics.

It does not care how feed data is fetched or parsed, nor how it is persisted: the steps live
in their own modules and this wires them, records each feed's health and never lets one
broken feed stop the run. ``RefreshStep`` is one half of ``Pipeline``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from digests.clock import Clock
from digests.cluster import assign_stories
from digests.config import Settings
from digests.dedup import content_hash
from digests.errors import FeedError, StorageError
from digests.feed_text import is_teaser
from digests.fetch import Fetcher
from digests.language import with_languages
from digests.memory import release_free_memory
from digests.parse import entry_headline
from digests.read_pool import ChangedEntry, ReadPool
from digests.records import Article, ArticleDraft, ArticleText, FeedSource, FeedState
from digests.refetch import (
    failures_to_disable,
    next_fetch_after_failure,
    next_fetch_after_success,
)
from digests.refresh_report import FeedOutcome, RefreshReport
from digests.similarity import Embedder
from digests.store import FetchSuccess, NewStory, PruneReport, Store, UpsertResult
from digests.stored_signatures import TEXT_BATCH, StoredSignatures
from digests.topics import TopicTagger
from digests.urls import canonical_url

log = logging.getLogger(__name__)
_T = TypeVar("_T")
# Threads for the refresh's blocking calls: a feed's store calls run while others are fetched.
REFRESH_THREADS = 4
# Successful fetches recorded in one transaction once this many are waiting.
SUCCESS_BATCH = 250
# Called with (feed url, outcome) as each feed finishes; outcome is "ok", "not_modified" or
# an error message. The CLI draws its progress bar from it.
ProgressHook = Callable[[str, str], None]
# Called with (page url, None) when an article page fetch starts and (page url, outcome)
# when it ends, outcome "ok" or the failure's reason: pages are only known as feeds are read.
PageHook = Callable[[str, str | None], None]


@dataclass(slots=True)
class _FeedTally:
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    skipped: int = 0
    pages: int = 0
    page_failures: list[str] = field(default_factory=list)


class RefreshStep:
    """Refreshes feeds into the store; mixed into ``Pipeline``, which owns the attributes."""

    settings: Settings
    store: Store
    fetcher: Fetcher
    clock: Clock
    _tagger: TopicTagger
    _embedder: Embedder | None
    _reader: ReadPool
    _threads: ThreadPoolExecutor | None

    async def _in_thread(self, func: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        """Run a blocking call of the refresh on its own threads (started on first use): a
        thousand feeds' store calls and the clustering would otherwise queue ahead of
        readers' commands on the loop's default executor, which the rest of the process
        shares."""
        if self._threads is None:
            self._threads = ThreadPoolExecutor(REFRESH_THREADS, thread_name_prefix="refresh")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, functools.partial(func, *args, **kwargs))

    async def refresh(
        self,
        feeds: Sequence[FeedSource] | None = None,
        *,
        only_due: bool = False,
        progress: ProgressHook | None = None,
        page_progress: PageHook | None = None,
    ) -> RefreshReport:
        """Fetch feeds (the given ones, else every stored feed; with ``only_due`` only those
        whose next fetch time has come), store new articles, group them into stories and
        prune what is older than ``[digest] retention_days``.
        Per-feed failures, storage errors included, are recorded on the feed, not raised."""
        sources = list(self.settings.feed_sources() if feeds is None else feeds)
        # One worker-thread hop for all feeds: a thousand hops cost more than the writes.
        await self._in_thread(self.store.ensure_feeds, sources)
        by_url = {s.url: s for s in sources}
        if only_due:
            states = await self._in_thread(self.store.due_feeds, self.clock.now())
        else:
            states = [s for s in await self._in_thread(self.store.list_feeds) if s.enabled]
        if feeds is not None:
            # Explicit feeds: exactly those. Otherwise every stored feed (the config's and
            # those guilds added), each fetched once however many guilds use it.
            states = [s for s in states if s.url in by_url]

        # Successful fetches are recorded together once every feed is done: one transaction
        # instead of a thousand when most feeds answer 304.
        successes: list[FetchSuccess] = []

        async def one(state: FeedState) -> FeedOutcome:
            outcome = await self._refresh_feed(state, successes, page_progress)
            if progress is not None:
                progress(state.url, outcome.error or outcome.status)
            if len(successes) >= SUCCESS_BATCH:
                # Written while the other feeds are fetched, so that few are left to write
                # once the last one is done. Emptied, not replaced: the feeds still being
                # fetched append to this list.
                batch = successes[:]
                successes.clear()
                await self._in_thread(self._record_successes, batch)
            return outcome

        try:
            outcomes = await asyncio.gather(*(one(s) for s in states))
        finally:
            await self._in_thread(self._record_successes, successes)
        # Clustering's peak then sits on what the fetches still hold, not on what they freed.
        await self._in_thread(release_free_memory)
        new_stories, grown = await self._in_thread(self._cluster)
        await self._in_thread(release_free_memory)
        pruned = await self._in_thread(self.prune)
        return RefreshReport(
            feeds=tuple(outcomes), new_stories=new_stories, grown_stories=grown, pruned=pruned
        )

    def prune(self) -> PruneReport | None:
        """Delete what is older than ``[digest] retention_days``; None when the store failed
        (logged: pruning is retried after the next refresh)."""
        cutoff = self.clock.now() - timedelta(days=self.settings.digest.retention_days)
        try:
            report = self.store.prune(before=cutoff)
        except StorageError:
            log.exception("could not prune data older than %s", cutoff.isoformat())
            return None
        if report.total:
            log.info("pruned data older than %s: %s", cutoff.isoformat(), report)
        return report

    def _record_successes(self, successes: Sequence[FetchSuccess]) -> None:
        try:
            self.store.record_fetch_successes(successes)
            return
        except StorageError:
            log.exception("could not record %d fetches at once; recording each", len(successes))
        for done in successes:
            try:
                self.store.record_fetch_success(
                    done.url,
                    now=done.now,
                    validators=done.validators,
                    next_fetch_at=done.next_fetch_at,
                    title=done.title,
                    warning=done.warning,
                )
            except StorageError:
                log.exception("could not record the fetch of feed %s", done.url)

    async def _refresh_feed(
        self,
        state: FeedState,
        successes: list[FetchSuccess],
        page_progress: PageHook | None = None,
    ) -> FeedOutcome:
        """Fetch, parse and store one feed; a success is appended to ``successes`` for the
        caller to record, a failure (a storage error on this feed's rows too) is recorded."""
        cfg = self.settings.fetch
        try:
            result = await self.fetcher.fetch(state.url, state.validators, kind="feed")
        except FeedError as exc:
            return await self._record_failure(state, str(exc), getattr(exc, "retry_after", None))
        now = self.clock.now()
        next_at = next_fetch_after_success(
            now, interval=timedelta(minutes=cfg.interval_minutes), max_age=result.max_age
        )
        if result.status == "not_modified" or result.body is None:
            successes.append(FetchSuccess(state.url, now, state.validators, next_at, state.title))
            return FeedOutcome(state.url, "not_modified")
        tally = _FeedTally()
        try:
            # Only the store's ids and signatures go to the reader: it cleans only the
            # entries that changed since the last fetch.
            known = await self._in_thread(self.store.entry_source_hashes, state.url)
        except StorageError as exc:
            return await self._record_failure(state, f"storage error: {exc}", None, tally)
        parsed = await self._reader.read(result.body, result.final_url, result.content_type, known)
        if parsed.error is not None:
            return await self._record_failure(state, parsed.error, None)
        try:
            results = await self._store_entries(state.url, parsed.entries, tally, page_progress)
        except StorageError as exc:
            return await self._record_failure(state, f"storage error: {exc}", None, tally)
        for res in results:
            if res.status == "new":
                tally.new += 1
            elif res.status == "updated":
                tally.updated += 1
            elif res.status == "duplicate":
                tally.duplicates += 1
        successes.append(
            FetchSuccess(
                state.url,
                self.clock.now(),
                result.validators,
                next_at,
                parsed.title,
                parsed.warning,
            )
        )
        if parsed.warning:
            log.warning(
                "feed %s is malformed, read what was possible: %s", state.url, parsed.warning
            )
        return FeedOutcome(
            state.url,
            "ok",
            new=tally.new,
            updated=tally.updated,
            duplicates=tally.duplicates,
            warning=parsed.warning,
            skipped=tally.skipped,
            page_failures=tuple(tally.page_failures),
            pages=tally.pages,
        )

    async def _store_entries(
        self,
        feed_url: str,
        changed: Sequence[ChangedEntry],
        tally: _FeedTally,
        page_progress: PageHook | None,
    ) -> list[UpsertResult]:
        """Draft the entries that changed since the last fetch and store them."""
        drafts = await asyncio.gather(
            *(self._draft(feed_url, c, tally, page_progress) for c in changed)
        )
        kept = [d for d in drafts if d is not None]
        tally.skipped += len(drafts) - len(kept)
        # One worker-thread hop per feed, not per article: with many feeds the hops and the
        # queueing for the default executor's few threads cost more than the inserts.
        return await self._in_thread(self._store_drafts, kept, self.clock.now())

    def _store_drafts(
        self, drafts: Sequence[tuple[ArticleDraft, bool]], now: datetime
    ) -> list[UpsertResult]:
        """Store drafts, detecting the language of those (flagged) whose reader did not."""
        # Off the event loop already: detection is CPU work, and its model loads on first use.
        detect = [d for d, known in drafts if not known]
        detected = iter(with_languages(detect))
        ready = [d if known else next(detected) for d, known in drafts]
        return self.store.upsert_articles(ready, now=now)

    async def _record_failure(
        self,
        state: FeedState,
        error: str,
        retry_after: float | None,
        tally: _FeedTally | None = None,
    ) -> FeedOutcome:
        cfg = self.settings.fetch
        now = self.clock.now()
        next_at = next_fetch_after_failure(
            now,
            failures=state.failure_count + 1,
            base=cfg.backoff_base_seconds,
            cap=cfg.backoff_max_seconds,
            retry_after=retry_after,
        )
        log.warning("feed %s failed: %s", state.url, error)
        disable_after = failures_to_disable(
            now,
            failure_count=state.failure_count,
            last_success_at=state.last_success_at,
            max_failures=cfg.max_failures,
        )
        try:
            await self._in_thread(
                self.store.record_fetch_failure,
                state.url,
                now=now,
                error=error,
                next_fetch_at=next_at,
                disable_after=disable_after,
            )
        except StorageError:
            # The store failing is this feed's failure too; the run goes on with the others.
            log.exception("could not record the failure of feed %s", state.url)
        pages = tally or _FeedTally()
        return FeedOutcome(
            state.url,
            "failed",
            error=error,
            page_failures=tuple(pages.page_failures),
            pages=pages.pages,
        )

    async def _draft(
        self,
        feed_url: str,
        changed: ChangedEntry,
        tally: _FeedTally,
        page_progress: PageHook | None = None,
    ) -> tuple[ArticleDraft, bool] | None:
        """Join an entry with its clean full text; fetch the page when the feed has a teaser.
        Also says whether the draft's language is known (the reader detects it, and makes
        the clustering query, from the feed's text; a page's text needs both made again).
        None for an entry with neither a title nor any text: there is nothing to show."""
        entry = changed.entry
        text = ArticleText(text=changed.text, origin="feed")
        cfg = self.settings.fetch
        if entry.url and cfg.full_text and is_teaser(text.text, teaser_chars=cfg.teaser_chars):
            page = await self._page_text(entry.url, tally, page_progress)
            if page is not None and len(page.text) > len(text.text):
                text = page
        # Both text_from_html and extract_article already strip page junk.
        body = text.text
        # The parser's placeholder is no title: the headline is then made from the text.
        title = entry_headline(entry)
        if not body and not title:
            return None
        url = entry.url
        # What the reader made from the feed's text holds while that is the draft's text.
        as_read = text.origin == "feed"
        draft = ArticleDraft(
            feed_url=feed_url,
            entry_id=entry.entry_id,
            url=url,
            canonical_url=canonical_url(url) if url else None,
            title=title or (text.title or ""),
            author=entry.author or text.author,
            published=entry.published or entry.updated or text.published,
            text=body,
            image_url=entry.image_url or text.image_url,
            content_hash=content_hash(entry.title, body),
            source_hash=changed.signature,
            categories=entry.categories,
            # A page's own declaration first, for the page's text; else the feed's.
            declared_language=text.language or entry.language,
            language=changed.language if as_read else "und",
            signature=changed.query if as_read else None,
        )
        return draft, as_read

    async def _page_text(
        self, url: str, tally: _FeedTally, page_progress: PageHook | None
    ) -> ArticleText | None:
        tally.pages += 1
        if page_progress is not None:
            page_progress(url, None)
        try:
            page = await self.fetcher.fetch(url, kind="page")
        except FeedError as exc:
            log.info("article page %s not fetched: %s", url, exc)
            reason = exc.reason
            tally.page_failures.append(reason)
            if page_progress is not None:
                page_progress(url, reason)
            return None
        if page_progress is not None:
            page_progress(url, "ok")
        if page.body is None:
            return None
        # Extraction is CPU work; keep the event loop free for the other fetches.
        return await self._reader.extract(page.body, page.final_url)

    def _cluster(self) -> tuple[int, int]:
        """Group unassigned articles into stories and tag their topics."""
        # New articles' texts are read in batches as they are placed and tagged.
        pending = self.store.articles_without_story(with_text=False)
        if not pending:
            return 0, 0
        now = self.clock.now()
        window = now - timedelta(hours=self.settings.digest.cluster_window_hours)
        # The window as ids only: its signatures are read from the store in batches (made
        # from the text once, for articles stored without one), so no refresh holds the
        # whole window (100,000 articles in a busy deployment).
        recent = self.store.story_outlines_since(window)
        method = self.settings.digest.cluster_method
        if method == "embedding" and self._embedder is None:
            from digests.embeddings import load_embedder

            self._embedder = load_embedder()
        # Receives the new articles' signatures and stores them as they come.
        stored = StoredSignatures(self.store, method, self._embedder)
        assignments = assign_stories(
            pending,
            recent,
            threshold=self.settings.digest.cluster_threshold,
            vectors=stored,
            method=method,
            embedder=self._embedder,
            load=stored,
            read=self.store.get_articles,
            queries=stored.queries,
            load_vectors=stored.vectors,
        )
        stored.flush()
        feed_topics = {f.url: f.topics for f in self.store.list_feeds()}
        # A new story holds only pending articles, so its topics are known before it is
        # stored: all new stories go in one transaction.
        fresh = [a for a in assignments if a.is_new]
        topics = self._article_topics([i for a in fresh for i in a.article_ids], feed_topics)
        new = [
            NewStory(
                a.story_id,
                a.article_ids,
                tuple(dict.fromkeys(t for i in a.article_ids for t in topics.get(i, ()))),
            )
            for a in fresh
        ]
        grow = {a.story_id: a.article_ids for a in assignments if not a.is_new}
        created = self._create_stories(new, now)
        grown = self._grow_stories(grow, feed_topics)
        return created, grown

    def _article_topics(
        self, article_ids: Sequence[int], feed_topics: dict[str, tuple[str, ...]]
    ) -> dict[int, list[str]]:
        """Each article's topics, its text read ``TEXT_BATCH`` articles at a time."""
        topics: dict[int, list[str]] = {}
        for start in range(0, len(article_ids), TEXT_BATCH):
            for article in self.store.get_articles(article_ids[start : start + TEXT_BATCH]):
                topics[article.id] = self._topics_of([article], feed_topics)
        return topics

    def _create_stories(self, stories: Sequence[NewStory], now: datetime) -> int:
        try:
            self.store.create_stories(stories, now=now)
            return len(stories)
        except StorageError:
            log.exception("could not store %d new stories at once; storing each", len(stories))
        created = 0
        for story in stories:
            try:
                self.store.create_story(story.id, story.article_ids, topics=story.topics, now=now)
                created += 1
            except StorageError:
                log.exception("could not store story %s", story.id)
        return created

    def _grow_stories(
        self, additions: dict[str, tuple[int, ...]], feed_topics: dict[str, tuple[str, ...]]
    ) -> int:
        try:
            stories = self.store.add_to_stories(additions)
        except StorageError:
            log.exception("could not grow %d stories at once; growing each", len(additions))
            stories = []
            for story_id, article_ids in additions.items():
                try:
                    stories.append(self.store.add_to_story(story_id, article_ids))
                except StorageError:
                    log.exception("could not store story %s", story_id)
        self.store.set_stories_topics(
            {story.id: self._topics_of(story.articles, feed_topics) for story in stories}
        )
        return len(stories)

    def _topics_of(
        self, articles: Sequence[Article], feed_topics: dict[str, tuple[str, ...]]
    ) -> list[str]:
        topics: list[str] = []
        for article in articles:
            for topic in self._tagger.tag(
                article.title,
                article.text,
                feed_topics=feed_topics.get(article.feed_url, ()),
                categories=article.categories,
            ):
                if topic not in topics:
                    topics.append(topic)
        return topics
