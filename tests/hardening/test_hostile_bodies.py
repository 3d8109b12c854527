"""Hostile XML and bodies: refused or cut within the limits, memory bounded, the run goes on."""

# Test parameters named like the imported fixture are how pytest injects it, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digests.clock import FixedClock
from digests.errors import ParseError
from digests.parse import parse_feed
from digests.wiring import open_pipeline
from tests.hardening._feeds import LONG_TEXT, pipeline_settings, rss
from tests.servers.feed_server import FeedServer, feed_server  # noqa: F401

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MB = 1024 * 1024
MEMORY_LIMIT = 100 * MB


def billion_laughs(levels: int = 10) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)
    ]
    top = f"&lol{levels - 1};"
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n'
        + "\n".join(entities)
        + f'\n]>\n<rss version="2.0"><channel><title>Laughs {top}</title>'
        f"<item><guid>l1</guid><title>{top}</title><description>{top}</description></item>"
        "</channel></rss>"
    ).encode()


def quadratic_blowup(value_bytes: int = 200_000, references: int = 2_000) -> bytes:
    # No nesting at all: one big literal entity referenced many times.
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "{"A" * value_bytes}">\n]>\n'
        '<rss version="2.0"><channel><title>Quadratic</title><item><guid>q1</guid>'
        f"<title>Blowup</title><description>{'&a;' * references}</description></item>"
        "</channel></rss>"
    ).encode()


def external_entity(target: Path, *, parameter: bool = False) -> bytes:
    if parameter:
        dtd = f'<!ENTITY % ext SYSTEM "file://{target}">\n%ext;'
        use = "nothing"
    else:
        dtd = f'<!ENTITY ext SYSTEM "file://{target}">'
        use = "&ext;"
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{dtd}\n]>\n<rss version="2.0"><channel>'
        f"<title>External {use}</title><item><guid>x1</guid><title>Entity {use}</title>"
        f"<description>Body {use}</description></item></channel></rss>"
    ).encode()


def _peak_while(work: object) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = work() if callable(work) else None
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _text_size(body: bytes) -> int:
    try:
        feed = parse_feed(body, url="https://hostile.example/feed.xml")
    except ParseError:
        return 0  # refusing the body is as good as defusing it
    return len(feed.title or "") + sum(len(e.title) + len(e.content_html) for e in feed.entries)


@pytest.mark.parametrize(
    "body",
    [
        billion_laughs(),
        quadratic_blowup(),
        quadratic_blowup().decode().encode("utf-16"),
        quadratic_blowup()
        .replace(b"<!DOCTYPE rss [\n", b"<!DOCTYPE rss [")
        .replace(b'">\n]', b'">]'),
    ],
    ids=["billion-laughs", "quadratic", "quadratic-utf16", "quadratic-one-line"],
)
def test_entity_expansion_cannot_blow_up_text_or_memory(body: bytes) -> None:
    size, peak = _peak_while(lambda: _text_size(body))

    assert isinstance(size, int) and size < 2 * len(body)
    assert peak < MEMORY_LIMIT


@pytest.mark.parametrize("parameter", [False, True], ids=["general", "parameter"])
def test_an_external_entity_is_never_read(tmp_path: Path, parameter: bool) -> None:
    target = tmp_path / "passwd"
    target.write_text("root:x:0:0:EXTERNAL-ENTITY-MARKER")

    try:
        feed = parse_feed(external_entity(target, parameter=parameter), url="https://h.example/")
    except ParseError:
        return
    texts = [feed.title or ""] + [e.title + e.content_html for e in feed.entries]
    assert not any("EXTERNAL-ENTITY-MARKER" in t for t in texts)


def test_tiny_declared_entities_still_expand() -> None:
    body = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY c "(C)"><!ENTITY n "&#160;">]>\n'
        b'<rss version="2.0"><channel><title>Acme &c;</title><item><guid>e1</guid>'
        b"<title>Fair&n;play</title></item></channel></rss>"
    )

    feed = parse_feed(body, url="https://h.example/")

    assert feed.title == "Acme (C)"
    assert feed.entries[0].title == "Fair play"


