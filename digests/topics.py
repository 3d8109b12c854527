"""Topic tagging: a story's topics from its feed's defaults, the configured keywords and the
categories the feed gave its entries; and the few topics a digest is grouped under."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from digests.config import TopicConfig
from digests.text import fold

# Longer than a configured topic name may be: a sentence, not a category.
MAX_CATEGORY_CHARS = 50
# Categories kept per article: a feed that tags an item twenty ways says little with each.
MAX_CATEGORIES = 12
# Groups a digest shows at most (one per ten stories in a longer one); the rest of its
# stories go under "Other".
MAX_GROUPS = 8

_SEPARATORS = re.compile(r"[\s_\-–—/|:;,.]+")
_NON_WORD = re.compile(r"[^\w ]+")


@lru_cache(maxsize=1024)
def keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex matching any of ``keywords`` as a whole word or phrase, ignoring case."""
    alternatives = [
        r"\s+".join(re.escape(word) for word in keyword.split())
        for keyword in keywords
        if keyword.strip()
    ]
    if not alternatives:
        return None
    # Lookarounds instead of \b so keywords that start or end with a symbol ("C++") still work.
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=4096)
def topic_key(name: str) -> str:
    """What makes two topic spellings the same topic: case, accents, punctuation, "&" for
    "and" and a plural last word do not count ("US-News", "us news", "Sports", "sport")."""
    plain = fold(name.replace("&", " and ").casefold())
    words = _NON_WORD.sub("", _SEPARATORS.sub(" ", plain)).split()
    if words and len(words[-1]) > 3 and words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]
    return " ".join(words)


def category_topic(category: str) -> str | None:
    """A feed category as a topic name, or None when it cannot be one (a URL, a sentence, no
    letters); a directory path such as "Business/Industries/Publishing/" is its first part."""
    name = " ".join(category.split())
    if " " not in name:
        # A slug ("adwords_api") reads as words.
        name = name.replace("_", " ")
    if "://" in name:
        return None
    parts = [p.strip() for p in name.split("/") if p.strip()]
    if len(parts) >= 3 or (parts and name.endswith("/")):
        name = parts[0]
    if not name or len(name) > MAX_CATEGORY_CHARS or not any(ch.isalpha() for ch in name):
        return None
    return name if topic_key(name) else None


class TopicTagger:
    """Tags texts with a fixed topic configuration, its keyword patterns compiled once.

    With topics configured, a topic matches by keyword in the text, or when one of the
    entry's categories is the topic's name or contains one of its keywords. With none
    configured, the entry's own categories are its topics.
    """

    def __init__(self, topics: Sequence[TopicConfig]) -> None:
        # (name as tagged, its key, its keyword pattern or None).
        self._topics = [
            (topic.name.strip(), topic_key(topic.name), keyword_pattern(tuple(topic.keywords)))
            for topic in topics
            if topic.name.strip()
        ]

    def tag(
        self,
        title: str,
        text: str,
        *,
        feed_topics: Sequence[str],
        categories: Sequence[str] = (),
    ) -> tuple[str, ...]:
        """The feed's default topics, then every topic whose keyword occurs (or, with no
        topics configured, the entry's categories), deduplicated."""
        tagged: list[str] = []
        seen: set[str] = set()

        def add(name: str) -> None:
            key = topic_key(name)
            if key and key not in seen:
                seen.add(key)
                tagged.append(name.strip())

        for name in feed_topics:
            add(name)
        names = [n for n in (category_topic(c) for c in categories) if n is not None]
        if not self._topics:
            for name in names[:MAX_CATEGORIES]:
                add(name)
            return tuple(tagged)
        haystack: str | None = None
        category_keys = {topic_key(n) for n in names}
        for name, key, pattern in self._topics:
            if key in seen:
                continue
            if haystack is None:
                haystack = f"{title}\n{text}"
            if (
                key in category_keys
                or (pattern is not None and pattern.search(haystack))
                or (pattern is not None and any(pattern.search(n) for n in names))
            ):
                add(name)
        return tuple(tagged)


def tag_topics(
    title: str,
    text: str,
    *,
    feed_topics: Sequence[str],
    topics: Sequence[TopicConfig],
    categories: Sequence[str] = (),
) -> tuple[str, ...]:
    """The feed's default topics, then every configured topic whose keyword occurs (or the
    entry's categories when none is configured), deduplicated."""
    return TopicTagger(topics).tag(title, text, feed_topics=feed_topics, categories=categories)


def choose_groups(
    topics_by_story: Sequence[Sequence[str]], *, max_groups: int | None = None
) -> list[str | None]:
    """The group of each story (given in rank order by its topics): the topics shared by the
    most stories are chosen one after another, each story going to the first chosen that it
    carries; a story left with no topic shared by another gets None.

    Spellings of one topic are one group, named by its most common spelling.
    """
    keys = [
        list(dict.fromkeys(k for k in map(topic_key, topics) if k)) for topics in topics_by_story
    ]
    spellings: dict[str, Counter[str]] = {}
    first_seen: dict[str, int] = {}
    for index, topics in enumerate(topics_by_story):
        for name in topics:
            key = topic_key(name)
            if key:
                spellings.setdefault(key, Counter())[name.strip()] += 1
                first_seen.setdefault(key, index)
    if max_groups is None:
        max_groups = max(MAX_GROUPS, len(keys) // 10)
    groups: list[str | None] = [None] * len(keys)
    open_stories = set(range(len(keys)))
    for _ in range(max_groups):
        counts = Counter(k for i in open_stories for k in keys[i])
        if not counts:
            break
        # Most stories first; at a tie, the topic of the best-ranked story.
        best = min(counts, key=lambda k: (-counts[k], first_seen[k], k))
        if counts[best] < 2:
            break
        name = spellings[best].most_common(1)[0][0]
        for i in sorted(open_stories):
            if best in keys[i]:
                groups[i] = name
                open_stories.discard(i)
    return groups
