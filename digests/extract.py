"""Article text: teaser detection, feed-HTML to text, page extraction and page-junk removal.

Everything here is pure: strings in, strings or records out. Nothing raises on odd HTML; a
page with nothing usable gives ``None`` and feed HTML with nothing usable gives ``""``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from html import unescape
from typing import Any

import lxml.html
import trafilatura
from lxml import etree

from digests.boilerplate import is_boilerplate_element, strip_boilerplate
from digests.clock import ensure_utc
from digests.records import ArticleText
from digests.text import MONTH_ABBREVIATIONS, MONTHS, WEEKDAY_ABBREVIATIONS, WEEKDAYS

log = logging.getLogger(__name__)

# Measured on AEB and WCXB dev (bench/extraction.py): precision mode without comments, with
# the balanced mode as a fallback (see ``read_page``), beats the defaults on both.
_TRAFILATURA_OPTIONS: dict[str, Any] = {
    "favor_precision": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "with_metadata": True,
    "date_extraction_params": {
        "original_date": True,
        # The extensive search guesses from any year in the text ("closed in 2025" became
        # 2025-01-01), which would age fresh stories out of digests; only trust markup.
        "extensive_search": False,
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
    },
}

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
    plain = " ".join(text.split())
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


def _paragraphs(raw: str) -> list[str]:
    return [line for line in (" ".join(part.split()) for part in raw.split("\n")) if line]


def _laid_out(raw: str) -> str:
    """Chunks joined into text: lines tidied, blank lines between paragraphs, none doubled."""
    paragraphs: list[str] = []
    lines: list[str] = []
    for part in raw.split("\n"):
        line = " ".join(part.split())
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


# --- article pages ---------------------------------------------------------------------------


def _parse_published(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # A date without a zone is the page's own calendar day; reading it as UTC is the least wrong.
    return ensure_utc(parsed)


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


_HEADLINE_SEARCH_DEPTH = 3
_HEADLINE_OVERLAP = 0.6


def _is_headline_copy(paragraph: str, title_tokens: set[str]) -> bool:
    # A headline (or a reworded dek) restates the title and has no sentence ending.
    if _SENTENCE_END_RE.search(paragraph):
        return False
    tokens = set(_tokens(paragraph))
    if not tokens or len(tokens) > 3 * len(title_tokens):
        return False
    return len(tokens & title_tokens) >= _HEADLINE_OVERLAP * len(title_tokens)


def _drop_headline(paragraphs: list[str], title: str | None) -> list[str]:
    """Paragraphs without the headline repeated near the top; ``title`` already holds it."""
    title_tokens = set(_tokens(title or ""))
    if not title_tokens:
        return paragraphs
    head = [
        p for p in paragraphs[:_HEADLINE_SEARCH_DEPTH] if not _is_headline_copy(p, title_tokens)
    ]
    return head + paragraphs[_HEADLINE_SEARCH_DEPTH:]


def _trafilatura_document(html: str | bytes, url: str | None, *, precise: bool) -> Any:
    try:
        return trafilatura.bare_extraction(
            html, url=url, **{**_TRAFILATURA_OPTIONS, "favor_precision": precise}
        )
    except Exception as error:  # noqa: BLE001 - the parsers raise many unrelated types on bad input
        log.debug("extraction failed for %s: %r", url, error)
        return None


def _cleaned(document: Any, title: str | None) -> tuple[str, tuple[JunkLine, ...]]:
    paragraphs = _drop_headline(_paragraphs(getattr(document, "text", None) or ""), title)
    return split_junk("\n\n".join(paragraphs))


def _meta(document: Any, name: str) -> str | None:
    value = getattr(document, name, None)
    return (value.strip() or None) if isinstance(value, str) else None


# Precision mode sometimes keeps one block of a long article (36 words of a 1,460-word page).
# When the balanced mode finds more prose beyond what precision mode kept than this share of
# it, the balanced reading wins. Prose, not length: the extra lines balanced mode keeps are
# often link lists and teasers, which are not worth trading precision for. Measured on AEB
# and WCXB dev: any share from 0.2 to 0.5 scores within 0.0015 F1 on both, and better than
# comparing lengths alone on both halves of WCXB dev.
_PROSE_GAIN_FOR_BALANCED = 0.5


@dataclass(frozen=True, slots=True)
class _Reading:
    """One trafilatura mode's reading of a page: its document, title, clean text and junk."""

    document: Any
    title: str | None
    text: str
    junk: tuple[JunkLine, ...]


