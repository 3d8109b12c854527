"""Feed parsing: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed through json."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import html
import io
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from digests.boilerplate import site_names, strip_site_suffix, unwrap_redirect
from digests.errors import ParseError
from digests.records import ParsedEntry, ParsedFeed
from digests.text import truncate

UNTITLED = "(untitled)"
_JSON_FEED_VERSIONS = {
    "https://jsonfeed.org/version/1": "json1",
    "https://jsonfeed.org/version/1.1": "json11",
}
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".svg")
# The prolog ends where the first element starts (the split feedparser makes too).
_FIRST_ELEMENT = re.compile(r"<\w")
_ENTITY_DECL = re.compile(r"<!ENTITY\b", re.IGNORECASE)
_ENTITY_BYTES = re.compile(rb"<!ENTITY\b", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!DOCTYPE\s+([\w:.-]+)", re.IGNORECASE)
_XML_DECL = re.compile(r"\A((?:\ufeff|\xef\xbb\xbf)?\s*<\?xml[^>]*\?>)")
# An entity kept for the parsers: a short literal or a single character reference. Its
# expansion can then never be much larger than the reference itself.
_SAFE_ENTITY = re.compile(
    r"<!ENTITY\s+(\w+)\s+(\"(?:[^&<%\"]{0,8}|&#\d{1,7};|&#x[0-9a-fA-F]{1,6};)\")\s*>"
)
_WIDE_CODECS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\x3c\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00\x3c", "utf-32-be"),
    (b"\x3c\x00", "utf-16-le"),
    (b"\x00\x3c", "utf-16-be"),
)


def parse_feed(body: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Read a feed body into records; ParseError when nothing in it can be read as a feed."""
    try:
        if _looks_like_json(body):
            return _parse_json_feed(body, url)
        return _parse_xml_feed(body, url, content_type)
    except ParseError:
        raise
    except Exception as exc:  # a parser bug must not take the whole refresh down
        raise ParseError(f"cannot read feed: {type(exc).__name__}: {_clip(str(exc))}") from exc


def entry_headline(entry: ParsedEntry) -> str:
    """The headline an entry gives its article: empty for the parser's placeholder, so that
    one is made from the text instead."""
    return "" if entry.title == UNTITLED else entry.title.strip()


# --- XML feeds ----------------------------------------------------------------------------


