"""The aiohttp connector whose sockets go only to addresses the ``AddressPolicy`` accepted."""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl

import aiohttp
import certifi
from aiohttp.abc import AbstractResolver, ResolveResult

from digests.address_policy import AddressPolicy

# How long an idle connection is kept for the next request to the same host. aiohttp keeps
# every idle connection that long (there is no cap on their number), and a refresh of
# feeds on a thousand hosts finishes a few hundred requests a second: short, so the idle
# sockets stay in the hundreds, yet long enough for a host's queued feeds and the pages
# that follow its feed.
KEEPALIVE_SECONDS = 2.0
# Response header lines this long are still read (aiohttp's default is 8 kB; some sites
# send long cookies and policy headers with their feeds).
MAX_HEADER_BYTES = 32 * 1024


class CheckedResolver(AbstractResolver):
    """Resolves a host name through the policy, so every address it gives was checked.

    The connector connects only to what this returns, so DNS cannot answer differently
    between the check and the connection. The TLS server name and the Host header stay the
    URL's host name.
    """

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Every checked address of ``host``; raises FetchError when any is refused."""
        results: list[ResolveResult] = []
        for text in await self._policy.resolve(host, port):
            version = ipaddress.ip_address(text).version
            results.append(
                ResolveResult(
                    hostname=host,
                    host=text,
                    port=port,
                    family=socket.AF_INET6 if version == 6 else socket.AF_INET,
                    proto=0,
                    flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                )
            )
        return results

    async def close(self) -> None:
        """Nothing to release: lookups go through the policy's resolver."""


@functools.cache
def _shared_ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes tens of milliseconds; one verifying context serves all.
    return ssl.create_default_context(cafile=certifi.where())


def checked_connector(policy: AddressPolicy, *, max_connections: int) -> aiohttp.TCPConnector:
    """A pooled connector that looks up each host name through ``policy``.

    aiohttp does not look up a host that is an IP address, so the fetcher has the policy
    check those before each request (``AddressPolicy.check_address_host``).
    """
    return aiohttp.TCPConnector(
        resolver=CheckedResolver(policy),
        ssl=_shared_ssl_context(),
        limit=max_connections,
        # The fetcher holds its own per-host slots.
        limit_per_host=0,
        keepalive_timeout=KEEPALIVE_SECONDS,
        # A cached answer was checked when it was looked up; the cache only saves lookups.
        use_dns_cache=True,
        ttl_dns_cache=60,
    )
