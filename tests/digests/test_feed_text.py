"""Feed HTML laid out as a reader sees it: wrapped lines, inline links, breaks and lists."""

from __future__ import annotations

import pytest

from digests.feed_text import text_from_html

# feeds/real/feedjira/GiantRobotsSmashingIntoOtherGiantRobots.xml wraps its paragraphs at 80
# columns, and a link runs across the wrap.
WRAPPED = """<p>“Tell, Don’t Ask” is a well-covered topic within
<a href="https://robots.thoughtbot.com/tell-dont-ask">object-oriented
programming</a> communities. Its goal? Encourage encapsulation by having
the caller tell the object what to do.</p>
<p>The newest <a href="https://example.org/freeware">Freeware
release</a> of the
app is out.</p>"""


def test_line_wraps_inside_a_paragraph_are_spaces() -> None:
    assert text_from_html(WRAPPED) == (
        "“Tell, Don’t Ask” is a well-covered topic within object-oriented programming"
        " communities. Its goal? Encourage encapsulation by having the caller tell the object"
        " what to do.\n\nThe newest Freeware release of the app is out."
    )


def test_inline_tags_across_a_wrap_keep_their_words() -> None:
    html = "<p>Read <em>the\n  whole</em>\n<strong>report</strong>.</p>"

    assert text_from_html(html) == "Read the whole report."


def test_br_ends_a_line_within_the_paragraph() -> None:
    html = "<p>10 Downing Street<br>London<br/>SW1A 2AA</p><p>Next paragraph.</p>"

    assert text_from_html(html) == "10 Downing Street\nLondon\nSW1A 2AA\n\nNext paragraph."


def test_two_brs_make_a_paragraph_break() -> None:
    assert text_from_html("First line here.<br><br>Second line here.") == (
        "First line here.\n\nSecond line here."
    )


@pytest.mark.parametrize("tag", ["p", "div", "h2", "blockquote", "section"])
def test_block_elements_are_paragraphs(tag: str) -> None:
    html = f"Intro text.<{tag}>Block text.</{tag}>Outro text."

    assert text_from_html(html) == "Intro text.\n\nBlock text.\n\nOutro text."


def test_nested_lists_keep_each_item() -> None:
    html = """<ul>
      <li>Fruit
        <ul><li>Apples</li><li>Pears
        in season</li></ul>
      </li>
      <li>Bread</li>
    </ul>"""

    assert text_from_html(html).split("\n\n") == ["Fruit", "Apples", "Pears in season", "Bread"]


def test_text_after_a_nested_list_is_its_own_item() -> None:
    html = "<ol><li>Step one<ol><li>Detail</li></ol>then this</li></ol>"

    assert text_from_html(html).split("\n\n") == ["Step one", "Detail", "then this"]


def test_preformatted_text_keeps_its_lines() -> None:
    html = "<p>Results:</p><pre>sax c      0.06\nnokogiri   0.50</pre>"

    assert text_from_html(html) == "Results:\n\nsax c 0.06\nnokogiri 0.50"


def test_plain_text_keeps_its_own_line_breaks() -> None:
    # feeds/real/rss-parser/item-itunes-episodeType.rss: a text description without a tag.
    text = "Baywatch Berlin\nBaywatch Berlin startet am 22. November."

    assert text_from_html(text) == text


def test_twice_escaped_markup_is_read_as_markup() -> None:
    # feeds/real/rss-parser/reddit-atom.rss: Reddit escapes a self post's HTML twice.
    html = (
        "&lt;!-- SC_OFF --&gt;&lt;div class=&quot;md&quot;&gt;&lt;p&gt;Hey Reddit! Benjamin"
        " Von Wong here.&lt;/p&gt;&lt;/div&gt;&lt;!-- SC_ON --&gt;"
    )

    assert text_from_html(html) == "Hey Reddit! Benjamin Von Wong here."


def test_escaped_markup_inside_a_text_stays_text() -> None:
    # feeds/real/feedjira/AtomEscapedHTMLInPreTag.xml: a post about markup shows it.
    html = "<p>This is escaped html:</p><pre>&lt;b&gt;test&lt;/b&gt;</pre>"

    assert text_from_html(html) == "This is escaped html:\n\n<b>test</b>"
