"""Which addresses a fetch may connect to: the ``allow_private`` policy and the resolving
that checks every address a host name gives before any is used.

Private, loopback, link-local and cloud-metadata addresses (and IPv6 forms that carry one)
are refused unless the configuration lists them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence

from digests.errors import FetchError, short_message

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Looks up a host's addresses; a seam so tests can answer like a hostile DNS server would.
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Cloud instance-metadata endpoints (AWS/GCP/Azure, AWS IPv6, Oracle, Alibaba); some of them
# count as public to the ipaddress module.
_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "192.0.0.192", "100.100.100.200")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressPolicy:
    """Decides whether a host may be connected to, given the ``allow_private`` entries."""

    def __init__(self, allow_private: Iterable[str], *, resolver: Resolver | None = None) -> None:
        self._resolver: Resolver = resolver or _resolve
        # Addresses written in URLs that were allowed: an address is its own answer, so its
        # verdict never changes.
        self._allowed_addresses: set[str] = set()
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
        self.check(host, addresses)
        return addresses

    def check_address_host(self, host: str) -> None:
        """Raise FetchError when ``host`` is an IP address the policy refuses. A client that
        connects to such a host without looking it up (aiohttp's) asks this instead of
        ``resolve``; a host name passes, as it is checked when it is resolved."""
        if host in self._allowed_addresses or _address(host) is None:
            return
        self.check(host, [host])
        self._allowed_addresses.add(host)

    def check(self, host: str, addresses: Sequence[str]) -> None:
        """Raise FetchError unless ``host`` may be reached at all of ``addresses`` (what it
        resolves to; an IP address in a URL is its own)."""
        if not addresses:
            raise FetchError(f"cannot resolve {host}", reason="cannot resolve")
        if not self.host_allowed(host):
            for text in addresses:
                try:
                    address = ipaddress.ip_address(text)
                except ValueError:
                    raise FetchError(
                        f"refused: {host} resolves to {text[:60]!r}", reason="refused"
                    ) from None
                if not self.address_allowed(address):
                    raise FetchError(
                        f"refused: {host} resolves to a private/loopback address"
                        f' (to allow it, add "{host}" to [fetch] allow_private)',
                        reason="refused",
                    )


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


def _address(host: str) -> IPAddress | None:
    """The host as an IP address, or None for a host name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def _resolve(host: str, port: int) -> list[str]:
    # An address needs no lookup: a worker-thread hop per connection is saved. (One with a
    # zone, "fe80::1%eth0", goes to getaddrinfo, which knows the interface.)
    if "%" not in host and (address := _address(host)) is not None:
        return [str(address)]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            f"cannot resolve {host}: {short_message(exc)}", reason="cannot resolve"
        ) from None
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        # Drop an IPv6 zone index ("fe80::1%eth0"); ipaddress cannot parse it.
        text = str(sockaddr[0]).split("%", 1)[0]
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise FetchError(f"cannot resolve {host}", reason="cannot resolve")
    return addresses
