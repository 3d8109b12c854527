"""Feed-entry text: whether an entry is only a teaser, and entry HTML as the text a reader sees.

Pure: strings in, strings out. Feed HTML with nothing usable gives ``""``; nothing raises on
odd HTML.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from html import unescape

import lxml.html
from lxml import etree

from digests.boilerplate import is_boilerplate_element, strip_boilerplate
from digests.junk import remove_junk
from digests.text import one_line

log = logging.getLogger(__name__)

# --- teasers ---------------------------------------------------------------------------------

_TEASER_ENDING_RE = re.compile(
    r"""(?:
        \.\.\.|…|\[\s*(?:…|\.\.\.)\s*\]|\(\s*more\s*(?:…|\.\.\.)?\s*\)
        |\b(?:read|view)\s+more|\b(?:read|see|view)\s+(?:the\s+)?full\s+(?:story|article|post)
        |\bcontinue\s+reading(?:\s+\S+){0,4}
        |\bkeep\s+reading|\bread\s+on|\bmore\s+»|»
        |\bthe\s+post\s+.+\s+appeared\s+first\s+on\s+.+
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)


def is_teaser(text: str, *, teaser_chars: int) -> bool:
    """Whether a feed entry's text is only a teaser, so the full page is worth fetching."""
    plain = one_line(text)
    if len(plain) < teaser_chars:
        return True
    return _TEASER_ENDING_RE.search(plain[-200:]) is not None


# --- feed HTML -------------------------------------------------------------------------------

_DROPPED_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "figure",
        "figcaption",
        "iframe",
        "object",
        "embed",
        "video",
        "audio",
        "svg",
        "canvas",
        "form",
        "button",
        "select",
        "textarea",
        "input",
        "nav",
        "aside",
        "head",
        "title",
        "meta",
        "link",
    }
)
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "blockquote",
        "body",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    }
)


# Inside these, line breaks in the source are the text's own lines.
_PREFORMATTED_TAGS = frozenset({"pre", "textarea", "listing", "xmp", "plaintext"})
_LINE_BREAK = "\n"
# A blank line: what separates paragraphs in the text this module returns.
_PARAGRAPH_BREAK = "\n\n"
_WHITESPACE_RE = re.compile(r"\s+")


def _text_chunks(element: etree._Element, *, preformatted: bool = False) -> Iterator[str]:
    # The text as a browser lays it out: whitespace in the source (line wraps included) is
    # one space, blocks are paragraphs, <br> ends a line; inline tags join seamlessly.
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if not tag or tag in _DROPPED_TAGS or is_boilerplate_element(element):
        yield from _tail(element, preformatted=preformatted)
        return
    if tag == "br":
        yield _LINE_BREAK
        yield from _tail(element, preformatted=preformatted)
        return
    block = tag in _BLOCK_TAGS
    inner = preformatted or tag in _PREFORMATTED_TAGS
    if block:
        yield _PARAGRAPH_BREAK
    if element.text:
        yield _inline_text(element.text, preformatted=inner)
    for child in element:
        yield from _text_chunks(child, preformatted=inner)
    if block:
        yield _PARAGRAPH_BREAK
    yield from _tail(element, preformatted=preformatted)


def _tail(element: etree._Element, *, preformatted: bool = False) -> Iterator[str]:
    if element.tail:
        yield _inline_text(element.tail, preformatted=preformatted)


def _inline_text(text: str, *, preformatted: bool) -> str:
    if preformatted:
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return _WHITESPACE_RE.sub(" ", text)


def _laid_out(raw: str) -> str:
    """Chunks joined into text: lines tidied, blank lines between paragraphs, none doubled."""
    paragraphs: list[str] = []
    lines: list[str] = []
    for part in raw.split("\n"):
        line = one_line(part)
        if line:
            lines.append(line)
        elif lines:
            paragraphs.append("\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("\n".join(lines))
    return _PARAGRAPH_BREAK.join(paragraphs)


# Markup escaped twice (Reddit's self posts): once decoded it is still "&lt;div ...&gt;".
_ESCAPED_START_RE = re.compile(r"\s*&lt;(?:!--|[a-z][a-z0-9]*(?:\s|/?&gt;))", re.IGNORECASE)
_ESCAPED_CLOSE_RE = re.compile(
    r"&lt;/(?:p|div|a|span|li|ul|ol|table|blockquote|h[1-6])&gt;", re.IGNORECASE
)


def text_from_html(html: str) -> str:
    """Feed-entry HTML (content or summary) as the text a reader sees: blank lines between
    paragraphs and list items, a line per ``<br>``, platform boilerplate and page junk gone."""
    if not html or not html.strip():
        return ""
    if _ESCAPED_START_RE.match(html) and _ESCAPED_CLOSE_RE.search(html):
        # An entry that opens with escaped tags and closes some is markup, not a text about
        # markup (that would sit in a <pre> or <code>, after some words).
        html = unescape(html)
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.LxmlError, ValueError) as error:
        log.debug("unreadable feed HTML: %s", error)
        return ""
    # Text without a single tag was written as text: its line breaks are the author's own.
    if len(root) == 0:
        raw = _inline_text(root.text or "", preformatted=True)
    else:
        raw = "".join(_text_chunks(root))
    return remove_junk(strip_boilerplate(_laid_out(raw)))
