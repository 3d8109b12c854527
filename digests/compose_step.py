"""The compose step: rank the recent stories (loading text only for those that can make the
digest), brief each chosen one and group them into a digest; and what the summarizer is given
of a story. ``ComposeStep`` is one half of ``Pipeline``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from digests.clock import Clock, ensure_utc
from digests.compose import grouped_digest, select_stories, shortlist, sources_of
from digests.config import Settings
from digests.language import other_language
from digests.records import Digest, DigestItem, Report, Story, SummaryInput
from digests.scope import scope_story
from digests.store import Store
from digests.summarize.service import BriefingService


class ComposeStep:
    """Composes digests from the store; mixed into ``Pipeline``, which owns the attributes."""

    settings: Settings
    store: Store
    briefings: BriefingService
    clock: Clock

    async def compose(
        self,
        *,
        feed_urls: Collection[str] | None = None,
        exclude_story_ids: Collection[str] = (),
        max_stories: int | None = None,
        since: datetime | None = None,
        language: str | None = None,
    ) -> Digest:
        """Brief the recent stories (scoped to ``feed_urls``) and compose them into a digest,
        its briefings asked for in ``language`` (None: each in its source's language)."""
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
        items = await asyncio.gather(*(self._brief(story, language) for story in chosen))
        digest = grouped_digest(items, now=now, topic_order=topic_order)
        return replace(digest, language=language)

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

    async def _brief(self, story: Story, language: str | None) -> DigestItem:
        briefing = await self.briefings.brief(summary_input(story, language))
        return DigestItem(story, briefing, other_language=other_language(briefing, language))


_LATEST = datetime.max.replace(tzinfo=UTC)


def summary_input(story: Story, language: str | None = None) -> SummaryInput:
    """What the summarizer sees of a story: its primary report's title and the fullest text,
    and the language the briefing is wanted in (None: the source's own)."""
    primary = story.primary
    fullest = max(story.articles, key=lambda a: len(a.text))
    return SummaryInput(
        title=primary.title,
        text=fullest.text or primary.text,
        sources=sources_of(story),
        published=story.published,
        reports=reports_of(story),
        language=language,
        source_language=(fullest if fullest.text else primary).language,
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
