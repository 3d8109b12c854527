"""A real HTTP server on 127.0.0.1 serving scripted feed and article responses.

It runs an aiohttp application in its own thread with its own event loop, so sync tests,
async tests and tests that drive a subprocess can all talk to it. Each path gets a script:

    srv.route("/feed.xml").serve(rss, etag='"v1"').then_not_modified().then_fail(503, retry_after=2)

Every request takes the next step; once the script runs out, the last step repeats.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache
from typing import Literal

import pytest
from aiohttp import web
from multidict import CIMultiDict

StepKind = Literal["serve", "not_modified", "fail", "redirect", "slow", "huge", "gzip_bomb"]

DEFAULT_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Local feed</title><link>http://example.org/</link>
<description>Served by the test feed server</description>
<item><title>First story</title><link>http://example.org/1</link><guid>urn:1</guid>
<pubDate>Mon, 06 Jan 2025 10:00:00 GMT</pubDate><description>Hello.</description></item>
</channel></rss>
"""
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Step:
    """One scripted response."""

    kind: StepKind
    status: int = 200
    body: bytes = b""
    content_type: str = "application/rss+xml"
    etag: str | None = None
    last_modified: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    n_bytes: int = 0
    declare_length: bool = False
    latency: float = 0.0


class Route:
    """The response script of one path; builder methods append steps and return the route."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.hits = 0
        self._steps: list[Step] = []
        self._lock = threading.Lock()

    def _add(self, step: Step) -> Route:
        with self._lock:
            self._steps.append(step)
        return self

    def only_last(self) -> Route:
        """Keep only the newest step, so a feed that changed serves its new content at once."""
        with self._lock:
            del self._steps[:-1]
            self.hits = 0
        return self

    def next_step(self) -> Step:
        """The step for the next request (the last one repeats)."""
        with self._lock:
            if not self._steps:
                return Step(kind="fail", status=404, body=b"no script for this path")
            step = self._steps[min(self.hits, len(self._steps) - 1)]
            self.hits += 1
            return step

    def serve(
        self,
        body: bytes | str = DEFAULT_FEED,
        *,
        content_type: str = "application/rss+xml",
        etag: str | None = None,
        last_modified: datetime | str | None = None,
        max_age: int | None = None,
        headers: Mapping[str, str] | None = None,
        status: int = 200,
        latency: float = 0.0,
    ) -> Route:
        """Serve ``body``; answer 304 by itself when the request's validators match."""
        extra = dict(headers or {})
        if max_age is not None:
            extra["Cache-Control"] = f"max-age={max_age}"
        return self._add(
            Step(
                kind="serve",
                status=status,
                body=_as_bytes(body),
                content_type=content_type,
                etag=etag,
                last_modified=_http_date(last_modified),
                headers=extra,
                latency=latency,
            )
        )

    def not_modified(self, *, latency: float = 0.0) -> Route:
        """Answer 304 Not Modified whatever the request says."""
        return self._add(Step(kind="not_modified", status=304, latency=latency))

    def fail(
        self,
        status: int = 503,
        *,
        retry_after: float | datetime | str | None = None,
        body: bytes | str = b"failure",
        latency: float = 0.0,
    ) -> Route:
        """Answer an error status, with Retry-After (seconds or HTTP date) when given."""
        headers: dict[str, str] = {}
        if isinstance(retry_after, datetime):
            headers["Retry-After"] = format_datetime(retry_after.astimezone(UTC), usegmt=True)
        elif isinstance(retry_after, int | float):
            headers["Retry-After"] = str(int(retry_after))
        elif retry_after is not None:
            headers["Retry-After"] = retry_after
        return self._add(
            Step(
                kind="fail",
                status=status,
                body=_as_bytes(body),
                content_type="text/plain",
                headers=headers,
                latency=latency,
            )
        )

    def status(self, code: int, *, latency: float = 0.0) -> Route:
        """Answer a bare status code."""
        return self.fail(code, body=f"status {code}", latency=latency)

    def redirect(
        self,
        to: str,
        *,
        status: int = 302,
        latency: float = 0.0,
        headers: Mapping[str, str] | None = None,
    ) -> Route:
        """Redirect to a path or an absolute URL (with more ``headers`` when given)."""
        sent = {**(headers or {}), "Location": to}
        return self._add(Step(kind="redirect", status=status, headers=sent, latency=latency))

    def slow(
        self,
        seconds: float,
        body: bytes | str = DEFAULT_FEED,
        *,
        content_type: str = "application/rss+xml",
    ) -> Route:
        """Trickle ``body`` byte-group by byte-group over ``seconds``."""
        return self._add(
            Step(kind="slow", body=_as_bytes(body), content_type=content_type, seconds=seconds)
        )

    def huge(self, n_bytes: int, *, declare_length: bool = False) -> Route:
        """Stream ``n_bytes`` of filler (chunked unless ``declare_length``)."""
        return self._add(Step(kind="huge", n_bytes=n_bytes, declare_length=declare_length))

    def gzip_bomb(self, n_bytes: int) -> Route:
        """Send a small gzip body that inflates to ``n_bytes``."""
        return self._add(Step(kind="gzip_bomb", n_bytes=n_bytes))

    then_serve = serve
    then_not_modified = not_modified
    then_fail = fail
    then_status = status
    then_redirect = redirect
    then_slow = slow
    then_huge = huge
    then_gzip_bomb = gzip_bomb


