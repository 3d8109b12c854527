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


def tag_topics(
    title: str,
    text: str,
    *,
    feed_topics: Sequence[str],
    topics: Sequence[TopicConfig],
) -> tuple[str, ...]:
    """The feed's default topics, then every configured topic whose keyword occurs, deduplicated."""
    haystack = f"{title}\n{text}"
    tagged: list[str] = []
    seen: set[str] = set()

    def add(name: str) -> None:
        key = name.strip().casefold()
        if key and key not in seen:
            seen.add(key)
            tagged.append(name.strip())

    for name in feed_topics:
        add(name)
    for topic in topics:
        if topic.name.strip().casefold() in seen:
            continue
        pattern = keyword_pattern(tuple(topic.keywords))
        if pattern is not None and pattern.search(haystack):
            add(topic.name)
    return tuple(tagged)
