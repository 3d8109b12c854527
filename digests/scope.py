"""What one community may see of a story: its own feeds' articles and the topics they carry.

A story can group reports from feeds of several communities; another community's articles
and feed topics must not show through it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from digests.config import TopicConfig
from digests.records import Story
from digests.topics import tag_topics


def scope_story(
    story: Story, feed_topics: Mapping[str, Sequence[str]], topics: Sequence[TopicConfig]
) -> Story | None:
    """The story cut down to articles of these feeds (given with their topics) and the topics
    those articles carry; None when nothing is left."""
    articles = tuple(a for a in story.articles if a.feed_url in feed_topics)
    if not articles:
        return None
    seen: list[str] = []
    for article in articles:
        for topic in tag_topics(
            article.title,
            article.text,
            feed_topics=feed_topics[article.feed_url],
            topics=topics,
            categories=article.categories,
        ):
            if topic in story.topics and topic not in seen:
                seen.append(topic)
    return Story(story.id, articles, tuple(seen), story.created_at)