def _parse_xml_feed(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
    # Imported when first needed, like trafilatura in ``extract``: feeds are parsed in the
    # reading pool's processes.
    import feedparser

    headers: dict[str, str] = {}
    if content_type:
        headers["content-type"] = content_type
    # No content-location on purpose: feedparser would also "resolve" opaque guids against
    # it, changing entry ids; entry and feed links are made absolute below instead.
    # Whitespace before the XML declaration is common and would force the slower, lossier
    # loose parser; only ASCII-compatible bodies can start like this.
    if body[:1].isspace() and body.lstrip()[:5] == b"<?xml":
        body = body.lstrip()
    body = defuse_entities(body)
    # A BytesIO, never raw bytes or str: feedparser would treat those as a path or URL.
    # Relative URIs in entry HTML are left as sent: the HTML is only read as text, links are
    # made absolute below, and resolving them re-serialised every entry's HTML (a third of
    # feedparser's time). The sanitizer stays: entry hashes are of its output, and a changed
    # hash has a teaser's page fetched again.
    result = feedparser.parse(
        io.BytesIO(body), response_headers=headers, resolve_relative_uris=False
    )
    feed = dict.get(result, "feed") or {}
    raw_entries = dict.get(result, "entries") or []
    version = dict.get(result, "version") or None
    bozo = dict.get(result, "bozo")
    warning = _bozo_reason(dict.get(result, "bozo_exception")) if bozo else None
    raw_title = dict.get(feed, "title")
    title = _clean_title(raw_title) if isinstance(raw_title, str) and raw_title.strip() else None
    if not raw_entries and not version and not title:
        raise ParseError(f"not a feed: {warning or 'no feed elements found'}")
    link = _absolute(dict.get(feed, "link"), url)
    declared = _string(dict.get(feed, "language"))
    dates = _DateReader(_language(declared))
    entries = _without_site_names(
        (_xml_entry(entry, url, dates, declared) for entry in raw_entries),
        site_names(title, link, url),
    )
    return ParsedFeed(title=title, link=link, entries=entries, warning=warning, version=version)


def defuse_entities(body: bytes) -> bytes:
    """The body with every DTD entity declaration dropped except tiny literal ones.

    feedparser keeps "safe" declared entities and its fallback parser expands them without
    limit, so one 100 kB entity referenced a thousand times is 100 MB of text (and a billion
    laughs needs no nesting then). External and parameter entities go as well.
    """
    codec, bom = _codec_of(body)
    if codec == "latin-1" and not _ENTITY_BYTES.search(body):
        return body  # the common case, decided without decoding
    # latin-1 maps every byte to one character, so the round trip is exact.
    text = body[len(bom) :].decode(codec, errors="replace")
    first = _FIRST_ELEMENT.search(text)
    head = text[: first.start()] if first else text
    if not _ENTITY_DECL.search(head):
        return body
    declaration = _XML_DECL.match(head)
    doctype = _DOCTYPE.search(head)
    root = doctype.group(1) if doctype else "rss"
    # One declaration a line: feedparser only finds them at the start of a line.
    subset = "".join(f"<!ENTITY {name} {value}>\n" for name, value in _SAFE_ENTITY.findall(head))
    new_head = (declaration.group(1) + "\n" if declaration else "") + (
        f"<!DOCTYPE {root} [\n{subset}]>\n" if subset else ""
    )
    return bom + (new_head + text[len(head) :]).encode(codec, errors="replace")


def _codec_of(body: bytes) -> tuple[str, bytes]:
    """How to read the prolog: a UTF-16/32 codec (and its BOM) or byte-transparent latin-1."""
    for prefix, codec in _WIDE_CODECS:
        if body.startswith(prefix):
            is_bom = prefix[:2] in (b"\xff\xfe", b"\xfe\xff") or prefix == b"\x00\x00\xfe\xff"
            return codec, prefix if is_bom else b""
    return "latin-1", b""


def _xml_entry(
    entry: dict[str, Any], feed_url: str, read_date: _DateReader, feed_language: str | None
) -> ParsedEntry:
    # dict.get skips FeedParserDict's key aliasing, which warns about updated/published.
    get = entry.get if type(entry) is dict else functools.partial(dict.get, entry)
    link = unwrap_redirect(_absolute(get("link"), feed_url))
    title = _clean_title(get("title"))
    contents = [_text(dict.get(c, "value")) for c in get("content") or () if isinstance(c, dict)]
    contents.append(_text(get("summary")))
    content_html = max(contents, key=len)
    updated = _from_struct(get("updated_parsed")) or read_date(get("updated"))
    published = _from_struct(get("published_parsed")) or read_date(get("published"))
    image_url = _absolute(_xml_image(get), feed_url)
    entry_id = (
        _text(get("id"))
        or link
        or _content_id(title, get("published") or get("updated"), content_html, _enclosure(get))
    )
    return ParsedEntry(
        entry_id=entry_id,
        url=link,
        title=title,
        author=_text(get("author")) or None,
        # RSS 1.0 (dc:date) and many Atom feeds only carry an update time; it is the best
        # available publication date for them.
        published=published or updated,
        updated=updated,
        content_html=content_html,
        image_url=image_url,
        categories=_categories(
            dict.get(t, "term") for t in get("tags") or () if isinstance(t, dict)
        ),
        language=_entry_language(get) or feed_language,
    )


def _entry_language(get: Callable[[str], Any]) -> str | None:
    """The language an entry's own content or title declares (Atom's xml:lang)."""
    for detail in (*(get("content") or ()), get("summary_detail"), get("title_detail")):
        if isinstance(detail, dict):
            language = _string(dict.get(detail, "language"))
            if language:
                return language
    return None


def _enclosure(get: Callable[[str], Any]) -> str | None:
    # An image is often the same for every item; only a media file names one episode.
    for link in get("links") or ():
        kind = str(dict.get(link, "type") or "").lower()
        href = dict.get(link, "href")
        if dict.get(link, "rel") == "enclosure" and href and not kind.startswith("image/"):
            return str(href)
    return None


def _xml_image(get: Callable[[str], Any]) -> str | None:
    for media in get("media_content") or ():
        url = dict.get(media, "url")
        medium = str(dict.get(media, "medium") or "").lower()
        kind = str(dict.get(media, "type") or "").lower()
        if url and (
            medium == "image"
            or kind.startswith("image/")
            or (not medium and not kind and _has_image_suffix(url))
        ):
            return str(url)
    for thumb in get("media_thumbnail") or ():
        if url := dict.get(thumb, "url"):
            return str(url)
    for link in get("links") or ():
        if (
            dict.get(link, "rel") == "enclosure"
            and str(dict.get(link, "type") or "").lower().startswith("image/")
            and dict.get(link, "href")
        ):
            return str(dict.get(link, "href"))
    image = get("image")
    if isinstance(image, dict) and dict.get(image, "href"):
        return str(dict.get(image, "href"))
    return None


def _bozo_reason(exc: object) -> str:
    if exc is None:
        return "malformed feed"
    message = _SPACE.sub(" ", str(exc)).strip()
    name = type(exc).__name__
    return _clip(f"{name}: {message}" if message else name)


def _from_struct(value: object) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


# --- JSON Feed ----------------------------------------------------------------------------


def _looks_like_json(body: bytes) -> bool:
    # Decided by the body alone: servers often label feeds with the wrong content type.
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"not a feed: invalid JSON ({_clip(str(exc))})") from None
    if not isinstance(data, dict):
        raise ParseError("not a feed: JSON is not an object")
    version = _JSON_FEED_VERSIONS.get(str(data.get("version", "")).rstrip("/"))
    if version is None:
        raise ParseError("not a feed: JSON without a JSON Feed version")
    items = data.get("items")
    warning = None
    if not isinstance(items, list):
        items, warning = [], "JSON Feed without an items list"
    declared = _string(data.get("language"))
    dates = _DateReader(_language(declared))
    entries = [
        dataclasses.replace(
            _json_entry(item, url, dates), language=_string(item.get("language")) or declared
        )
        for item in items
        if isinstance(item, dict)
    ]
    if len(entries) < len(items):
        warning = "some JSON Feed items are not objects"
    raw_title = data.get("title")
    title = _clean_title(raw_title) if isinstance(raw_title, str) and raw_title.strip() else None
    link = _absolute(_string(data.get("home_page_url")), url)
    return ParsedFeed(
        title=title,
        link=link,
        entries=_without_site_names(entries, site_names(title, link, url)),
        warning=warning,
        version=version,
    )


