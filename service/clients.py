"""Who the client is, for per-client budgets: its address, seen through trusted proxies only.

Behind a TLS reverse proxy every connection comes from the proxy, so budgets keyed on the socket
address would put every victim in one bucket. The proxy's X-Forwarded-For is believed only when
the connection comes from an address of ``TAKEDOWN_TRUSTED_PROXIES``; anyone else can write that
header, so theirs is ignored. IPv6 clients are counted per /64, the block one subscriber gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

#: The prefix one IPv6 subscriber (a home, a phone) is given: their addresses share a budget.
IPV6_CLIENT_PREFIX = 64

Network = IPv4Network | IPv6Network


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]
) -> str:
    """The client's address: the peer's, or the nearest untrusted hop a trusted proxy names.

    ``forwarded_for`` holds the X-Forwarded-For header values in order. Hops are read from the
    right (the last one was written by our own proxy); the first that is not a trusted proxy is
    the client. A hop that is not an address stops the walk at the last trusted one.
    """
    if peer is None:
        return "unknown"
    current = _parse(peer)
    if current is None or not _is_trusted(current, trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break
        current = address
        if not _is_trusted(address, trusted):
            break
    return str(current)


def budget_name(address: str) -> str:
    """The name a client's budgets are kept under: its address, or its /64 for IPv6."""
    parsed = _parse(address)
    if isinstance(parsed, IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False))
    return address


def _parse(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def _is_trusted(address: IPv4Address | IPv6Address, trusted: Sequence[Network]) -> bool:
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == network.version and address in network for network in trusted)
