"""Fetch reported URLs safely: public addresses only, bounded in bytes and time, kept in memory.

Every outbound connection goes through `GuardedBackend`, which resolves the host once,
refuses it if any answer is not a public unicast address, and connects to the exact
address it checked. Because the check sits at the connect layer it also covers every
redirect hop and DNS rebinding. Fetched bodies exist only as `bytes` in memory: nothing
here writes them to disk or logs, and no repr, error message or log line contains a body or
a URL (reported URLs point at intimate images; only `trail` and `final_url` carry them).

Failure reasons (`FetchFailed.reason`), transient ones marked *:

    invalid_url            unparseable, relative, userinfo, bad host or port
    unsupported_scheme     not http/https (also in redirects)
    blocked_address        some resolved address is not public (or a unix socket was asked for)
    blocked_port           port outside the allowlist
    dns_error              name did not resolve (* when the resolver says "try again")
    dns_timeout         *  resolver took longer than the DNS timeout
    connect_error       *  refused, reset, TLS failure, truncated or malformed response
    timeout             *  a per-operation timeout or the total deadline for the URL
    too_large              body over the byte cap, counted after decompression
    too_many_redirects     more redirects than allowed, or a loop
    http_error             non-2xx final status (* for 5xx, 408 and 429); see `.status`
    not_an_image           kind="image" and the bytes are not a known image format
    unsupported_content    kind="page"/"any" and the bytes are neither HTML nor an image
    unsupported_encoding   Content-Encoding other than identity/gzip/deflate, or corrupt
"""

from __future__ import annotations

import contextvars
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
import typing
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Literal, NamedTuple

import httpcore
import httpx

__all__ = [
    "FetchFailed",
    "FetchKind",
    "FetchPolicy",
    "Fetched",
    "Fetcher",
    "GuardedBackend",
    "Hop",
    "MediaType",
    "Reason",
    "Resolver",
    "is_public_address",
    "resolve_system",
    "sniff_media_type",
]

logger = logging.getLogger(__name__)

MIB = 1024 * 1024

FetchKind = Literal["image", "page", "any"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]
"""Maps (host, port) to address strings; raises `socket.gaierror` (or `OSError`) on failure."""


class Reason(StrEnum):
    """Machine-readable failure codes; the module docstring says what each means."""

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
        )
        if any(t <= 0 for t in timeouts):
            raise ValueError("every timeout must be positive")
        if self.max_redirects < 0 or min(self.max_image_bytes, self.max_page_bytes) <= 0:
            raise ValueError("max_redirects must be >= 0 and byte caps positive")
        if not self.allowed_schemes <= {"http", "https"}:
            raise ValueError("only http and https can be allowed")
        if self.extra_ports and not self.allow_loopback:
            raise ValueError("extra_ports is a test setting and needs allow_loopback")

    @property
    def ports(self) -> frozenset[int]:
        """Destination ports a fetch may use."""
        return self.allowed_ports | self.extra_ports if self.allow_loopback else self.allowed_ports


# --- Address policy -------------------------------------------------------------------------

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


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _address_allowed(address: IPAddress, allow_loopback: bool) -> bool:
    if allow_loopback and any(address in network for network in _LOOPBACK_NETWORKS):
        return True
    return is_public_address(address)


