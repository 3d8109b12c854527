"""Composing a digest: keep fresh stories, rank them, cap the count, group them by topic."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from digests.clock import ensure_utc
from digests.records import Article, Digest, DigestItem, Source, Story
from digests.store import StoryRank
from digests.topics import category_topic, choose_groups

OTHER_TOPIC = "Other"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
T = TypeVar("T")

# Words a placeholder title is made of ("The First Item", "Test entry 2", "Title 5") ...
_FILLER_WORDS = frozenset(
    "a an the my our this new another first second third fourth fifth last one two three "
    "no number of with post posts article story hello world".split()
)
# ... of which at least one must say "placeholder": "A New World" is a real headline.
_PLACEHOLDER_WORDS = frozenset(
    "test tests testing item items entry entries title titles example examples sample "
    "samples dummy placeholder untitled lorem ipsum dolor foo bar baz qux".split()
)
_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")
# How many of a feed's latest titles are compared, and how alike two must be (share of
# words in common, numbers masked) to count as one template filled in twice.
TEMPLATE_SAMPLE = 40
TEMPLATE_SIMILARITY = 0.6
# A feed is noise when this share of its sampled items are templated or placeholders.
NOISY_SHARE = 0.3
NOISY_MIN_ITEMS = 5


def first_seen(story: Story) -> datetime | None:
    """When the store first saw a story: its earliest stored article, or when it was formed."""
    seen = [a.fetched_at for a in story.articles]
    if story.created_at is not None:
        seen.append(story.created_at)
    return ensure_utc(min(seen)) if seen else None


def story_time(story: Story) -> datetime | None:
    """When a story happened, for freshness: its earliest publication, else when first seen."""
    return ensure_utc(story.published) or first_seen(story)


def looks_like_test_title(title: str) -> bool:
    """Whether a headline is a placeholder rather than news: no words at all, or only
    filler words and numbers with at least one placeholder word ("Item 3", "Test entry")."""
    words = _WORD.findall(title.casefold())
    if not words:
        return True

    def placeholder(word: str) -> bool:
        return word in _PLACEHOLDER_WORDS or (len(word) >= 3 and len(set(word)) == 1)

    return any(placeholder(w) for w in words) and all(
        placeholder(w) or w in _FILLER_WORDS or w.isdigit() for w in words
    )


def _template_words(title: str) -> frozenset[str]:
    return frozenset(_WORD.findall(_DIGITS.sub("0", title.casefold())))


def find_noisy_feeds(leads: Iterable[tuple[str, str, datetime, str]]) -> frozenset[str]:
    """The feeds whose stories are mostly noise, from each story's (lead feed, lead title,
    time, id): many titles that are one template filled in with different words or
    numbers (automated alerts, listings) or placeholder titles (test feeds)."""
    by_feed: dict[str, list[tuple[float, str, str]]] = {}
    counts: dict[str, int] = {}
    for feed, title, when, story_id in leads:
        counts[feed] = counts.get(feed, 0) + 1
        found = by_feed.setdefault(feed, [])
        found.append((-when.timestamp(), story_id, title))
        if len(found) >= 2 * TEMPLATE_SAMPLE:
            # Only the latest count, so a busy feed's window is never held whole.
            found.sort()
            del found[TEMPLATE_SAMPLE:]
    noisy: set[str] = set()
    for feed, found in by_feed.items():
        if counts[feed] < NOISY_MIN_ITEMS:
            continue
        # The latest first, the same sample whichever order the stories came in.
        latest = sorted(found)[:TEMPLATE_SAMPLE]
        titles = [title for _, _, title in latest]
        words = [_template_words(t) for t in titles]
        flagged = {i for i, t in enumerate(titles) if looks_like_test_title(t)}
        for i in range(len(words)):
            for j in range(i + 1, len(words)):
                union = len(words[i] | words[j])
                if union and len(words[i] & words[j]) / union >= TEMPLATE_SIMILARITY:
                    flagged.update((i, j))
        if len(flagged) >= NOISY_SHARE * len(titles):
            noisy.add(feed)
    return frozenset(noisy)


def categories_of(story: Story) -> list[str]:
    """The feed categories of a story's articles as topic names, each once."""
    names = (category_topic(c) for a in story.articles for c in a.categories)
    return list(dict.fromkeys(n for n in names if n is not None))


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
    """Whether a story is young enough for a digest; an undated one counts from when it was
    first seen."""
    when = story_time(story)
    return when is None or now - when <= max_age


