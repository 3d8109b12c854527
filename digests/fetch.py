"""Fetching feeds and article pages over HTTP(S) or from local files, safely and politely.

Every fetch is bounded: a global and a per-host concurrency limit, one total deadline, a cap
on the decoded body size, at most five redirects, and a refusal to connect to private,
loopback or cloud-metadata addresses unless the configuration allows them.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Literal, Self
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpcore
import httpx

from digests.clock import Clock, SystemClock
from digests.config import FetchConfig
from digests.errors import FetchError
from digests.records import FetchResult, Validators

FetchKind = Literal["feed", "page"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Looks up a host's addresses; a seam so tests can answer like a hostile DNS server would.
Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_REDIRECTS = 5
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_RETRYABLE_STATUSES = frozenset({429, 503})
# Cloud instance-metadata endpoints (AWS/GCP/Azure, AWS IPv6, Oracle, Alibaba); some of them
# count as public to the ipaddress module.
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "192.0.0.192", "100.100.100.200")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
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
_READ_CHUNK = 64 * 1024
_NO_VALIDATORS = Validators()


# --- scheduling ---------------------------------------------------------------------------


def next_fetch_after_success(
    now: datetime, *, interval: timedelta, max_age: float | None
) -> datetime:
    """When to fetch a feed again after a success: after ``interval``, or after the server's
    max-age when that is longer."""
    _require_aware(now)
    delay = interval
    if max_age is not None and max_age > delay.total_seconds():
        delay = timedelta(seconds=max_age)
    return now + delay


def next_fetch_after_failure(
    now: datetime, *, failures: int, base: float, cap: float, retry_after: float | None
) -> datetime:
    """When to retry a failing feed: exponential backoff capped at ``cap``, but never
    earlier than the server's Retry-After."""
    _require_aware(now)
    # The exponent is bounded so that a long failure streak cannot overflow a float.
    exponent = min(max(failures, 1) - 1, 64)
    delay = min(base * 2.0**exponent, cap)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return now + timedelta(seconds=delay)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("expected a timezone-aware datetime")


# --- address safety -----------------------------------------------------------------------


