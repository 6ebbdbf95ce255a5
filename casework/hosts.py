"""The host name of a URL, in the one form every comparison of hosts uses.

Notices are grouped by host, a URL's platform is found by its host, and a site watch stays on
its seed's host: these agree only if every host is written the same way, the way a resolver is
asked for it (lower case, A-labels, no port, brackets or trailing dot).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import idna


def host_of(url: str) -> str | None:
    """The URL's host name in that form; None when it has none or it does not parse.

    Non-ASCII names become A-labels under IDNA 2008, as the fetcher (httpx) encodes them before
    resolving, so "Bücher.example." and "xn--bcher-kva.example" are one host. An IPv6 literal
    comes without its brackets.
    """
    try:
        host = urlsplit(url).hostname
    except ValueError:  # unbalanced or invalid [IPv6] brackets
        return None
    host = (host or "").rstrip(".")
    if not host.isascii():
        try:
            host = idna.encode(host).decode("ascii")
        except idna.IDNAError:
            return None
    return host or None
