"""Rendering digests: terminal text, Markdown and the JSON contract."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from digests.output import EMPTY_MESSAGE, digest_to_json, render_markdown, render_text
from digests.records import Briefing, Digest, DigestItem, Story, headline_briefing
from tests.digests._story_builders import T0, make_article, make_briefing, make_item

STORY_KEYS = {
    "language",
    "id",
    "headline",
    "summary",
    "key_facts",
    "why_it_matters",
    "url",
    "sources",
    "published",
    "topics",
    "summarizer",
}


def sample_digest() -> Digest:
    return Digest(
        generated_at=T0,
        items=(
            make_item("tech1", topics=("Tech",), headline="Chip maker [beats] forecasts"),
            make_item(
                "tech2", topics=("Tech", "Markets"), feeds=("https://a.e/x", "https://b.e/x")
            ),
            make_item("other", published=None),
        ),
    )


def test_digest_to_json_has_exactly_the_documented_top_level_keys() -> None:
    data = digest_to_json(sample_digest())
    assert set(data) == {"generated_at", "stories"}
    assert datetime.fromisoformat(data["generated_at"]) == T0


def test_digest_to_json_story_has_exactly_the_documented_keys_and_types() -> None:
    for story in digest_to_json(sample_digest())["stories"]:
        assert set(story) == STORY_KEYS
        assert isinstance(story["id"], str)
        assert isinstance(story["headline"], str)
        assert isinstance(story["summary"], str)
        assert all(isinstance(f, str) for f in story["key_facts"])
        assert story["why_it_matters"] is None or isinstance(story["why_it_matters"], str)
        assert isinstance(story["url"], str)
        assert all(set(s) == {"name", "url"} for s in story["sources"])
        assert all(isinstance(v, str) for s in story["sources"] for v in s.values())
        assert story["published"] is None or datetime.fromisoformat(story["published"]).tzinfo
        assert all(isinstance(t, str) for t in story["topics"])
        assert story["summarizer"] in ("extractive", "openai")


def test_digest_to_json_is_json_serialisable_and_keeps_digest_order() -> None:
    data = json.loads(json.dumps(digest_to_json(sample_digest())))
    assert [s["id"] for s in data["stories"]] == ["tech1", "tech2", "other"]


def test_digest_to_json_maps_story_fields() -> None:
    story = digest_to_json(sample_digest())["stories"][1]
    assert story["url"] == "https://news.example.com/tech2/1"
    assert story["published"] == T0.isoformat()
    assert story["topics"] == ["Tech", "Markets"]
    assert [s["url"] for s in story["sources"]] == [
        "https://news.example.com/tech2/1",
        "https://news.example.com/tech2/2",
    ]
    assert story["key_facts"] == ["First fact.", "Second fact."]


def test_digest_to_json_gives_null_published_and_why_when_absent() -> None:
    item = DigestItem(
        story=Story(id="s", articles=(make_article(1, published=None),)),
        briefing=make_briefing(why_it_matters=None, summarizer="openai"),
    )
    story = digest_to_json(Digest(generated_at=T0, items=(item,)))["stories"][0]
    assert story["published"] is None
    assert story["why_it_matters"] is None
    assert story["summarizer"] == "openai"


def test_digest_to_json_gives_empty_url_when_no_article_has_one() -> None:
    item = DigestItem(story=Story(id="s", articles=()), briefing=make_briefing())
    assert digest_to_json(Digest(generated_at=T0, items=(item,)))["stories"][0]["url"] == ""


@pytest.mark.parametrize("render", [render_text, render_markdown])
def test_render_says_no_new_stories_when_empty(render) -> None:  # type: ignore[no-untyped-def]
    assert EMPTY_MESSAGE in render(Digest(generated_at=T0))


def test_render_text_groups_by_topic_with_all_parts_of_a_briefing() -> None:
    text = render_text(sample_digest())
    assert text.index("== Tech ==") < text.index("== Other ==")
    assert text.count("== Tech ==") == 1
    assert "* Chip maker [beats] forecasts" in text
    assert "What happened, in two sentences." in text
    assert "  - First fact." in text
    assert "Why it matters: It affects many readers." in text
    assert "https://news.example.com/tech2/2" in text
    assert EMPTY_MESSAGE not in text


def test_render_markdown_links_headlines_and_escapes_markup() -> None:
    markdown = render_markdown(sample_digest())
    assert "## Tech" in markdown
    assert "### [Chip maker \\[beats\\] forecasts](<https://news.example.com/tech1/1>)" in markdown
    assert "- First fact." in markdown
    assert "**Why it matters:** It affects many readers." in markdown
    assert "Sources: [news.example.com](<https://news.example.com/tech2/1>), [" in markdown


@pytest.mark.parametrize("render", [render_text, render_markdown])
def test_render_leaves_out_why_it_matters_when_absent(render) -> None:  # type: ignore[no-untyped-def]
    item = DigestItem(
        story=Story(id="s", articles=(make_article(1),)),
        briefing=Briefing("H", "S.", (), None, "extractive"),
    )
    assert "Why it matters" not in render(Digest(generated_at=T0, items=(item,)))


def headline_only_digest() -> Digest:
    item = make_item("bare", headline="ignored")
    bare = DigestItem(item.story, headline_briefing("Ferry timetable changes", "no usable text"))
    return Digest(generated_at=T0, items=(bare,))


def test_a_headline_only_story_renders_as_its_headline_and_sources_in_text() -> None:
    lines = render_text(headline_only_digest()).splitlines()
    start = lines.index("* Ferry timetable changes")
    assert lines[start + 1] == "  Sources:"
    assert "Why it matters" not in "\n".join(lines)


def test_a_headline_only_story_renders_as_a_heading_and_sources_in_markdown() -> None:
    text = render_markdown(headline_only_digest())
    story = text.split("### ", 1)[1]
    heading, rest = story.split("\n", 1)
    assert "Ferry timetable changes" in heading
    assert rest.strip().startswith("Sources: ")


def test_a_headline_only_story_keeps_the_json_contract_with_empty_parts() -> None:
    (story,) = digest_to_json(headline_only_digest())["stories"]
    assert set(story) == STORY_KEYS
    assert (story["summary"], story["key_facts"], story["why_it_matters"]) == ("", [], None)
    assert story["summarizer"] == "headline"


def test_a_long_headline_wraps_under_its_bullet_not_into_a_second_one() -> None:
    headline = "Moura joins Spurs; Giroud, Batshuayi, Aubameyang deals go through: deadline day"
    item = DigestItem(
        story=Story(id="s", articles=(make_article(1),)),
        briefing=Briefing(headline * 2, "S.", (), None, "extractive"),
    )
    lines = render_text(Digest(generated_at=T0, items=(item,))).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("* Moura"))
    assert lines[start + 1].startswith("  ") and not lines[start + 1].startswith("* ")