_ITEM = "<item><guid>e1</guid><title>Caf\u00e9 \u00fcber Stra\u00dfe</title></item>"


def _doc(declaration: str = '<?xml version="1.0"?>') -> str:
    return f'{declaration}<rss version="2.0"><channel><title>T</title>{_ITEM}</channel></rss>'


_INVALID = (
    b'<?xml version="1.0" encoding="x-no-such"?><rss version="2.0"><channel>'
    b"<title>T\xff\xfe\xc3</title><item><guid>e1</guid><title>\xed\xa0\x80 lone</title>"
    b"</item></channel></rss>"
)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(
            _doc('<?xml version="1.0" encoding="utf-16"?>').encode(), None, id="says-utf16-is-utf8"
        ),
        pytest.param(
            _doc('<?xml version="1.0" encoding="utf-8"?>').encode("latin-1"),
            None,
            id="says-utf8-is-latin1",
        ),
        pytest.param(
            _doc().encode("utf-16-le"),
            "application/rss+xml; charset=utf-8",
            id="header-utf8-is-utf16",
        ),
        pytest.param(
            b"\xef\xbb\xbf" + _doc('<?xml version="1.0" encoding="iso-8859-1"?>').encode(),
            None,
            id="bom-vs-declaration",
        ),
        pytest.param(_INVALID, "text/xml; charset=bogus", id="unknown-and-invalid"),
    ],
)
def test_lying_encodings_give_storable_text_or_a_parse_error(
    body: bytes, content_type: str | None
) -> None:
    try:
        feed = parse_feed(body, url="https://liar.example/feed.xml", content_type=content_type)
    except ParseError:
        return
    for text in [feed.title or ""] + [e.title + e.content_html for e in feed.entries]:
        text.encode("utf-8")  # lone surrogates would break the store and Discord's JSON


@pytest.mark.slow
async def test_hostile_feeds_are_cut_recorded_and_the_run_goes_on(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.route("/good.xml").serve(rss(("g1", "Ferry terminal opens", LONG_TEXT)))
    feed_server.route("/huge.xml").huge(50 * MB)
    feed_server.route("/bomb.xml").gzip_bomb(200 * MB)
    feed_server.route("/entities.xml").serve(quadratic_blowup())
    feed_server.route("/laughs.xml").serve(billion_laughs())
    hostile = ["/huge.xml", "/bomb.xml"]
    urls = [feed_server.url(p) for p in ["/good.xml", *hostile, "/entities.xml", "/laughs.xml"]]
    # A deadline no machine misses, however loaded: the size cap, not the clock, must cut
    # these bodies.
    settings = pipeline_settings(
        tmp_path, urls, fetch={"max_body_bytes": 2 * MB, "timeout_seconds": 120.0}
    )

    async with open_pipeline(settings, clock=FixedClock(NOW)) as pipeline:
        tracemalloc.start()
        try:
            report = await pipeline.refresh()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        states = {s.url: s for s in pipeline.store.list_feeds()}

    assert peak < MEMORY_LIMIT
    assert report.new_articles >= 1
    assert states[feed_server.url("/good.xml")].last_error is None
    reasons = {p: states[feed_server.url(p)].last_error for p in hostile}
    assert reasons == {
        "/huge.xml": f"response body over {2 * MB} bytes",
        "/bomb.xml": f"response body over {2 * MB} bytes",
    }
    assert all(states[feed_server.url(p)].failure_count == 1 for p in hostile)


async def test_a_feed_that_never_finishes_is_cut_by_the_deadline(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    # The body trickles for an hour, so a 1.5 s deadline fires on any machine, however fast.
    feed_server.route("/slow.xml").slow(3600.0)
    url = feed_server.url("/slow.xml")
    settings = pipeline_settings(tmp_path, [url], fetch={"timeout_seconds": 1.5})

    async with open_pipeline(settings, clock=FixedClock(NOW)) as pipeline:
        report = await pipeline.refresh()
        state = pipeline.store.get_feed(url)

    assert [f.status for f in report.feeds] == ["failed"]
    assert state is not None and state.last_error == "timed out after 1.5s"
    assert state.failure_count == 1
