"""The connect layer: connections only to the checked address, every wait within the deadline.

GuardedBackend resolves a host once, refuses it if any answer is not allowed (policy), and
connects to the exact address it checked, so the check covers every redirect hop and DNS
rebinding. Every read, write and handshake is clamped to the total deadline of the fetch.
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import ssl
import threading
import time
import typing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import httpcore
import httpx

from workers.fetcher.policy import (
    FetchFailed,
    FetchPolicy,
    IPAddress,
    Reason,
    address_allowed,
    is_ip_literal,
)

Resolver = Callable[[str, int], Iterable[str]]
"""Maps (host, port) to address strings; raises `socket.gaierror` (or `OSError`) on failure."""


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


# The total deadline of the fetch running in this thread; streams clamp every I/O wait to it.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "fetch_deadline", default=None
)
_MAX_ADDRESSES_TRIED = 4


@contextmanager
def total_deadline(at: float) -> Iterator[None]:
    """Clamp every connect, read and write of this thread to the monotonic time `at`."""
    token = _DEADLINE.set(at)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


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
        answers = [host] if is_ip_literal(host) else self._lookup(host, port)
        addresses: list[IPAddress] = []
        for answer in answers:
            try:
                address = ipaddress.ip_address(answer)
            except ValueError:
                raise FetchFailed(
                    Reason.BLOCKED_ADDRESS, "DNS gave an answer that is not an IP"
                ) from None
            # One internal answer condemns the host: mixed answers are a rebinding pattern.
            if not address_allowed(address, self._policy.allow_loopback):
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


def make_transport(backend: GuardedBackend, ssl_context: ssl.SSLContext) -> httpx.HTTPTransport:
    """An httpx transport whose connection pool connects only through the guarded backend."""
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


def timeout_message(exc: httpx.TimeoutException) -> str:
    """What an httpx timeout means, in words that name no URL."""
    if "deadline" in str(exc):  # raised by _clamp
        return "the total deadline for this URL has passed"
    if isinstance(exc, httpx.ConnectTimeout):
        return "connecting took too long"
    return "the server took too long to answer"


def transport_message(exc: httpx.TransportError) -> str:
    """What an httpx transport failure means, in words that name no URL."""
    if isinstance(exc, httpx.ConnectError):
        return "could not connect (refused, unreachable or TLS failure)"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server broke the HTTP protocol or closed the connection early"
    return "the connection failed mid-transfer"
