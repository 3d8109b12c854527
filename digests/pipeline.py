"""The refresh and compose pipeline: feeds -> articles -> stories -> briefings -> digest.

``Pipeline.refresh`` does not care how feed data is fetched or parsed, nor how it is
persisted: it wires the steps (fetch, parse, full text, dedup, store, cluster, tag) that live
in their own modules, records each feed's health, and never lets one broken feed stop the run.
``Pipeline.compose`` turns recent stories into a digest with briefings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from digests.clock import Clock, ensure_utc
from digests.cluster import PackedVector, article_vector, assign_stories
from digests.compose import grouped_digest, select_stories, shortlist, sources_of
from digests.config import Settings
from digests.dedup import content_hash, entry_signature
from digests.discover import read_result
from digests.errors import FeedError, StorageError
from digests.extract import extract_article, is_teaser, text_from_html
from digests.fetch import Fetcher, next_fetch_after_failure, next_fetch_after_success
from digests.parse import UNTITLED
from digests.records import (
    Article,
    ArticleDraft,
    ArticleText,
    Digest,
    DigestItem,
    FeedOutcome,
    FeedSource,
    FeedState,
    ParsedEntry,
    RefreshReport,
    Report,
    Story,
    SummaryInput,
)
from digests.scope import scope_story
from digests.store import FetchSuccess, NewStory, PruneReport, Store, UpsertResult
from digests.summarize.service import BriefingService
from digests.topics import TopicTagger
from digests.urls import canonical_url

log = logging.getLogger(__name__)
# Articles of the clustering window read back per query to vectorise them: bounds the text
# held at once.
VECTOR_BATCH = 500
# How long a feed that worked before may fail before it is disabled.
GIVE_UP_AFTER = timedelta(days=7)

# Called with (feed url, outcome) as each feed finishes; outcome is "ok", "not_modified" or
# an error message. The CLI draws its progress bar from it.
ProgressHook = Callable[[str, str], None]
# Called with (page url, None) when an article page fetch starts and (page url, outcome)
# when it ends, outcome "ok" or the failure's reason: pages are only known as feeds are read.
PageHook = Callable[[str, str | None], None]

# A page failure's message, reduced to a reason that can be counted: "HTTP 404 Not Found"
# stays whole, "timed out after 10s" and "network error: [Errno 111] ..." lose their details.
_REASON_PREFIXES = (
    "timed out",
    "response body over",
    "network error",
    "cannot resolve",
    "refused",
    "too many redirects",
    "invalid URL",
    "invalid redirect",
)


def failure_reason(message: str) -> str:
    """The countable reason of a fetch failure's message (its detail dropped)."""
    for prefix in _REASON_PREFIXES:
        if message.startswith(prefix):
            return prefix
    return message.split(":", 1)[0].strip()[:80] or "failed"


def skip_summary(report: RefreshReport | None, headline_only: Mapping[str, int]) -> list[str]:
    """What a refresh and a digest left out or could not do, and why: one line per kind,
    none when nothing was skipped."""
    lines: list[str] = []
    failures = report.page_failure_counts() if report is not None else {}
    if report is not None and failures:
        lines.append(
            f"{sum(failures.values())} of {report.pages_fetched} article pages could not be "
            f"fetched (the feed's text was used): {_counts(failures)}"
        )
    if report is not None and report.skipped_entries:
        lines.append(
            f"left out {report.skipped_entries} feed entries with neither a title nor any text"
        )
    if headline_only:
        count = sum(headline_only.values())
        noun = "story" if count == 1 else "stories"
        lines.append(f"{count} {noun} shown by headline only: {_counts(headline_only)}")
    return lines


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {reason}" for reason, n in counts.items())


@dataclass(slots=True)
class _FeedTally:
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    skipped: int = 0
    pages: int = 0
    page_failures: list[str] = field(default_factory=list)


