"""Tests for article text: teasers, feed HTML, page extraction and junk removal."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from digests import extract
from digests.extract import extract_article, read_page
from digests.feed_text import is_teaser, text_from_html
from digests.junk import JunkLine, remove_junk, split_junk

EXTRACTION_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "extraction"
AEB_DIR = EXTRACTION_DATA / "aeb"
WCXB_DIR = EXTRACTION_DATA / "wcxb-dev"

PARAGRAPHS = (
    "The city council voted on Tuesday to expand the harbour ferry service to three new "
    "stops, ending a debate that had divided residents for more than two years.",
    "Supporters said the new routes would cut commuting times for thousands of workers on the "
    "east side, where the nearest bridge is often jammed during the morning rush.",
    "Opponents warned that the cost of the expansion, estimated at 40 million dollars, would "
    "fall on taxpayers who will never use the ferries, and asked for an independent audit.",
    "The first of the new boats is expected to enter service next spring, the transport "
    "department said, once the dock at the old fish market has been rebuilt.",
)

JUNK = (
    "Skip to main content",
    "Home > News > Local",
    "Share this article",
    "Tweet",
    "Print",
    "Email",
    "Trending",
    "Mayor unveils new budget plan",
    "Storm knocks out power across the valley",
    "Sign up for our Morning Briefing newsletter",
    "Get the day's top stories delivered to your inbox.",
    "We use cookies to improve your experience. By continuing to use this site you agree.",
    "Accept all",
    "By Jane Doe",
    "Updated 3:45 PM EST, Mon May 1, 2023",
    "Advertisement",
    "Most read",
    "Ferry fares to rise in June",
    "(Photo: Getty Images)",
)

JUNK_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head>
<title>Council expands harbour ferry service - Harbour Gazette</title>
<meta property="og:title" content="Council expands harbour ferry service">
<meta property="og:image" content="https://gazette.example/img/ferry.jpg">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2023-05-01T15:45:00-05:00">
</head><body>
<a href="#main">{JUNK[0]}</a>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li></ul></nav>
<div class="crumbs"><p>{JUNK[1]}</p></div>
<div id="cookie-banner"><p>{JUNK[11]}</p><button>{JUNK[12]}</button></div>
<main id="main"><article>
<h1>Council expands harbour ferry service</h1>
<p class="byline">{JUNK[13]}</p>
<p class="dateline">{JUNK[14]}</p>
<div class="share"><p>{JUNK[2]}</p><p>{JUNK[3]}</p><p>{JUNK[4]}</p><p>{JUNK[5]}</p></div>
<p>{PARAGRAPHS[0]}</p>
<p>{PARAGRAPHS[1]}</p>
<p>{JUNK[18]}</p>
<p>{JUNK[15]}</p>
<p>{PARAGRAPHS[2]}</p>
<div class="newsletter"><p>{JUNK[9]}</p><p>{JUNK[10]}</p></div>
<p>{PARAGRAPHS[3]}</p>
<p>{JUNK[6]}</p>
<p>{JUNK[7]}</p>
<p>{JUNK[8]}</p>
<p>{JUNK[16]}</p>
<p>{JUNK[17]}</p>
</article></main>
<footer><p>Copyright 2023 Harbour Gazette. All rights reserved.</p></footer>
</body></html>"""


@pytest.fixture(scope="module")
def junk_page_article():  # type: ignore[no-untyped-def]
    article = extract_article(JUNK_PAGE, url="https://gazette.example/news/ferry")
    assert article is not None
    return article


@pytest.mark.parametrize("paragraph", PARAGRAPHS)
def test_extracted_page_keeps_every_article_paragraph(junk_page_article, paragraph):
    assert paragraph in junk_page_article.text.split("\n\n")


@pytest.mark.parametrize("junk", JUNK)
def test_extracted_page_drops_junk(junk_page_article, junk):
    assert junk not in junk_page_article.text


def test_extracted_page_drops_repeated_headline(junk_page_article):
    assert "Council expands harbour ferry service" not in junk_page_article.text


def test_extracted_page_text_is_only_the_article(junk_page_article):
    assert junk_page_article.text == "\n\n".join(PARAGRAPHS)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("title", "Council expands harbour ferry service"),
        ("author", "Jane Doe"),
        ("published", datetime(2023, 5, 1, 20, 45, tzinfo=UTC)),
        ("image_url", "https://gazette.example/img/ferry.jpg"),
        ("origin", "page"),
    ],
)
def test_extracted_page_metadata(junk_page_article, field, expected):
    assert getattr(junk_page_article, field) == expected


def test_extracted_date_is_aware_utc(junk_page_article):
    assert junk_page_article.published.utcoffset().total_seconds() == 0


