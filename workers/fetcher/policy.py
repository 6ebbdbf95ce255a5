"""What may be fetched: schemes, ports, public addresses only, and the budgets of a fetch.

The address rules are applied twice: to a URL's literal host before any I/O (check_url), and
to every address a name resolves to, at the connect layer (transport.GuardedBackend). A fetch
that may not happen raises FetchFailed with one of the reasons in workers/fetcher/__init__.py.
"""

from __future__ import annotations

import ipaddress
import re
import typing
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, NamedTuple

import httpx

from hashing.videos import FOUND_VIDEO_MAX_BYTES

MIB = 1024 * 1024

FetchKind = Literal["image", "page", "video", "any"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Reason(StrEnum):
    """Machine-readable failure codes; workers/fetcher/__init__.py says what each means."""

    INVALID_URL = "invalid_url"
    UNSUPPORTED_SCHEME = "unsupported_scheme"
    BLOCKED_ADDRESS = "blocked_address"
    BLOCKED_PORT = "blocked_port"
    DNS_ERROR = "dns_error"
    DNS_TIMEOUT = "dns_timeout"
    CONNECT_ERROR = "connect_error"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    HTTP_ERROR = "http_error"
    NOT_AN_IMAGE = "not_an_image"
    NOT_A_VIDEO = "not_a_video"
    UNSUPPORTED_CONTENT = "unsupported_content"
    UNSUPPORTED_ENCODING = "unsupported_encoding"


_TRANSIENT = frozenset({Reason.DNS_TIMEOUT, Reason.CONNECT_ERROR, Reason.TIMEOUT})
_TRANSIENT_STATUSES = frozenset({408, 429})


class Hop(NamedTuple):
    """One URL in a fetch trail and the status it answered with (None: no response)."""

    url: str
    status: int | None


class FetchFailed(Exception):
    """A fetch that gave no usable content; `.reason` says why, `.transient` if a retry may help."""

    def __init__(
        self,
        reason: Reason,
        message: str,
        *,
        status: int | None = None,
        transient: bool | None = None,
        trail: tuple[Hop, ...] = (),
    ) -> None:
        super().__init__(reason, message)
        self.reason = reason
        self.message = message
        self.status = status
        if transient is None:
            transient = reason in _TRANSIENT or (
                reason is Reason.HTTP_ERROR
                and status is not None
                and (status >= 500 or status in _TRANSIENT_STATUSES)
            )
        self.transient = transient
        self.trail = trail

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"

    def __reduce__(self) -> tuple[typing.Any, ...]:
        state = {"status": self.status, "transient": self.transient, "trail": self.trail}
        return (self.__class__, (self.reason, self.message), state)


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Budgets and allowlists for one worker; the entry point builds it from settings."""

    max_redirects: int = 5
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 5.0
    write_timeout_seconds: float = 5.0
    # httpx has no total limit: a server trickling 1 byte per read never trips the read timeout.
    deadline_seconds: float = 20.0
    dns_timeout_seconds: float = 3.0
    max_image_bytes: int = 10 * MIB
    max_page_bytes: int = 2 * MIB
    # A video is read whole into memory and decoded from there: 64 MiB is minutes of phone
    # video, and the time to fetch it gets its own, longer deadline.
    max_video_bytes: int = FOUND_VIDEO_MAX_BYTES
    video_deadline_seconds: float = 90.0
    max_url_chars: int = 4096
    allowed_schemes: frozenset[str] = frozenset({"http", "https"})
    allowed_ports: frozenset[int] = frozenset({80, 443})
    # Tests only: lets 127.0.0.0/8 and ::1 through, and extra_ports (the ephemeral ports of
    # test servers, on any host). Settings must refuse it in production (battery S16).
    allow_loopback: bool = False
    extra_ports: frozenset[int] = frozenset()
    user_agent: str = "takedown-fetcher/0.1"

    def __post_init__(self) -> None:
        timeouts = (
            self.connect_timeout_seconds,
            self.read_timeout_seconds,
            self.write_timeout_seconds,
            self.deadline_seconds,
            self.dns_timeout_seconds,
            self.video_deadline_seconds,
        )
        if any(t <= 0 for t in timeouts):
            raise ValueError("every timeout must be positive")
        if (
            self.max_redirects < 0
            or min(self.max_image_bytes, self.max_page_bytes, self.max_video_bytes) <= 0
        ):
            raise ValueError("max_redirects must be >= 0 and byte caps positive")
        if not self.allowed_schemes <= {"http", "https"}:
            raise ValueError("only http and https can be allowed")
        if self.extra_ports and not self.allow_loopback:
            raise ValueError("extra_ports is a test setting and needs allow_loopback")

    @property
    def ports(self) -> frozenset[int]:
        """Destination ports a fetch may use."""
        return self.allowed_ports | self.extra_ports if self.allow_loopback else self.allowed_ports


# Synapse's DEFAULT_IP_RANGE_BLOCKLIST plus Mastodon's v6 tunnelling prefixes. Carried
# explicitly because ipaddress's own tables were wrong before 3.11.10 (CVE-2024-4032).
_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/96",  # IPv4-compatible
        "::ffff:0:0/96",  # IPv4-mapped
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",  # Teredo and other IETF protocol assignments
        "2001:db8::/32",
        "2002::/16",  # 6to4
        "3fff::/20",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
# Only 2000::/3 is allocated for global unicast; everything else in IPv6 is refused outright.
_IPV6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_LOOPBACK_NETWORKS = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def is_public_address(address: IPAddress) -> bool:
    """True when the address is public unicast and may be connected to in production."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None or address not in _IPV6_GLOBAL_UNICAST:
            return False
    if any(address in network for network in _BLOCKED_NETWORKS):
        return False
    # Belt and braces: the flags catch ranges the list above might miss on a newer Python.
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def is_ip_literal(host: str) -> bool:
    """True when the host is an IP address written out, not a name to resolve."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def address_allowed(address: IPAddress, allow_loopback: bool) -> bool:
    """True when a fetch may connect to the address (loopback only in tests)."""
    if allow_loopback and any(address in network for network in _LOOPBACK_NETWORKS):
        return True
    return is_public_address(address)


_HOSTNAME = re.compile(r"[a-z0-9_.-]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_url(url: str, policy: FetchPolicy) -> httpx.URL:
    """Parse and validate a URL before any I/O, raising FetchFailed."""
    if len(url) > policy.max_url_chars:
        raise FetchFailed(Reason.INVALID_URL, "the URL is too long")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):  # IDNA errors are ValueErrors
        raise FetchFailed(Reason.INVALID_URL, "the URL cannot be parsed") from None
    if not parsed.scheme:
        raise FetchFailed(Reason.INVALID_URL, "the URL is not absolute")
    if parsed.scheme not in policy.allowed_schemes:
        raise FetchFailed(Reason.UNSUPPORTED_SCHEME, "only http and https URLs can be fetched")
    if parsed.userinfo:
        raise FetchFailed(Reason.INVALID_URL, "URLs with a user name or password are refused")
    try:
        readable_host = parsed.host  # decoding the IDNA form validates every A-label
    except ValueError:
        raise FetchFailed(Reason.INVALID_URL, "the host name is not valid IDNA") from None
    if not readable_host:
        raise FetchFailed(Reason.INVALID_URL, "the URL has no host")
    host = parsed.raw_host.decode("ascii", "replace")
    if ":" in host:
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            raise FetchFailed(Reason.INVALID_URL, "the IPv6 host is malformed") from None
        if address.scope_id is not None:
            raise FetchFailed(Reason.INVALID_URL, "IPv6 zone identifiers are refused")
    elif not _HOSTNAME.fullmatch(host):
        raise FetchFailed(Reason.INVALID_URL, "the host name has characters DNS cannot carry")
    port = _DEFAULT_PORTS[parsed.scheme] if parsed.port is None else parsed.port
    if not 0 < port < 65536:
        raise FetchFailed(Reason.INVALID_URL, "the port is out of range")
    if port not in policy.ports:
        raise FetchFailed(Reason.BLOCKED_PORT, f"port {port} is not allowed")
    return parsed.copy_with(fragment=None)