RankKey = tuple[int, int, float, int, str]


def rank_key(
    story: Story,
    *,
    now: datetime,
    topic_order: Sequence[str],
    noisy_feeds: Collection[str] = frozenset(),
) -> RankKey:
    """Sort key: most sources first; then dated before undated, each before noise; then most
    recent (an undated story by when it was first seen); then tagged with a configured topic."""
    lead = story.primary if story.articles else None
    return rank_key_of(
        story.id,
        feeds=len({a.feed_url for a in story.articles}),
        published=ensure_utc(story.published),
        first_seen=first_seen(story),
        topics=story.topics,
        lead_feed=lead.feed_url if lead else "",
        lead_title=lead.title if lead else "",
        now=now,
        topic_order=topic_order,
        noisy_feeds=noisy_feeds,
    )


def rank_key_of(
    story_id: str,
    *,
    feeds: int,
    published: datetime | None,
    first_seen: datetime | None,
    topics: Sequence[str],
    lead_feed: str,
    lead_title: str,
    now: datetime,
    topic_order: Sequence[str],
    noisy_feeds: Collection[str] = frozenset(),
) -> RankKey:
    """``rank_key`` from a story's aggregates (feed count, dates, primary article), without
    its articles: what the store computes for a whole window."""
    # A date in the future is a feed's mistake; it must not pin a story to the top.
    moment = min(published or first_seen or _EPOCH, now)
    # First seen is only when the store met an item, not when it happened: the whole
    # backlog of a feed's first fetch is "seen" at once. So undated stories follow dated ones.
    undated = 1 if published is None else 0
    noisy = 2 if lead_feed in noisy_feeds or looks_like_test_title(lead_title) else 0
    configured = any(topic in topic_order for topic in topics)
    return (-feeds, noisy + undated, -moment.timestamp(), 0 if configured else 1, story_id)


def capped(
    ranked: Iterable[T], *, feed_of: Callable[[T], str], limit: int, max_per_feed: int | None
) -> list[T]:
    """The first ``limit`` of ``ranked``, with at most ``max_per_feed`` from one feed."""
    chosen: list[T] = []
    per_feed: Counter[str] = Counter()
    for thing in ranked:
        if len(chosen) >= limit:
            break
        feed = feed_of(thing)
        if max_per_feed is not None and per_feed[feed] >= max_per_feed:
            continue
        per_feed[feed] += 1
        chosen.append(thing)
    return chosen


def lead_feed(story: Story) -> str:
    """The feed a story counts against for ``max_per_feed``: its primary article's."""
    return story.primary.feed_url if story.articles else ""


def select_stories(
    stories: Sequence[Story],
    *,
    now: datetime,
    max_stories: int,
    max_age: timedelta,
    topic_order: Sequence[str] = (),
    max_per_feed: int | None = None,
    noisy_feeds: Collection[str] | None = None,
) -> list[Story]:
    """The fresh stories worth a digest, best first, capped in all and per feed; older ones
    stay stored only. ``noisy_feeds`` defaults to those these stories make look noisy."""
    if now.tzinfo is None:
        raise ValueError("select_stories needs a timezone-aware 'now'")
    now = now.astimezone(UTC)
    fresh = [story for story in stories if is_fresh(story, now=now, max_age=max_age)]
    if noisy_feeds is None:
        noisy_feeds = find_noisy_feeds(
            (lead_feed(s), s.primary.title, story_time(s) or _EPOCH, s.id)
            for s in fresh
            if s.articles
        )
    ranked = sorted(
        fresh,
        key=lambda story: rank_key(
            story, now=now, topic_order=topic_order, noisy_feeds=noisy_feeds
        ),
    )
    return capped(ranked, feed_of=lead_feed, limit=max(max_stories, 0), max_per_feed=max_per_feed)