class Pipeline:
    """Refreshes feeds into the store and composes digests from it."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store,
        fetcher: Fetcher,
        briefings: BriefingService,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.store = store
        self.fetcher = fetcher
        self.briefings = briefings
        self.clock = clock
        self._tagger = TopicTagger(settings.topics)
        # Packed term vectors of the clustering window, kept between refreshes.
        self._vectors: dict[int, PackedVector] = {}

    # --- refresh -------------------------------------------------------------------------
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
        await asyncio.to_thread(self.store.ensure_feeds, sources)
        by_url = {s.url: s for s in sources}
        if only_due:
            states = await asyncio.to_thread(self.store.due_feeds, self.clock.now())
        else:
            states = [s for s in await asyncio.to_thread(self.store.list_feeds) if s.enabled]
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
            return outcome

        try:
            outcomes = await asyncio.gather(*(one(s) for s in states))
        finally:
            await asyncio.to_thread(self._record_successes, successes)
        new_stories, grown = await asyncio.to_thread(self._cluster)
        pruned = await asyncio.to_thread(self.prune)
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
        try:
            parsed = read_result(result)
        except FeedError as exc:
            return await self._record_failure(state, str(exc), None)

        tally = _FeedTally()
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
        entries: Sequence[ParsedEntry],
        tally: _FeedTally,
        page_progress: PageHook | None,
    ) -> list[UpsertResult]:
        """Draft the entries that changed since the last fetch and store them."""
        # Entries the feed sends exactly as before need no cleaning and no page fetch.
        known = await asyncio.to_thread(self.store.entry_source_hashes, feed_url)
        changed = [
            (entry, signature)
            for entry in entries
            if known.get(entry.entry_id) != (signature := entry_signature(entry))
        ]
        drafts = await asyncio.gather(
            *(self._draft(feed_url, e, sig, tally, page_progress) for e, sig in changed)
        )
        kept = [d for d in drafts if d is not None]
        tally.skipped += len(drafts) - len(kept)
        # One worker-thread hop per feed, not per article: with many feeds the hops and the
        # queueing for the default executor's few threads cost more than the inserts.
        return await asyncio.to_thread(self._store_drafts, kept, self.clock.now())

    def _store_drafts(self, drafts: Sequence[ArticleDraft], now: datetime) -> list[UpsertResult]:
        return self.store.upsert_articles(drafts, now=now)

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
        # Backoff reaches max_failures within hours; a feed that worked before is only given
        # up on once it has also been failing for a week, so a host down for a day comes back.
        disable_after = cfg.max_failures
        if state.last_success_at is not None and now - state.last_success_at < GIVE_UP_AFTER:
            disable_after = max(disable_after, state.failure_count + 2)
        try:
            await asyncio.to_thread(
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
        entry: ParsedEntry,
        signature: str | None = None,
        tally: _FeedTally | None = None,
        page_progress: PageHook | None = None,
    ) -> ArticleDraft | None:
        """Join an entry with its clean full text; fetch the page when the feed has a teaser.
        None for an entry with neither a title nor any text: there is nothing to show."""
        text = ArticleText(text=text_from_html(entry.content_html), origin="feed")
        cfg = self.settings.fetch
        if entry.url and cfg.full_text and is_teaser(text.text, teaser_chars=cfg.teaser_chars):
            page = await self._page_text(entry.url, tally or _FeedTally(), page_progress)
            if page is not None and len(page.text) > len(text.text):
                text = page
        # Both text_from_html and extract_article already strip page junk.
        body = text.text
        # The parser's placeholder is no title: the headline is then made from the text.
        title = "" if entry.title == UNTITLED else entry.title.strip()
        if not body and not title:
            return None
        url = entry.url
        return ArticleDraft(
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
            source_hash=signature,
            categories=entry.categories,
        )

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
            reason = failure_reason(str(exc))
            tally.page_failures.append(reason)
            if page_progress is not None:
                page_progress(url, reason)
            return None
        if page_progress is not None:
            page_progress(url, "ok")
        if page.body is None:
            return None
        # Extraction is CPU work; keep the event loop free for the other fetches.
        return await asyncio.to_thread(extract_article, page.body, url=page.final_url)

    def _cluster(self) -> tuple[int, int]:
        """Group unassigned articles into stories and tag their topics."""
        pending = self.store.articles_without_story()
        if not pending:
            return 0, 0
        now = self.clock.now()
        window = now - timedelta(hours=self.settings.digest.cluster_window_hours)
        # The window as ids only; articles not vectorised yet are read back in batches, so
        # no refresh holds the whole window's text (100,000 articles in a busy deployment).
        recent = self.store.story_outlines_since(window)
        live = {article_id for story in recent for article_id, _ in story.members}
        self._vectors = {i: v for i, v in self._vectors.items() if i in live}
        missing = [i for i in live if i not in self._vectors]
        for start in range(0, len(missing), VECTOR_BATCH):
            for article in self.store.get_articles(missing[start : start + VECTOR_BATCH]):
                self._vectors[article.id] = article_vector(article)
        assignments = assign_stories(
            pending,
            recent,
            threshold=self.settings.digest.cluster_threshold,
            vectors=self._vectors,
        )
        feed_topics = {f.url: f.topics for f in self.store.list_feeds()}
        by_id = {a.id: a for a in pending}
        # A new story holds only pending articles, so its topics are known before it is
        # stored: all new stories go in one transaction.
        new = [
            NewStory(
                a.story_id,
                a.article_ids,
                tuple(
                    self._topics_of([by_id[i] for i in a.article_ids if i in by_id], feed_topics)
                ),
            )
            for a in assignments
            if a.is_new
        ]
        grow = {a.story_id: a.article_ids for a in assignments if not a.is_new}
        created = self._create_stories(new, now)
        grown = self._grow_stories(grow, feed_topics)
        return created, grown

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

    # --- compose -------------------------------------------------------------------------
    async def compose(
        self,
        *,
        feed_urls: Collection[str] | None = None,
        exclude_story_ids: Collection[str] = (),
        max_stories: int | None = None,
        since: datetime | None = None,
    ) -> Digest:
        """Brief the recent stories (scoped to ``feed_urls``) and compose them into a digest."""
        cfg = self.settings.digest
        now = self.clock.now()
        max_age = timedelta(hours=cfg.max_age_hours)
        start = since or (now - max_age)
        limit = max_stories or cfg.max_stories
        topic_order = [t.name for t in self.settings.topics]
        stories, noisy = await asyncio.to_thread(
            self._load_candidates,
            start,
            feed_urls,
            set(exclude_story_ids),
            now=now,
            max_age=max_age,
            limit=limit,
            topic_order=topic_order,
        )
        if feed_urls is not None:
            # A story shared with other guilds' feeds shows only these feeds' topics.
            wanted = set(feed_urls)
            feeds = await asyncio.to_thread(self.store.list_feeds)
            feed_topics = {url: () for url in wanted} | {
                f.url: f.topics for f in feeds if f.url in wanted
            }
            scoped = (scope_story(s, feed_topics, self.settings.topics) for s in stories)
            stories = [s for s in scoped if s is not None]
        # Rank and cap before briefing, so a large backlog costs no summaries it won't show.
        chosen = select_stories(
            stories,
            now=now,
            max_stories=limit,
            max_age=max_age,
            topic_order=topic_order,
            max_per_feed=cfg.max_per_feed,
            noisy_feeds=noisy,
        )
        items = await asyncio.gather(*(self._brief(story) for story in chosen))
        return grouped_digest(items, now=now, topic_order=topic_order)

    def _load_candidates(
        self,
        start: datetime,
        feed_urls: Collection[str] | None,
        excluded: set[str],
        *,
        now: datetime,
        max_age: timedelta,
        limit: int,
        topic_order: Sequence[str],
    ) -> tuple[list[Story], frozenset[str]]:
        """The stories that can make the digest, with their text, and the window's noisy
        feeds; the rest of the window is ranked without loading any text (``shortlist``)."""
        ids, noisy = shortlist(
            self.store.story_ranks_since(start, feed_urls=feed_urls),
            now=now,
            max_age=max_age,
            limit=limit,
            topic_order=topic_order,
            max_per_feed=self.settings.digest.max_per_feed,
            excluded=excluded,
        )
        return self.store.get_stories(ids, feed_urls=feed_urls), noisy

    async def _brief(self, story: Story) -> DigestItem:
        return DigestItem(story, await self.briefings.brief(summary_input(story)))


_LATEST = datetime.max.replace(tzinfo=UTC)


def summary_input(story: Story) -> SummaryInput:
    """What the summarizer sees of a story: its primary report's title and the fullest text."""
    primary = story.primary
    fullest = max(story.articles, key=lambda a: len(a.text))
    return SummaryInput(
        title=primary.title,
        text=fullest.text or primary.text,
        sources=sources_of(story),
        published=story.published,
        reports=reports_of(story),
    )


def reports_of(story: Story) -> tuple[Report, ...]:
    """Each outlet's fullest report of a story, earliest first; empty for a single outlet."""
    ordered = [story.primary, *(a for a in story.articles if a is not story.primary)]
    feeds = list(dict.fromkeys(a.feed_url for a in ordered))
    if len(feeds) < 2:
        return ()
    reports = []
    for feed, source in zip(feeds, sources_of(story), strict=True):
        fullest = max((a for a in ordered if a.feed_url == feed), key=lambda a: len(a.text))
        reports.append(Report(source=source, text=fullest.text, published=fullest.published))
    # Undated reports count as late: what they add is shown after the dated ones.
    return tuple(sorted(reports, key=lambda r: ensure_utc(r.published) or _LATEST))
