"""Fetcher behaviour against a real local HTTP server, plus the scheduling helpers."""

# Test parameters named like the imported fixture are how pytest injects it, not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from digests.clock import FixedClock
from digests.config import FetchConfig
from digests.errors import FeedError, FetchError
from digests.fetch import Fetcher, FetchKind
from digests.http_response import parse_max_age, parse_retry_after
from digests.records import Validators
from tests.servers.feed_server import DEFAULT_FEED, FeedServer, feed_server  # noqa: F401

NOW = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
LOCAL = ("127.0.0.1",)
REFUSED = (
    "refused: {host} resolves to a private/loopback address"
    ' (to allow it, add "{host}" to [fetch] allow_private)'
)


def config(**overrides: Any) -> FetchConfig:
    values: dict[str, Any] = {"allow_private": LOCAL, "timeout_seconds": 5.0}
    values.update(overrides)
    return FetchConfig(**values)


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(config()) as f:
        yield f


# --- success and conditional GET -----------------------------------------------------------


async def test_ok_returns_body_validators_and_max_age(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.route("/feed.xml").serve(etag='"v1"', last_modified=NOW, max_age=600)

    result = await fetcher.fetch(feed_server.url("/feed.xml"))

    assert result.status == "ok"
    assert result.body == DEFAULT_FEED
    assert result.validators == Validators(
        etag='"v1"', last_modified="Mon, 06 Jan 2025 12:00:00 GMT"
    )
    assert result.max_age == 600
    assert result.content_type is not None
    assert result.content_type.startswith("application/rss+xml")


@pytest.mark.parametrize(
    "stored",
    [
        Validators(etag='"v1"'),
        Validators(last_modified="Mon, 06 Jan 2025 12:00:00 GMT"),
    ],
    ids=["etag", "last-modified"],
)
async def test_stored_validators_get_not_modified(
    feed_server: FeedServer, fetcher: Fetcher, stored: Validators
) -> None:
    feed_server.route("/feed.xml").serve(etag='"v1"', last_modified=NOW)

    result = await fetcher.fetch(feed_server.url("/feed.xml"), stored)

    assert result.status == "not_modified"
    assert result.body is None


async def test_conditional_headers_are_sent(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/feed.xml").serve()
    stored = Validators(etag='"abc"', last_modified="Sun, 05 Jan 2025 00:00:00 GMT")

    await fetcher.fetch(feed_server.url("/feed.xml"), stored)

    (headers,) = feed_server.requests_to("/feed.xml")
    assert headers["If-None-Match"] == '"abc"'
    assert headers["If-Modified-Since"] == "Sun, 05 Jan 2025 00:00:00 GMT"


async def test_not_modified_keeps_stored_validators(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.route("/feed.xml").not_modified()
    stored = Validators(etag='"old"', last_modified="Sun, 05 Jan 2025 00:00:00 GMT")

    result = await fetcher.fetch(feed_server.url("/feed.xml"), stored)

    assert result.validators == stored


async def test_script_steps_run_in_order_and_last_repeats(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.route("/feed.xml").serve().then_not_modified().then_fail(500)
    url = feed_server.url("/feed.xml")

    first = await fetcher.fetch(url)
    second = await fetcher.fetch(url)
    with pytest.raises(FetchError):
        await fetcher.fetch(url)
    with pytest.raises(FetchError):
        await fetcher.fetch(url)

    assert (first.status, second.status) == ("ok", "not_modified")


@pytest.mark.parametrize("kind, accept", [("feed", "application/rss+xml"), ("page", "text/html")])
async def test_sends_user_agent_and_accept_for_kind(
    feed_server: FeedServer, kind: Any, accept: str
) -> None:
    feed_server.route("/x").serve()
    async with Fetcher(config(user_agent="digest-test/1")) as fetcher:
        await fetcher.fetch(feed_server.url("/x"), kind=kind)

    (headers,) = feed_server.requests_to("/x")
    assert headers["User-Agent"] == "digest-test/1"
    assert headers["Accept"].startswith(accept)


async def test_gzip_body_is_decoded(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/feed.xml").serve(
        gzip.compress(DEFAULT_FEED), headers={"Content-Encoding": "gzip"}
    )

    result = await fetcher.fetch(feed_server.url("/feed.xml"))

    assert result.body == DEFAULT_FEED


# --- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, message",
    [
        (404, "HTTP 404 Not Found"),
        (410, "HTTP 410 Gone"),
        (500, "HTTP 500 Internal Server Error"),
        (403, "HTTP 403 Forbidden"),
    ],
)
async def test_error_status_raises_short_message(
    feed_server: FeedServer, fetcher: Fetcher, status: int, message: str
) -> None:
    feed_server.route("/feed.xml").status(status)

    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(feed_server.url("/feed.xml"))

    assert str(caught.value) == message
    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_seconds_is_reported(
    feed_server: FeedServer, fetcher: Fetcher, status: int
) -> None:
    feed_server.route("/feed.xml").fail(status, retry_after=120)

    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(feed_server.url("/feed.xml"))

    assert caught.value.retry_after == 120


async def test_retry_after_http_date_is_seconds_from_now(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml").fail(503, retry_after=NOW + timedelta(seconds=90))

    async with Fetcher(config(), clock=FixedClock(NOW)) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(feed_server.url("/feed.xml"))

    assert caught.value.retry_after == 90


async def test_connection_refused_is_a_network_error(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    with pytest.raises(FetchError, match="^network error"):
        await fetcher.fetch(f"http://127.0.0.1:{port}/feed.xml")


async def _no_addresses(host: str, port: int) -> list[str]:
    return []


def _provoke(server: FeedServer, case: str) -> tuple[Fetcher, str, FetchKind]:
    """A fetcher, a URL and a kind whose fetch fails the way ``case`` names."""
    url = server.url("/x")
    if case == "status":
        server.route("/x").status(404)
    elif case == "timeout":
        server.route("/x").slow(30)
        return Fetcher(config(timeout_seconds=0.5)), url, "page"
    elif case == "size":
        server.route("/x").huge(5_000)
        return Fetcher(config(max_body_bytes=1_000)), url, "page"
    elif case == "encoding":
        server.route("/x").serve(b"x", headers={"Content-Encoding": "br"})
    elif case == "redirects":
        url = redirect_chain(server, 6)
    elif case == "network":
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{sock.getsockname()[1]}/x"
    elif case == "resolve":
        return Fetcher(config(), resolver=_no_addresses), "http://news.example/x", "page"
    elif case == "refused":
        url = "/etc/passwd"
    elif case == "invalid URL":
        url = "http://[not-ipv6/x"
    return Fetcher(config()), url, "page"


@pytest.mark.parametrize(
    "case, message, reason",
    [
        ("status", "HTTP 404 Not Found", "HTTP 404 Not Found"),
        ("timeout", "timed out after 0.5s", "timed out"),
        ("size", "response body over 1000 bytes", "response body over"),
        ("encoding", "unsupported content-encoding br", "unsupported content-encoding br"),
        ("redirects", "too many redirects (over 5)", "too many redirects"),
        ("network", "network error: ", "network error"),
        ("resolve", "cannot resolve news.example", "cannot resolve"),
        ("refused", "refused: article pages must be http(s) URLs", "refused"),
        ("invalid URL", "invalid URL: ", "invalid URL"),
    ],
)
async def test_failure_reason_drops_the_detail(
    feed_server: FeedServer, case: str, message: str, reason: str
) -> None:
    fetcher, url, kind = _provoke(feed_server, case)

    async with fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(url, kind=kind)

    assert str(caught.value).startswith(message)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    "message, reason",
    [("HTTP 404 Not Found", "HTTP 404 Not Found"), ("x" * 100, "x" * 80), ("", "failed")],
)
def test_a_failure_without_a_given_reason_is_its_own_reason(message: str, reason: str) -> None:
    assert FeedError(message).reason == reason


# --- redirects -----------------------------------------------------------------------------


def redirect_chain(server: FeedServer, hops: int) -> str:
    """Build /r0 -> /r1 -> ... -> /final and return the first URL."""
    for i in range(hops):
        target = f"/r{i + 1}" if i + 1 < hops else "/final"
        server.route(f"/r{i}").redirect(target, status=301 if i % 2 else 302)
    server.route("/final").serve()
    return server.url("/r0") if hops else server.url("/final")


@pytest.mark.parametrize("hops", [1, 3, 5])
async def test_redirects_are_followed_up_to_five(
    feed_server: FeedServer, fetcher: Fetcher, hops: int
) -> None:
    start = redirect_chain(feed_server, hops)

    result = await fetcher.fetch(start)

    assert result.url == start
    assert result.final_url == feed_server.url("/final")
    assert result.body == DEFAULT_FEED


async def test_a_cookie_set_by_a_redirect_is_sent_to_its_target(feed_server: FeedServer) -> None:
    # Consent walls set a cookie and redirect to the page that checks it.
    feed_server.route("/gate").redirect("/final", headers={"Set-Cookie": "consent=yes; Path=/"})
    feed_server.route("/final").serve()

    async with Fetcher(config(allow_private=("localhost",))) as fetcher:
        result = await fetcher.fetch(feed_server.url("/gate", host="localhost"))

    assert result.body == DEFAULT_FEED
    assert feed_server.requests_to("/final")[0].get("Cookie") == "consent=yes"


async def test_more_than_five_redirects_are_refused(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    start = redirect_chain(feed_server, 6)

    with pytest.raises(FetchError, match="too many redirects"):
        await fetcher.fetch(start)

    assert feed_server.requests_to("/final") == []


async def test_redirect_to_metadata_address_is_refused(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.route("/feed.xml").redirect("http://169.254.169.254/latest/meta-data/")

    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(feed_server.url("/feed.xml"))

    assert str(caught.value) == REFUSED.format(host="169.254.169.254")


async def test_redirect_to_file_url_is_refused(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/feed.xml").redirect("file:///etc/passwd")

    with pytest.raises(FetchError, match="^refused"):
        await fetcher.fetch(feed_server.url("/feed.xml"))


# --- limits --------------------------------------------------------------------------------


async def test_slow_body_hits_the_deadline(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml").slow(30)

    async with Fetcher(config(timeout_seconds=0.5)) as fetcher:
        with pytest.raises(FetchError, match="timed out"):
            await fetcher.fetch(feed_server.url("/feed.xml"))


@pytest.mark.parametrize("declare_length", [False, True], ids=["chunked", "content-length"])
async def test_huge_body_is_cut(feed_server: FeedServer, declare_length: bool) -> None:
    feed_server.route("/feed.xml").huge(5_000_000, declare_length=declare_length)

    async with Fetcher(config(max_body_bytes=1_000_000)) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(feed_server.url("/feed.xml"))

    assert str(caught.value) == "response body over 1000000 bytes"


async def test_gzip_bomb_is_cut_by_decoded_size(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml").gzip_bomb(50_000_000)

    async with Fetcher(config(max_body_bytes=1_000_000)) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(feed_server.url("/feed.xml"))

    assert str(caught.value) == "response body over 1000000 bytes"


async def test_waiting_for_a_slot_does_not_count_against_the_deadline(
    feed_server: FeedServer,
) -> None:
    # Each fetch takes 1 s, well inside its 2.5 s deadline on a loaded machine too; queued
    # one after another they take 3 s, which only a deadline counting the queue would miss.
    for i in range(3):
        feed_server.route(f"/f{i}").serve(latency=1.0)

    async with Fetcher(config(concurrency=1, timeout_seconds=2.5)) as fetcher:
        results = await asyncio.gather(
            *(fetcher.fetch(feed_server.url(f"/f{i}")) for i in range(3))
        )

    assert [r.status for r in results] == ["ok", "ok", "ok"]


async def test_global_concurrency_limit_holds(feed_server: FeedServer) -> None:
    for i in range(6):
        feed_server.route(f"/f{i}").serve(latency=0.3)

    async with Fetcher(config(concurrency=2, per_host_concurrency=10)) as fetcher:
        await asyncio.gather(*(fetcher.fetch(feed_server.url(f"/f{i}")) for i in range(6)))

    assert feed_server.max_in_flight == 2


async def test_per_host_concurrency_limit_holds(feed_server: FeedServer) -> None:
    for i in range(6):
        feed_server.route(f"/f{i}").serve(latency=0.3)

    async with Fetcher(config(concurrency=10, per_host_concurrency=2)) as fetcher:
        await asyncio.gather(*(fetcher.fetch(feed_server.url(f"/f{i}")) for i in range(6)))

    assert feed_server.max_in_flight == 2


async def test_per_host_limit_is_counted_per_host(feed_server: FeedServer) -> None:
    if "127.0.0.1" not in {info[4][0] for info in socket.getaddrinfo("localhost", 80)}:
        pytest.skip("localhost does not resolve to 127.0.0.1 here")
    for i in range(4):
        feed_server.route(f"/f{i}").serve(latency=0.3)
    urls = [feed_server.url(f"/f{i}", host=h) for i in range(4) for h in ("127.0.0.1", "localhost")]

    settings = config(concurrency=10, per_host_concurrency=1, allow_private=LOCAL + ("localhost",))
    async with Fetcher(settings) as fetcher:
        await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    assert feed_server.max_in_flight_by_host == {"127.0.0.1": 1, "localhost": 1}
    assert feed_server.max_in_flight == 2


# --- address safety ------------------------------------------------------------------------


async def test_loopback_server_is_refused_without_allowance(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml").serve()

    async with Fetcher(config(allow_private=())) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch(feed_server.url("/feed.xml"))

    assert str(caught.value) == REFUSED.format(host="127.0.0.1")
    assert feed_server.requests == []


@pytest.mark.parametrize(
    "host",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "224.0.0.1",
        "100.64.0.1",
        "[::1]",
        "[fd00:ec2::254]",
        "[fe80::1]",
        "[::ffff:127.0.0.1]",
    ],
)
async def test_private_addresses_are_refused(host: str) -> None:
    async with Fetcher(config(allow_private=())) as fetcher:
        with pytest.raises(FetchError, match="^refused: .* resolves to a private/loopback address"):
            await fetcher.fetch(f"http://{host}/feed.xml")


@pytest.mark.parametrize(
    "allow, host",
    [
        (("127.0.0.0/8",), "127.0.0.1"),
        (("127.0.0.1",), "127.0.0.1"),
        (("localhost",), "localhost"),
    ],
    ids=["cidr", "address", "hostname"],
)
async def test_allow_private_entries_permit_the_server(
    feed_server: FeedServer, allow: tuple[str, ...], host: str
) -> None:
    feed_server.route("/feed.xml").serve()

    async with Fetcher(config(allow_private=allow)) as fetcher:
        result = await fetcher.fetch(feed_server.url("/feed.xml", host=host))

    assert result.status == "ok"


@pytest.mark.parametrize("allow, allowed", [((), False), (LOCAL, True)])
async def test_injected_connector_is_checked_before_each_request(
    feed_server: FeedServer, allow: tuple[str, ...], allowed: bool
) -> None:
    feed_server.route("/feed.xml").serve()

    async with Fetcher(config(allow_private=allow), connector=aiohttp.TCPConnector()) as f:
        if allowed:
            assert (await f.fetch(feed_server.url("/feed.xml"))).status == "ok"
        else:
            with pytest.raises(FetchError, match="^refused"):
                await f.fetch(feed_server.url("/feed.xml"))


@pytest.mark.parametrize("url", ["ftp://example.org/feed.xml", "gopher://example.org/"])
async def test_other_schemes_are_refused(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(FetchError, match="^refused: unsupported URL scheme"):
        await fetcher.fetch(url)


@pytest.mark.parametrize("url", ["http://[not-ipv6/feed.xml", "http:///feed.xml"])
async def test_invalid_url_raises_fetch_error(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(FetchError):
        await fetcher.fetch(url)


# --- local files ---------------------------------------------------------------------------


@pytest.mark.parametrize("as_url", [False, True], ids=["path", "file-url"])
async def test_local_file_is_read(tmp_path: Path, fetcher: Fetcher, as_url: bool) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(DEFAULT_FEED)
    location = path.as_uri() if as_url else str(path)

    result = await fetcher.fetch(location)

    assert (result.status, result.body, result.final_url) == ("ok", DEFAULT_FEED, location)


async def test_missing_file_raises(tmp_path: Path, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="^file not found"):
        await fetcher.fetch(str(tmp_path / "absent.xml"))


async def test_file_over_the_cap_raises(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b"x" * 2048)

    async with Fetcher(config(max_body_bytes=1024)) as fetcher:
        with pytest.raises(FetchError, match="over 1024 bytes"):
            await fetcher.fetch(str(path))


async def test_local_files_refused_when_not_allowed(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(DEFAULT_FEED)

    async with Fetcher(config(), allow_local_files=False) as fetcher:
        for location in (str(path), path.as_uri()):
            with pytest.raises(FetchError, match="^refused: local files"):
                await fetcher.fetch(location)


# --- header parsing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, expected",
    [
        ("120", 120.0),
        ("Mon, 06 Jan 2025 12:01:30 GMT", 90.0),
        ("Mon, 06 Jan 2025 11:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected


@pytest.mark.parametrize(
    "header, expected",
    [
        ("max-age=300", 300.0),
        ("public, max-age=60, must-revalidate", 60.0),
        ("no-cache", None),
        ("max-age=abc", None),
        (None, None),
    ],
)
def test_parse_max_age(header: str | None, expected: float | None) -> None:
    assert parse_max_age(header) == expected