def _json_entry(item: Mapping[str, Any], feed_url: str, read_date: _DateReader) -> ParsedEntry:
    link = unwrap_redirect(
        _absolute(_string(item.get("url")) or _string(item.get("external_url")), feed_url)
    )
    title = _clean_title(_string(item.get("title")))
    published = _from_iso(item.get("date_published"), read_date)
    text_content = _string(item.get("content_text"))
    contents = [
        _string(item.get("content_html")) or "",
        html.escape(text_content).replace("\n", "<br>") if text_content else "",
        _string(item.get("summary")) or "",
    ]
    content_html = max(contents, key=len)
    entry_id = (
        _string(item.get("id"))
        or (str(item["id"]) if isinstance(item.get("id"), int | float) else None)
        or link
        or _content_id(title, item.get("date_published"), content_html, _json_attachment(item))
    )
    return ParsedEntry(
        entry_id=entry_id,
        url=link,
        title=title,
        author=_json_author(item),
        published=published,
        updated=_from_iso(item.get("date_modified"), read_date),
        content_html=content_html,
        image_url=_absolute(_json_image(item), feed_url),
        categories=_categories(tags if isinstance(tags := item.get("tags"), list) else ()),
    )


def _categories(terms: Iterable[object]) -> tuple[str, ...]:
    # Feeds repeat a category in several spellings or schemes; each text is kept once.
    return tuple(dict.fromkeys(t for t in (_text(term) for term in terms) if t))


def _json_attachment(item: Mapping[str, Any]) -> str | None:
    for attachment in item.get("attachments") or ():
        if not isinstance(attachment, dict):
            continue
        kind = str(attachment.get("mime_type") or "").lower()
        if (url := _string(attachment.get("url"))) and not kind.startswith("image/"):
            return url
    return None


def _json_author(item: Mapping[str, Any]) -> str | None:
    authors = item.get("authors")
    candidates: Iterable[object] = authors if isinstance(authors, list) else [item.get("author")]
    names = [
        _string(a.get("name")) for a in candidates if isinstance(a, dict) and _string(a.get("name"))
    ]
    return ", ".join(n for n in names if n) or None


def _json_image(item: Mapping[str, Any]) -> str | None:
    for key in ("image", "banner_image"):
        if value := _string(item.get(key)):
            return value
    for attachment in item.get("attachments") or ():
        if (
            isinstance(attachment, dict)
            and str(attachment.get("mime_type") or "").startswith("image/")
            and _string(attachment.get("url"))
        ):
            return _string(attachment.get("url"))
    return None