def test_url_may_be_given_positionally():
    article = extract_article(JUNK_PAGE, "https://gazette.example/news/ferry")
    assert article is not None
    assert article.text == "\n\n".join(PARAGRAPHS)


def test_read_page_reports_the_junk_it_removed():
    reading = read_page(JUNK_PAGE)
    assert reading.article is not None
    assert JunkLine("Advertisement", "label") in reading.junk


def _engine(texts: dict[bool, str]):  # type: ignore[no-untyped-def]
    # Stands in for trafilatura: the text each mode (precise or balanced) would keep.
    def document(html, url, *, precise):  # type: ignore[no-untyped-def]
        return SimpleNamespace(
            text=texts[precise], title="Ferry", author=None, date=None, image=None
        )

    return document


def test_precision_mode_that_keeps_a_fraction_falls_back_to_balanced(monkeypatch):
    whole = "\n\n".join(PARAGRAPHS)
    monkeypatch.setattr(
        extract, "_trafilatura_document", _engine({True: PARAGRAPHS[3], False: whole})
    )
    article = extract_article("<html><body><p>x</p></body></html>")
    assert article is not None and article.text == whole


def test_precision_mode_is_kept_when_balanced_mode_only_adds_lines_that_are_not_prose(
    monkeypatch,
):
    precise = PARAGRAPHS[0]
    # Twice as long, but the extra is a list of other stories' titles.
    titles = "\n\n".join(f"Council story number {n} of the week" for n in range(12))
    monkeypatch.setattr(
        extract, "_trafilatura_document", _engine({True: precise, False: f"{precise}\n\n{titles}"})
    )
    article = extract_article("<html><body><p>x</p></body></html>")
    assert article is not None and article.text == precise


def test_balanced_mode_is_used_when_precision_mode_finds_nothing(monkeypatch):
    monkeypatch.setattr(extract, "_trafilatura_document", _engine({True: "", False: "Short note"}))
    article = extract_article("<html><body><p>x</p></body></html>")
    assert article is not None and article.text == "Short note"


@pytest.mark.skipif(not WCXB_DIR.is_dir(), reason="shared benchmark data is not present")
def test_long_page_that_precision_mode_cuts_short_is_read_whole():
    # WCXB dev page 4584: precision mode keeps 36 words of a 1,460-word article.
    with gzip.open(WCXB_DIR / "html" / "4584.html.gz", "rt", encoding="utf-8") as f:
        article = extract_article(f.read())
    assert article is not None
    assert len(article.text.split()) > 1000


def test_page_as_bytes_is_extracted():
    article = extract_article(JUNK_PAGE.encode("utf-8"))
    assert article is not None
    assert PARAGRAPHS[0] in article.text


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        b"",
        b"\x00\xff\xfe\x00garbage\x89PNG",
        "<html></html>",
        "<<<>>><!--",
        "<html><body>" + "<div>" * 5000 + "</body></html>",
        '<?xml version="1.0" encoding="utf-8"?><rss><channel></channel></rss>',
    ],
)
def test_garbage_page_gives_none(garbage):
    assert extract_article(garbage) is None


# --- feed HTML -------------------------------------------------------------------------------

FEED_HTML = f"""
<div class="share"><a href="#">Share this article</a></div>
<p>{PARAGRAPHS[0]}</p>
<figure><img src="x.jpg"><figcaption>A ferry at the old dock. Photo: J. Smith</figcaption></figure>
<script>var tracking = "evil";</script><style>p {{ color: red }}</style>
<p>{PARAGRAPHS[1].replace("east side", "east&nbsp;side").replace("jammed", "<b>jam</b>med")}</p>
<p>Advertisement</p>
<p>Related:</p><ul><li>Ferry fares to rise in June</li></ul>
<p>{PARAGRAPHS[2]}</p>
"""


def test_feed_html_gives_clean_paragraphs():
    expected = "\n\n".join(
        [PARAGRAPHS[0], PARAGRAPHS[1].replace("east side", "east\xa0side"), PARAGRAPHS[2]]
    )
    assert text_from_html(FEED_HTML).replace("east side", "east\xa0side") == expected


def test_feed_html_decodes_entities():
    assert text_from_html("<p>Fish &amp; chips &#8212; &lt;cheap&gt; &eacute;t&eacute;</p>") == (
        "Fish & chips \u2014 <cheap> \u00e9t\u00e9"
    )


def test_feed_html_joins_inline_tags_without_spaces():
    assert text_from_html("<p>un<b>believ</b><i>able</i> result</p>") == "unbelievable result"


