"""Reading an HTTP response: the body decoded under a size cap, the status as a message, and
the headers that say when to ask again (Retry-After, Cache-Control max-age)."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus

from digests.errors import FetchError


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


async def read_capped(
    headers: Mapping[str, str], chunks: AsyncIterator[bytes], limit: int
) -> bytes:
    """Read a body from its raw ``chunks`` (as sent, before any content decoding) and
    decode it; raise FetchError as soon as it grows over ``limit`` bytes."""
    too_big = FetchError(f"response body over {limit} bytes", reason="response body over")
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    encodings = [
        e.strip().lower()
        for e in headers.get("content-encoding", "").split(",")
        if e.strip() and e.strip().lower() != "identity"
    ]
    if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "x-gzip", "deflate")):
        raise FetchError(f"unsupported content-encoding {', '.join(encodings)}")
    inflater = _Inflater(encodings[0]) if encodings else None
    parts: list[bytes] = []
    size = 0
    try:
        async for raw in chunks:
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


def status_message(status: int, reason: str | None) -> str:
    """How an error names a response's status: "HTTP 404 Not Found"."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = reason or "Unknown Status"
    return f"HTTP {status} {phrase}"