class AddressPolicy:
    """Decides whether a host may be connected to, given the ``allow_private`` entries."""

    def __init__(self, allow_private: Iterable[str], *, resolver: Resolver | None = None) -> None:
        self._resolver: Resolver = resolver or _resolve
        self._hosts: set[str] = set()
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in allow_private:
            try:
                self._networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                self._hosts.add(entry.strip().lower().rstrip("."))

    def host_allowed(self, host: str) -> bool:
        """Whether the host name itself is listed, which allows whatever it resolves to."""
        return host.lower().rstrip(".") in self._hosts

    def address_allowed(self, address: IPAddress) -> bool:
        """Whether a resolved address is public, or private but listed."""
        if not _is_restricted(address):
            return True
        return any(address in network for network in self._networks)

    async def resolve(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` and return its addresses; raise FetchError when any is refused."""
        addresses = await self._resolver(host, port)
        if not addresses:
            raise FetchError(f"cannot resolve {host}")
        if not self.host_allowed(host):
            for text in addresses:
                try:
                    address = ipaddress.ip_address(text)
                except ValueError:
                    raise FetchError(f"refused: {host} resolves to {text[:60]!r}") from None
                if not self.address_allowed(address):
                    raise FetchError(
                        f"refused: {host} resolves to a private/loopback address"
                        f' (to allow it, add "{host}" to [fetch] allow_private)'
                    )
        return addresses


def _is_restricted(address: IPAddress) -> bool:
    # An IPv6 address that carries an IPv4 one (mapped, NAT64, 6to4, Teredo) reaches that
    # IPv4 host, so it is judged by it as well.
    if any(_is_restricted(inner) for inner in _embedded_ipv4(address)):
        return True
    return (
        address in _METADATA_ADDRESSES
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        # Also covers shared (CGNAT), documentation and benchmark ranges.
        or not address.is_global
    )


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    if isinstance(address, ipaddress.IPv4Address):
        return []
    found = [address.ipv4_mapped, address.sixtofour]
    if address.teredo is not None:
        found.extend(address.teredo)
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [a for a in found if a is not None]


async def _resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {_short(exc)}") from None
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        # Drop an IPv6 zone index ("fe80::1%eth0"); ipaddress cannot parse it.
        text = str(sockaddr[0]).split("%", 1)[0]
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    return addresses


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """Resolves each host once, checks every address, and connects to a checked address."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._policy.resolve(host, port)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def _shared_ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes tens of milliseconds; one verifying context serves all.
    return httpx.create_ssl_context()


class _CheckedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose connections go only to addresses the policy accepted.

    The TLS server name and the Host header stay the URL's host; only the socket goes to
    the address that was checked, so DNS cannot answer differently between check and use.
    """

    def __init__(self, policy: AddressPolicy, *, max_connections: int) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_shared_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_CheckedBackend(policy),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = await self._pool.handle_async_request(core_request)
        except httpcore.TimeoutException as exc:
            raise httpx.TimeoutException(_short(exc)) from exc
        except httpcore.ProtocolError as exc:
            raise httpx.RemoteProtocolError(_short(exc)) from exc
        except (httpcore.NetworkError, httpcore.UnsupportedProtocol) as exc:
            raise httpx.TransportError(_short(exc)) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_CoreStream(response),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


class _CoreStream(httpx.AsyncByteStream):
    """An httpcore response body as an httpx stream, with httpcore errors translated."""

    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_stream():
                yield chunk
        except httpcore.TimeoutException as exc:
            raise httpx.TimeoutException(_short(exc)) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise httpx.TransportError(_short(exc)) from exc

    async def aclose(self) -> None:
        await self._response.aclose()


# --- body decoding ------------------------------------------------------------------------


class _Inflater:
    """Decodes a gzip/deflate body chunk by chunk, never producing more than asked for."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._started = False
        wbits = zlib.MAX_WBITS | 16 if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._obj = zlib.decompressobj(wbits)

    def feed(self, data: bytes, budget: int) -> bytes:
        """Inflate ``data``, stopping once ``budget`` bytes (at least 1) were produced."""
        try:
            out = self._obj.decompress(data, budget)
        except zlib.error:
            if self._encoding != "deflate" or self._started:
                raise
            # Some servers send raw deflate without the zlib header.
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._obj.decompress(data, budget)
        self._started = True
        while self._obj.unconsumed_tail and len(out) < budget:
            out += self._obj.decompress(self._obj.unconsumed_tail, budget - len(out))
        return out

    def flush(self) -> bytes:
        return self._obj.flush()


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    """Read the decoded body; raise FetchError as soon as it grows over ``limit`` bytes."""
    too_big = FetchError(f"response body over {limit} bytes")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    encodings = [
        e.strip().lower()
        for e in response.headers.get("content-encoding", "").split(",")
        if e.strip() and e.strip().lower() != "identity"
    ]
    if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "x-gzip", "deflate")):
        raise FetchError(f"unsupported content-encoding {', '.join(encodings)}")
    inflater = _Inflater(encodings[0]) if encodings else None
    parts: list[bytes] = []
    size = 0
    try:
        async for raw in response.aiter_raw(_READ_CHUNK):
            chunk = inflater.feed(raw, limit - size + 1) if inflater else raw
            size += len(chunk)
            if size > limit:
                raise too_big
            parts.append(chunk)
        if inflater is not None:
            tail = inflater.flush()
            size += len(tail)
            if size > limit:
                raise too_big
            parts.append(tail)
    except zlib.error:
        raise FetchError("response body is not valid compressed data") from None
    return b"".join(parts)


# --- header parsing -----------------------------------------------------------------------


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def parse_max_age(cache_control: str | None) -> float | None:
    """The max-age of a Cache-Control header in seconds, or None."""
    if not cache_control:
        return None
    for directive in cache_control.split(","):
        name, _, value = directive.strip().partition("=")
        if name.strip().lower() == "max-age":
            try:
                return max(float(value.strip().strip('"')), 0.0)
            except ValueError:
                return None
    return None


def _status_message(response: httpx.Response) -> str:
    try:
        phrase = HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = response.reason_phrase or "Unknown Status"
    return f"HTTP {response.status_code} {phrase}"


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


# --- the fetcher --------------------------------------------------------------------------


class Fetcher:
    """Async fetcher for feeds and article pages (HTTP(S), file:// and local paths)."""

    def __init__(
        self,
        config: FetchConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        allow_local_files: bool = True,
        clock: Clock | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self._config = config
        self._allow_local_files = allow_local_files
        self._clock: Clock = clock or SystemClock()
        self._policy = AddressPolicy(config.allow_private, resolver=resolver)
        # An injected transport connects on its own, so addresses are checked before each
        # request instead of at connect time.
        self._precheck = transport is not None
        self._client = httpx.AsyncClient(
            transport=transport
            or _CheckedTransport(self._policy, max_connections=max(config.concurrency, 10)),
            follow_redirects=False,
            timeout=httpx.Timeout(config.timeout_seconds),
            headers={"User-Agent": config.user_agent, "Accept-Encoding": _ACCEPT_ENCODING},
            trust_env=False,
        )
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
        await self._client.aclose()

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
            raise FetchError(f"invalid URL: {_short(exc)}") from None
        if scheme in ("", "file"):
            # Article links come from the feed's author, so only feeds (named in the config
            # file) may be local; a link to file:///etc/passwd is never read.
            if kind == "page":
                raise FetchError("refused: article pages must be http(s) URLs")
            return await self._fetch_file(url)
        if scheme not in ("http", "https"):
            raise FetchError(f"refused: unsupported URL scheme {scheme!r}")
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
            try:
                target = httpx.URL(current)
            except httpx.InvalidURL as exc:
                raise FetchError(f"invalid URL: {_short(exc)}") from None
            if target.scheme not in ("http", "https") or not target.host:
                raise FetchError(f"refused: unsupported URL {current!r}")
            async with self._host_slot(target.host), self._global:
                if deadline is None:
                    deadline = asyncio.get_running_loop().time() + self._config.timeout_seconds
                try:
                    async with asyncio.timeout_at(deadline):
                        if self._precheck:
                            port = target.port or _default_port(target)
                            await self._policy.resolve(target.host, port)
                        result = await self._request_once(url, target, headers, validators)
                except TimeoutError:
                    seconds = self._config.timeout_seconds
                    raise FetchError(f"timed out after {seconds:g}s") from None
            if isinstance(result, FetchResult):
                return result
            current = result
        raise FetchError(f"too many redirects (over {MAX_REDIRECTS})")

    async def _request_once(
        self, url: str, target: httpx.URL, headers: dict[str, str], sent: Validators
    ) -> FetchResult | str:
        """One request: the result, or the absolute URL to follow when redirected."""
        request = self._client.build_request("GET", target, headers=headers)
        try:
            response = await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise FetchError(f"network error: {_short(exc)}") from None
        try:
            status = response.status_code
            if status in _REDIRECT_STATUSES:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"{_status_message(response)} without a Location header")
                try:
                    return str(target.join(location.strip()))
                except httpx.InvalidURL as exc:
                    raise FetchError(f"invalid redirect location: {_short(exc)}") from None
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
                raise FetchError(_status_message(response), retry_after=retry_after)
            if not 200 <= status < 300:
                raise FetchError(_status_message(response))
            try:
                body = await _read_capped(response, self._config.max_body_bytes)
            except httpx.HTTPError as exc:
                raise FetchError(f"network error: {_short(exc)}") from None
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
            await response.aclose()

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        key = host.lower()
        slot = self._per_host.get(key)
        if slot is None:
            slot = self._per_host[key] = asyncio.Semaphore(self._config.per_host_concurrency)
        return slot

    async def _fetch_file(self, url: str) -> FetchResult:
        if not self._allow_local_files:
            raise FetchError("refused: local files are not allowed")
        path = _local_path(url)
        body = await asyncio.to_thread(_read_file, path, self._config.max_body_bytes)
        return FetchResult(url=url, final_url=url, status="ok", body=body)


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80


def _local_path(url: str) -> Path:
    if "://" not in url:
        return Path(url).expanduser()
    parts = urlsplit(url)  # already parsed once by fetch(), so it cannot raise here
    if parts.netloc not in ("", "localhost"):
        raise FetchError(f"refused: file URL on another host {parts.netloc!r}")
    return Path(url2pathname(parts.path))


def _read_file(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as handle:
            body = handle.read(limit + 1)
    except FileNotFoundError:
        raise FetchError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise FetchError(f"not a file: {path}") from None
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or _short(exc)}") from None
    if len(body) > limit:
        raise FetchError(f"response body over {limit} bytes")
    return body


__all__ = [
    "AddressPolicy",
    "Fetcher",
    "MAX_REDIRECTS",
    "Resolver",
    "next_fetch_after_failure",
    "next_fetch_after_success",
    "parse_max_age",
    "parse_retry_after",
]
