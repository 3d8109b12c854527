"""Topic tagging from feed defaults and configured keywords."""

from __future__ import annotations

import pytest

from digests.config import TopicConfig
from digests.topics import tag_topics

TOPICS = (
    TopicConfig(name="Markets", keywords=("interest rates", "stocks")),
    TopicConfig(name="Tech", keywords=("AI", "C++", "semiconductor")),
    TopicConfig(name="Climate", keywords=("climate change",)),
    TopicConfig(name="Empty", keywords=()),
)


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("Fed holds interest rates", "", ("Markets",)),
        ("", "Investors sold STOCKS on Friday.", ("Markets",)),
        ("Interest\n  rates rise", "", ("Markets",)),
        ("Ai chips", "semiconductor demand and stocks", ("Markets", "Tech")),
        ("A new C++ standard", "", ("Tech",)),
        ("Said the chairman", "maintained stockSplit", ()),
        ("Climate", "nothing here about change", ()),
        ("", "", ()),
    ],
)
def test_tag_topics_matches_whole_words_and_phrases_in_configured_order(
    title: str, text: str, expected: tuple[str, ...]
) -> None:
    assert tag_topics(title, text, feed_topics=(), topics=TOPICS) == expected


def test_tag_topics_puts_feed_topics_first() -> None:
    tagged = tag_topics("AI boom", "", feed_topics=("world",), topics=TOPICS)
    assert tagged == ("world", "Tech")


def test_tag_topics_never_repeats_a_topic() -> None:
    tagged = tag_topics(
        "AI and stocks", "", feed_topics=("Tech", "tech", "world", "world"), topics=TOPICS
    )
    assert tagged == ("Tech", "world", "Markets")


def test_tag_topics_ignores_topics_without_keywords() -> None:
    assert tag_topics("Empty", "empty", feed_topics=(), topics=TOPICS) == ()