def resolve_system(host: str, port: int) -> list[str]:
    """Resolve with the system resolver (getaddrinfo), which has no timeout of its own."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _resolve_within(resolver: Resolver, host: str, port: int, timeout: float) -> list[str]:
    # getaddrinfo cannot be interrupted, so it runs in a daemon thread we stop waiting for.
    outcome: list[list[str] | BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(list(resolver(host, port)))
        except BaseException as exc:  # re-raised in the caller's thread
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="fetcher-dns", daemon=True).start()
    if not done.wait(timeout):
        raise FetchFailed(Reason.DNS_TIMEOUT, f"DNS did not answer within {timeout:.1f} s")
    result = outcome[0]
    if isinstance(result, socket.gaierror):
        retry = result.errno == socket.EAI_AGAIN
        raise FetchFailed(Reason.DNS_ERROR, "the name did not resolve", transient=retry)
    if isinstance(result, OSError):
        raise FetchFailed(Reason.DNS_ERROR, "the resolver failed")
    if isinstance(result, BaseException):
        raise result
    return result


# --- Connect layer --------------------------------------------------------------------------

# The total deadline of the fetch running in this thread; streams clamp every I/O wait to it.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "fetch_deadline", default=None
)
_MAX_ADDRESSES_TRIED = 4


def _clamp(timeout: float | None, expired: type[Exception]) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise expired("the total deadline for this URL has passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """Clamps every read and write to the fetch deadline, so slow headers are cut too."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore backend that connects only to checked public addresses; records every attempt."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver | None = None) -> None:
        self._policy = policy
        self._resolver = resolver or resolve_system
        self._inner = httpcore.SyncBackend()
        self._connected: deque[tuple[str, int]] = deque(maxlen=256)

    @property
    def connected(self) -> list[tuple[str, int]]:
        """The (address, port) of every connect attempt, most recent 256, oldest first."""
        return list(self._connected)

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Resolve once and return the addresses, or raise FetchFailed if any is not allowed."""
        if port not in self._policy.ports:
            raise FetchFailed(Reason.BLOCKED_PORT, f"port {port} is not allowed")
        answers = [host] if _is_ip_literal(host) else self._lookup(host, port)
        addresses: list[IPAddress] = []
        for answer in answers:
            try:
                address = ipaddress.ip_address(answer)
            except ValueError:
                raise FetchFailed(
                    Reason.BLOCKED_ADDRESS, "DNS gave an answer that is not an IP"
                ) from None
            # One internal answer condemns the host: mixed answers are a rebinding pattern.
            if not _address_allowed(address, self._policy.allow_loopback):
                raise FetchFailed(Reason.BLOCKED_ADDRESS, "the host has a non-public address")
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise FetchFailed(Reason.DNS_ERROR, "the name resolved to no addresses")
        return addresses

    def _lookup(self, host: str, port: int) -> list[str]:
        timeout = self._policy.dns_timeout_seconds
        deadline = _DEADLINE.get()
        if deadline is not None:
            timeout = min(timeout, deadline - time.monotonic())
            if timeout <= 0:
                raise FetchFailed(Reason.TIMEOUT, "the total deadline for this URL has passed")
        return _resolve_within(self._resolver, host, port, timeout)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self.resolve(host, port)
        last_error: Exception | None = None
        for address in addresses[:_MAX_ADDRESSES_TRIED]:
            self._connected.append((str(address), port))
            try:
                stream = self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=_clamp(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
                continue
            return _DeadlineStream(stream)
        if last_error is None:  # unreachable: resolve() never returns an empty list
            raise FetchFailed(Reason.DNS_ERROR, "the name resolved to no addresses")
        raise last_error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise FetchFailed(Reason.BLOCKED_ADDRESS, "unix sockets are never allowed")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


# --- URL validation ---------------------------------------------------------------------------

_HOSTNAME = re.compile(r"[a-z0-9_.-]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _check_url(url: str, policy: FetchPolicy) -> httpx.URL:
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


# --- Content ------------------------------------------------------------------------------


class MediaType(StrEnum):
    """What the first bytes of a body say it is, whatever its Content-Type claims."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    GIF = "image/gif"
    WEBP = "image/webp"
    BMP = "image/bmp"
    TIFF = "image/tiff"
    HTML = "text/html"

    @property
    def is_image(self) -> bool:
        """True for the image formats."""
        return self is not MediaType.HTML


_SNIFF_BYTES = 1024
_DECODE_STEP_BYTES = 256 * 1024
_BOM = b"\xef\xbb\xbf"
_BMP_DIB_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