def _reading(html: str | bytes, url: str | None, *, precise: bool) -> _Reading | None:
    document = _trafilatura_document(html, url, precise=precise)
    if document is None:
        return None
    title = _meta(document, "title")
    return _Reading(document, title, *_cleaned(document, title))


def _prose_beyond(text: str, base: str) -> int:
    """Tokens of the prose paragraphs of ``text`` that ``base`` does not have."""
    known = set(base.split("\n"))
    return sum(
        len(_tokens(line)) for line in text.split("\n") if line not in known and _is_prose(line)
    )


def _prefer_balanced(precise: _Reading, balanced: _Reading) -> bool:
    kept = len(_tokens(precise.text))
    return not kept or _prose_beyond(balanced.text, precise.text) > _PROSE_GAIN_FOR_BALANCED * kept


@dataclass(frozen=True, slots=True)
class PageReading:
    """What extraction made of one page: the article (or None) and the junk lines it dropped."""

    article: ArticleText | None
    junk: tuple[JunkLine, ...]


def read_page(html: str | bytes, url: str | None = None) -> PageReading:
    """The page's article and the lines the junk rules took out of it (for measuring them)."""
    if not html or not html.strip():
        return PageReading(None, ())
    chosen = _reading(html, url, precise=True)
    balanced = _reading(html, url, precise=False)
    if balanced is not None and (chosen is None or _prefer_balanced(chosen, balanced)):
        chosen = replace(balanced, title=balanced.title or (chosen.title if chosen else None))
    if chosen is None:
        return PageReading(None, ())
    if not chosen.text:
        return PageReading(None, chosen.junk)
    document = chosen.document
    article = ArticleText(
        text=chosen.text,
        title=chosen.title,
        author=_meta(document, "author"),
        published=_parse_published(_meta(document, "date")),
        image_url=_meta(document, "image"),
        origin="page",
    )
    return PageReading(article, chosen.junk)


def extract_article(html: str | bytes, url: str | None = None) -> ArticleText | None:
    """A fetched article page as its text, title, author, date and lead image.

    ``None`` when the page holds nothing usable. ``url`` (the page's address) helps resolve
    the lead image and metadata; it is never fetched.
    """
    return read_page(html, url).article


# --- junk ------------------------------------------------------------------------------------

_SHARE_WORDS = frozenset(
    str.split(
        """share shares shared sharing this article story page post on via by print tweet email
    e mail facebook twitter x linkedin whatsapp pinterest reddit telegram messenger tumblr flipboard
    pocket sms copy link url save bookmark comments comment the to a friend google plus more
    options close menu search home and or with in opens new window tab icon button send"""
    )
)
_SHARE_MARKERS = frozenset(
    str.split(
        """share shares sharing print tweet email mail facebook twitter linkedin whatsapp pinterest
    reddit telegram messenger tumblr flipboard bookmark comments"""
    )
)


def _phrase_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


_EXACT_JUNK = frozenset(
    _phrase_key(phrase)
    for phrase in (
        "Advertisement",
        "Ad",
        "Ads",
        "Advert",
        "Sponsored",
        "Sponsored content",
        "Promoted",
        "Paid content",
        "Story continues below advertisement",
        "Article continues below advertisement",
        "Article continues below",
        "Continue reading below",
        "Scroll to continue with content",
        "Skip to content",
        "Skip to main content",
        "Skip to navigation",
        "Menu",
        "Main menu",
        "Navigation",
        "Search",
        "Sign in",
        "Log in",
        "Login",
        "Sign up",
        "Register",
        "Subscribe",
        "Subscribe now",
        "Back to top",
        "Go to top",
        "Top",
        "Comments",
        "Comment",
        "Leave a comment",
        "Show comments",
        "View comments",
        "Accept",
        "Accept all",
        "Reject all",
        "Manage preferences",
        "Cookie settings",
        "Got it",
    )
)

