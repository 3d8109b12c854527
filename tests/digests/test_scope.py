"""A guild sees only its own feeds' articles of a shared story, and only their topics."""

from __future__ import annotations

from digests.config import TopicConfig
from digests.records import Story
from digests.scope import scope_story
from tests.digests._story_builders import make_article

OURS = "https://ours.example/rss"
THEIRS = "https://theirs.example/rss"
TOPICS = [TopicConfig(name="Transport", keywords=("tram",))]

STORY = Story(
    "s1",
    (
        make_article(1, feed=OURS, title="Tram line approved", text="The tram will run."),
        make_article(2, feed=THEIRS, title="City says yes", text="A secret project."),
    ),
    topics=("Transport", "Their Feed Topic"),
)


def test_only_the_guilds_articles_and_their_topics_remain():
    scoped = scope_story(STORY, {OURS: ()}, TOPICS)
    assert scoped is not None
    assert [a.id for a in scoped.articles] == [1]
    assert scoped.topics == ("Transport",)


def test_a_feed_topic_of_another_guild_does_not_show_through():
    scoped = scope_story(STORY, {OURS: ()}, [])
    assert scoped is not None and scoped.topics == ()


def test_a_story_without_the_guilds_articles_is_invisible():
    assert scope_story(STORY, {"https://elsewhere.example/rss": ()}, TOPICS) is None


def test_the_guilds_own_feed_topics_count():
    story = Story("s2", STORY.articles, topics=("Their Feed Topic", "Local"))
    scoped = scope_story(story, {OURS: ("Local",)}, [])
    assert scoped is not None and scoped.topics == ("Local",)
