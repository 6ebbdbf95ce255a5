"""The fetch entry point: one URL, its redirects followed under the policy, its body in memory."""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

import httpx

from workers.fetcher.media import MediaType, read_body
from workers.fetcher.policy import FetchFailed, FetchKind, FetchPolicy, Hop, Reason, check_url
from workers.fetcher.transport import (
    GuardedBackend,
    Resolver,
    make_transport,
    timeout_message,
    total_deadline,
    transport_message,
)

logger = logging.getLogger(__name__)

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
T = TypeVar("T")


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
        self._transport = make_transport(self.backend, context)
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
        if kind not in ("image", "page", "video", "any"):
            raise ValueError(f"kind must be 'image', 'page', 'video' or 'any', not {kind!r}")
        started = time.monotonic()
        deadline = started + self.policy.deadline_seconds
        # Redirects and headers get the URL's deadline; a body that turns out to be a video gets
        # the video deadline to arrive in (and the connection may live that long).
        video_deadline = started + max(
            self.policy.video_deadline_seconds, self.policy.deadline_seconds
        )
        if kind == "video":
            deadline = video_deadline
        trail: list[Hop] = []
        with total_deadline(video_deadline if kind in ("video", "any") else deadline):
            try:
                return self._fetch(url, kind, started, (deadline, video_deadline), trail)
            except FetchFailed as exc:
                exc.trail = tuple(trail)
                logger.debug("fetch failed after %d hop(s): %s", len(trail), exc.reason)
                raise
            except httpx.TimeoutException as exc:
                raise FetchFailed(
                    Reason.TIMEOUT, timeout_message(exc), trail=tuple(trail)
                ) from None
            except httpx.TransportError as exc:
                raise FetchFailed(
                    Reason.CONNECT_ERROR, transport_message(exc), trail=tuple(trail)
                ) from None

    def post(
        self, url: str, *, body: bytes, headers: Mapping[str, str], max_response_bytes: int = 65536
    ) -> int:
        """POST a small body to one URL and return the status; redirects are not followed.

        For webhooks: the same address guard, ports and deadline as fetch. The response body is
        read up to ``max_response_bytes`` and dropped; a 3xx is returned as it is (a receiver
        must answer 2xx itself), and transport failures raise FetchFailed.
        """

        def status(response: httpx.Response, _deadline: float) -> int:
            read = 0
            for chunk in response.iter_raw():
                read += len(chunk)
                if read > max_response_bytes:
                    break
            return response.status_code

        return self._once("POST", url, {**headers, "Content-Length": str(len(body))}, body, status)

    def get(self, url: str, *, headers: Mapping[str, str], max_bytes: int) -> bytes:
        """GET one URL's body, of any type, up to ``max_bytes``; redirects are not followed.

        For lists and feeds pulled with a key: the same address guard, ports and deadline as
        fetch, and the key never follows a redirect to another host. A non-2xx answer (3xx
        included) raises FetchFailed(http_error), a longer body too_large.
        """

        def body(response: httpx.Response, deadline: float) -> bytes:
            if not 200 <= response.status_code < 300:
                raise FetchFailed(
                    Reason.HTTP_ERROR,
                    f"the server answered HTTP {response.status_code}",
                    status=response.status_code,
                )
            if response.headers.get("content-encoding", "").strip().lower() not in ("", "identity"):
                raise FetchFailed(
                    Reason.UNSUPPORTED_ENCODING, "the body is encoded though we asked not"
                )
            received = bytearray()
            for chunk in response.iter_raw():
                if time.monotonic() >= deadline:
                    raise FetchFailed(Reason.TIMEOUT, "the total deadline for this URL has passed")
                received += chunk
                if len(received) > max_bytes:
                    raise FetchFailed(
                        Reason.TOO_LARGE, f"the body is larger than {max_bytes} bytes"
                    )
            return bytes(received)

        return self._once("GET", url, headers, None, body)

    def _once(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        read: Callable[[httpx.Response, float], T],
    ) -> T:
        """One request under the policy and its deadline, no redirect; ``read`` takes the answer."""
        deadline = time.monotonic() + self.policy.deadline_seconds
        with total_deadline(deadline):
            try:
                request = httpx.Request(
                    method,
                    check_url(url, self.policy),
                    headers={**self._headers, **headers},
                    content=body,
                    extensions={"timeout": self._timeouts},
                )
                response = self._transport.handle_request(request)
                try:
                    return read(response, deadline)
                finally:
                    response.close()
            except httpx.TimeoutException as exc:
                raise FetchFailed(Reason.TIMEOUT, timeout_message(exc)) from None
            except httpx.TransportError as exc:
                raise FetchFailed(Reason.CONNECT_ERROR, transport_message(exc)) from None

    def _fetch(
        self,
        url: str,
        kind: FetchKind,
        started: float,
        deadlines: tuple[float, float],
        trail: list[Hop],
    ) -> Fetched:
        deadline, video_deadline = deadlines
        current = url
        while True:
            trail.append(Hop(current[: self.policy.max_url_chars], None))
            parsed = check_url(current, self.policy)
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
                media_type, body = read_body(
                    response.iter_raw(),
                    content_encoding=response.headers.get("content-encoding"),
                    content_type=response.headers.get("content-type"),
                    kind=kind,
                    policy=self.policy,
                    deadline=deadline,
                    video_deadline=video_deadline,
                )
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


def _redirect_target(current: httpx.URL, location: str) -> str:
    try:
        return str(current.join(location.strip()))
    except (httpx.InvalidURL, ValueError):
        raise FetchFailed(Reason.INVALID_URL, "the redirect target cannot be parsed") from None