def sniff_media_type(head: bytes, content_type: str | None = None) -> MediaType | None:
    """Classify a body by its magic bytes (HTML also by a text/html header); None if unknown."""
    if head.startswith(b"\xff\xd8\xff"):
        return MediaType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaType.PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return MediaType.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaType.WEBP
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_DIB_HEADER_SIZES:
        return MediaType.BMP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return MediaType.TIFF
    if content_type is not None and content_type.split(";")[0].strip().lower() == "text/html":
        return MediaType.HTML
    text = head.removeprefix(_BOM).lstrip(b" \t\r\n\f")[:15].lower()
    if text.startswith(b"<!doctype html") or re.match(rb"<html[\s>]", text):
        return MediaType.HTML
    return None


class _Decoder:
    """Undoes a Content-Encoding without ever producing more output than asked for."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        if encoding == "identity":
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise FetchFailed(Reason.UNSUPPORTED_ENCODING, "the Content-Encoding is not supported")
        self._started = False

    def decode_into(self, body: bytearray, data: bytes, limit: int) -> bytes:
        """Append data, decoded, to body until it holds more than limit bytes; return the rest."""
        if self._zlib is None:
            body += data
            return b""
        try:
            # max_length is what keeps a gzip bomb bounded; httpx's own decoders pass none.
            while data and not self._zlib.eof and len(body) <= limit:
                room = min(limit + 1 - len(body), _DECODE_STEP_BYTES)
                body += self._zlib.decompress(data, room)
                data = self._zlib.unconsumed_tail
                self._started = True
        except zlib.error:
            if self._encoding == "deflate" and not self._started:
                # Some servers send raw deflate without the zlib header the RFC asks for.
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = True
                return self.decode_into(body, data, limit)
            raise FetchFailed(
                Reason.UNSUPPORTED_ENCODING, "the compressed body is corrupt"
            ) from None
        # Input after the end of the compressed stream is ignored, as browsers do.
        return b"" if self._zlib.eof else data

    def finish(self, body: bytearray) -> None:
        """Append what zlib still holds; raise if the compressed stream was cut short."""
        if self._zlib is None:
            return
        # With all input consumed, flush() can only return the few bytes zlib held back.
        body += self._zlib.flush()
        if not self._zlib.eof:
            raise FetchFailed(Reason.UNSUPPORTED_ENCODING, "the compressed body is truncated")


_KEPT_HEADERS = (
    "content-type",
    "content-length",
    "content-encoding",
    "last-modified",
    "etag",
    "date",
    "server",
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True, repr=False)
class Fetched:
    """A successfully fetched body, held in memory only, with how it was reached."""

    final_url: str
    status: int
    headers: Mapping[str, str]
    media_type: MediaType
    body: bytes
    trail: tuple[Hop, ...]
    elapsed_seconds: float = 0.0

    def __repr__(self) -> str:
        # Neither the body nor the URL: reprs end up in logs, tracebacks and RQ's job records.
        return (
            f"Fetched(status={self.status}, media_type={self.media_type.value!r}, "
            f"body=<{len(self.body)} bytes>, hops={len(self.trail)}, "
            f"elapsed_seconds={self.elapsed_seconds:.3f})"
        )


def _make_transport(backend: GuardedBackend, ssl_context: ssl.SSLContext) -> httpx.HTTPTransport:
    # No proxy: a proxy resolves names itself and would bypass the guard (Synapse #9812).
    transport = httpx.HTTPTransport(verify=ssl_context, trust_env=False, retries=0)
    # httpx offers no public hook for the network backend; test S0 fails if this attribute moves.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl_context,
        max_connections=10,
        max_keepalive_connections=4,
        keepalive_expiry=5.0,
        network_backend=backend,
        retries=0,
    )
    return transport


class Fetcher:
    """Fetches URLs under one FetchPolicy; use one per job and close it (or use `with`)."""

    def __init__(
        self,
        policy: FetchPolicy,
        resolver: Resolver | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy
        self.backend = GuardedBackend(policy, resolver)
        context = ssl_context or httpx.create_ssl_context(trust_env=False)
        # The transport is used directly, not through httpx.Client: the client has a cookie
        # jar and proxy settings, and even with follow_redirects=False it parses Location
        # itself, so a hostile header could raise from inside send().
        self._transport = _make_transport(self.backend, context)
        self._headers = {
            "Accept": "*/*",
            "Accept-Encoding": "identity",
            "User-Agent": policy.user_agent,
        }
        self._timeouts = httpx.Timeout(
            connect=policy.connect_timeout_seconds,
            read=policy.read_timeout_seconds,
            write=policy.write_timeout_seconds,
            pool=policy.connect_timeout_seconds,
        ).as_dict()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._transport.close()

    def fetch(self, url: str, *, kind: FetchKind) -> Fetched:
        """Fetch one URL, following redirects, and return its body or raise FetchFailed."""
        if kind not in ("image", "page", "any"):
            raise ValueError(f"kind must be 'image', 'page' or 'any', not {kind!r}")
        started = time.monotonic()
        deadline = started + self.policy.deadline_seconds
        token = _DEADLINE.set(deadline)
        trail: list[Hop] = []
        try:
            return self._fetch(url, kind, started, deadline, trail)
        except FetchFailed as exc:
            exc.trail = tuple(trail)
            logger.debug("fetch failed after %d hop(s): %s", len(trail), exc.reason)
            raise
        except httpx.TimeoutException as exc:
            raise FetchFailed(Reason.TIMEOUT, _timeout_message(exc), trail=tuple(trail)) from None
        except httpx.TransportError as exc:
            raise FetchFailed(
                Reason.CONNECT_ERROR, _transport_message(exc), trail=tuple(trail)
            ) from None
        finally:
            _DEADLINE.reset(token)

    def post(
        self, url: str, *, body: bytes, headers: Mapping[str, str], max_response_bytes: int = 65536
    ) -> int:
        """POST a small body to one URL and return the status; redirects are not followed.

        For webhooks: the same address guard, ports and deadline as fetch. The response body is
        read up to ``max_response_bytes`` and dropped; a 3xx is returned as it is (a receiver
        must answer 2xx itself), and transport failures raise FetchFailed.
        """
        started = time.monotonic()
        token = _DEADLINE.set(started + self.policy.deadline_seconds)
        try:
            parsed = _check_url(url, self.policy)
            request = httpx.Request(
                "POST",
                parsed,
                headers={**self._headers, **headers, "Content-Length": str(len(body))},
                content=body,
                extensions={"timeout": self._timeouts},
            )
            response = self._transport.handle_request(request)
            try:
                read = 0
                for chunk in response.iter_raw():
                    read += len(chunk)
                    if read > max_response_bytes:
                        break
                return response.status_code
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise FetchFailed(Reason.TIMEOUT, _timeout_message(exc)) from None
        except httpx.TransportError as exc:
            raise FetchFailed(Reason.CONNECT_ERROR, _transport_message(exc)) from None
        finally:
            _DEADLINE.reset(token)

    def _fetch(
        self, url: str, kind: FetchKind, started: float, deadline: float, trail: list[Hop]
    ) -> Fetched:
        current = url
        while True:
            trail.append(Hop(current[: self.policy.max_url_chars], None))
            parsed = _check_url(current, self.policy)
            if time.monotonic() >= deadline:
                raise FetchFailed(Reason.TIMEOUT, "the total deadline for this URL has passed")
            request = httpx.Request(
                "GET", parsed, headers=self._headers, extensions={"timeout": self._timeouts}
            )
            response = self._transport.handle_request(request)
            try:
                trail[-1] = Hop(trail[-1].url, response.status_code)
                logger.debug("fetch hop %d answered %d", len(trail), response.status_code)
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    if len(trail) > self.policy.max_redirects:
                        raise FetchFailed(
                            Reason.TOO_MANY_REDIRECTS,
                            f"more than {self.policy.max_redirects} redirects",
                        )
                    current = _redirect_target(parsed, response.headers["location"])
                    continue
                if not 200 <= response.status_code < 300:
                    raise FetchFailed(
                        Reason.HTTP_ERROR,
                        f"the server answered HTTP {response.status_code}",
                        status=response.status_code,
                    )
                media_type, body = self._read_body(response, kind, deadline)
                return Fetched(
                    final_url=str(parsed),
                    status=response.status_code,
                    headers={
                        k: response.headers[k] for k in _KEPT_HEADERS if k in response.headers
                    },
                    media_type=media_type,
                    body=body,
                    trail=tuple(trail),
                    elapsed_seconds=time.monotonic() - started,
                )
            finally:
                response.close()

    def _read_body(
        self, response: httpx.Response, kind: FetchKind, deadline: float
    ) -> tuple[MediaType, bytes]:
        policy = self.policy
        encoding = response.headers.get("content-encoding", "").strip().lower() or "identity"
        decoder = _Decoder(encoding)
        content_type = response.headers.get("content-type")
        # Until the first bytes are sniffed, the cap is the largest this kind could need.
        cap = {"image": policy.max_image_bytes, "page": policy.max_page_bytes}.get(
            kind, max(policy.max_image_bytes, policy.max_page_bytes)
        )
        media_type: MediaType | None = None
        body = bytearray()

        def absorb(data: bytes, finished: bool) -> None:
            nonlocal media_type, cap
            while True:
                # Decode only a sniff's worth until the kind is known: zeros behind a gzip
                # header are refused after a kilobyte, not after ten mebibytes.
                data = decoder.decode_into(body, data, cap if media_type else _SNIFF_BYTES)
                if media_type is None and (len(body) >= _SNIFF_BYTES or finished and not data):
                    sniffed = sniff_media_type(bytes(body[:_SNIFF_BYTES]), content_type)
                    media_type = _accept(sniffed, kind)
                    cap = policy.max_image_bytes if media_type.is_image else policy.max_page_bytes
                if len(body) > cap:
                    raise FetchFailed(Reason.TOO_LARGE, f"the body is larger than {cap} bytes")
                if not data:
                    return

        # Content-Length is only a hint; the cap is enforced on the bytes as they arrive.
        for chunk in response.iter_raw():
            if time.monotonic() >= deadline:
                raise FetchFailed(Reason.TIMEOUT, "the total deadline for this URL has passed")
            absorb(chunk, finished=False)
        decoder.finish(body)
        absorb(b"", finished=True)
        if media_type is None:  # unreachable: absorb(finished=True) always classifies
            raise FetchFailed(Reason.UNSUPPORTED_CONTENT, "the body could not be classified")
        return media_type, bytes(body)


def _accept(media_type: MediaType | None, kind: FetchKind) -> MediaType:
    if kind == "image":
        if media_type is None or not media_type.is_image:
            raise FetchFailed(Reason.NOT_AN_IMAGE, "the body is not a known image format")
    elif kind == "page":
        if media_type is not MediaType.HTML:
            raise FetchFailed(Reason.UNSUPPORTED_CONTENT, "the body is not an HTML page")
    elif media_type is None:
        raise FetchFailed(Reason.UNSUPPORTED_CONTENT, "the body is neither an image nor HTML")
    return media_type


def _redirect_target(current: httpx.URL, location: str) -> str:
    try:
        return str(current.join(location.strip()))
    except (httpx.InvalidURL, ValueError):
        raise FetchFailed(Reason.INVALID_URL, "the redirect target cannot be parsed") from None


def _timeout_message(exc: httpx.TimeoutException) -> str:
    if "deadline" in str(exc):  # raised by _clamp
        return "the total deadline for this URL has passed"
    if isinstance(exc, httpx.ConnectTimeout):
        return "connecting took too long"
    return "the server took too long to answer"


def _transport_message(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "could not connect (refused, unreachable or TLS failure)"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server broke the HTTP protocol or closed the connection early"
    return "the connection failed mid-transfer"
