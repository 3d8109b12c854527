"""Tests for rendering briefings into Discord payloads within every Discord limit."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.render import (
    TOPIC_COLOURS,
    digest_messages,
    embed_length,
    escape_md,
    neutralise_mentions,
    pack_embeds,
    relative_time,
    story_detail_embed,
    story_embed,
    topic_colour,
)
from digests.records import Article, Briefing, Digest, DigestItem, Story, headline_briefing

with warnings.catch_warnings():
    # discord.py imports the stdlib audioop module, deprecated on this Python.
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord

WHEN = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
WHEN_R = f"<t:{int(WHEN.timestamp())}:R>"
WHEN_F = f"<t:{int(WHEN.timestamp())}:f>"
ZWSP = "\u200b"
HIDDEN = [
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200b",
    "\u2060",
    "\ufeff",
]
PINGS = re.compile(r"@(everyone|here)|<@[!&]?\d+>")
LONG_WORD = "x" * 1000


# -- builders ---------------------------------------------------------------------------------


def article(
    n: int = 1,
    *,
    feed: str | None = None,
    name: str | None = "Example News",
    url: str | None = "https://news.example/a/1",
    title: str = "A title",
    image: str | None = None,
    published: datetime | None = WHEN,
) -> Article:
    return Article(
        id=n,
        feed_url=feed or f"https://feed{n}.example/rss",
        feed_name=name,
        entry_id=f"e{n}",
        url=url,
        canonical_url=url,
        title=title,
        author=None,
        published=published,
        fetched_at=WHEN,
        text="text",
        image_url=image,
        content_hash=f"h{n}",
    )


def briefing(
    *,
    headline: str = "Council approves budget",
    summary: str = "The council approved the budget on Tuesday.",
    facts: tuple[str, ...] = ("It passed 7-2.", "Spending rises 3%."),
    why: str | None = "Taxes will not rise.",
) -> Briefing:
    return Briefing(
        headline=headline,
        summary=summary,
        key_facts=facts,
        why_it_matters=why,
        summarizer="extractive",
    )


def story(
    *articles: Article, story_id: str = "s1", topics: tuple[str, ...] = ("Politics",)
) -> Story:
    return Story(id=story_id, articles=articles or (article(),), topics=topics)


def item(**kwargs: Any) -> DigestItem:
    return DigestItem(story=story(), briefing=briefing(**kwargs))


def many_sources(count: int, *, url_len: int = 40, name: str = "Outlet") -> Story:
    articles = tuple(
        article(
            n,
            name=f"{name} {n}",
            url=f"https://outlet{n}.example/" + "p" * url_len,
            published=WHEN + timedelta(minutes=n),
        )
        for n in range(count)
    )
    return story(*articles)


def adversarial_items() -> list[DigestItem]:
    huge = " ".join([LONG_WORD] * 20)
    return [
        DigestItem(
            story(
                *(
                    article(n, name=LONG_WORD, url="https://e.example/" + "q" * 900)
                    for n in range(200)
                ),
                story_id="s" * 3000,
                topics=tuple(f"{LONG_WORD}{n}" for n in range(30)),
            ),
            Briefing(
                headline=LONG_WORD,
                summary=huge,
                key_facts=tuple([LONG_WORD] * 30),
                why_it_matters=huge,
                summarizer="openai",
            ),
        ),
        DigestItem(
            story(*(article(n) for n in range(200))),
            briefing(headline="*" * 2000, summary="_" * 9000, facts=("`" * 3000,) * 5),
        ),
        DigestItem(
            story(article(url=None, name=None, image="javascript:alert(1)")),
            briefing(headline="", summary="", facts=(), why=None),
        ),
    ]


ADVERSARIAL = adversarial_items()


def assert_within_limits(embed: dict[str, Any]) -> None:
    assert len(embed.get("title", "")) <= 256
    assert len(embed.get("description", "")) <= 4096
    assert len(embed.get("fields", [])) <= 25
    for field in embed.get("fields", []):
        assert 0 < len(field["name"]) <= 256
        assert 0 < len(field["value"]) <= 1024
    assert len(embed.get("footer", {}).get("text", "")) <= 2048
    assert len(embed.get("author", {}).get("name", "")) <= 256
    assert embed_length(embed) <= 6000


def strings(payload: Any) -> Iterator[str]:
    if isinstance(payload, str):
        yield payload
    elif isinstance(payload, dict):
        for key, value in payload.items():
            yield key
            yield from strings(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from strings(value)


def hostile_digest() -> Digest:
    nasty = "@everyone @here <@123> <@!42> <@&5> \u202ehidden\u200b @admin"
    items = tuple(
        DigestItem(
            story(
                article(n, name=nasty, url=f"https://x.example/@everyone/{n}", title=nasty),
                story_id=f"{nasty}{n}",
                topics=(nasty,),
            ),
            Briefing(
                headline=nasty,
                summary=nasty,
                key_facts=(nasty,),
                why_it_matters=nasty,
                summarizer="extractive",
            ),
        )
        for n in range(3)
    )
    return Digest(generated_at=WHEN, items=items)


def digest_of(count: int) -> Digest:
    items = tuple(
        DigestItem(
            story(article(n), story_id=f"id{n:03d}", topics=(f"T{n % 3}",)),
            briefing(headline=f"Story {n}", summary="word " * (n % 7 * 150)),
        )
        for n in range(count)
    )
    return Digest(generated_at=WHEN, items=items)


# -- neutralise_mentions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@everyone", f"@{ZWSP}everyone"),
        ("@here now", f"@{ZWSP}here now"),
        ("<@123>", f"<@{ZWSP}123>"),
        ("<@!123>", f"<@{ZWSP}!123>"),
        ("<@&5>", f"<@{ZWSP}&5>"),
        ("hi @someone", f"hi @{ZWSP}someone"),
        ("no mention", "no mention"),
    ],
)
def test_neutralise_mentions_breaks_every_at(text: str, expected: str) -> None:
    assert neutralise_mentions(text) == expected


@pytest.mark.parametrize("char", HIDDEN)
def test_neutralise_mentions_strips_invisible_characters(char: str) -> None:
    assert neutralise_mentions(f"a{char}b") == "ab"


def test_neutralise_mentions_cannot_be_defeated_by_hidden_characters() -> None:
    assert not PINGS.search(neutralise_mentions("@\u200eeveryone <\u2066@123>"))


def test_neutralise_mentions_is_idempotent() -> None:
    once = neutralise_mentions("@everyone \u202e <@&5>")
    assert neutralise_mentions(once) == once


def test_neutralise_mentions_keeps_newlines_and_emoji() -> None:
    assert neutralise_mentions("a\nb 👩\u200d💻") == "a\nb 👩\u200d💻"


# -- escape_md --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**bold", r"\*\*bold"),
        ("snake_case_name", r"snake\_case\_name"),
        ("`code", r"\`code"),
        ("||spoiler||", r"\|\|spoiler\|\|"),
        ("~~gone~~", r"\~\~gone\~\~"),
        ("[link](https://x)", r"\[link\]\(https://x\)"),
        ("> quote", r"\> quote"),
        ("# Heading", r"\# Heading"),
        ("-# subtext", r"-\# subtext"),
        ("- item", r"\- item"),
        ("1. first", r"1\. first"),
        ("a - b, 3. c", "a - b, 3. c"),
        ("back\\slash", r"back\\slash"),
        ("<t:1:R>", r"\<t:1:R\>"),
        ("plain words", "plain words"),
    ],
)
def test_escape_md_makes_markup_literal(text: str, expected: str) -> None:
    assert escape_md(text) == expected


# -- embed_length -----------------------------------------------------------------------------


def test_embed_length_counts_what_discord_counts() -> None:
    embed = {
        "title": "ab",
        "description": "cde",
        "url": "https://ignored.example",
        "fields": [{"name": "f", "value": "gh"}],
        "footer": {"text": "ijkl"},
        "author": {"name": "m"},
        "timestamp": WHEN.isoformat(),
    }
    assert embed_length(embed) == 2 + 3 + 1 + 2 + 4 + 1


def test_embed_length_counts_code_points() -> None:
    assert embed_length({"title": "👩\u200d💻"}) == 3


@pytest.mark.parametrize("index", range(len(ADVERSARIAL)))
def test_embed_length_matches_discord_py(index: int) -> None:
    embed = story_embed(ADVERSARIAL[index])
    assert len(discord.Embed.from_dict(embed)) == embed_length(embed)


# -- story_embed ------------------------------------------------------------------------------


def test_story_embed_title_is_the_headline() -> None:
    assert story_embed(item(headline="Budget passes"))["title"] == "Budget passes"


def test_story_embed_links_the_primary_article() -> None:
    assert story_embed(item())["url"] == "https://news.example/a/1"


def test_story_embed_description_has_summary_facts_why_and_time() -> None:
    description = story_embed(item())["description"]
    assert description == (
        "The council approved the budget on Tuesday.\n\n"
        "• It passed 7-2.\n• Spending rises 3%.\n\n"
        "**Why it matters:** Taxes will not rise.\n\n"
        f"{WHEN_R}"
    )


def test_story_embed_omits_missing_briefing_parts() -> None:
    assert story_embed(item(facts=(), why=None))["description"] == (
        f"The council approved the budget on Tuesday.\n\n{WHEN_R}"
    )


def test_story_embed_shows_the_published_time_relatively() -> None:
    assert relative_time(WHEN) == "<t:1714566600:R>"
    assert relative_time(WHEN.replace(tzinfo=None)) == "<t:1714566600:R>"
    assert story_embed(item())["description"].endswith("\n\n<t:1714566600:R>")


def test_story_embed_puts_the_single_source_in_the_author_line() -> None:
    embed = story_embed(item())
    assert embed["author"] == {"name": "Example News"}
    assert "fields" not in embed and "footer" not in embed and "timestamp" not in embed


def test_story_embed_author_is_literal_and_cannot_ping() -> None:
    s = story(article(name="Slack (NASDAQ:WORK) @everyone"))
    author = story_embed(DigestItem(s, briefing()))["author"]["name"]
    assert author == f"Slack (NASDAQ:WORK) @{ZWSP}everyone"


def test_story_embed_is_coloured_by_its_topic() -> None:
    politics = story_embed(item())["color"]
    assert politics == topic_colour("Politics") == topic_colour("  politics ")
    grouped = DigestItem(story(topics=("Politics",)), briefing(), topic="Sport")
    assert story_embed(grouped)["color"] == topic_colour("Sport")


def test_topic_colours_are_stable_and_spread() -> None:
    names = [f"Topic {n}" for n in range(200)]
    colours = [topic_colour(n) for n in names]
    assert set(colours) == set(TOPIC_COLOURS)
    # A stable hash, not Python's salted one: the same colour on every run and machine.
    assert (topic_colour("Politics"), topic_colour("Sport")) == (0x3C8CDD, 0xDD8C3C)


def test_story_embed_lists_other_sources_in_one_line_without_the_headline_link() -> None:
    s = story(
        article(1, name="Alpha", url="https://a.example/1"),
        article(2, name="Beta", url="https://b.example/2"),
        article(3, name="Gamma [live]", url="https://c.example/3"),
    )
    embed = story_embed(DigestItem(s, briefing(facts=(), why=None)))
    assert embed["author"] == {"name": "Alpha"}
    assert embed["url"] == "https://a.example/1"
    assert embed["description"].endswith(
        f"\n\n{WHEN_R} · Also reported by "
        "[Beta](https://b.example/2), [Gamma (live)](https://c.example/3)"
    )
    assert "https://a.example/1" not in embed["description"]


def test_story_embed_counts_other_sources_that_do_not_fit() -> None:
    description = story_embed(DigestItem(many_sources(200), briefing()))["description"]
    meta = description.rsplit("\n\n", 1)[1]
    shown = meta.count("](")
    assert len(meta) <= 1024
    assert meta.endswith(f"… and {199 - shown} more")
    assert 0 < shown < 199


def test_story_embed_keeps_the_time_when_no_other_source_fits() -> None:
    s = story(
        *(article(n, name=f"Outlet {n}", url="https://e.example/" + "q" * 1010) for n in range(3))
    )
    description = story_embed(DigestItem(s, briefing()))["description"]
    assert description.endswith(f"{WHEN_R} · Also reported by Outlet 1, Outlet 2")


def test_a_headline_only_briefing_is_a_linked_title_with_its_sources() -> None:
    only = DigestItem(story=story(), briefing=headline_briefing("Budget passes", "no usable text"))
    embed = story_embed(only)
    assert embed["title"] == "Budget passes"
    assert embed["url"] == "https://news.example/a/1"
    assert embed["description"] == WHEN_R
    assert embed["author"] == {"name": "Example News"}
    assert story_detail_embed(only.story, only.briefing)["footer"]["text"] == (
        "story s1 · headline only"
    )
    assert_within_limits(embed)
    (message,) = digest_messages(Digest(generated_at=WHEN, items=(only,)), title="News")[1:]
    assert message["embeds"] == [embed]


def test_story_embed_lists_one_source_per_feed() -> None:
    shared = "https://feed-a.example/rss"
    s = story(
        article(1, feed=shared, name="Alpha", url="https://a.example/1"),
        article(2, feed=shared, name="Alpha", url="https://a.example/2"),
        article(3, name=None, url="https://www.beta.example/3"),
    )
    fields = story_detail_embed(s, briefing())["fields"]
    assert fields[0] == {
        "name": "Sources",
        "value": "[Alpha](https://a.example/1)\n[beta.example](https://www.beta.example/3)",
        "inline": False,
    }


def test_story_detail_embed_lists_topics() -> None:
    s = story(topics=("Politics", "Local_news"))
    assert story_detail_embed(s, briefing())["fields"][-1] == {
        "name": "Topics",
        "value": "Politics, Local\\_news",
        "inline": False,
    }


def test_story_detail_embed_has_no_topics_field_without_topics() -> None:
    s = story(topics=())
    names = [f["name"] for f in story_detail_embed(s, briefing())["fields"]]
    assert names == ["Sources"]


def test_story_detail_embed_timestamp_is_published_iso() -> None:
    assert story_detail_embed(story(), briefing())["timestamp"] == "2024-05-01T12:30:00+00:00"


def test_story_embeds_have_no_time_when_undated() -> None:
    s = story(article(published=None))
    assert "timestamp" not in story_detail_embed(s, briefing())
    assert "<t:" not in story_embed(DigestItem(s, briefing()))["description"]


@pytest.mark.parametrize(
    ("image", "thumbnail"),
    [
        ("https://img.example/lead.jpg", {"url": "https://img.example/lead.jpg"}),
        (None, None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_story_embed_thumbnail_only_with_an_image(
    image: str | None, thumbnail: dict[str, str] | None
) -> None:
    s = story(article(image=image))
    assert story_embed(DigestItem(s, briefing())).get("thumbnail") == thumbnail


def test_story_detail_embed_footer_names_story_and_summarizer() -> None:
    assert story_detail_embed(story(), briefing())["footer"] == {"text": "story s1 · extractive"}


def test_story_embed_truncates_long_title_with_ellipsis() -> None:
    title = story_embed(item(headline=LONG_WORD))["title"]
    assert len(title) == 256
    assert title.endswith("…")


@pytest.mark.parametrize("render", [story_embed, lambda i: story_detail_embed(i.story, i.briefing)])
def test_story_embed_titles_show_text_literally(render: Any) -> None:
    # Discord shows embed titles as typed: an escape would show its backslash.
    assert render(item(headline="Slack (NASDAQ:WORK) up_2 *a*"))["title"] == (
        "Slack (NASDAQ:WORK) up_2 *a*"
    )


def test_story_embed_title_cannot_ping() -> None:
    assert story_embed(item(headline="@everyone <@&5>"))["title"] == f"@{ZWSP}everyone <@{ZWSP}&5>"


def test_story_embed_falls_back_to_article_title_without_headline() -> None:
    s = story(article(title="From the feed"))
    assert story_embed(DigestItem(s, briefing(headline="  ")))["title"] == "From the feed"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://medium.example/@writer/post", "https://medium.example/%40writer/post"),
        ("https://x.example/wiki/A_(b)", "https://x.example/wiki/A_%28b%29"),
        ("https://user:pw@x.example/p", "https://x.example/p"),
        ("https://x.example/\u202ep", "https://x.example/p"),
    ],
)
def test_story_embed_source_links_cannot_break_markdown(url: str, expected: str) -> None:
    s = story(article(name="Src", url=url))
    assert story_detail_embed(s, briefing())["fields"][0]["value"] == f"[Src]({expected})"
    other = story(article(1, name="First"), article(2, name="Src", url=url))
    assert story_embed(DigestItem(other, briefing()))["description"].endswith(
        f"Also reported by [Src]({expected})"
    )


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.example/f", "not a url", None])
def test_story_embed_names_source_without_link_when_url_is_unsafe(url: str | None) -> None:
    s = story(article(name="Src_1", url=url))
    assert story_detail_embed(s, briefing())["fields"][0]["value"] == r"Src\_1"
    assert "url" not in story_embed(DigestItem(s, briefing()))
    other = story(article(1, name="First"), article(2, name="Src_1", url=url))
    assert story_embed(DigestItem(other, briefing()))["description"].endswith(
        r"Also reported by Src\_1"
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [("Live [updates]", "Live (updates)"), ("ends\\", "ends\u29f5"), ("`code", "\u02cbcode")],
)
def test_source_link_text_cannot_end_the_link_early(name: str, text: str) -> None:
    s = story(article(name=name, url="https://a.example/"))
    assert (
        story_detail_embed(s, briefing())["fields"][0]["value"] == f"[{text}](https://a.example/)"
    )


def test_source_link_text_is_literal_but_bare_names_are_escaped() -> None:
    s = story(article(1, name="A_b", url="https://a.example/"), article(2, name="C_d", url=None))
    assert story_detail_embed(s, briefing())["fields"][0]["value"] == (
        "[A_b](https://a.example/)\nC\\_d"
    )


@pytest.mark.parametrize("index", range(len(ADVERSARIAL)))
def test_story_embed_stays_within_limits_for_adversarial_input(index: int) -> None:
    assert_within_limits(story_embed(ADVERSARIAL[index]))


def test_story_embed_keeps_the_summary_when_sources_are_many() -> None:
    embed = story_embed(DigestItem(many_sources(200), briefing(summary="y " * 3000)))
    assert len(embed["description"]) > 1000


# -- story_detail_embed -----------------------------------------------------------------------


def test_story_detail_embed_lists_every_source() -> None:
    s = many_sources(40)
    embed = story_detail_embed(s, briefing())
    listed = "\n".join(f["value"] for f in embed["fields"] if f["name"].startswith("Sources"))
    for n in range(40):
        assert f"[Outlet {n}](https://outlet{n}.example/" in listed
    assert "more" not in listed


def test_story_detail_embed_pages_sources_into_numbered_fields() -> None:
    embed = story_detail_embed(many_sources(40), briefing())
    names = [f["name"] for f in embed["fields"]]
    pages = [n for n in names if n.startswith("Sources")]
    assert len(pages) > 1
    assert pages == [f"Sources ({i}/{len(pages)})" for i in range(1, len(pages) + 1)]
    assert names[-1] == "Topics"


def test_story_detail_embed_keeps_source_order() -> None:
    embed = story_detail_embed(many_sources(40), briefing())
    listed = "\n".join(f["value"] for f in embed["fields"] if f["name"].startswith("Sources"))
    found = [int(n) for n in re.findall(r"\[Outlet (\d+)\]", listed)]
    assert found == sorted(found)


def test_story_detail_embed_accounts_for_sources_beyond_the_limit() -> None:
    embed = story_detail_embed(many_sources(200, url_len=200), briefing())
    listed = "\n".join(f["value"] for f in embed["fields"] if f["name"].startswith("Sources"))
    shown = listed.count("](")
    assert listed.endswith(f"… and {200 - shown} more")


@pytest.mark.parametrize("index", range(len(ADVERSARIAL)))
def test_story_detail_embed_stays_within_limits_for_adversarial_input(index: int) -> None:
    entry = ADVERSARIAL[index]
    assert_within_limits(story_detail_embed(entry.story, entry.briefing))


def test_story_detail_embed_stays_within_limits_with_200_sources() -> None:
    assert_within_limits(story_detail_embed(many_sources(200), briefing(summary="z " * 5000)))


# -- digest_messages --------------------------------------------------------------------------


def test_digest_messages_start_with_a_contents_header() -> None:
    header = digest_messages(digest_of(2), title="Morning")[0]
    assert header == {
        "content": f"**Morning** — 2 stories · {WHEN_F}\n- **T0** · 1\n- **T1** · 1",
        "allowed_mentions": {"parse": []},
    }


def test_digest_messages_header_for_one_story_on_one_topic() -> None:
    header = digest_messages(digest_of(1), title="Morning")[0]
    assert header["content"] == f"**Morning** — 1 story · {WHEN_F}\n- **T0** · 1"


def test_digest_messages_header_counts_stories_per_topic_over_the_time_window() -> None:
    later = WHEN + timedelta(hours=5)
    items = tuple(
        DigestItem(story(article(n, published=when), story_id=str(n), topics=(topic,)), briefing())
        for n, (topic, when) in enumerate(
            [("Politics", WHEN), ("Sport", later), ("Politics", WHEN + timedelta(hours=1))]
        )
    )
    content = digest_messages(Digest(generated_at=later, items=items), title="Evening")[0][
        "content"
    ]
    start, end = int(WHEN.timestamp()), int(later.timestamp())
    assert content == (
        f"**Evening** — 3 stories · <t:{start}:f> – <t:{end}:f>\n"
        "- **Politics** · 2\n- **Sport** · 1"
    )


def test_digest_messages_header_dates_an_undated_story_by_when_it_was_seen() -> None:
    seen = story(article(published=None))
    items = (DigestItem(seen, briefing()),)
    content = digest_messages(Digest(generated_at=WHEN, items=items), title="News")[0]["content"]
    assert content.splitlines()[0] == f"**News** — 1 story · {WHEN_F}"


def test_digest_messages_header_escapes_topic_names() -> None:
    items = (DigestItem(story(topics=("Local_news",)), briefing()),)
    content = digest_messages(Digest(generated_at=WHEN, items=items), title="News")[0]["content"]
    assert content.splitlines()[1] == r"- **Local\_news** · 1"


def test_digest_messages_header_only_for_an_empty_digest() -> None:
    messages = digest_messages(Digest(generated_at=WHEN), title="Morning")
    assert messages == [
        {
            "content": "**Morning** — no new stories (2024-05-01)",
            "allowed_mentions": {"parse": []},
        }
    ]


def test_digest_messages_escape_the_header_title() -> None:
    header = digest_messages(digest_of(1), title="**Daily_")[0]
    assert header["content"].startswith(r"**\*\*Daily\_** —")


def test_digest_messages_header_fits_a_message_with_many_topics() -> None:
    items = tuple(
        DigestItem(story(story_id=str(n), topics=(f"{LONG_WORD}{n}",)), briefing())
        for n in range(50)
    )
    header = digest_messages(Digest(generated_at=WHEN, items=items), title=LONG_WORD)[0]
    assert len(header["content"]) <= 2000
    lines = header["content"].splitlines()
    listed = len(lines) - 2
    assert 0 < listed < 50
    assert lines[-1] == f"- … and {50 - listed} more topics"


def test_digest_messages_keep_story_order_across_messages() -> None:
    messages = digest_messages(digest_of(300), title="All")
    titles = [e["title"] for m in messages[1:] for e in m["embeds"]]
    assert titles == [f"Story {n}" for n in range(300)]


@pytest.mark.parametrize("count", [1, 10, 11, 300])
def test_digest_messages_respect_message_limits(count: int) -> None:
    for message in digest_messages(digest_of(count), title="All")[1:]:
        assert 1 <= len(message["embeds"]) <= 10
        assert sum(embed_length(e) for e in message["embeds"]) <= 6000


def test_digest_messages_pack_ten_small_embeds_per_message() -> None:
    items = tuple(DigestItem(story(story_id=str(n)), briefing()) for n in range(25))
    messages = digest_messages(Digest(generated_at=WHEN, items=items), title="All")
    assert [len(m["embeds"]) for m in messages[1:]] == [10, 10, 5]


def test_digest_messages_respect_limits_for_adversarial_stories() -> None:
    digest = Digest(generated_at=WHEN, items=tuple(ADVERSARIAL * 4))
    messages = digest_messages(digest, title=LONG_WORD)
    assert sum(len(m.get("embeds", [])) for m in messages) == len(ADVERSARIAL) * 4
    for message in messages[1:]:
        assert len(message["embeds"]) <= 10
        assert sum(embed_length(e) for e in message["embeds"]) <= 6000
        for embed in message["embeds"]:
            assert_within_limits(embed)


def test_digest_messages_never_allow_mentions() -> None:
    messages = digest_messages(digest_of(30), title="All")
    assert all(m["allowed_mentions"] == {"parse": []} for m in messages)


def test_digest_messages_neutralise_mentions_everywhere() -> None:
    messages = digest_messages(hostile_digest(), title="@everyone <@&5>")
    assert not [s for s in strings(messages) if PINGS.search(s)]


def test_digest_messages_strip_hidden_characters_everywhere() -> None:
    messages = digest_messages(hostile_digest(), title="\u202eevil\u2066")
    for text in strings(messages):
        assert not set(text) & (set(HIDDEN) - {ZWSP})
        assert ZWSP not in text.replace("@" + ZWSP, "")


def test_digest_messages_are_json_ready() -> None:
    messages = digest_messages(Digest(generated_at=WHEN, items=tuple(ADVERSARIAL)), title="A")
    assert json.loads(json.dumps(messages)) == messages


def test_digest_message_embeds_are_accepted_by_discord_py() -> None:
    for message in digest_messages(digest_of(3), title="A")[1:]:
        for embed in message["embeds"]:
            assert discord.Embed.from_dict(embed).to_dict()["title"] == embed["title"]


def test_pack_embeds_starts_a_new_message_when_characters_run_out() -> None:
    big = {"description": "d" * 4000}
    assert [len(b) for b in pack_embeds([big, big, big])] == [1, 1, 1]


def test_story_detail_embed_names_sources_when_links_are_too_long_to_list() -> None:
    s = story(
        *(article(n, name=f"Outlet {n}", url="https://e.example/" + "q" * 1010) for n in range(3))
    )
    value = story_detail_embed(s, briefing())["fields"][0]["value"]
    assert value == "Outlet 0\nOutlet 1\nOutlet 2"


def test_story_embed_names_some_sources_when_every_link_is_too_long() -> None:
    meta = story_embed(ADVERSARIAL[0])["description"].rsplit("\n\n", 1)[1]
    assert meta.count("x…, ") >= 1 and "](" not in meta
    assert meta.endswith("more")


def test_a_forum_post_is_named_for_its_lead_story_within_discords_limit() -> None:
    from bot.publishing import THREAD_NAME_LIMIT, forum_post_name

    long = "Storm " * 40
    name = forum_post_name(Digest(generated_at=WHEN, items=(item(headline=long), item())))
    assert len(name) <= THREAD_NAME_LIMIT and name.endswith("… (+1 more)")
    assert forum_post_name(Digest(generated_at=WHEN, items=(item(headline="Bridge shut"),))) == (
        "Bridge shut"
    )
    assert forum_post_name(Digest(generated_at=WHEN)) == "News digest"
