"""Tests for plain-text digest formats: checked templates, built-in layouts, no injection."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.formats import (
    SAMPLE_ITEM,
    StoryTemplate,
    channel_messages,
    channel_style,
    compact_line,
    format_messages,
    headline_line,
    pack_texts,
    parse_template,
    preview_messages,
    render_story,
)
from digests import ChannelFormat
from digests.errors import InputError
from digests.records import Digest, DigestItem, Story
from tests.digests._story_builders import make_article, make_briefing

WHEN = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
WHEN_R = f"<t:{int(WHEN.timestamp())}:R>"
ZWSP = "\u200b"
# What would ping, link or format if it reached a message unescaped.
PINGS = re.compile(r"@(everyone|here)|<@[!&]?\d+>")
RAW_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\((?!<https://news\.example/)")


def item(
    *,
    headline: str = "Council approves budget",
    summary: str = "The council approved the budget.",
    facts: tuple[str, ...] = ("It passed 7-2.",),
    sources: tuple[tuple[str, str | None], ...] = (("Example News", "https://news.example/1"),),
    topics: tuple[str, ...] = ("Politics",),
    published: datetime | None = WHEN,
) -> DigestItem:
    articles = tuple(
        make_article(
            n,
            feed=f"https://feed{n}.example/rss",
            feed_name=name,
            url=url,
            title="Feed title",
            published=published,
            fetched_at=WHEN,
        )
        for n, (name, url) in enumerate(sources)
    )
    briefing = make_briefing(headline, summary=summary, key_facts=facts, why_it_matters=None)
    return DigestItem(Story(id="s1", articles=articles, topics=topics), briefing)


HOSTILE = "@everyone <@&123> <@42> [click](https://evil.example) **bold** `code`"


# -- parse_template ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{headline} {author}", r"Unknown placeholder \{author\}"),
        ("{Headline}", r"Unknown placeholder \{Headline\}"),
        ("{headline.upper}", r"Unknown placeholder \{headline.upper\}"),
        ("{0}", r"Unknown placeholder \{0\}"),
        ("{headline:>40}", r"\{headline\} takes no options"),
        ("{headline!r}", r"\{headline\} takes no options"),
        ("{headline", "stray brace"),
        ("headline}", "stray brace"),
        ("", "needs some text"),
        ("   ", "needs some text"),
        ("x" * 1501, "at most 1500"),
        ("=" * 1400 + "{summary}" * 10, "characters even for a short story"),
    ],
)
def test_parse_template_refuses_with_a_reason(template: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        parse_template(template)


def test_parse_template_accepts_every_placeholder_and_escaped_braces() -> None:
    text = "{{x}} " + " ".join(
        f"{{{p}}}"
        for p in ("headline", "summary", "facts", "sources", "url", "topics", "published")
    )
    template = parse_template(text)
    assert template.placeholders == (
        "headline",
        "summary",
        "facts",
        "sources",
        "url",
        "topics",
        "published",
    )
    assert render_story(template, SAMPLE_ITEM).startswith("{x} Council approves budget")


def test_a_template_just_fitting_the_sample_is_accepted() -> None:
    # 80 sample headlines (23 characters each) and 160 more make exactly 2,000.
    fixed = "=" * 160 + "{headline}" * 80
    assert len(render_story(parse_template(fixed), SAMPLE_ITEM)) == 2000
    with pytest.raises(InputError, match="2001 characters"):
        parse_template("=" + fixed)


# -- render_story -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{headline}", "Council approves budget"),
        (
            "**{headline}**\n{summary}",
            "**Council approves budget**\nThe council approved the budget.",
        ),
        ("{facts}", "• It passed 7-2."),
        ("{sources}", "Example News"),
        ("{url}", "<https://news.example/1>"),
        ("[{headline}]({url})", "[Council approves budget](<https://news.example/1>)"),
        ("{topics}", "Politics"),
        ("{published}", WHEN_R),
        ("{headline} — {published}", f"Council approves budget — {WHEN_R}"),
    ],
)
def test_render_story_fills_each_placeholder(template: str, expected: str) -> None:
    assert render_story(parse_template(template), item()) == expected


@pytest.mark.parametrize(
    ("kwargs", "template", "expected"),
    [
        ({"topics": ("Politics", "Local_news")}, "{topics}", r"Politics, Local\_news"),
        (
            {"sources": (("A", "https://a.example/"), ("B_b", None))},
            "{sources}",
            r"A, B\_b",
        ),
        ({"published": None}, "{headline} {published}", "Council approves budget"),
        (
            {"sources": (("A", "javascript:alert(1)"),)},
            "{headline} {url}",
            "Council approves budget",
        ),
        ({"facts": ()}, "{headline}\n{facts}", "Council approves budget"),
        (
            {"headline": "Slack (NASDAQ:WORK)"},
            "[{headline}]({url})",
            "[Slack (NASDAQ:WORK)](<https://news.example/1>)",
        ),
        (
            {"headline": "Live [updates]"},
            "[{headline}]({url})",
            "[Live (updates)](<https://news.example/1>)",
        ),
        ({"headline": "Slack (NASDAQ:WORK)"}, "{headline}", r"Slack \(NASDAQ:WORK\)"),
    ],
)
def test_render_story_cases(kwargs: dict[str, object], template: str, expected: str) -> None:
    assert render_story(parse_template(template), item(**kwargs)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "template",
    [
        "{headline}",
        "{summary}",
        "{facts}",
        "{sources}",
        "{topics}",
        "[{headline}]({url}) {summary}",
    ],
)
def test_feed_text_cannot_ping_link_or_format(template: str) -> None:
    hostile = item(
        headline=HOSTILE,
        summary=HOSTILE,
        facts=(HOSTILE,),
        sources=((HOSTILE, "https://news.example/1"),),
        topics=(HOSTILE,),
    )
    text = render_story(parse_template(template), hostile)
    assert HOSTILE.split()[0][1:] in text  # the words are kept, only disarmed
    assert not PINGS.search(text)
    assert not RAW_LINK.search(text)
    # Link text is shown literally, so only text outside it could format.
    outside = text.split("](<https://news.example/1>)")[-1]
    assert "**bold**" not in outside and "`code`" not in outside


def test_a_role_ping_in_feed_text_is_broken_up() -> None:
    text = render_story(parse_template("{headline}"), item(headline="Alert <@&555> @here"))
    assert text == f"Alert \\<@{ZWSP}&555\\> @{ZWSP}here"


def test_render_story_cuts_the_longest_text_to_fit_one_message() -> None:
    long = item(summary="word " * 1000, facts=("fact " * 300,))
    text = render_story(parse_template("{headline}\n{summary}\n{facts}\n{url}"), long)
    assert len(text) <= 2000
    assert text.startswith("Council approves budget\n")
    assert text.endswith("<https://news.example/1>")
    assert "…" in text


def test_render_story_fits_when_a_placeholder_repeats() -> None:
    long = item(summary="word " * 1000)
    assert len(render_story(parse_template("{summary}\n{summary}"), long)) <= 2000


# -- compact and headlines --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "[Council approves budget](<https://news.example/1>) — Example News · Politics"),
        (
            {"sources": (("Example News", None),)},
            "Council approves budget — Example News · Politics",
        ),
        (
            {"headline": "Slack (NASDAQ:WORK)", "topics": ()},
            "[Slack (NASDAQ:WORK)](<https://news.example/1>) — Example News · Other",
        ),
        (
            {"sources": (("A_b", "https://news.example/1"), ("C", "https://c.example/"))},
            r"[Council approves budget](<https://news.example/1>) — A\_b · Politics",
        ),
    ],
)
def test_compact_is_one_line_per_story(kwargs: dict[str, object], expected: str) -> None:
    assert compact_line(item(**kwargs)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headline", "expected"),
    [
        ("Council approves budget", "- Council approves budget"),
        ("**Big** news @everyone", rf"- \*\*Big\*\* news @{ZWSP}everyone"),
        ("x" * 3000, "- " + "x" * 1997 + "…"),
    ],
)
def test_headlines_is_one_line_per_story(headline: str, expected: str) -> None:
    assert headline_line(item(headline=headline)) == expected


def test_compact_line_cannot_ping_or_link() -> None:
    line = compact_line(
        item(headline=HOSTILE, sources=((HOSTILE, "https://news.example/1"),), topics=(HOSTILE,))
    )
    assert "\n" not in line
    assert not PINGS.search(line)
    assert not RAW_LINK.search(line)


# -- format_messages --------------------------------------------------------------------------


def digest(count: int) -> Digest:
    items = tuple(
        item(headline=f"Story {n}", published=WHEN + timedelta(minutes=n)) for n in range(count)
    )
    return Digest(generated_at=WHEN, items=items)


@pytest.mark.parametrize("style", ["compact", "headlines", "template"])
def test_format_messages_start_with_the_contents_header_and_never_ping(style: str) -> None:
    chosen = parse_template("{headline}\n{summary}") if style == "template" else style
    messages = format_messages(digest(3), chosen, title="Morning")
    assert messages[0]["content"].startswith("**Morning** — 3 stories")
    assert all(m["allowed_mentions"] == {"parse": []} for m in messages)
    assert "Story 0" in messages[1]["content"] and "Story 2" in messages[-1]["content"]


def test_format_messages_pack_lines_within_the_message_limit() -> None:
    messages = format_messages(digest(300), "compact", title="All")
    bodies = [m["content"] for m in messages[1:]]
    assert all(len(b) <= 2000 for b in bodies)
    lines = [line for b in bodies for line in b.split("\n")]
    assert [re.search(r"Story \d+", line).group() for line in lines] == [  # type: ignore[union-attr]
        f"Story {n}" for n in range(300)
    ]
    assert len(bodies) > 1


def test_format_messages_default_is_the_embed_layout() -> None:
    messages = format_messages(digest(2), "default", title="Morning")
    assert [len(m.get("embeds", [])) for m in messages] == [0, 2]


def test_format_messages_refuses_an_unknown_format() -> None:
    with pytest.raises(InputError, match="Unknown format 'fancy'"):
        format_messages(digest(1), "fancy", title="x")


@pytest.mark.parametrize(
    ("texts", "packed"),
    [
        ([], []),
        (["a", "b"], ["a\nb"]),
        (["a" * 1999, "b"], ["a" * 1999, "b"]),
        (["a" * 1998, "b"], ["a" * 1998 + "\nb"]),
    ],
)
def test_pack_texts(texts: list[str], packed: list[str]) -> None:
    assert pack_texts(texts, "\n") == packed


@pytest.mark.parametrize("style", ["default", "compact", "headlines"])
def test_preview_shows_the_sample_story_when_there_is_none_yet(style: str) -> None:
    messages = preview_messages(style, title="Preview")
    assert messages[0]["content"].startswith("**Preview** — 1 story")
    assert "Council approves budget" in str(messages[1])


def test_preview_of_a_template_uses_the_recent_stories() -> None:
    template = parse_template("{headline} · {sources}")
    messages = preview_messages(template, digest(2).items, title="Preview")
    assert messages[1]["content"] == "Story 0 · Example News\n\nStory 1 · Example News"


@pytest.mark.parametrize(
    ("style", "template", "expected"),
    [("full", None, "default"), ("compact", None, "compact"), ("headlines", None, "headlines")],
)
def test_channel_style_maps_a_stored_style(style: str, template: str | None, expected: str) -> None:
    assert channel_style(ChannelFormat(1, 2, style, template)) == expected  # type: ignore[arg-type]


def test_channel_style_parses_a_stored_template() -> None:
    style = channel_style(ChannelFormat(1, 2, "custom", "{headline} {url}"))
    assert isinstance(style, StoryTemplate) and style.placeholders == ("headline", "url")


def test_a_stored_template_that_no_longer_parses_falls_back_to_the_default() -> None:
    assert channel_style(ChannelFormat(1, 2, "custom", "{gone}")) == "default"


def test_channel_messages_render_the_channels_format() -> None:
    digest = Digest(generated_at=WHEN, items=(item(headline="Tram line opens"),))
    header, body = channel_messages(ChannelFormat(1, 2, "headlines"), digest, title="News")
    assert body["content"] == "- Tram line opens"
    assert body["allowed_mentions"] == {"parse": []}