# Headings that introduce a list of other stories; the titles after them go with them. Only
# headings that name other stories: "Read more", "See also" or a bare "More" head the article's
# own further-reading lists or buttons as often as lists of other stories.
_LIST_HEADING_RE = re.compile(
    r"""^(?:trending(?:\s+now|\s+stories|\s+news)?|most\s+(?:read|popular|viewed|shared|watched)
    (?:\s+\w+){0,3}|popular(?:\s+now|\s+stories)?
    |related(?:\s+(?:articles?|stories|posts?|news|content|coverage|links?|reading))?
    |more\s+(?:stories|news|from|on|in|like\s+this)(?:\s+\S+){0,4}|you\s+(?:may|might)\s+also
    \s+(?:like|enjoy)|recommended(?:\s+for\s+you)?|don[’']?t\s+miss
    |editor[’']?s?\s+picks?|top\s+stories|latest\s+(?:news|stories)|what\s+to\s+read\s+next
    |also\s+on\s+\S+|tags|share\s+this)\s*[:.…]*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A story title is short; a longer line under a heading is article text.
_LIST_ITEM_MAX_WORDS = 20
_TAG_MAX_WORDS = 5

# A link to another story written as "Related: Headline" or "SEE MORE: Headline". "Read more:"
# and "Also read:" are left alone: many sites put their own further reading, which is part of
# the article, under those labels.
_LINK_LINE_RE = re.compile(
    r"""^\W*(?:related(?:\s+(?:post|article|story|content|coverage|link))?s?|see\s+more|watch
    |listen|recommended|trending|most\s+read|don[’']?t\s+miss)\s*[:|»›>]\s*\S""",
    re.IGNORECASE | re.VERBOSE,
)

# Separators only count when spaced, so "and/or", table rows and code such as "a->b" stay text.
_CRUMB_SEPARATORS_RE = re.compile(r"\s+(?:>|»|›|/|\|)\s+")
# Code and markup are full of separators; a trail of crumbs has none of these.
_CODE_CHARS_RE = re.compile(r"[(){}\[\];=<\"]")
# Without one of these the line is one crumb, not a trail.
_CRUMB_SEPARATORS = (">", "»", "›", "/", "|")
_CALENDAR_RE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*\b"
    r"|\d{1,4}([/.-])\d{1,2}\1\d{1,4}|\bago\b|\byesterday\b|\btoday\b",
    re.IGNORECASE,
)

_MONTHS = "|".join([*MONTH_ABBREVIATIONS, *MONTHS])
_WEEKDAYS = "|".join([*WEEKDAY_ABBREVIATIONS, *WEEKDAYS])
_DATE_WORD_RE = re.compile(
    rf"^(?:{_MONTHS}|{_WEEKDAYS}|\d{{1,4}}(?:st|nd|rd|th)?|\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?"
    # A numeric date keeps one separator throughout, so a rating such as "3.8/5" is no date.
    rf"|\d{{1,4}}/\d{{1,2}}/\d{{1,4}}|\d{{1,4}}\.\d{{1,2}}\.\d{{1,4}}|\d{{1,4}}-\d{{1,2}}-\d{{1,4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}t[\d:.+-]+z?|a\.?m\.?|p\.?m\.?"
    rf"|at|on|of|the|today|yesterday|ago|hours?|hrs?|minutes?|mins?|days?|weeks?|months?"
    rf"|years?|an|a|and)$",
    re.IGNORECASE,
)
# Zone abbreviations are only recognised in capitals, so words like "best" stay words.
_TIMEZONE_RE = re.compile(r"^(?:[A-Z]{1,4}T|UTC|GMT|Z)$")
_DATELINE_PREFIX_RE = re.compile(
    r"^(?:last\s+)?(?:updated|published|posted|modified|first\s+published|last\s+modified"
    r"|created|date|dated|released|uploaded)(?:\s+(?:on|at))?\s*[:|-]?\s*",
    re.IGNORECASE,
)
_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|da|del|la|le|bin|al|el)){0,4}"
# A full name has at least two words, so "By Functionality" (a menu entry) is not a byline.
_FULL_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|da|del|la|le|bin|al|el)){1,4}"
_BYLINE_RE = re.compile(
    # Names must be capitalised, so "By Tuesday, the storm had passed" is not a byline.
    rf"^(?i:by|written\s+by|words\s+by|story\s+by|reported\s+by|posted\s+by|author:?)"
    rf"\s+{_FULL_NAME}"
    rf"(?:\s*(?:,|and|&)\s*{_NAME})*(?:\s*(?:,|\||-|–|—|/)\s*{_NAME})?\s*\.?$"
)
# "Jane Doe, Reuters" / "Jane Doe | CNN": a name, then an outlet; no verbs, no sentence end.
_NAME_OUTLET_RE = re.compile(rf"^{_NAME}\s*(?:,|\||–|—)\s*{_NAME}$")
_NAME_STRICT_RE = re.compile(r"^[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){1,3}$")
# Credits name people: "Editing by hand" is a sentence, "Editing by Tom Brown" a credit.
_CREDIT_RE = re.compile(
    r"""^\(?(?i:(?:additional\s+)?(?:reporting|writing|editing|compiled|produced|edited|written)
    \s+by)\s+[A-Z].{0,250}$
    |^.{0,200}\b(?i:contributed\s+(?:to\s+this\s+(?:report|story|article)
    |(?:additional\s+)?reporting)(?:\s+from\s+[\w\s,.]+)?)\W*$""",
    re.VERBOSE,
)
# "Source: ..." lines are left alone: they cite a chart's or a quote's origin as often as a photo's.
_IMAGE_CREDIT_RE = re.compile(
    r"""^\(?(?:photo|photograph|image|picture|pic|illustration|credit
    |image\s+copyright|image\s+caption|copyright)s?(?:\s+(?:by|credit|courtesy(?:\s+of)?))?
    \s*[:|/-]\s*.{0,120}$
    |^\(?(?:photo|image|picture|illustration)s?\s+(?:by|courtesy(?:\s+of)?|copyright|credit)
    \s+.{0,100}$
    |(?:getty\s+images|shutterstock|\bvia\s+getty\s+images)\W{0,3}$""",
    re.IGNORECASE | re.VERBOSE,
)
# Agency credits closing a caption, e.g. "(AP Photo/Evan Vucci)"; capitals keep "(ePA)" text.
_AGENCY_CREDIT_RE = re.compile(
    r"(?:\((?:AP|AFP|EPA|Reuters|REUTERS|Getty|Photo|PHOTO|Credit|Image)\b[^)]{0,80}\)"
    r"|/\s*(?:AP|AFP|Reuters|REUTERS|EPA))\W{0,3}$"
)
# A caption is short; a paragraph that ends with a credit is still the article's paragraph.
_CAPTION_MAX_WORDS = 40
# A sign-up box speaks to the reader: it asks them to sign up or thanks them for it. A sentence
# that only mentions a newsletter ("The newsletter now has two million readers") is text.
_NEWSLETTER_RE = re.compile(
    r"""^\W*(?:sign\s*up|subscribe|join|get|receive|enter\s+your\s+e-?mail
    |thanks?\s+(?:you\s+)?for\s+(?:signing\s+up|subscribing))\b
    .{0,160}\b(?:newsletters?|inbox|subscribe|updates|e-?mail\s+address)\b
    |^(?:sign\s*up|subscribe)(?:\s+now|\s+today|\s+here)?\W*$
    |^[^.!?]{0,60}\bnewsletters?$
    |^(?:enter\s+your\s+e-?mail|thanks?\s+(?:you\s+)?for\s+(?:signing\s+up|subscribing))
    |\bdelivered\s+(?:straight\s+|directly\s+|right\s+)?to\s+your\s+inbox""",
    re.IGNORECASE | re.VERBOSE,
)
# A sign-up box is a line or two; a long line about newsletters is an article about them.
_SIGNUP_MAX_WORDS = 30
_COOKIE_RE = re.compile(
    r"""\bwe\s+(?:use|value)\s+(?:cookies|your\s+privacy)|\b(?:this|our)\s+(?:web)?site\s+uses
    \s+cookies|\baccept\s+(?:all\s+)?cookies|\bcookie\s+(?:policy|settings|preferences|consent)
    |\bby\s+continuing\s+to\s+(?:use|browse|visit)|\bconsent\s+to\s+(?:the\s+use\s+of\s+)?cookies
    |\bmanage\s+(?:your\s+)?(?:cookie|privacy|consent)""",
    re.IGNORECASE | re.VERBOSE,
)
_BOILERPLATE_RE = re.compile(
    r"""^(?:©|\(c\)|copyright\s*(?:©|\(c\)|\d{4})|all\s+rights\s+reserved)
    |\ball\s+rights\s+reserved\W*$
    |^this\s+(?:copy|material|article)\s+is\s+for\s+your\s+personal,?\s+non-?commercial\s+use
    |^(?:filed\s+under|posted\s+in|categories|category|tags?|topics?)\s*:.{0,200}$
    |^\d+\s+comments?$
    |^(?:\d+\s+)?(?:min(?:ute)?s?\s+read|reading\s+time\b.{0,30})$
    |^(?:reading\s+time|estimated\s+reading\s+time)\s*:.{0,30}$
    |^(?:like\s+this\s+(?:story|article)|enjoyed\s+this\s+(?:story|article)|if\s+you\s+enjoyed
    \s+this\s+article).{0,400}$
    |^(?:follow|like|connect\s+with|reach|e-?mail|contact)\b.{0,200}
    (?:\b(?:twitter|facebook|instagram|linkedin|youtube|tiktok|telegram)\b|\s@\w|https?://).{0,200}$
    |^(?:have\s+a\s+(?:news\s+)?tip|got\s+a\s+(?:news\s+)?tip)\b.{0,200}$""",
    re.IGNORECASE | re.VERBOSE,
)
# Quote-sharing widgets glue their label to the quoted sentence.
_CLICK_TO_TWEET_RE = re.compile(r"\s*click\s+to\s+tweet\s*$", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*$")
# Braces, brackets and semicolons alone on a line close code blocks; they are not ornament.
_CODE_PUNCTUATION = frozenset("{}()[];")
# A numbered list item ("1. Facebook") is an entry of the article's own list.
_NUMBERED_RE = re.compile(r"^\s*\d+[.)]\s")

# Bylines, datelines and crumbs sit above or below the article; within it, a line that looks
# like one is a list item (a name and an affiliation, a year) and stays.
_EDGE_LINES = 4


def _words(line: str) -> list[str]:
    return re.findall(r"[\w'’]+", line)


def _is_prose(line: str) -> bool:
    # A sentence: several words and a sentence ending; list titles and labels are neither.
    return len(_words(line)) >= 8 and _SENTENCE_END_RE.search(line) is not None


def _is_share_bar(line: str) -> bool:
    if _NUMBERED_RE.match(line):
        return False
    words = [w.casefold() for w in re.findall(r"\w+", line)]
    return (
        0 < len(words) <= 12
        and all(w in _SHARE_WORDS or w.isdigit() for w in words)
        and any(w in _SHARE_MARKERS for w in words)
    )


def _is_crumbs(line: str) -> bool:
    if line.startswith("|") or _CODE_CHARS_RE.search(line):
        return False
    parts = [p for p in _CRUMB_SEPARATORS_RE.split(line) if p]
    return len(parts) >= 3 and all(
        len(_words(p)) <= 4 and not _SENTENCE_END_RE.search(p) for p in parts
    )


def _is_dateline(line: str) -> bool:
    body = _DATELINE_PREFIX_RE.sub("", line, count=1)
    prefixed = body != line
    # A trailing "by Jane Doe" is part of many datelines.
    body = re.sub(rf"\s+by\s+{_NAME}\s*$", "", body)
    tokens = [t for t in re.split(r"[\s,|•·–—()\[\]]+|(?<=\w)-(?=\s)", body) if t and t != "-"]
    if not tokens or len(tokens) > 14:
        return False
    if not all(_DATE_WORD_RE.match(t.rstrip(".")) or _TIMEZONE_RE.match(t) for t in tokens):
        return False
    if prefixed:
        return len(tokens) <= 4 or any(ch.isdigit() for ch in body)
    # A bare clock time often heads an entry of a live blog, a bare year an entry of a timeline;
    # only a calendar date is a dateline.
    return _CALENDAR_RE.search(body) is not None and any(ch.isdigit() for ch in body)


def _is_byline(line: str) -> bool:
    if len(line) > 120:
        return False
    if _BYLINE_RE.match(line):
        return True
    if _NAME_OUTLET_RE.match(line):
        name, _, outlet = re.split(r"\s*(,|\||–|—)\s*", line, maxsplit=1)
        return bool(_NAME_STRICT_RE.match(name)) and len(_words(outlet)) <= 4
    return False


# Characters IGNORECASE matching equates with an ASCII letter that ``str.lower`` does not
# turn into that letter; folding them makes the keyword checks below exact.
_ASCII_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
# Every alternative of _COOKIE_RE contains one of these.
_COOKIE_WORDS = ("cookie", "privacy", "consent", "continuing")


def _is_exact_junk(line: str) -> bool:
    return _phrase_key(line) in _EXACT_JUNK


def _is_ornament(line: str) -> bool:
    # Rules, table separators and arrows carry nothing to read. "___" is a word to the
    # benchmarks' tokenizers and stays.
    return not any(ch.isalnum() or ch == "_" or ch in _CODE_PUNCTUATION for ch in line)


def _is_link_line(line: str) -> bool:
    return _LINK_LINE_RE.match(line) is not None and not _is_long_prose(line)


def _is_credit(line: str) -> bool:
    if len(_words(line)) > _CAPTION_MAX_WORDS:
        return False
    low = line.translate(_ASCII_FOLD).lower()
    return bool(
        _CREDIT_RE.search(line)
        or _AGENCY_CREDIT_RE.search(line)
        or _IMAGE_CREDIT_RE.match(line)
        or (("getty" in low or "shutterstock" in low) and _IMAGE_CREDIT_RE.search(line))
    )


def _is_signup(line: str) -> bool:
    if len(_words(line)) > _SIGNUP_MAX_WORDS:
        return False
    low = line.translate(_ASCII_FOLD).lower()
    return bool(
        _NEWSLETTER_RE.match(line)
        or (("newsletter" in low or "deliver" in low) and _NEWSLETTER_RE.search(line))
    )


def _is_cookie_notice(line: str) -> bool:
    low = line.translate(_ASCII_FOLD).lower()
    return (
        len(line) < 400 and any(w in low for w in _COOKIE_WORDS) and bool(_COOKIE_RE.search(line))
    )


def _is_boilerplate(line: str) -> bool:
    """Copyright lines, tag lists, reading times, follow-us and tip-line appeals.

    Searching the patterns along a whole line of prose is most of the cleaning cost. The
    alternatives that start with ``^`` can only match at the start (``match``); the others
    contain "rights", so the search runs only when that word is present.
    """
    if len(line) >= 400:
        return False
    low = line.translate(_ASCII_FOLD).lower()
    return bool(_BOILERPLATE_RE.match(line) or ("rights" in low and _BOILERPLATE_RE.search(line)))


def _is_list_item(line: str) -> bool:
    # A story title, or a line of tags ("stock car 2018, stock car brasil, ...").
    if _is_prose(line):
        return False
    if len(_words(line)) <= _LIST_ITEM_MAX_WORDS:
        return True
    return all(len(_words(part)) <= _TAG_MAX_WORDS for part in line.split(","))


def _is_long_prose(line: str) -> bool:
    return len(_words(line)) >= 30 and _is_prose(line)


JunkRule = Callable[[str], bool]

# Rules that hold wherever the line is, in the order they are tried; the name is what
# ``split_junk`` reports.
_LINE_RULES: tuple[tuple[str, JunkRule], ...] = (
    ("ornament", _is_ornament),
    ("label", _is_exact_junk),
    ("share bar", _is_share_bar),
    ("link to a story", _is_link_line),
    ("credit", _is_credit),
    ("sign-up", _is_signup),
    ("cookie notice", _is_cookie_notice),
    ("boilerplate", _is_boilerplate),
)
# Rules that only hold in the first or last lines of the text.
_EDGE_RULES: tuple[tuple[str, JunkRule], ...] = (
    ("crumbs", _is_crumbs),
    ("dateline", _is_dateline),
    ("byline", _is_byline),
)


@dataclass(frozen=True, slots=True)
class JunkLine:
    """A line ``split_junk`` removed and the name of the rule that removed it."""

    line: str
    rule: str


def _junk_rule(line: str, *, at_edge: bool) -> str | None:
    for name, rule in _LINE_RULES + (_EDGE_RULES if at_edge else ()):
        if rule(line):
            return name
    return None


def split_junk(text: str) -> tuple[str, tuple[JunkLine, ...]]:
    """``text`` without page furniture, and the lines that were taken out (with their rule).

    Furniture is share bars, crumbs, lists of other stories, sign-up and cookie boxes, ads,
    image credits, bylines and datelines; sentences of prose are kept.
    """
    lines = [_CLICK_TO_TWEET_RE.sub("", raw).strip() for raw in text.split("\n")]
    filled = [i for i, line in enumerate(lines) if line]
    edges = set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])
    kept: list[str] = []
    removed: list[JunkLine] = []
    in_list = False
    for index, line in enumerate(lines):
        if not line:
            kept.append("")
            continue
        if _LIST_HEADING_RE.match(line):
            # The heading and the story titles under it go; a sentence or a long line ends it.
            in_list = True
            removed.append(JunkLine(line, "list of other stories"))
            continue
        if in_list and _is_list_item(line):
            removed.append(JunkLine(line, "list of other stories"))
            continue
        in_list = False
        rule = _junk_rule(line, at_edge=index in edges)
        if rule is None:
            kept.append(line)
        else:
            removed.append(JunkLine(line, rule))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip(), tuple(removed)


def remove_junk(text: str) -> str:
    """Text with page furniture removed (see ``split_junk``); sentences of prose are kept."""
    return split_junk(text)[0]
