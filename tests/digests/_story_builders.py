"""Builders for articles, stories and digest items used by the core step tests."""

from __future__ import annotations

from datetime import UTC, datetime

from digests.records import Article, Briefing, DigestItem, Story

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def make_article(
    article_id: int,
    *,
    feed: str = "https://feeds.example.com/a.xml",
    title: str = "A headline",
    text: str = "",
    url: str | None = None,
    feed_name: str | None = None,
    published: datetime | None = T0,
    entry_id: str | None = None,
    fetched_at: datetime = T0,
    categories: tuple[str, ...] = (),
) -> Article:
    """An article with sensible defaults; only what a test cares about needs saying."""
    return Article(
        id=article_id,
        feed_url=feed,
        feed_name=feed_name,
        entry_id=entry_id or f"entry-{article_id}",
        url=url,
        canonical_url=url,
        title=title,
        author=None,
        published=published,
        fetched_at=fetched_at,
        text=text,
        image_url=None,
        content_hash=f"hash-{article_id}",
        categories=categories,
    )


def make_briefing(headline: str = "Headline", **overrides: object) -> Briefing:
    """A briefing with a summary, two facts and a why-it-matters line."""
    fields: dict[str, object] = {
        "headline": headline,
        "summary": "What happened, in two sentences. And why now.",
        "key_facts": ("First fact.", "Second fact."),
        "why_it_matters": "It affects many readers.",
        "summarizer": "extractive",
    }
    fields.update(overrides)
    return Briefing(**fields)  # type: ignore[arg-type]


def make_item(
    story_id: str,
    *,
    feeds: tuple[str, ...] = ("https://feeds.example.com/a.xml",),
    published: datetime | None = T0,
    created_at: datetime | None = None,
    topics: tuple[str, ...] = (),
    headline: str | None = None,
    fetched_at: datetime = T0,
) -> DigestItem:
    """A digest item whose story has one article per feed, all published at ``published``."""
    articles = tuple(
        make_article(
            index,
            feed=feed,
            url=f"https://news.example.com/{story_id}/{index}",
            published=published,
            title=headline or story_id,
            fetched_at=fetched_at,
        )
        for index, feed in enumerate(feeds, start=1)
    )
    story = Story(id=story_id, articles=articles, topics=topics, created_at=created_at)
    return DigestItem(story=story, briefing=make_briefing(headline or f"Headline {story_id}"))
