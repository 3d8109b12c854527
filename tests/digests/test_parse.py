"""parse_feed on inline RSS, Atom and JSON Feed documents, and on the shared real feeds."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from digests.config import FetchConfig
from digests.errors import FeedError, ParseError
from digests.fetch import Fetcher
from digests.parse import parse_feed
from digests.records import ParsedFeed

FEED_URL = "https://news.example.org/feeds/all.xml"

RSS20 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Example News</title>
  <link>https://news.example.org/</link>
  <description>All the news</description>
  <item>
    <title>Council &lt;b&gt;approves&lt;/b&gt; budget</title>
    <link>/2025/01/budget</link>
    <guid isPermaLink="false">budget-2025</guid>
    <dc:creator>Ana Lopez</dc:creator>
    <pubDate>Mon, 06 Jan 2025 10:00:00 +0200</pubDate>
    <description>Short teaser.</description>
    <content:encoded><![CDATA[<p>The council approved the budget on Monday.</p>]]></content:encoded>
    <media:thumbnail url="https://cdn.example.org/budget.jpg"/>
  </item>
  <item>
    <title></title>
    <link>https://news.example.org/2025/01/untitled</link>
    <description>No title here.</description>
    <enclosure url="https://cdn.example.org/photo.png" type="image/png" length="100"/>
  </item>
</channel>
</rss>
"""

RSS10 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.org/">
    <title>RDF Site</title>
    <link>https://rdf.example.org/</link>
    <description>RSS 1.0</description>
    <items><rdf:Seq><rdf:li rdf:resource="https://rdf.example.org/a"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://rdf.example.org/a">
    <title>RDF item</title>
    <link>https://rdf.example.org/a</link>
    <description>An RSS 1.0 item.</description>
    <dc:date>2025-01-06T08:30:00Z</dc:date>
  </item>
</rdf:RDF>
"""

RSS091 = b"""<?xml version="1.0"?>
<rss version="0.91">
  <channel>
    <title>Old School</title>
    <link>http://old.example.org/</link>
    <description>RSS 0.91</description>
    <language>en-us</language>
    <item>
      <title>Vintage item</title>
      <link>http://old.example.org/vintage</link>
      <description>From the nineties.</description>
    </item>
  </channel>
</rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
  <title>Atom Example</title>
  <link href="https://atom.example.org/"/>
  <id>urn:uuid:feed</id>
  <updated>2025-01-06T12:00:00Z</updated>
  <entry>
    <title type="html">Rates &lt;em&gt;held&lt;/em&gt;</title>
    <link rel="alternate" href="posts/rates"/>
    <id>urn:uuid:rates</id>
    <updated>2025-01-06T11:00:00-05:00</updated>
    <author><name>Sam Roe</name></author>
    <summary>Short.</summary>
    <content type="html">&lt;p&gt;The central bank held rates steady.&lt;/p&gt;</content>
    <media:content url="https://atom.example.org/rates.jpg" medium="image"/>
  </entry>