class FeedServer:
    """A scripted HTTP server on 127.0.0.1, running in a background thread."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, CIMultiDict[str]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.max_in_flight_by_host: dict[str, int] = {}
        self._in_flight_by_host: dict[str, int] = {}
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="feed-server", daemon=True
        )
        self._thread.start()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port: int = sock.getsockname()[1]
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
        asyncio.run_coroutine_threadsafe(self._start(sock), self._loop).result(timeout=10)
        self._closed = False

    async def _start(self, sock: socket.socket) -> None:
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    def route(self, path: str) -> Route:
        """The script of ``path`` (created empty on first use)."""
        with self._lock:
            if path not in self._routes:
                self._routes[path] = Route(path)
            return self._routes[path]

    def url(self, path: str = "/", *, host: str = "127.0.0.1") -> str:
        """The absolute URL of ``path`` on this server."""
        return f"http://{host}:{self.port}{path}"

    def requests_to(self, path: str) -> list[CIMultiDict[str]]:
        """Headers of every request made to ``path``, in order."""
        return [headers for _method, p, headers in self.requests if p == path]

    def close(self) -> None:
        """Stop the server and its thread."""
        if self._closed:
            return
        self._closed = True
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> FeedServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- request handling ---------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        headers = CIMultiDict(request.headers)
        self.requests.append((request.method, request.path, headers))
        host = request.headers.get("Host", "").rsplit(":", 1)[0]
        self._enter(host)
        try:
            with self._lock:
                route = self._routes.get(request.path)
            if route is None:
                return web.Response(status=404, text="not found")
            step = route.next_step()
            if step.latency:
                await asyncio.sleep(step.latency)
            return await self._respond(request, step)
        finally:
            self._leave(host)

    def _enter(self, host: str) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        now = self._in_flight_by_host.get(host, 0) + 1
        self._in_flight_by_host[host] = now
        self.max_in_flight_by_host[host] = max(self.max_in_flight_by_host.get(host, 0), now)

    def _leave(self, host: str) -> None:
        self.in_flight -= 1
        self._in_flight_by_host[host] -= 1

    async def _respond(self, request: web.Request, step: Step) -> web.StreamResponse:
        if step.kind == "serve":
            if _matches_validators(request, step):
                step = replace(step, kind="not_modified", status=304)
            else:
                return _plain(step)
        if step.kind == "not_modified":
            response = web.Response(status=304)
            if step.etag:
                response.headers["ETag"] = step.etag
            return response
        if step.kind in ("fail", "redirect"):
            return _plain(step)
        if step.kind == "gzip_bomb":
            return web.Response(
                body=_gzip_zeros(step.n_bytes),
                headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"},
            )
        if step.kind == "huge":
            return await _stream(request, _filler(step.n_bytes), step, delay=0.0)
        pieces = max(1, min(len(step.body), 50))
        size = -(-len(step.body) // pieces)
        chunks = (step.body[i : i + size] for i in range(0, len(step.body), size))
        return await _stream(request, chunks, step, delay=step.seconds / pieces)


def _plain(step: Step) -> web.Response:
    response = web.Response(status=step.status, body=step.body, headers=dict(step.headers))
    response.content_type = step.content_type
    if step.etag:
        response.headers["ETag"] = step.etag
    if step.last_modified:
        response.headers["Last-Modified"] = step.last_modified
    return response


async def _stream(
    request: web.Request, chunks: Iterator[bytes], step: Step, *, delay: float
) -> web.StreamResponse:
    response = web.StreamResponse(status=200)
    response.content_type = step.content_type
    if step.declare_length:
        response.content_length = step.n_bytes
    await response.prepare(request)
    try:
        for chunk in chunks:
            if delay:
                await asyncio.sleep(delay)
            await response.write(chunk)
        await response.write_eof()
    except (ConnectionError, RuntimeError):
        pass  # the client gave up, which is what these steps provoke
    return response


def _filler(n_bytes: int) -> Iterator[bytes]:
    block = b"x" * _CHUNK
    sent = 0
    while sent < n_bytes:
        piece = block[: min(_CHUNK, n_bytes - sent)]
        sent += len(piece)
        yield piece


@cache
def _gzip_zeros(n_bytes: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1024 * 1024)
    parts = []
    left = n_bytes
    while left > 0:
        parts.append(packer.compress(block[: min(left, len(block))]))
        left -= len(block)
    parts.append(packer.flush())
    return b"".join(parts)


def _matches_validators(request: web.Request, step: Step) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if step.etag and if_none_match is not None:
        tags = {tag.strip() for tag in if_none_match.split(",")}
        return "*" in tags or step.etag in tags
    since = request.headers.get("If-Modified-Since")
    if step.last_modified and since:
        try:
            return parsedate_to_datetime(step.last_modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _http_date(value: datetime | str | None) -> str | None:
    if isinstance(value, datetime):
        return format_datetime(value.astimezone(UTC), usegmt=True)
    return value


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A fresh feed server for one test."""
    server = FeedServer()
    try:
        yield server
    finally:
        server.close()
