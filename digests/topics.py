"""Topic tagging: a story's topics from its feed's defaults and the configured keywords."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from digests.config import TopicConfig


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


class TopicTagger:
    """Tags texts with a fixed topic configuration, its keyword patterns compiled once."""

    def __init__(self, topics: Sequence[TopicConfig]) -> None:
        # (name as tagged, its dedup key, its pattern): topics without keywords never match.
        self._topics = [
            (topic.name.strip(), topic.name.strip().casefold(), pattern)
            for topic in topics
            if topic.name.strip()
            and (pattern := keyword_pattern(tuple(topic.keywords))) is not None
        ]

    def tag(self, title: str, text: str, *, feed_topics: Sequence[str]) -> tuple[str, ...]:
        """The feed's default topics, then every topic whose keyword occurs, deduplicated."""
        tagged: list[str] = []
        seen: set[str] = set()
        for name in feed_topics:
            key = name.strip().casefold()
            if key and key not in seen:
                seen.add(key)
                tagged.append(name.strip())
        haystack: str | None = None
        for name, key, pattern in self._topics:
            if key in seen:
                continue
            if haystack is None:
                haystack = f"{title}\n{text}"
            if pattern.search(haystack):
                seen.add(key)
                tagged.append(name)
        return tuple(tagged)


def tag_topics(
    title: str,
    text: str,
    *,
    feed_topics: Sequence[str],
    topics: Sequence[TopicConfig],
) -> tuple[str, ...]:
    """The feed's default topics, then every configured topic whose keyword occurs, deduplicated."""
    return TopicTagger(topics).tag(title, text, feed_topics=feed_topics)