</feed>
"""

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "JSON Example",
    "home_page_url": "https://json.example.org/",
    "items": [
        {
            "id": "42",
            "url": "/posts/42",
            "title": "Bridge reopens",
            "content_html": "<p>The bridge reopened to traffic on Monday morning.</p>",
            "summary": "Bridge open.",
            "date_published": "2025-01-06T09:00:00+01:00",
            "date_modified": "2025-01-06T10:00:00Z",
            "authors": [{"name": "Kim Park"}],
            "image": "https://json.example.org/bridge.jpg",
        },
        {"url": "https://json.example.org/posts/43", "content_text": "Plain <text> & more"},
    ],
}


# --- formats -------------------------------------------------------------------------------


def test_rss20_entry_fields() -> None:
    feed = parse_feed(RSS20, url=FEED_URL)
    entry = feed.entries[0]

    assert (feed.title, feed.link, feed.version, feed.warning) == (
        "Example News",
        "https://news.example.org/",
        "rss20",
        None,
    )
    assert entry.entry_id == "budget-2025"
    assert entry.url == "https://news.example.org/2025/01/budget"
    assert entry.title == "Council approves budget"
    assert entry.author == "Ana Lopez"
    assert entry.published == datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    assert "approved the budget" in entry.content_html
    assert entry.image_url == "https://cdn.example.org/budget.jpg"


def test_rss20_empty_title_becomes_untitled() -> None:
    assert parse_feed(RSS20, url=FEED_URL).entries[1].title == "(untitled)"


def test_rss20_image_enclosure_is_the_image() -> None:
    assert parse_feed(RSS20, url=FEED_URL).entries[1].image_url == (
        "https://cdn.example.org/photo.png"
    )


def test_rss10_is_read() -> None:
    feed = parse_feed(RSS10, url="https://rdf.example.org/index.rdf")

    assert feed.version == "rss10"
    assert [e.title for e in feed.entries] == ["RDF item"]
    assert feed.entries[0].published == datetime(2025, 1, 6, 8, 30, tzinfo=UTC)


def test_rss091_is_read() -> None:
    feed = parse_feed(RSS091, url="http://old.example.org/rss.xml")

    assert feed.version is not None and feed.version.startswith("rss091")
    assert feed.entries[0].url == "http://old.example.org/vintage"
    assert feed.entries[0].published is None


def test_published_falls_back_to_updated() -> None:
    entry = parse_feed(ATOM, url="https://atom.example.org/feed.atom").entries[0]

    assert entry.published == entry.updated


def test_atom_entry_fields() -> None:
    feed = parse_feed(ATOM, url="https://atom.example.org/feed.atom")
    entry = feed.entries[0]

    assert feed.version == "atom10"
    assert entry.entry_id == "urn:uuid:rates"
    assert entry.url == "https://atom.example.org/posts/rates"
    assert entry.title == "Rates held"
    assert entry.author == "Sam Roe"
    assert entry.updated == datetime(2025, 1, 6, 16, 0, tzinfo=UTC)
    assert "held rates steady" in entry.content_html
    assert entry.image_url == "https://atom.example.org/rates.jpg"


def test_json_feed_entry_fields() -> None:
    feed = parse_feed(json.dumps(JSON_FEED).encode(), url="https://json.example.org/feed.json")
    entry = feed.entries[0]

    assert (feed.title, feed.link, feed.version) == (
        "JSON Example",
        "https://json.example.org/",
        "json11",
    )
    assert entry.entry_id == "42"
    assert entry.url == "https://json.example.org/posts/42"
    assert entry.author == "Kim Park"
    assert entry.published == datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    assert entry.updated == datetime(2025, 1, 6, 10, 0, tzinfo=UTC)
    assert entry.content_html.startswith("<p>The bridge reopened")
    assert entry.image_url == "https://json.example.org/bridge.jpg"


def test_json_feed_text_content_is_escaped_html() -> None:
    entry = parse_feed(json.dumps(JSON_FEED).encode(), url=FEED_URL).entries[1]

    assert entry.content_html == "Plain &lt;text&gt; &amp; more"
    assert entry.entry_id == "https://json.example.org/posts/43"
    assert entry.title == "(untitled)"


def test_json_feed_version_1_author_is_read() -> None:
    body = {
        "version": "https://jsonfeed.org/version/1",
        "title": "v1",
        "items": [{"id": "a", "title": "A", "author": {"name": "Lee"}, "content_html": "x"}],
    }

    entry = parse_feed(json.dumps(body).encode(), url=FEED_URL).entries[0]

    assert entry.author == "Lee"


# --- ids, links, dates ---------------------------------------------------------------------


def rss_item(inner: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://x.example/</link><item>{inner}</item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    "inner, expected",
    [
        ("<guid>g-1</guid><link>https://x.example/1</link><title>A</title>", "g-1"),
        ("<link>https://x.example/1</link><title>A</title>", "https://x.example/1"),
    ],
    ids=["guid", "link"],
)
def test_entry_id_prefers_guid_then_link(inner: str, expected: str) -> None:
    assert parse_feed(rss_item(inner), url=FEED_URL).entries[0].entry_id == expected


def test_entry_id_falls_back_to_a_stable_hash() -> None:
    item = rss_item("<title>Only a title</title><pubDate>Mon, 06 Jan 2025 10:00:00 GMT</pubDate>")

    first = parse_feed(item, url=FEED_URL).entries[0].entry_id
    second = parse_feed(item, url=FEED_URL).entries[0].entry_id

    assert first == second
    assert first.startswith("sha1:")


def rss092(*items: str) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="0.92"><channel><title>Herald</title>'
        "<link>https://herald.example/</link>"
        + "".join(f"<item>{item}</item>" for item in items)
        + "</channel></rss>"
    ).encode()


def test_description_only_items_stay_distinct() -> None:
    body = rss092(
        "<description>This is the first item.</description>",
        "<description>This is the second item.</description>",
        "<description>This is the third item.</description>",
    )

    ids = [e.entry_id for e in parse_feed(body, url=FEED_URL).entries]

    assert len(set(ids)) == 3


def test_content_id_ignores_markup_and_whitespace() -> None:
    plain = rss092("<description>A &lt;b&gt;bold&lt;/b&gt;   claim.</description>")
    rewrapped = rss092("<description>&lt;p&gt;A bold\nclaim.&lt;/p&gt;</description>")

    first = parse_feed(plain, url=FEED_URL).entries[0].entry_id
    second = parse_feed(rewrapped, url=FEED_URL).entries[0].entry_id

    assert first == second


def test_content_only_item_with_new_text_is_a_new_item() -> None:
    # Nothing but its words names such an item; see _content_id.
    before = rss092("<title>Notice</title><description>Roads close at six.</description>")
    after = rss092("<title>Notice</title><description>Roads close at seven.</description>")

    assert (
        parse_feed(before, url=FEED_URL).entries[0].entry_id
        != parse_feed(after, url=FEED_URL).entries[0].entry_id
    )


@pytest.mark.parametrize(
    "identity",
    [
        "<guid>notice-1</guid>",
        "<link>https://herald.example/notice</link>",
        '<enclosure url="https://cdn.example/ep1.mp3" type="audio/mpeg" length="1"/>',
    ],
    ids=["guid", "link", "enclosure"],
)
def test_edited_item_keeps_its_id(identity: str) -> None:
    before = rss092(f"<title>Notice</title>{identity}<description>Six.</description>")
    after = rss092(f"<title>Notice, updated</title>{identity}<description>Seven.</description>")

    assert (
        parse_feed(before, url=FEED_URL).entries[0].entry_id
        == parse_feed(after, url=FEED_URL).entries[0].entry_id
    )


def test_json_feed_items_without_id_or_url_stay_distinct() -> None:
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [{"content_text": "One."}, {"content_text": "Two."}],
    }

    entries = parse_feed(json.dumps(body).encode(), url=FEED_URL).entries

    assert entries[0].entry_id != entries[1].entry_id


@pytest.mark.parametrize(
    "link, expected",
    [
        ("/a/b", "https://news.example.org/a/b"),
        ("c", "https://news.example.org/feeds/c"),
        ("https://other.example/x", "https://other.example/x"),
    ],
)
def test_relative_links_are_resolved_against_the_feed_url(link: str, expected: str) -> None:
    item = rss_item(f"<title>A</title><link>{link}</link>")

    assert parse_feed(item, url=FEED_URL).entries[0].url == expected


@pytest.mark.parametrize(
    "date, expected",
    [
        ("Mon, 06 Jan 2025 10:00:00 GMT", datetime(2025, 1, 6, 10, tzinfo=UTC)),
        ("Mon, 06 Jan 2025 10:00:00 -0500", datetime(2025, 1, 6, 15, tzinfo=UTC)),
        ("2025-01-06T10:00:00+09:00", datetime(2025, 1, 6, 1, tzinfo=UTC)),
    ],
)
def test_dates_are_aware_utc(date: str, expected: datetime) -> None:
    item = rss_item(f"<title>A</title><guid>x</guid><pubDate>{date}</pubDate>")

    published = parse_feed(item, url=FEED_URL).entries[0].published

    assert published == expected
    assert published is not None and published.tzinfo == UTC


@pytest.mark.parametrize(
    "date, expected",
    [
        ("mer, 16 nov 2022 10:00:00 +0100", datetime(2022, 11, 16, 9, tzinfo=UTC)),
        ("Seg, 24 Set 2018 19:18:49 -0300", datetime(2018, 9, 24, 22, 18, 49, tzinfo=UTC)),
        ("Mi, 16 Nov 2022 10:00:00 +0100", datetime(2022, 11, 16, 9, tzinfo=UTC)),
        ("mercredi 16 novembre 2022 10:00", datetime(2022, 11, 16, 10, tzinfo=UTC)),
        ("miércoles, 16 de noviembre de 2022 10:00", datetime(2022, 11, 16, 10, tzinfo=UTC)),
    ],
    ids=["italian", "portuguese", "german", "french", "spanish"],
)
def test_dates_in_other_languages_are_read(date: str, expected: datetime) -> None:
    item = rss_item(f"<title>A</title><guid>x</guid><pubDate>{date}</pubDate>")

    published = parse_feed(item, url=FEED_URL).entries[0].published

    assert published == expected
    assert published is not None and published.tzinfo == UTC


def test_json_feed_rfc822_dates_are_read() -> None:
    body = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [
            {
                "id": "1",
                "content_text": "x",
                "date_published": "Fri, 31 May 2019 12:17:58 -0700",
                "date_modified": "Sat, 01 Jun 2019 08:00:00 GMT",
            }
        ],
    }

    entry = parse_feed(json.dumps(body).encode(), url=FEED_URL).entries[0]

    assert entry.published == datetime(2019, 5, 31, 19, 17, 58, tzinfo=UTC)
    assert entry.updated == datetime(2019, 6, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    "date", ["not a date", "yesterday", "2 hours ago", "Item 5 of 2025", "x" * 200]
)
def test_unreadable_or_relative_dates_are_none(date: str) -> None:
    # Relative and partial dates would be completed from the wall clock: not a feed's date.
    item = rss_item(f"<title>A</title><guid>x</guid><pubDate>{date}</pubDate>")

    assert parse_feed(item, url=FEED_URL).entries[0].published is None


def test_titles_lose_the_sites_own_name() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>SpaceNews</title>'
        b"<link>https://spacenews.com/</link><item><guid>1</guid>"
        b"<title>Launch of the new rocket slips to June - SpaceNews.com</title></item>"
        b"<item><guid>2</guid><title>Ariane 6 - the rocket Europe waited for</title></item>"
        b"</channel></rss>"
    )

    titles = [e.title for e in parse_feed(body, url="https://spacenews.com/feed/").entries]

    assert titles == [
        "Launch of the new rocket slips to June",
        "Ariane 6 - the rocket Europe waited for",
    ]


def test_content_type_charset_is_used() -> None:
    body = rss_item("<title>Caf\u00e9</title><guid>c</guid>").replace(b"\xc3\xa9", b"\xe9")

    feed = parse_feed(body, url=FEED_URL, content_type="application/rss+xml; charset=iso-8859-1")

    assert feed.entries[0].title == "Caf\u00e9"


# --- broken input --------------------------------------------------------------------------


def test_malformed_feed_gives_entries_and_a_warning() -> None:
    body = rss_item("<title>Broken & unescaped</title><guid>b</guid>").replace(b"</rss>", b"")

    feed = parse_feed(body, url=FEED_URL)

    assert [e.entry_id for e in feed.entries] == ["b"]
    assert feed.warning


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"hello world",
        b"<html><head><title>Moved</title></head><body>gone</body></html>",
        b"\x00\xff\xfe\x80garbage",
        b'{"a": 1}',
        b"[1, 2, 3]",
        b"{not json",
        b'{"version": "https://jsonfeed.org/version/9", "items": []}',
    ],
    ids=["empty", "text", "html", "binary", "json-object", "json-list", "bad-json", "json-v9"],
)
def test_unreadable_body_raises_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_feed(body, url=FEED_URL)


# --- real feeds ----------------------------------------------------------------------------

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
FEEDS = DATA / "feeds"
FEED_SUFFIXES = {".xml", ".json", ".rss", ".atom"}
# Files among the real captures that are not feeds at all, so no entries are expected.
NOT_FEEDS = {
    "real/feedjira/AmazonWebServicesBlogFirstEntryContent.xml": "an XHTML fragment of one entry",
    "real/feedjira/HREFConsideredHarmfulFirstEntry.xml": "an HTML fragment of one entry",
    "real/feedjira/PaulDixExplainsNothingFirstEntryContent.xml": "an HTML fragment of one entry",
    "real/feedjira/TechCrunchFirstEntry.xml": "an HTML fragment of one entry",
    "real/feedjira/TechCrunchFirstEntryDescription.xml": "an HTML fragment of one entry",
    "real/feedjira/TenderLovemakingFirstEntry.xml": "an HTML fragment of one entry",
    "real/rss-parser/unrecognized.rss": "an HTML 'Document Moved' page",
}
ABSENT = pytest.param(None, marks=pytest.mark.skip(reason=f"{FEEDS} is absent"))


def data_files(*folders: str, feeds_only: bool = False, skip: Iterable[str] = ()) -> list[Any]:
    """Shared data files as test params, or one skipped param when the data is absent."""
    files = [
        path
        for folder in folders
        if (FEEDS / folder).is_dir()
        for path in sorted((FEEDS / folder).rglob("*"))
        if path.is_file() and (not feeds_only or path.suffix in FEED_SUFFIXES)
    ]
    return [
        pytest.param(p, id=str(p.relative_to(FEEDS)))
        for p in files
        if p.relative_to(FEEDS).as_posix() not in skip
    ] or [ABSENT]


async def read_and_parse(path: Path) -> ParsedFeed:
    async with Fetcher(FetchConfig()) as fetcher:
        result = await fetcher.fetch(str(path))
    assert result.body is not None
    return parse_feed(result.body, url=str(path))


@pytest.mark.parametrize("path", data_files("real", "illformed"))
async def test_shared_file_parses_or_raises_feed_error(path: Path) -> None:
    with contextlib.suppress(FeedError):
        await read_and_parse(path)


@pytest.mark.parametrize("path", data_files("real", feeds_only=True, skip=NOT_FEEDS))
async def test_real_feed_has_entries(path: Path) -> None:
    feed = await read_and_parse(path)

    assert feed.entries


@pytest.mark.parametrize(
    "path",
    [pytest.param(FEEDS / name, id=name) for name in NOT_FEEDS] if FEEDS.is_dir() else [ABSENT],
)
async def test_real_non_feed_raises_parse_error(path: Path) -> None:
    with pytest.raises(ParseError):
        await read_and_parse(path)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b"<rss version='2.0'><channel><title>F</title><item><title>T</title>"
            b"<link>https://n.example/1</link><category>US news</category>"
            b"<category domain='https://n.example/world'>World news</category>"
            b"<category>US news</category><category>  </category></item></channel></rss>",
            ("US news", "World news"),
        ),
        (
            b"<feed xmlns='http://www.w3.org/2005/Atom'><title>F</title><entry><title>T</title>"
            b"<id>urn:1</id><category term='Analog'/><category term='Life' label='Life'/>"
            b"</entry></feed>",
            ("Analog", "Life"),
        ),
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "title": "F", "items": '
            b'[{"id": "1", "title": "T", "tags": ["Science", 3, "", "Space"]}]}',
            ("Science", "Space"),
        ),
        (
            b'{"version": "https://jsonfeed.org/version/1", "title": "F", "items": '
            b'[{"id": "1", "title": "T", "tags": "not a list"}]}',
            (),
        ),
    ],
    ids=["rss", "atom", "json-feed", "json-feed-bad-tags"],
)
def test_entry_categories_are_read_once_each(body: bytes, expected: tuple[str, ...]) -> None:
    [entry] = parse_feed(body, url="https://n.example/feed").entries
    assert entry.categories == expected


@pytest.mark.parametrize(
    "name",
    ["real/rss-parser/uolNoticias.rss", "real/feedjira/json_feed.json"],
)
async def test_real_feeds_dates_are_all_read(name: str) -> None:
    if not FEEDS.is_dir():
        pytest.skip(f"{FEEDS} is absent")

    feed = await read_and_parse(FEEDS / name)

    assert all(e.published is not None and e.published.tzinfo == UTC for e in feed.entries)