def _from_iso(value: object, read_date: _DateReader) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        # JSON Feed asks for RFC 3339, but feeds also send RFC 822 and local formats.
        return read_date(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# --- dates feedparser cannot read ---------------------------------------------------------

# The languages tried on a date string: those of most news sites. Naming them keeps a call
# to a few milliseconds; letting dateparser guess among all of its 200 loads every one of
# them first (over a second). Each also covers its regional variants ("pt" for pt-BR).
_DATE_LANGUAGES = tuple(
    "en es pt fr de it nl sv da nb fi pl cs sk hu ro hr sl sr bg ru uk el tr id ms vi ca eu gl"
    " et lv lt ja zh ko ar he fa hi th".split()
)
_DATE_SETTINGS: dict[str, Any] = {
    "TIMEZONE": "UTC",
    "TO_TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": True,
    # Relative dates ("2 hours ago") and missing parts would be filled from the wall clock,
    # so the same feed would give different dates on different days.
    "PARSERS": ["custom-formats", "absolute-time"],
    "REQUIRE_PARTS": ["day", "month", "year"],
}
_DATE_MAX_CHARS = 80
_DIGIT = re.compile(r"\d")


def _language(value: object) -> str | None:
    """A feed's declared language as a dateparser language code ("pt-BR" is "pt")."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


@functools.cache
def _date_parser(languages: tuple[str, ...]) -> Any:
    # Imported on first use: most feeds never need it, and it costs a tenth of a second.
    import dateparser

    return dateparser.DateDataParser(
        languages=list(languages), settings=_DATE_SETTINGS, try_previous_locales=True
    )


class _DateReader:
    """Reads one feed's date strings that feedparser and ``fromisoformat`` do not read:
    RFC 822 in a JSON Feed, or month and day names in other languages ("mer, 16 nov 2022").

    The feed's declared language is tried first, then the language its last date was
    found in, then all of ``_DATE_LANGUAGES``: one language's names cost a few milliseconds
    a date, all of them several times that. Dates come back as aware UTC (a date without a
    zone is taken as UTC), or None when unreadable.
    """

    def __init__(self, language: str | None = None) -> None:
        self.language = language

    def __call__(self, value: object) -> datetime | None:
        if not isinstance(value, str):
            return None
        text = value.strip()
        # A date has a day and a year in digits; long strings are prose, not dates.
        if not text or len(text) > _DATE_MAX_CHARS or not _DIGIT.search(text):
            return None
        if self.language:
            parsed, _ = _read_date(text, (self.language, "en"))
            if parsed is not None:
                return parsed
        parsed, locale = _read_date(text, _DATE_LANGUAGES)
        if locale:
            self.language = locale.split("-")[0]
        return parsed


@functools.lru_cache(maxsize=4096)
def _read_date(text: str, languages: tuple[str, ...]) -> tuple[datetime | None, str | None]:
    try:
        data = _date_parser(languages).get_date_data(text)
    except Exception:  # noqa: BLE001 - the library raises many types on odd strings
        return None, None
    parsed = data.date_obj
    if not isinstance(parsed, datetime):
        return None, None
    utc = parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return utc, data.locale if isinstance(data.locale, str) else None


# --- shared helpers -----------------------------------------------------------------------


def _plain(markup: str) -> str:
    """Markup as one line of text: tags dropped, entities read, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()


def _clean_title(value: object) -> str:
    if not isinstance(value, str):
        return UNTITLED
    return _plain(value) or UNTITLED


def _absolute(link: object, base: str) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    link = link.strip()
    if urlsplit(link).scheme or not _is_web_url(base):
        return link
    return urljoin(base, link)


def _is_web_url(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def _content_id(title: str, date: object, content_html: str, enclosure: str | None) -> str:
    """The id of an entry with neither guid nor link: a hash of what it says.

    Two items differ when their title, date or text differ, so distinct untitled items stay
    distinct. An edit to such an item's text makes it a new item: with nothing else naming
    it, its words are its identity. Markup and whitespace are left out of the hash, so a feed
    that only re-wraps the HTML keeps the id. A podcast's enclosure names its episode, so
    when there is one it is the id, and edits to the show notes keep it.
    """
    if enclosure:
        return "sha1:" + hashlib.sha1(f"enclosure\x00{enclosure}".encode()).hexdigest()
    seed = f"{title}\x00{date or ''}\x00{_plain(content_html)}".encode()
    return "sha1:" + hashlib.sha1(seed).hexdigest()


def _without_site_names(
    entries: Iterable[ParsedEntry], names: frozenset[str]
) -> tuple[ParsedEntry, ...]:
    """Entries whose titles no longer end in the site's own name (" - SpaceNews.com")."""
    return tuple(dataclasses.replace(e, title=strip_site_suffix(e.title, names)) for e in entries)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _string(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _has_image_suffix(url: object) -> bool:
    return isinstance(url, str) and urlsplit(url).path.lower().endswith(_IMAGE_SUFFIXES)


def _clip(text: str, limit: int = 200) -> str:
    return truncate(text, limit, marker="...", word_cut=None, trim="")