def test_feed_html_splits_paragraphs_on_line_breaks():
    assert text_from_html("First line here.<br><br>Second line here.") == (
        "First line here.\n\nSecond line here."
    )


def test_feed_plain_text_passes_through():
    assert text_from_html("Just a plain sentence of text.") == "Just a plain sentence of text."


@pytest.mark.parametrize("html", ["", "   ", "<p></p>", "<script>x()</script>", "<<<"])
def test_feed_html_without_text_gives_empty_string(html):
    assert text_from_html(html) == ""


# --- teasers ---------------------------------------------------------------------------------

LONG = "The ferry service will expand to three new stops next spring. " * 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A short summary.", True),
        ("", True),
        (LONG, False),
        (LONG + "The mayor said…", True),
        (LONG + "The mayor said...", True),
        (LONG + "The mayor said […]", True),
        (LONG + "The mayor said [...]", True),
        (LONG + "Read more", True),
        (LONG + "Read more »", True),
        (LONG + "Continue reading", True),
        (LONG + "Continue reading →", True),
        (LONG + "Continue reading Ferry expansion approved", True),
        (LONG + "(more…)", True),
        (LONG + "Read the full story", True),
        (LONG + "The post Ferry expansion approved appeared first on Harbour Gazette.", True),
        (LONG + "Readers asked for more.", False),
        (LONG + "Residents say they want to see more.", False),
    ],
)
def test_is_teaser(text, expected):
    assert is_teaser(text, teaser_chars=400) is expected


def test_teaser_threshold_is_respected():
    assert is_teaser(LONG, teaser_chars=len(LONG) + 1)
    assert not is_teaser(LONG, teaser_chars=10)


# --- junk lines ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Share this article",
        "Share on Facebook Share on Twitter Email Print",
        "Facebook Twitter LinkedIn Email",
        "Print",
        "Tweet",
        "Email",
        "Home > World > Europe",
        "Home / Politics / Congress",
        "Advertisement",
        "ADVERTISEMENT",
        "Story continues below advertisement",
        "By Jane Doe",
        "By Jane Doe and John Smith",
        "By JANE DOE, Reuters",
        "Jane Doe, Reuters",
        "Jane Doe | CNN",
        "Updated 3:45 PM EST, Mon May 1, 2023",
        "Published 10:02 a.m. ET Nov. 19, 2019",
        "Last updated: 19 November 2019",
        "November 20, 2019 - 11:28 AMT",
        "5:45 AM PST 11/19/2019 by Patrick Shanley",
        "Sign up for our newsletter",
        "Subscribe to the Morning Review newsletter",
        "Get the latest updates right in your inbox. Subscribe to our newsletters.",
        "We use cookies to give you the best experience on our website.",
        "By continuing to use this site, you consent to our use of cookies.",
        "Photo: Getty Images",
        "(Photo by Jane Doe/Getty Images)",
        "Image copyright Reuters",
        "A protester waves a flag outside parliament. (AP Photo/Evan Vucci)",
        "SEE MORE: Council approves new budget",
        "RELATED: Storm knocks out power across the valley",
        "(Reporting by Jane Doe; Editing by John Smith)",
        "Additional reporting by Jane Doe",
        "Associated Press writer John Smith contributed to this report.",
        "© 2023 Harbour Gazette. All rights reserved.",
        "Follow us on Twitter @gazette and on Facebook.",
        "- Sign up for our newsletter for mental health tips, updates, and events",
        "Thank you for subscribing to our daily newsletter.",
        "Follow on social media: TikTok || Instagram || Facebook || Newsletter | YouTube",
        "|---|---|---|",
        "Tags: ferries, transport, council",
        "5 min read",
    ],
)
def test_remove_junk_drops_line(line):
    assert remove_junk(line) == ""


