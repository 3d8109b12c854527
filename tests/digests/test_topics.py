"""Topic tagging from feed defaults and configured keywords."""

from __future__ import annotations

import pytest

from digests.config import TopicConfig
from digests.topics import category_topic, choose_groups, tag_topics, topic_key

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


# --- feed categories ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (("Markets",), ("Markets",)),  # a category named like a topic
        (("markets & economy",), ()),  # a name inside a longer category is not the name
        (("Stocks and bonds",), ("Markets",)),  # ... but a keyword inside a category matches
        (("Semiconductor industry", "AI"), ("Tech",)),
        (("Empty",), ("Empty",)),  # a topic without keywords still matches by name
        (("Sport",), ()),  # categories no topic asks for are not topics when some are set
    ],
)
def test_a_configured_topic_matches_a_category_by_name_or_keyword(
    categories: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    assert tag_topics("", "", feed_topics=(), topics=TOPICS, categories=categories) == expected


def test_without_configured_topics_the_entry_categories_are_its_topics() -> None:
    tagged = tag_topics(
        "Spurs win",
        "",
        feed_topics=("Local",),
        topics=(),
        categories=("Football", "football", "US-News", "US news", "https://x.example/tag", "1"),
    )
    assert tagged == ("Local", "Football", "US-News")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("US news", "us-news", True),
        ("Sport", "Sports", True),
        ("Life and style", "Life & Style", True),
        ("Vídeos", "videos", True),
        ("Business", "Businesses", False),  # only a plain trailing "s" is a plural here
        ("News", "New", True),  # folded only in the key; the name shown stays "News"
        ("Chemistry", "Physics", False),
    ],
)
def test_topic_key_merges_trivial_variants(a: str, b: str, same: bool) -> None:
    assert (topic_key(a) == topic_key(b)) is same


@pytest.mark.parametrize(
    ("category", "topic"),
    [
        ("  World   news ", "World news"),
        ("adwords_api", "adwords api"),
        ("Business/Industries/Publishing/Publishers/Nonfiction/", "Business"),
        ("TV/Radio", "TV/Radio"),
        ("https://www.theguardian.com/us-news", None),
        ("2017", None),
        ("x" * 51, None),
        ("", None),
    ],
)
def test_category_topic(category: str, topic: str | None) -> None:
    assert category_topic(category) == topic


@pytest.mark.parametrize(
    ("topics", "max_groups", "expected"),
    [
        # The topic most stories share comes first; a story joins the first chosen it has.
        (
            [("US news", "Trump"), ("Sport",), ("us news",), ("sports", "Football"), ()],
            8,
            ["US news", "Sport", "US news", "Sport", None],
        ),
        # A topic of one story is no group.
        ([("A",), ("B",), ("C",)], 8, [None, None, None]),
        # Only the largest groups are kept.
        (
            [("A",), ("A",), ("A",), ("B",), ("B",), ("C",), ("C",)],
            2,
            ["A", "A", "A", "B", "B", None, None],
        ),
        # The most common spelling names the group.
        ([("us news",), ("US news",), ("US news",)], 8, ["US news"] * 3),
    ],
)
def test_choose_groups(
    topics: list[tuple[str, ...]], max_groups: int, expected: list[str | None]
) -> None:
    assert choose_groups(topics, max_groups=max_groups) == expected
