"""Language tags, detection and the declared-or-detected choice of an article's language."""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from digests.feed_text import text_from_html
from digests.language import (
    UNDETERMINED,
    article_language,
    detect_language,
    language_name,
    language_tag,
    other_language,
    same_language,
    with_languages,
)
from digests.parse import parse_feed
from digests.records import ArticleDraft, headline_briefing

DATA = Path(
    os.environ.get("NEWSDIGEST_DATA")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data"
)
FEEDS = DATA / "feeds" / "real" / "rss-parser"
AEB = DATA / "extraction" / "aeb"

GERMAN = (
    "Die Bundesregierung hat am Dienstag in Berlin ein neues Gesetz zum Klimaschutz "
    "beschlossen. Die Opposition kritisierte den Entwurf als unzureichend."
)
FRENCH = (
    "Le gouvernement a annoncé mardi de nouvelles mesures pour soutenir les agriculteurs "
    "touchés par la sécheresse de cet été."
)
ENGLISH = (
    "The city council approved a new bridge over the river on Tuesday after a long debate "
    "about its cost."
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("de", "de"),
        ("de-AT", "de-AT"),
        ("pt-br", "pt-BR"),
        ("en_US", "en-US"),
        (" fr ", "fr"),
        ("zh-Hant-TW", "zh-Hant-TW"),
        ("iw", "he"),
    ],
)
def test_a_valid_tag_is_given_in_its_standard_form(given: str, expected: str) -> None:
    assert language_tag(given) == expected


@pytest.mark.parametrize(
    "given",
    ["", "   ", "x", "xx-zz", "klingon", "de-", "12", "und", "en US", "d\u00e9", "a" * 40, None],
)
def test_anything_else_is_no_tag(given: str | None) -> None:
    assert language_tag(given) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [(GERMAN, "de"), (FRENCH, "fr"), (ENGLISH, "en")],
)
def test_detection_names_the_language_of_a_paragraph(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   \n\t", "hi", "Bridge", "12345 678", "!!! ??? ...", "\u200b\ufeff", "\x00"]
)
def test_short_or_empty_text_is_undetermined_and_never_raises(text: str) -> None:
    assert detect_language(text) == UNDETERMINED


@pytest.mark.parametrize(
    ("declared", "text", "expected"),
    [
        # Declared and plausible: the declaration, as precise as it was given.
        ("de-DE", GERMAN, "de-DE"),
        # Declared on a text too short to say: the declaration.
        ("fr", "Bonjour", "fr"),
        # A site's default "en" on a German article: the text wins.
        ("en", GERMAN, "de"),
        # Nothing or nonsense declared: detection.
        (None, FRENCH, "fr"),
        ("not a tag", FRENCH, "fr"),
        # Neither says anything.
        (None, "", UNDETERMINED),
        ("??", "ok", UNDETERMINED),
    ],
)
def test_an_article_is_in_its_declared_language_when_the_text_agrees(
    declared: str | None, text: str, expected: str
) -> None:
    assert article_language(declared, text) == expected


def test_a_declared_language_stands_against_a_close_one() -> None:
    # Danish and Norwegian Bokmål are often mistaken for one another.
    text = "Regjeringen har lagt fram et nytt forslag om skatt på inntekt for neste år i Norge."
    assert article_language("nb", text) == "nb"


def test_drafts_get_their_language_from_declaration_and_text() -> None:
    base = ArticleDraft(
        feed_url="https://example.com/feed",
        entry_id="1",
        url=None,
        canonical_url=None,
        title="Neues Gesetz",
        author=None,
        published=None,
        text=GERMAN,
        image_url=None,
        content_hash="h",
    )
    declared = replace(base, declared_language="de-CH")
    assert [d.language for d in with_languages([base, declared])] == ["de", "de-CH"]


def test_languages_compare_by_their_language_subtag() -> None:
    assert same_language("de", "de-AT")
    assert not same_language("de", "en")
    assert not same_language("de", None)


def test_a_prompt_names_a_language_in_english() -> None:
    assert language_name("de") == "German"
    assert language_name("pt-BR") == "Portuguese (pt-BR)"
    assert language_name("tlh") == "tlh"


def test_a_briefing_in_another_language_than_wanted_is_named() -> None:
    german = replace(headline_briefing("Neues Gesetz", "x"), language="de")
    assert other_language(german, "en") == "de"
    assert other_language(german, "de-AT") is None
    assert other_language(german, None) is None
    assert other_language(headline_briefing("x", "y"), "en") is None


# --- real multilingual text (skipped without the shared data) ------------------------------


@pytest.mark.skipif(not FEEDS.is_dir(), reason="the shared real feeds are absent")
@pytest.mark.parametrize(("name", "expected"), [("heise.atom", "de"), ("guardian.rss", "en")])
def test_real_feed_entries_are_detected_in_their_language(name: str, expected: str) -> None:
    feed = parse_feed((FEEDS / name).read_bytes(), url="https://example.com/")
    found = [
        article_language(e.language, f"{e.title}\n{text_from_html(e.content_html)}")
        for e in feed.entries
    ]
    assert found and all(same_language(f, expected) for f in found)


@pytest.mark.skipif(not FEEDS.is_dir(), reason="the shared real feeds are absent")
def test_real_portuguese_entries_are_portuguese_or_undetermined() -> None:
    feed = parse_feed((FEEDS / "uolNoticias.rss").read_bytes(), url="https://example.com/")
    found = [detect_language(f"{e.title}\n{text_from_html(e.content_html)}") for e in feed.entries]
    # One entry is a headline of a few words: too little to tell, never a wrong guess.
    assert set(found) <= {"pt", UNDETERMINED} and found.count("pt") >= len(found) - 1


@pytest.mark.skipif(not AEB.is_dir(), reason="the shared extraction benchmark is absent")
def test_real_pages_in_other_languages_are_detected_as_declared_or_as_written() -> None:
    from digests.extract import page_language

    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    checked = 0
    for path in sorted((AEB / "html").glob("*.html.gz")):
        declared = page_language(gzip.decompress(path.read_bytes()))
        if declared is None or same_language(declared, "en"):
            continue
        body = truth[path.name.split(".")[0]]["articleBody"][:2000]
        chosen = article_language(declared, body)
        # Either the page's own declaration holds, or the text is clearly another language
        # (two pages declare "de" around English articles).
        assert chosen == language_tag(declared) or chosen == detect_language(body)
        assert same_language(chosen, detect_language(body))
        checked += 1
    assert checked >= 10