@pytest.mark.parametrize(
    "sentence",
    [
        "By Tuesday, the storm had passed and the ferries were running again.",
        "The print edition of the paper sold out within hours of the announcement.",
        "She said she would share the findings with the council next week.",
        "Residents can email the transport department with their questions before June.",
        "Published in 1998, the report warned that the harbour would silt up within decades.",
        "Advertisement revenue at local newspapers has fallen by half since 2010, he said.",
        "The most read book in the library last year was a history of the harbour.",
        "Cookies and cakes were handed out to the first passengers on the new route.",
        "The newsletter, which launched in 2019, now has two million readers.",
        "Related research from the university found similar effects in other ports.",
        "Jane Doe, the harbour master, said the new docks were long overdue.",
        "Updated figures show ridership rose 12% in 2022, the department said.",
        "Prices rose 3.2% in May, the fastest pace since 2021.",
        "The vote was 7 to 2.",
        "4:14 p.m.",
        "The Epstein case (EPA) drew attention from regulators.",
        "| 1 | Kyle Busch | 5040 | 5 | 1 |",
        # Lines of real article text (WCXB dev pages) that earlier rules took for furniture.
        "Twelve people signed up for my newsletter in the past week, excited enough to give me "
        "their email address, and I have done absolutely nothing to welcome them.",
        "For a newsletter with 1,193 subscribers and an annual sales revenue over $20k, these are "
        "legitimately strong numbers.",
        "Read more: How to reduce taxable income",
        "Also read: How to Install OpenShift on Bare Metal",
        "Source: GitHut 2.0",
        "https://www.aosmith.com/",
        "hello@greenlightclinic.org",
        "Copyright Complexity in a Fragmented World",
        "Click here to get more information or download this game.",
        "editing by hand, and a fair bit of prompting that resulted in targeted code",
        "1. Facebook",
        "3.8/5",
        "1946",
        "}",
        "___",
        "pub fn _rustc_codegen_backend() -> Box<dyn CodegenBackend> {",
    ],
)
def test_remove_junk_keeps_prose(sentence):
    assert remove_junk(sentence) == sentence


@pytest.mark.parametrize(
    "item",
    [
        "Shelia R. Cotten, Clemson University",
        "Go to Products > Data Files > Click on the + button",
        "By Functionality",
        "October 10, 2021",
    ],
)
def test_byline_crumb_and_date_shapes_inside_the_article_are_kept(item):
    # Lines in the middle of the text are list entries; furniture sits above or below it.
    text = "\n\n".join([*PARAGRAPHS, *PARAGRAPHS, item, *PARAGRAPHS, *PARAGRAPHS])
    assert remove_junk(text) == text


def test_byline_and_dateline_above_the_article_are_removed():
    text = "\n\n".join(["By Jane Doe", "October 10, 2021", *PARAGRAPHS])
    assert remove_junk(text) == "\n\n".join(PARAGRAPHS)


def test_list_under_a_further_reading_heading_is_kept():
    items = ["Read more", "- Crafting Personalized Nutrition Plans", "- Sleep and Heart Rate Data"]
    text = "\n\n".join([PARAGRAPHS[0], *items, PARAGRAPHS[1]])
    assert remove_junk(text) == text


def test_list_heading_takes_titles_and_tag_lines_but_not_long_lines():
    tags = "stock car 2018, stock car brasil, stock car cascavel, stock car corrida, stock car rio"
    long_line = " ".join(["word"] * 25)
    text = "\n\n".join([PARAGRAPHS[0], "Tags", tags, long_line])
    assert remove_junk(text) == f"{PARAGRAPHS[0]}\n\n{long_line}"


def test_split_junk_names_the_rule_of_every_removed_line():
    text = "\n\n".join(["Advertisement", PARAGRAPHS[0], "Most read", "Storm hits valley"])
    kept, removed = split_junk(text)
    assert kept == PARAGRAPHS[0]
    assert removed == (
        JunkLine("Advertisement", "label"),
        JunkLine("Most read", "list of other stories"),
        JunkLine("Storm hits valley", "list of other stories"),
    )


def test_remove_junk_drops_list_of_other_stories_after_heading():
    text = "\n\n".join(
        [PARAGRAPHS[0], "Most popular", "Mayor unveils budget", "Storm hits valley", PARAGRAPHS[1]]
    )
    assert remove_junk(text) == "\n\n".join([PARAGRAPHS[0], PARAGRAPHS[1]])


def test_remove_junk_keeps_paragraph_separators():
    text = f"{PARAGRAPHS[0]}\n\nAdvertisement\n\n{PARAGRAPHS[1]}"
    assert remove_junk(text) == f"{PARAGRAPHS[0]}\n\n{PARAGRAPHS[1]}"


def test_remove_junk_strips_click_to_tweet_label():
    assert remove_junk("Growth takes patience.Click To Tweet") == "Growth takes patience."


# --- real pages ------------------------------------------------------------------------------

AEB_SAMPLE = 5


def _aeb_pages() -> list[tuple[str, str, str]]:
    truth = json.loads((AEB_DIR / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth)[:AEB_SAMPLE]:
        with gzip.open(AEB_DIR / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8") as f:
            pages.append((page_id, f.read(), truth[page_id]["articleBody"]))
    return pages


@pytest.mark.skipif(not AEB_DIR.is_dir(), reason="shared benchmark data is not present")
def test_real_pages_give_article_text():
    for page_id, html, body in _aeb_pages():
        article = extract_article(html)
        assert article is not None, page_id
        # The reference body's opening words appear in what was extracted.
        assert " ".join(body.split()[:6]) in " ".join(article.text.split()), page_id
