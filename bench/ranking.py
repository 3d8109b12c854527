"""What a digest of real, noisy feeds puts on top: which feeds its stories come from, how
many undated or placeholder items it holds, and how many topics group it.

python -m bench.ranking --data ../shared/data [--max-stories 20]

The briefings are headline-only on purpose: this measures ranking and grouping, not
summaries, so any story the feeds hold can be ranked.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from digests.clock import SystemClock
from digests.compose import OTHER_TOPIC, group_by_topic
from digests.config import FeedConfig, default_settings
from digests.fetch import Fetcher
from digests.pipeline import Pipeline
from digests.records import Briefing, Digest, SummaryInput
from digests.store import open_store
from digests.summarize.service import BriefingService

# Sixteen captures of real news and news-like feeds under feeds/real: newspapers with
# categories, undated and test items, an alerts feed, listings, link aggregators.
REAL_NEWS_FEEDS = (
    "rss-parser/guardian.rss",
    "rss-parser/heraldsun.rss",
    "rss-parser/heise.atom",
    "rss-parser/uolNoticias.rss",
    "rss-parser/encoding.rss",
    "rss-parser/rss-1.rss",
    "rss-parser/reddit.rss",
    "rss-parser/customfields.rss",
    "rss-parser/feedburner.atom",
    "rss-parser/craigslist.rss",
    "feedjira/RSSWithComments.xml",
    "feedjira/google_alerts_atom.xml",
    "feedjira/TechCrunch.xml",
    "feedjira/HuffPostCanada.xml",
    "feedjira/TypePadNews.xml",
    "feedjira/json_feed.json",
)


class HeadlineOnly:
    """A summarizer that briefs a story by its title alone and never fails."""

    name = "headline"

    async def summarize(self, item: SummaryInput) -> Briefing:
        return Briefing(
            headline=item.title or "(untitled)",
            summary="",
            key_facts=(),
            why_it_matters=None,
            summarizer="extractive",
        )


@dataclass(frozen=True, slots=True)
class RankingReport:
    """Where a digest's stories come from and how it is grouped."""

    top: tuple[tuple[str, str, bool], ...]  # (feed file, headline, dated) in digest order
    stories: int
    topics: int
    other: int

    @property
    def feeds(self) -> Counter[str]:
        return Counter(feed for feed, _, _ in self.top)


async def real_feeds_digest(
    feeds_dir: Path, *, max_stories: int = 20, sample_topics: bool = False
) -> tuple[Digest, Digest]:
    """A digest of ``REAL_NEWS_FEEDS`` (capped at ``max_stories``) and one of every story they
    hold (no cap at all); with no topics configured (the feeds' categories group them), or
    with ``sample_topics`` the embedded default's."""
    base = default_settings()
    paths = [feeds_dir / name for name in REAL_NEWS_FEEDS]
    with tempfile.TemporaryDirectory() as tmp:
        settings = base.model_copy(
            update={
                "storage": base.storage.model_copy(update={"url": f"sqlite:///{tmp}/rank.db"}),
                "fetch": base.fetch.model_copy(update={"full_text": False}),
                "digest": base.digest.model_copy(update={"max_age_hours": 24 * 365 * 100.0}),
                "feeds": tuple(FeedConfig(url=str(p)) for p in paths),
                "topics": base.topics if sample_topics else (),
            }
        )
        clock = SystemClock()
        store = open_store(settings.storage.url)
        try:
            briefings = BriefingService(store=store, clock=clock, fallback=HeadlineOnly())
            async with Fetcher(settings.fetch) as fetcher:
                pipeline = Pipeline(
                    settings, store=store, fetcher=fetcher, briefings=briefings, clock=clock
                )
                try:
                    await pipeline.refresh()
                finally:
                    pipeline.close()
                top = await pipeline.compose(max_stories=max_stories)
                unlimited = settings.digest.model_copy(update={"max_per_feed": 100_000})
                pipeline.settings = settings.model_copy(update={"digest": unlimited})
                everything = await pipeline.compose(max_stories=100_000)
        finally:
            store.close()
    return top, everything


def report(top: Digest, everything: Digest, feeds_dir: Path) -> RankingReport:
    """The figures of a real-feeds digest pair (see ``real_feeds_digest``)."""

    def feed_name(url: str) -> str:
        path = Path(url)
        return str(path.relative_to(feeds_dir)) if path.is_relative_to(feeds_dir) else url

    groups = group_by_topic(everything)
    return RankingReport(
        top=tuple(
            (
                feed_name(item.story.primary.feed_url),
                item.briefing.headline,
                item.story.published is not None,
            )
            for item in top.items
        ),
        stories=len(everything.items),
        topics=sum(1 for topic, _ in groups if topic != OTHER_TOPIC),
        other=sum(len(members) for topic, members in groups if topic == OTHER_TOPIC),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--max-stories", type=int, default=20)
    parser.add_argument(
        "--sample-topics", action="store_true", help="configure the default config's topics"
    )
    args = parser.parse_args()
    feeds_dir = (args.data / "feeds" / "real").resolve()
    top, everything = asyncio.run(
        real_feeds_digest(feeds_dir, max_stories=args.max_stories, sample_topics=args.sample_topics)
    )
    result = report(top, everything, feeds_dir)
    for n, (feed, headline, dated) in enumerate(result.top, start=1):
        print(f"{n:2} {feed:36} {'' if dated else 'undated '}{headline[:60]}")
    print("top by feed:", dict(result.feeds.most_common()))
    print(
        f"all stories: {result.stories}, topics: {result.topics}, "
        f"Other: {result.other} ({result.other / max(result.stories, 1):.0%})"
    )


if __name__ == "__main__":
    main()
