"""Fetching feeds and article pages over HTTP(S) or from local files, safely and politely.

Every fetch is bounded: a global and a per-host concurrency limit, one total deadline, a cap
on the decoded body size (``http_response``), at most five redirects, and a refusal to
connect to private, loopback or cloud-metadata addresses unless the configuration allows
them (``address_policy``, enforced at connect time by ``checked_connector``). Feeds are
fetched conditionally when their validators are known. The client is aiohttp's: at a few
hundred microseconds of the event loop's CPU per request it keeps a refresh of unchanged
feeds at the network's pace.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import TracebackType
from typing import Literal, Self
from urllib.parse import urlsplit
from urllib.request import url2pathname

import aiohttp
from yarl import URL

from digests.address_policy import AddressPolicy, Resolver
from digests.checked_connector import MAX_HEADER_BYTES, checked_connector
from digests.clock import Clock, SystemClock
from digests.config import FetchConfig
from digests.errors import FetchError, short_message
from digests.http_response import parse_max_age, parse_retry_after, read_capped, status_message
from digests.records import FetchResult, Validators

FetchKind = Literal["feed", "page"]

MAX_REDIRECTS = 5
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_RETRYABLE_STATUSES = frozenset({429, 503})
_ACCEPT: dict[FetchKind, str] = {
    "feed": (
        "application/rss+xml, application/atom+xml, application/feed+json, "
        "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
        "application/json;q=0.8, */*;q=0.5"
    ),
    "page": "text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.5",
}
# Only encodings we inflate ourselves, so the size cap applies to decoded bytes.
_ACCEPT_ENCODING = "gzip, deflate"
_NO_VALIDATORS = Validators()
_READ_CHUNK = 64 * 1024


class Fetcher:
    """Async fetcher for feeds and article pages (HTTP(S), file:// and local paths)."""

    def __init__(
        self,
        config: FetchConfig,
        *,
        connector: aiohttp.BaseConnector | None = None,
        allow_local_files: bool = True,
        clock: Clock | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self._config = config
        self._allow_local_files = allow_local_files
        self._clock: Clock = clock or SystemClock()
        self._policy = AddressPolicy(config.allow_private, resolver=resolver)
        # An injected connector connects on its own, so addresses are checked before each
        # request instead of at connect time.
        self._precheck = connector is not None
        self._connector = connector
        self._session: aiohttp.ClientSession | None = None
        self._global = asyncio.Semaphore(config.concurrency)
        self._per_host: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close pooled connections."""
        if self._session is not None:
            await self._session.close()
        elif self._connector is not None:
            await self._connector.close()

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: an aiohttp session belongs to the running event loop.
        if self._session is None:
            config = self._config
            self._session = aiohttp.ClientSession(
                connector=self._connector
                or checked_connector(self._policy, max_connections=max(config.concurrency, 10)),
                headers={"User-Agent": config.user_agent, "Accept-Encoding": _ACCEPT_ENCODING},
                # Each fetch has its own deadline (``_fetch_http``).
                timeout=aiohttp.ClientTimeout(total=None),
                # Bodies are inflated by ``read_capped``, so the size cap counts decoded bytes.
                auto_decompress=False,
                trust_env=False,
                # Kept per domain, as a browser would: some sites set a cookie and redirect
                # to the page that checks it.
                cookie_jar=aiohttp.CookieJar(),
                max_line_size=MAX_HEADER_BYTES,
                max_field_size=MAX_HEADER_BYTES,
            )
        return self._session

    async def fetch(
        self,
        url: str,
        validators: Validators = _NO_VALIDATORS,
        *,
        kind: FetchKind = "feed",
    ) -> FetchResult:
        """Fetch ``url`` (conditionally when validators are given); raise FetchError on failure."""
        try:
            scheme = urlsplit(url).scheme.lower() if "://" in url else ""
        except ValueError as exc:
            raise FetchError(f"invalid URL: {short_message(exc)}", reason="invalid URL") from None
        if scheme in ("", "file"):
            # Article links come from the feed's author, so only feeds (named in the config
            # file) may be local; a link to file:///etc/passwd is never read.
            if kind == "page":
                raise FetchError("refused: article pages must be http(s) URLs", reason="refused")
            return await self._fetch_file(url)
        if scheme not in ("http", "https"):
            raise FetchError(f"refused: unsupported URL scheme {scheme!r}", reason="refused")
        return await self._fetch_http(url, validators, kind)

    async def _fetch_http(self, url: str, validators: Validators, kind: FetchKind) -> FetchResult:
        headers = {"Accept": _ACCEPT[kind]}
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        current = url
        # The deadline starts once the fetch holds its first slots: time spent queueing
        # behind other feeds is not the server's fault.
        deadline: float | None = None
        for _hop in range(MAX_REDIRECTS + 1):
            target = _parsed(current)
            host = target.raw_host
            if target.scheme not in ("http", "https") or not host:
                raise FetchError(f"refused: unsupported URL {current!r}", reason="refused")
            async with self._host_slot(host), self._global:
                if deadline is None:
                    deadline = asyncio.get_running_loop().time() + self._config.timeout_seconds
                try:
                    async with asyncio.timeout_at(deadline):
                        # The connector checks the addresses a name resolves to; an address
                        # in the URL is not looked up, so it is checked here.
                        if self._precheck:
                            await self._policy.resolve(host, target.port or 0)
                        else:
                            self._policy.check_address_host(host)
                        result = await self._request_once(url, target, headers, validators)
                except TimeoutError:
                    seconds = self._config.timeout_seconds
                    raise FetchError(f"timed out after {seconds:g}s", reason="timed out") from None
            if isinstance(result, FetchResult):
                return result
            current = result
        raise FetchError(f"too many redirects (over {MAX_REDIRECTS})", reason="too many redirects")

    async def _request_once(
        self, url: str, target: URL, headers: dict[str, str], sent: Validators
    ) -> FetchResult | str:
        """One request: the result, or the absolute URL to follow when redirected."""
        try:
            response = await self._client().get(target, headers=headers, allow_redirects=False)
        except aiohttp.InvalidURL as exc:
            raise FetchError(f"invalid URL: {short_message(exc)}", reason="invalid URL") from None
        except aiohttp.ClientError as exc:
            raise FetchError(
                f"network error: {short_message(exc)}", reason="network error"
            ) from None
        try:
            status = response.status
            if status in _REDIRECT_STATUSES:
                location = response.headers.get("location")
                if not location:
                    said = status_message(status, response.reason)
                    raise FetchError(f"{said} without a Location header")
                try:
                    return str(target.join(URL(location.strip())))
                except (ValueError, TypeError) as exc:
                    raise FetchError(
                        f"invalid redirect location: {short_message(exc)}",
                        reason="invalid redirect",
                    ) from None
            received = Validators(
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )
            max_age = parse_max_age(response.headers.get("cache-control"))
            if status == 304:
                return FetchResult(
                    url=url,
                    final_url=str(target),
                    status="not_modified",
                    body=None,
                    validators=Validators(
                        etag=received.etag or sent.etag,
                        last_modified=received.last_modified or sent.last_modified,
                    ),
                    content_type=response.headers.get("content-type"),
                    max_age=max_age,
                )
            if status in _RETRYABLE_STATUSES:
                retry_after = parse_retry_after(
                    response.headers.get("retry-after"), self._clock.now()
                )
                raise FetchError(status_message(status, response.reason), retry_after=retry_after)
            if not 200 <= status < 300:
                raise FetchError(status_message(status, response.reason))
            try:
                body = await read_capped(
                    response.headers,
                    response.content.iter_chunked(_READ_CHUNK),
                    self._config.max_body_bytes,
                )
            except aiohttp.ClientError as exc:
                raise FetchError(
                    f"network error: {short_message(exc)}", reason="network error"
                ) from None
            return FetchResult(
                url=url,
                final_url=str(target),
                status="ok",
                body=body,
                validators=received,
                content_type=response.headers.get("content-type"),
                max_age=max_age,
            )
        finally:
            # Back to the pool when the body was read whole; closed otherwise.
            response.release()

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        key = host.lower()
        slot = self._per_host.get(key)
        if slot is None:
            slot = self._per_host[key] = asyncio.Semaphore(self._config.per_host_concurrency)
        return slot

    async def _fetch_file(self, url: str) -> FetchResult:
        if not self._allow_local_files:
            raise FetchError("refused: local files are not allowed", reason="refused")
        path = _local_path(url)
        body = await asyncio.to_thread(_read_file, path, self._config.max_body_bytes)
        return FetchResult(url=url, final_url=url, status="ok", body=body)


def _parsed(url: str) -> URL:
    try:
        target = URL(url)
        # Reading the port checks it (a port out of range raises only here).
        _ = target.port
    except (ValueError, TypeError) as exc:
        raise FetchError(f"invalid URL: {short_message(exc)}", reason="invalid URL") from None
    return target


def _local_path(url: str) -> Path:
    if "://" not in url:
        return Path(url).expanduser()
    parts = urlsplit(url)  # already parsed once by fetch(), so it cannot raise here
    if parts.netloc not in ("", "localhost"):
        raise FetchError(f"refused: file URL on another host {parts.netloc!r}", reason="refused")
    return Path(url2pathname(parts.path))


def _read_file(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as handle:
            body = handle.read(limit + 1)
    except FileNotFoundError:
        raise FetchError(f"file not found: {path}", reason="file not found") from None
    except IsADirectoryError:
        raise FetchError(f"not a file: {path}", reason="not a file") from None
    except OSError as exc:
        raise FetchError(
            f"cannot read {path}: {exc.strerror or short_message(exc)}", reason="cannot read"
        ) from None
    if len(body) > limit:
        raise FetchError(f"response body over {limit} bytes", reason="response body over")
    return body


__all__ = [
    "MAX_REDIRECTS",
    "FetchKind",
    "Fetcher",
]