def shortlist(
    ranks: Iterable[StoryRank],
    *,
    now: datetime,
    max_age: timedelta,
    limit: int,
    topic_order: Sequence[str],
    max_per_feed: int | None,
    excluded: Collection[str] = frozenset(),
) -> tuple[list[str], frozenset[str]]:
    """From a window's aggregates: the ids of the stories that can make the digest (best
    first, to be loaded and ranked again by ``select_stories``) and the window's noisy feeds.

    Scoping may only drop topics, which rank last: so every story tied on the rest with the
    last one kept (in all, or of its feed) is kept too, and the final ranking is exact.
    """
    now = now.astimezone(UTC)
    window: list[tuple[StoryRank, datetime | None, datetime | None]] = []
    for rank in ranks:
        seen = ensure_utc(min(t for t in (rank.first_seen, rank.created_at) if t is not None))
        when = ensure_utc(rank.published) or seen
        if when is None or now - when <= max_age:
            window.append((rank, seen, when))
    fresh = [(rank, seen) for rank, seen, _ in window if rank.id not in excluded]
    if limit <= 0 or not fresh:
        return [], frozenset()
    # Stories already posted still say what their feed is like.
    noisy = find_noisy_feeds((r.lead_feed, r.lead_title, w or _EPOCH, r.id) for r, _, w in window)
    del window
    keys = {
        r.id: rank_key_of(
            r.id,
            feeds=r.feeds,
            published=ensure_utc(r.published),
            first_seen=seen,
            topics=r.topics,
            lead_feed=r.lead_feed,
            lead_title=r.lead_title,
            now=now,
            topic_order=topic_order,
            noisy_feeds=noisy,
        )
        for r, seen in fresh
    }
    feed_of = {r.id: r.lead_feed for r, _ in fresh}
    ranked = sorted(keys, key=keys.__getitem__)
    kept = capped(ranked, feed_of=feed_of.__getitem__, limit=limit, max_per_feed=max_per_feed)
    # Short of the limit, every feed is at its cap or the window is short: only ties with
    # a feed's last kept story could still get in.
    edge = keys[(kept if len(kept) >= limit else ranked)[-1]][:3]
    last_of_feed: dict[str, tuple[int, int, float]] = {}
    for story_id in kept:
        last_of_feed[feed_of[story_id]] = keys[story_id][:3]
    kept_set = set(kept)
    result = [
        i
        for i in ranked
        if keys[i][:3] <= edge
        and (i in kept_set or keys[i][:3] == last_of_feed.get(feed_of[i], keys[i][:3]))
    ]
    return result, noisy


def group_order(
    ranked: Sequence[DigestItem], topic_order: Sequence[str]
) -> list[tuple[str, list[DigestItem]]]:
    """Ranked items grouped by topic: with topics configured, a tagged story by its primary
    topic, in configured order; the others (all of them when none is configured) by the
    topics or feed categories most of them share; then first seen, "Other" last."""
    names: list[str | None] = [
        primary_topic(item.story) if topic_order and item.story.topics else None for item in ranked
    ]
    loose = [i for i, name in enumerate(names) if name is None]
    shared = choose_groups(
        [ranked[i].story.topics or categories_of(ranked[i].story) for i in loose]
    )
    for index, name in zip(loose, shared, strict=True):
        names[index] = name
    groups: dict[str, list[DigestItem]] = {}
    for item, name in zip(ranked, names, strict=True):
        group = name or OTHER_TOPIC
        groups.setdefault(group, []).append(replace(item, topic=group))
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
    max_per_feed: int | None = None,
    noisy_feeds: Collection[str] | None = None,
) -> Digest:
    """A digest of the freshest, most widely reported stories, capped and grouped by topic."""
    chosen = select_stories(
        [item.story for item in items],
        now=now,
        max_stories=max_stories,
        max_age=max_age,
        topic_order=topic_order,
        max_per_feed=max_per_feed,
        noisy_feeds=noisy_feeds,
    )
    by_story = {id(item.story): item for item in items}
    return grouped_digest(
        [by_story[id(story)] for story in chosen], now=now, topic_order=topic_order
    )


def grouped_digest(
    ranked: Sequence[DigestItem], *, now: datetime, topic_order: Sequence[str] = ()
) -> Digest:
    """A digest of items already chosen and ranked (``select_stories``), grouped by topic."""
    grouped = group_order(ranked, topic_order)
    return Digest(
        generated_at=now.astimezone(UTC),
        items=tuple(item for _, members in grouped for item in members),
    )


def group_by_topic(digest: Digest) -> list[tuple[str, list[DigestItem]]]:
    """The digest's items grouped by primary topic, in the order the digest holds them."""
    groups: dict[str, list[DigestItem]] = {}
    for item in digest.items:
        groups.setdefault(item.topic or primary_topic(item.story), []).append(item)
    return list(groups.items())
