"""Article pages: trafilatura's readings of a page, the choice between them, and the article.

Pure: a page's HTML in, a record out; the page is never fetched here. A page with nothing
usable gives ``None``. Choosing a reading (``_prefer_balanced``) and dropping a repeated
headline are pure functions of the readings' text; only ``_trafilatura_document`` calls the
extraction library.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from digests.clock import ensure_utc
from digests.junk import SENTENCE_END_RE, JunkLine, is_prose, split_junk
from digests.records import ArticleText
from digests.text import one_line

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


def _paragraphs(raw: str) -> list[str]:
    return [line for line in (one_line(part) for part in raw.split("\n")) if line]


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
    if SENTENCE_END_RE.search(paragraph):
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
    # Imported when first needed: pages are read by the reading pool's processes (which load
    # it in ``reader_preload``), so the process running the bot never holds its 40 MB.
    import trafilatura

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
        len(_tokens(line)) for line in text.split("\n") if line not in known and is_prose(line)
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
        language=page_language(html),
    )
    return PageReading(article, chosen.junk)


# The root element's lang attribute (xml:lang in XHTML), looked for near the page's start.
_HTML_LANG_RE = re.compile(
    rb"<html\b[^>]*?\s(?:xml:)?lang\s*=\s*[\"']?\s*([A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*)",
    re.IGNORECASE,
)
_LANG_SCAN_BYTES = 4096


def page_language(html: str | bytes) -> str | None:
    """The language a page declares in ``<html lang>``, as written there; None when none."""
    head = html[:_LANG_SCAN_BYTES]
    raw = head.encode("utf-8", "replace") if isinstance(head, str) else head
    match = _HTML_LANG_RE.search(raw)
    return match.group(1).decode("ascii") if match else None


def extract_article(html: str | bytes, url: str | None = None) -> ArticleText | None:
    """A fetched article page as its text, title, author, date and lead image.

    ``None`` when the page holds nothing usable. ``url`` (the page's address) helps resolve
    the lead image and metadata; it is never fetched.
    """
    return read_page(html, url).article
