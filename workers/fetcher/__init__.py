"""Fetch reported URLs safely: public addresses only, bounded in bytes and time, kept in memory.

Every outbound connection goes through `GuardedBackend`, which resolves the host once,
refuses it if any answer is not a public unicast address, and connects to the exact
address it checked. Because the check sits at the connect layer it also covers every
redirect hop and DNS rebinding. Fetched bodies exist only as `bytes` in memory: nothing
here writes them to disk or logs, and no repr, error message or log line contains a body or
a URL (reported URLs point at intimate images; only `trail` and `final_url` carry them).

    policy      what may be fetched: schemes, ports, public addresses, budgets; FetchFailed
    transport   the connect layer that pins the checked address, and the total deadline
    media       sniffing, byte caps counted after decoding, decoding into memory
    client      Fetcher: one URL and its redirects under the policy (and webhook POSTs)

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
    not_a_video            kind="video" and the bytes are not a known video container
    unsupported_content    kind="page"/"any" and the bytes are neither HTML, an image nor a video
    unsupported_encoding   Content-Encoding other than identity/gzip/deflate, or corrupt
"""

from workers.fetcher.client import Fetched, Fetcher
from workers.fetcher.media import MediaType, sniff_media_type
from workers.fetcher.policy import (
    FetchFailed,
    FetchKind,
    FetchPolicy,
    Hop,
    Reason,
    is_public_address,
)
from workers.fetcher.transport import GuardedBackend, Resolver, resolve_system

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
