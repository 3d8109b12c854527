"""Composing a digest: keep fresh stories, rank them, cap the count, group them by topic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from digests.clock import ensure_utc
from digests.records import Article, Digest, DigestItem, Source, Story

OTHER_TOPIC = "Other"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def story_time(story: Story) -> datetime | None:
    """When a story happened, for freshness: its earliest publication, else when it was formed."""
    return ensure_utc(story.published or story.created_at)


def primary_topic(story: Story) -> str:
    """The topic a story is grouped under: its first topic, or ``OTHER_TOPIC`` when untagged."""
    return story.topics[0] if story.topics else OTHER_TOPIC


def host_name(url: str | None) -> str | None:
    """The host of ``url`` without a leading ``www.``, or None when it has none."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


def link_of(article: Article) -> str:
    """The URL readers are sent to: canonical (no tracking parameters, no fragment)."""
    return article.canonical_url or article.url or ""


def primary_url(story: Story) -> str:
    """The URL a story's headline links to: the primary article's, or "" when there is none."""
    return link_of(story.primary) if story.articles else ""


def sources_of(story: Story) -> tuple[Source, ...]:
    """One source per feed of the story, primary article's feed first."""
    if not story.articles:
        return ()
    ordered = [story.primary, *(a for a in story.articles if a is not story.primary)]
    chosen: dict[str, Source] = {}
    for article in ordered:
        current = chosen.get(article.feed_url)
        if current is not None and (current.url or not article.url):
            continue
        name = (
            (article.feed_name or "").strip()
            or host_name(article.url)
            or host_name(article.feed_url)
            or article.feed_url
        )
        chosen[article.feed_url] = Source(name=name, url=link_of(article))
    return tuple(chosen.values())


def is_fresh(story: Story, *, now: datetime, max_age: timedelta) -> bool:
    """Whether a story is young enough for a digest; undated stories are given the benefit."""
    when = story_time(story)
    return when is None or now - when <= max_age


def rank_key(
    story: Story, *, now: datetime, topic_order: Sequence[str]
) -> tuple[int, float, int, str]:
    """Sort key: most sources first, then most recent, then tagged with a configured topic."""
    return rank_key_of(
        story.id,
        feeds=len({a.feed_url for a in story.articles}),
        when=story_time(story),
        topics=story.topics,
        now=now,
        topic_order=topic_order,
    )


def rank_key_of(
    story_id: str,
    *,
    feeds: int,
    when: datetime | None,
    topics: Sequence[str],
    now: datetime,
    topic_order: Sequence[str],
) -> tuple[int, float, int, str]:
    """``rank_key`` from a story's aggregates (feed count, story time), without its articles."""
    # A date in the future is a feed's mistake; it must not pin a story to the top.
    moment = min(when or _EPOCH, now)
    configured = any(topic in topic_order for topic in topics)
    return (-feeds, -moment.timestamp(), 0 if configured else 1, story_id)


def select_stories(
    stories: Sequence[Story],
    *,
    now: datetime,
    max_stories: int,
    max_age: timedelta,
    topic_order: Sequence[str] = (),
) -> list[Story]:
    """The fresh stories worth a digest, best first, capped; older ones stay stored only."""
    if now.tzinfo is None:
        raise ValueError("select_stories needs a timezone-aware 'now'")
    now = now.astimezone(UTC)
    fresh = [story for story in stories if is_fresh(story, now=now, max_age=max_age)]
    ranked = sorted(fresh, key=lambda story: rank_key(story, now=now, topic_order=topic_order))
    return ranked[: max(max_stories, 0)]


def group_order(
    ranked: Sequence[DigestItem], topic_order: Sequence[str]
) -> list[tuple[str, list[DigestItem]]]:
    """Ranked items grouped by primary topic: configured order, then first seen, "Other" last."""
    groups: dict[str, list[DigestItem]] = {}
    for item in ranked:
        groups.setdefault(primary_topic(item.story), []).append(item)
    position = {topic: index for index, topic in enumerate(topic_order)}
    first_seen = {topic: index for index, topic in enumerate(groups)}

    def key(topic: str) -> tuple[int, int]:
        if topic == OTHER_TOPIC and topic not in position:
            return (2, 0)
        if topic in position:
            return (0, position[topic])
        return (1, first_seen[topic])

    return [(topic, groups[topic]) for topic in sorted(groups, key=key)]


def compose_digest(
    items: Sequence[DigestItem],
    *,
    now: datetime,
    max_stories: int,
    max_age: timedelta,
    topic_order: Sequence[str] = (),
) -> Digest:
    """A digest of the freshest, most widely reported stories, capped and grouped by topic."""
    chosen = select_stories(
        [item.story for item in items],
        now=now,
        max_stories=max_stories,
        max_age=max_age,
        topic_order=topic_order,
    )
    by_story = {id(item.story): item for item in items}
    ranked = [by_story[id(story)] for story in chosen]
    grouped = group_order(ranked, topic_order)
    return Digest(
        generated_at=now.astimezone(UTC),
        items=tuple(item for _, members in grouped for item in members),
    )


def group_by_topic(digest: Digest) -> list[tuple[str, list[DigestItem]]]:
    """The digest's items grouped by primary topic, in the order the digest holds them."""
    groups: dict[str, list[DigestItem]] = {}
    for item in digest.items:
        groups.setdefault(primary_topic(item.story), []).append(item)
    return list(groups.items())
