"""Telling a web page from a feed, and finding the feed a page links to.

A new user often gives a site's address where a feed's is expected. Rather than a parser's
"mismatched tag", they are told it is an HTML page and, when the page names its feed with
``<link rel="alternate" type="application/rss+xml" href=...>``, which URL to use instead;
``/feed add`` follows that link itself.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from digests.errors import FeedError, ParseError
from digests.fetch import Fetcher
from digests.parse import parse_feed
from digests.records import FetchResult, FoundFeed, ParsedFeed

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/rdf+xml",
    }
)
# The head of a page is enough to find its <link> tags; a huge page is not read whole.
_SCAN_BYTES = 512 * 1024
_LEADING = re.compile(rb"^(?:\s|<!--.*?-->|<\?xml[^>]*\?>)*", re.DOTALL)
_HTML_START = re.compile(rb"^<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.IGNORECASE)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:rdf)[\s>]", re.IGNORECASE)


def is_html_page(body: bytes, content_type: str | None = None) -> bool:
    """Whether a body is a web page rather than a feed: it starts as HTML does, or it is
    served as text/html without any feed root element near its start."""
    head = body[:4096].removeprefix(b"\xef\xbb\xbf")
    leading = _LEADING.match(head)
    start = head[leading.end() :] if leading else head
    if _HTML_START.match(start):
        return True
    served_html = (content_type or "").split(";")[0].strip().lower() == "text/html"
    return served_html and not _FEED_ROOT.search(head) and not start.startswith(b"{")


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        rel = values.get("rel", "").lower().split()
        kind = values.get("type", "").split(";")[0].strip().lower()
        href = values.get("href", "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            self.hrefs.append(href)


def feed_links(body: bytes, base_url: str) -> list[str]:
    """The http(s) feed URLs a page names in ``<link rel="alternate">`` tags, in page order."""
    finder = _LinkFinder()
    # Pages declare their charset in many ways; URLs are ASCII in practice, so a lossy
    # decode loses nothing that matters here.
    finder.feed(body[:_SCAN_BYTES].decode("utf-8", errors="replace"))
    finder.close()
    found: list[str] = []
    for href in finder.hrefs:
        url = urljoin(base_url, href)
        try:
            scheme = urlsplit(url).scheme.lower()
        except ValueError:
            continue
        if scheme in ("http", "https") and url not in found:
            found.append(url)
    return found


def html_page_message(body: bytes, url: str) -> str:
    """What to tell a user who gave this page as a feed: that it is a page, and its feed."""
    links = feed_links(body, url)
    if not links:
        return "this is an HTML page, not a feed (and it links to no feed)"
    return f"this is an HTML page, not a feed; the page links to its feed at {links[0]}"


async def find_feed(fetcher: Fetcher, url: str) -> FoundFeed:
    """The feed at ``url``, or the one the page at ``url`` links to, fetched and read.

    Raises ``FeedError`` with a message for the user when neither is a readable feed.
    """
    result = await fetcher.fetch(url, kind="feed")
    body = result.body or b""
    if not body:
        raise ParseError(f"{url[:100]} answered without a body")
    if not is_html_page(body, result.content_type):
        return FoundFeed(url, read_result(result))
    links = feed_links(body, result.final_url)
    if not links:
        raise ParseError(html_page_message(body, result.final_url))
    failures: list[str] = []
    # A page may name several feeds (posts, comments); the first readable one is taken.
    for link in links[:3]:
        try:
            found = await fetcher.fetch(link, kind="feed")
            return FoundFeed(link, read_result(found), page=url)
        except FeedError as exc:
            failures.append(f"{link}: {exc}")
    raise ParseError(
        "this is an HTML page, not a feed, and the feeds it links to could not be read: "
        + "; ".join(failures)
    )


def read_result(result: FetchResult) -> ParsedFeed:
    """A fetched body read as a feed; ParseError, saying so, when it is a web page."""
    return read_feed(result.body or b"", url=result.final_url, content_type=result.content_type)


def read_feed(body: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """``parse_feed``, except that a web page is reported as one (naming the feed it links
    to) instead of as whatever the XML parser tripped on."""
    try:
        parsed = parse_feed(body, url=url, content_type=content_type)
    except ParseError:
        if is_html_page(body, content_type):
            raise ParseError(html_page_message(body, url)) from None
        raise
    # Lenient parsing can read a page's <title> as a feed's: no entries and no feed
    # version means it was not a feed.
    if not parsed.entries and not parsed.version and is_html_page(body, content_type):
        raise ParseError(html_page_message(body, url))
    return parsed
