"""The safe fetcher against the SSRF battery (S0-S18) and hostile content (H1-H14).

Real HTTP servers run on 127.0.0.1; every other name goes through a stub resolver and is
only ever resolved, never contacted. Refused cases assert the reason and that the guarded
backend recorded no connect attempt (`connected == []`); the autouse `socket_connects`
guard in conftest.py independently fails any socket that would leave loopback.
"""

from __future__ import annotations

import ipaddress
import logging
import pickle
import socket
import ssl
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import httpcore
import pytest

from tests.workers.hostile_server import (
    MIB,
    HangingResolver,
    HostileServer,
    RebindingResolver,
    Static,
    StubResolver,
    compress,
    gzip_of_zeros,
    image_bytes,
    png_claiming,
    self_signed_certificate,
)
from workers.fetcher import (
    Fetcher,
    FetchFailed,
    FetchPolicy,
    GuardedBackend,
    Hop,
    MediaType,
    Reason,
    is_public_address,
)
from workers.pages import extract_image_urls

pytestmark = pytest.mark.timeout(30)

PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
HTML = b"<!doctype html><html><body><img src='/a.png'></body></html>"

MakeFetcher = Callable[..., Fetcher]


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        hostile.serve("/png", Static(PNG, content_type="image/png"))
        yield hostile


@pytest.fixture
def make_fetcher(server: HostileServer) -> Iterator[MakeFetcher]:
    """Fetchers in test mode (loopback and the server's port allowed) unless overridden."""
    made: list[Fetcher] = []

    def make(resolver: Any = None, **overrides: Any) -> Fetcher:
        fields: dict[str, Any] = {"allow_loopback": True, "extra_ports": frozenset({server.port})}
        fields.update(overrides)
        fetcher = Fetcher(FetchPolicy(**fields), resolver)
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


def production(**overrides: Any) -> FetchPolicy:
    """The production policy: no loopback, ports {80, 443} unless overridden."""
    return FetchPolicy(**overrides)


def refusal(fetcher: Fetcher, url: str, kind: Any = "image") -> FetchFailed:
    with pytest.raises(FetchFailed) as info:
        fetcher.fetch(url, kind=kind)
    return info.value


# --- S0-S18: SSRF ---------------------------------------------------------------------------


def test_s0_client_connects_only_through_the_guarded_backend() -> None:
    with Fetcher(production()) as fetcher:
        pool = fetcher._transport._pool
        assert isinstance(pool, httpcore.ConnectionPool)  # not an HTTPProxy or SOCKSProxy
        assert isinstance(pool._network_backend, GuardedBackend)
        assert pool._network_backend is fetcher.backend


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "127.0.0.2"])
def test_s1_loopback_hosts_are_blocked_before_any_connection(
    server: HostileServer, host: str, socket_connects: list[tuple[str, int]]
) -> None:
    # The server's port is allowed so the address check, not the port check, must refuse it.
    policy = production(allowed_ports=frozenset({80, 443, server.port}))
    resolver = StubResolver({"localhost": ["127.0.0.1", "::1"]})
    seen = len(server.requests)
    with Fetcher(policy, resolver) as fetcher:
        failure = refusal(fetcher, server.url("/png", host=host))
        assert failure.reason == Reason.BLOCKED_ADDRESS
        assert not failure.transient
        assert fetcher.backend.connected == []
    assert socket_connects == []
    assert len(server.requests) == seen


@pytest.mark.parametrize(
    "url", ["http://2130706433/", "http://0x7f000001/", "http://017700000001/", "http://127.1/"]
)
def test_s2_numeric_ip_forms_resolve_to_loopback_and_are_blocked(url: str) -> None:
    # The real resolver (glibc inet_aton forms; the harness allows numeric lookups only).
    with Fetcher(production()) as fetcher:
        assert refusal(fetcher, url).reason == Reason.BLOCKED_ADDRESS
        assert fetcher.backend.connected == []


@pytest.mark.parametrize("url", ["http://0177.0.0.1/", "http://127.000.000.001/"])
def test_s3_dotted_octal_forms_are_invalid_urls(url: str) -> None:
    with Fetcher(production()) as fetcher:
        assert refusal(fetcher, url).reason == Reason.INVALID_URL
        assert fetcher.backend.connected == []


@pytest.mark.parametrize("url", ["http://0/", "http://0.0.0.0/", "http://[::]/"])
def test_s4_unspecified_addresses_are_blocked(url: str) -> None:
    with Fetcher(production()) as fetcher:
        assert refusal(fetcher, url).reason == Reason.BLOCKED_ADDRESS
        assert fetcher.backend.connected == []


@pytest.mark.parametrize("allow_loopback", [False, True])
@pytest.mark.parametrize(
    "host",
    ["[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:127.0.0.1]", "[::127.0.0.1]"],
)
def test_s5_ipv4_mapped_and_compatible_loopback_is_blocked_even_in_test_mode(
    host: str, allow_loopback: bool
) -> None:
    with Fetcher(production(allow_loopback=allow_loopback)) as fetcher:
        assert refusal(fetcher, f"http://{host}/").reason == Reason.BLOCKED_ADDRESS
        assert fetcher.backend.connected == []


def test_test_mode_reaches_ipv6_loopback_at_the_literal_address() -> None:
    with HostileServer(bind="::1") as server6:
        url = server6.serve("/png", Static(PNG, content_type="image/png"))
        policy = production(allow_loopback=True, extra_ports=frozenset({server6.port}))
        with Fetcher(policy, StubResolver({})) as fetcher:
            assert fetcher.fetch(url, kind="image").body == PNG
            assert fetcher.backend.connected == [("::1", server6.port)]


def test_s5_ipv6_loopback_is_blocked_in_production_mode() -> None:
    with Fetcher(production()) as fetcher:
        assert refusal(fetcher, "http://[::1]/").reason == Reason.BLOCKED_ADDRESS
        assert fetcher.backend.connected == []


S6_ADDRESSES = [
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "198.18.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "0.0.0.0",
    "192.0.0.8",
    "192.0.2.1",
    "240.0.0.1",
]
S7_ADDRESSES = [
    "fd00:ec2::254",
    "fe80::1",
    "fec0::1",
    "ff02::1",
    "::127.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::a9fe:a9fe",
    "2002:a9fe:a9fe::1",
    "2002:7f00:1::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:db8::1",
    "::",
    "100::1",
    "fe80::1%1",
]


@pytest.mark.parametrize("address", S6_ADDRESSES + S7_ADDRESSES)
def test_s6_s7_names_resolving_to_internal_addresses_are_blocked_even_in_test_mode(
    make_fetcher: MakeFetcher, address: str
) -> None:
    resolver = StubResolver({"internal.test": [address]})
    fetcher = make_fetcher(resolver)
    failure = refusal(fetcher, "http://internal.test/latest/meta-data/")
    assert failure.reason == Reason.BLOCKED_ADDRESS
    assert resolver.lookups == ["internal.test"]
    assert fetcher.backend.connected == []


@pytest.mark.parametrize(
    ("answers", "allow_loopback"),
    [
        (["93.184.216.34", "127.0.0.1"], False),
        (["93.184.216.34", "10.0.0.1"], True),
        (["127.0.0.1", "169.254.169.254"], True),
        (["2606:2800:220:1:248:1893:25c8:1946", "fd00::1"], True),
    ],
)
def test_s8_a_host_with_any_internal_answer_is_blocked_as_a_whole(
    answers: list[str], allow_loopback: bool
) -> None:
    resolver = StubResolver({"mixed.test": answers})
    with Fetcher(production(allow_loopback=allow_loopback), resolver) as fetcher:
        assert refusal(fetcher, "http://mixed.test/").reason == Reason.BLOCKED_ADDRESS
        assert fetcher.backend.connected == []


def test_s9_dns_rebinding_is_refused_on_the_next_connection(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    resolver = RebindingResolver([["127.0.0.1"], ["10.0.0.1"]])
    fetcher = make_fetcher(resolver)
    url = server.url("/png", host="rebind.test")
    assert fetcher.fetch(url, kind="image").body == PNG
    failure = refusal(fetcher, url)
    assert failure.reason == Reason.BLOCKED_ADDRESS
    assert resolver.lookups == 2
    assert fetcher.backend.connected == [("127.0.0.1", server.port)]


def test_s10_redirect_to_a_metadata_address_is_blocked_at_the_second_hop(
    make_fetcher: MakeFetcher, server: HostileServer, socket_connects: list[tuple[str, int]]
) -> None:
    target = "http://metadata.test/latest/meta-data/"
    start = server.serve("/to-metadata", Static(status=302, headers={"Location": target}))
    fetcher = make_fetcher(StubResolver({"metadata.test": ["169.254.169.254"]}))
    failure = refusal(fetcher, start)
    assert failure.reason == Reason.BLOCKED_ADDRESS
    assert failure.trail == (Hop(start, 302), Hop(target, None))
    assert fetcher.backend.connected == [("127.0.0.1", server.port)]
    assert socket_connects == [("127.0.0.1", server.port)]


def test_s11_five_redirects_are_followed(make_fetcher: MakeFetcher, server: HostileServer) -> None:
    fetched = make_fetcher().fetch(server.url("/chain/5"), kind="image")
    assert fetched.media_type is MediaType.PNG
    assert [hop.status for hop in fetched.trail] == [302] * 5 + [200]
    assert fetched.final_url == server.url("/chain/0")


def test_s11_a_sixth_redirect_fails_with_too_many_redirects(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    fetcher = make_fetcher()
    failure = refusal(fetcher, server.url("/chain/6"))
    assert failure.reason == Reason.TOO_MANY_REDIRECTS
    assert len(failure.trail) == 6
    assert len(fetcher.backend.connected) == 6


def test_s11_a_redirect_loop_fails_with_too_many_redirects(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    url = server.serve("/loop", Static(status=301, headers={"Location": "/loop"}))
    assert refusal(make_fetcher(), url).reason == Reason.TOO_MANY_REDIRECTS


@pytest.mark.parametrize(
    "target",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
        "ftp://127.0.0.1/x.png",
        "dict://127.0.0.1:11211/stat",
        "javascript:alert(1)",
    ],
)
def test_s12_redirects_to_other_schemes_are_refused(
    make_fetcher: MakeFetcher, server: HostileServer, target: str
) -> None:
    start = server.serve("/to-scheme", Static(status=302, headers={"Location": target}))
    fetcher = make_fetcher()
    failure = refusal(fetcher, start)
    assert failure.reason == Reason.UNSUPPORTED_SCHEME
    assert failure.trail[0] == Hop(start, 302)
    assert failure.trail[1].url.split(":")[0] == target.split(":")[0]
    assert failure.trail[1].status is None
    assert fetcher.backend.connected == [("127.0.0.1", server.port)]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://x.test/", "ftp://x.test/a.png"])
def test_s12_direct_urls_with_other_schemes_are_refused(url: str) -> None:
    with Fetcher(production()) as fetcher:
        assert refusal(fetcher, url).reason == Reason.UNSUPPORTED_SCHEME
        assert fetcher.backend.connected == []


def test_s13_proxy_environment_variables_are_ignored(
    make_fetcher: MakeFetcher,
    server: HostileServer,
    monkeypatch: pytest.MonkeyPatch,
    socket_connects: list[tuple[str, int]],
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://10.9.9.9:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    fetcher = make_fetcher()
    assert fetcher.fetch(server.url("/png"), kind="image").body == PNG
    assert fetcher.backend.connected == [("127.0.0.1", server.port)]
    assert socket_connects == [("127.0.0.1", server.port)]


def test_s14_a_port_outside_the_allowlist_is_blocked(server: HostileServer) -> None:
    # Test mode, but the server's own port is not among the extra ports.
    with Fetcher(production(allow_loopback=True)) as fetcher:
        failure = refusal(fetcher, server.url("/png"))
        assert failure.reason == Reason.BLOCKED_PORT
        assert fetcher.backend.connected == []


@pytest.mark.parametrize("url", ["http://public.test:8080/", "https://public.test:22/"])
def test_s14_public_hosts_on_other_ports_are_blocked(url: str) -> None:
    resolver = StubResolver({"public.test": ["93.184.216.34"]})
    with Fetcher(production(), resolver) as fetcher:
        assert refusal(fetcher, url).reason == Reason.BLOCKED_PORT
        assert resolver.lookups == []
        assert fetcher.backend.connected == []


def test_s14_a_redirect_to_a_blocked_port_is_refused(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    start = server.serve(
        "/to-redis", Static(status=302, headers={"Location": "http://127.0.0.1:6379/"})
    )
    fetcher = make_fetcher()
    assert refusal(fetcher, start).reason == Reason.BLOCKED_PORT
    assert fetcher.backend.connected == [("127.0.0.1", server.port)]


@pytest.mark.parametrize(
    "url",
    [
        "http://user:pass@public.test/",
        "http://good.test@evil.test/",
        "http://:@public.test/",
    ],
)
def test_s15_urls_with_userinfo_are_invalid(url: str) -> None:
    resolver = StubResolver({"public.test": ["93.184.216.34"], "evil.test": ["93.184.216.34"]})
    with Fetcher(production(), resolver) as fetcher:
        assert refusal(fetcher, url).reason == Reason.INVALID_URL
        assert resolver.lookups == []
        assert fetcher.backend.connected == []


# S16 (loopback allowed while APP_ENV=production) is enforced by settings, not the fetcher.


def test_s17_a_page_of_internal_image_urls_yields_no_images_and_no_connections(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    internal = [
        "http://127.0.0.1/a.png",
        "http://localhost/b.png",
        "http://2130706433/c.png",
        "http://[::1]/d.png",
        "http://metadata.test/e.png",
        "http://10.0.0.1/f.png",
        f"http://127.0.0.1:{server.port}/png",
        "http://user:pw@public.test/g.png",
        "gopher://127.0.0.1:6379/h.png",
        "http://public.test:6379/i.png",
    ]
    page = "<html><body>" + "".join(f'<img src="{u}">' for u in internal) + "</body></html>"
    url = server.serve("/internal-page", Static(page.encode(), content_type="text/html"))
    resolver = StubResolver(
        {
            "metadata.test": ["169.254.169.254"],
            "localhost": ["127.0.0.1"],
            "public.test": ["10.1.1.1"],
            "2130706433": ["127.0.0.1"],  # what glibc answers for this numeric form
        }
    )
    # Production policy except for reaching the page itself on loopback.
    fetcher = make_fetcher(resolver, allow_loopback=True)
    fetched = fetcher.fetch(url, kind="page")
    candidates = extract_image_urls(fetched.body, fetched.final_url)
    assert len(candidates) == 9  # gopher is dropped by the extractor
    production_fetcher = Fetcher(production(), resolver)
    try:
        reasons = set()
        for candidate in candidates:
            reasons.add(refusal(production_fetcher, candidate).reason)
        assert reasons == {Reason.BLOCKED_ADDRESS, Reason.INVALID_URL, Reason.BLOCKED_PORT}
        assert production_fetcher.backend.connected == []
    finally:
        production_fetcher.close()
    assert fetcher.backend.connected == [("127.0.0.1", server.port)]


def test_s18_a_hanging_resolver_times_out_at_the_dns_timeout() -> None:
    resolver = HangingResolver()
    policy = production(dns_timeout_seconds=0.5)
    try:
        with Fetcher(policy, resolver) as fetcher:
            started = time.monotonic()
            failure = refusal(fetcher, "http://slow-dns.test/")
            elapsed = time.monotonic() - started
            assert failure.reason == Reason.DNS_TIMEOUT
            assert failure.transient
            assert elapsed >= 0.45  # the DNS timeout, not the connect timeout, ended it
            assert fetcher.backend.connected == []
    finally:
        resolver.release.set()


def test_s18_the_default_dns_timeout_is_three_seconds() -> None:
    assert FetchPolicy().dns_timeout_seconds == 3.0


def test_an_unknown_name_is_a_permanent_dns_error() -> None:
    with Fetcher(production(), StubResolver({})) as fetcher:
        failure = refusal(fetcher, "http://nxdomain.test/")
        assert failure.reason == Reason.DNS_ERROR
        assert not failure.transient
        assert fetcher.backend.connected == []


def test_a_temporary_dns_failure_is_transient() -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with Fetcher(production(), resolver) as fetcher:
        failure = refusal(fetcher, "http://flaky.test/")
        assert (failure.reason, failure.transient) == (Reason.DNS_ERROR, True)


def test_a_resolver_answer_that_is_not_an_address_is_blocked() -> None:
    with Fetcher(production(), StubResolver({"odd.test": ["not-an-ip"]})) as fetcher:
        assert refusal(fetcher, "http://odd.test/").reason == Reason.BLOCKED_ADDRESS
        assert fetcher.backend.connected == []


def test_unix_sockets_are_never_opened() -> None:
    backend = GuardedBackend(production())
    with pytest.raises(FetchFailed) as info:
        backend.connect_unix_socket("/var/run/redis.sock")
    assert info.value.reason == Reason.BLOCKED_ADDRESS


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "//public.test/a.png",
        "http:///a.png",
        "http://exa mple.test/",
        "http://public.test:99999/",
        "http://public.test:0/",
        "http://[fe80::1%25eth0]/",
        "http://xn--/",
        "http://public.test/\r\nHost: evil",
        "http://public.test/" + "a" * 5000,
    ],
)
def test_malformed_urls_are_invalid_before_any_lookup(url: str) -> None:
    resolver = StubResolver({"public.test": ["93.184.216.34"]})
    with Fetcher(production(), resolver) as fetcher:
        assert refusal(fetcher, url).reason == Reason.INVALID_URL
        assert resolver.lookups == []
        assert fetcher.backend.connected == []


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", S6_ADDRESSES + S7_ADDRESSES + ["127.0.0.1", "::1"])
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


def test_tls_uses_the_original_host_name_while_connecting_to_the_checked_address(
    tmp_path: Any,
) -> None:
    certificate, key = self_signed_certificate("public.test")
    (tmp_path / "cert.pem").write_bytes(certificate)
    (tmp_path / "key.pem").write_bytes(key)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client_context = ssl.create_default_context(cadata=certificate.decode())
    resolver = StubResolver({"public.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    with HostileServer(tls=server_context) as tls_server:
        url = tls_server.serve("/png", Static(PNG, content_type="image/png"))
        policy = production(allow_loopback=True, extra_ports=frozenset({tls_server.port}))
        with Fetcher(policy, resolver, ssl_context=client_context) as fetcher:
            fetched = fetcher.fetch(tls_server.url("/png", host="public.test"), kind="image")
            assert fetched.body == PNG
            assert tls_server.server_names == ["public.test"]
            assert tls_server.requests[-1][1]["host"] == f"public.test:{tls_server.port}"
            mismatch = refusal(fetcher, tls_server.url("/png", host="other.test"))
            assert mismatch.reason == Reason.CONNECT_ERROR
            assert fetcher.backend.connected == [("127.0.0.1", tls_server.port)] * 2
        assert url.startswith("https://")


# --- H1-H14: hostile content ----------------------------------------------------------------


def test_h1_a_png_header_claiming_ten_gigapixels_comes_back_as_sent(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    bomb = png_claiming(100_000, 100_000)
    url = server.serve("/h1", Static(bomb, content_type="image/png"))
    fetched = make_fetcher().fetch(url, kind="image")
    assert (fetched.media_type, fetched.body) == (MediaType.PNG, bomb)
    assert len(bomb) < 100


def test_h2_a_small_png_of_a_hundred_megapixels_comes_back_within_the_cap(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    bomb = png_claiming(10_000, 10_000, rows=True)
    url = server.serve("/h2", Static(bomb, content_type="image/png"))
    fetched = make_fetcher().fetch(url, kind="image")
    assert fetched.body == bomb
    assert len(bomb) < 64 * 1024


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (image_bytes("JPEG"), MediaType.JPEG),
        (image_bytes("PNG"), MediaType.PNG),
        (image_bytes("GIF"), MediaType.GIF),
        (image_bytes("WEBP"), MediaType.WEBP),
        (image_bytes("BMP"), MediaType.BMP),
        (image_bytes("TIFF"), MediaType.TIFF),
    ],
)
def test_images_are_recognised_by_magic_bytes_whatever_their_label(
    make_fetcher: MakeFetcher, server: HostileServer, body: bytes, expected: MediaType
) -> None:
    url = server.serve(f"/magic-{expected.name}", Static(body, content_type="text/plain"))
    fetched = make_fetcher().fetch(url, kind="image")
    assert (fetched.media_type, fetched.body) == (expected, body)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("ico", image_bytes("ICO")),
        ("psd", b"8BPS\x00\x01" + bytes(40)),
        ("eps", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"),
        ("fits", b"SIMPLE  =                    T" + bytes(50)),
        ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'),
        ("pdf", b"%PDF-1.7\n"),
        ("empty", b""),
    ],
)
def test_h3_other_formats_labelled_as_png_are_not_images(
    make_fetcher: MakeFetcher, server: HostileServer, name: str, body: bytes
) -> None:
    url = server.serve(f"/h3-{name}", Static(body, content_type="image/png"))
    failure = refusal(make_fetcher(), url)
    assert (failure.reason, failure.transient) == (Reason.NOT_AN_IMAGE, False)


def test_h3_a_body_that_is_neither_image_nor_html_is_unsupported_content(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    url = server.serve("/h3-text", Static(b"just some text", content_type="text/plain"))
    assert refusal(make_fetcher(), url, kind="any").reason == Reason.UNSUPPORTED_CONTENT


def test_h4_a_truncated_jpeg_is_returned_for_the_decoder_to_judge(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    truncated = image_bytes("JPEG", (64, 64))[:200]
    url = server.serve("/h4", Static(truncated, content_type="image/jpeg"))
    fetched = make_fetcher().fetch(url, kind="image")
    assert (fetched.media_type, fetched.body) == (MediaType.JPEG, truncated)


def test_h4_a_body_shorter_than_its_content_length_is_a_transient_connect_error(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    failure = refusal(make_fetcher(), server.url("/truncated"))
    assert (failure.reason, failure.transient) == (Reason.CONNECT_ERROR, True)


def test_h6_a_slow_trickle_is_cut_at_the_total_deadline(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    # A byte every 0.2 s never trips the 1 s read timeout; only the 1.5 s deadline can stop it.
    fetcher = make_fetcher(deadline_seconds=1.5, read_timeout_seconds=1.0)
    started = time.monotonic()
    failure = refusal(fetcher, server.url("/trickle?interval=0.2"))
    elapsed = time.monotonic() - started
    assert (failure.reason, failure.transient) == (Reason.TIMEOUT, True)
    assert elapsed >= 1.4  # the total deadline, not the 1 s read timeout, ended it


def test_h6_headers_trickled_a_byte_at_a_time_are_cut_at_the_total_deadline(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    fetcher = make_fetcher(deadline_seconds=1.5, read_timeout_seconds=1.0)
    started = time.monotonic()
    failure = refusal(fetcher, server.url("/slow-headers?interval=0.2"))
    elapsed = time.monotonic() - started
    assert failure.reason == Reason.TIMEOUT
    assert elapsed >= 1.4  # the total deadline, not the 1 s read timeout, ended it


def test_a_silent_server_trips_the_read_timeout(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    fetcher = make_fetcher(read_timeout_seconds=0.5)
    failure = refusal(fetcher, server.url("/trickle?interval=3"))
    assert failure.reason == Reason.TIMEOUT


def peak_bytes_while(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_h7_an_endless_chunked_body_stops_at_the_image_cap_with_bounded_memory(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    fetcher = make_fetcher()
    failures: list[FetchFailed] = []
    peak = peak_bytes_while(lambda: failures.append(refusal(fetcher, server.url("/endless"))))
    assert failures[0].reason == Reason.TOO_LARGE
    assert not failures[0].transient
    assert peak < 10 * MIB + 4 * MIB


def test_h8_a_gzip_bomb_of_zeros_is_refused_after_sniffing_its_first_kilobyte(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    bomb = gzip_of_zeros(128 * MIB)
    headers = {"Content-Encoding": "gzip"}
    url = server.serve("/h8-zeros", Static(bomb, content_type="image/png", headers=headers))
    fetcher = make_fetcher()
    failures: list[FetchFailed] = []
    peak = peak_bytes_while(lambda: failures.append(refusal(fetcher, url, kind="any")))
    assert len(bomb) < MIB
    assert failures[0].reason == Reason.UNSUPPORTED_CONTENT
    assert peak < 2 * MIB


def test_h8_a_gzip_bomb_behind_an_image_header_stops_at_the_cap_with_bounded_memory(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    bomb = gzip_of_zeros(128 * MIB, prefix=PNG[:64])
    headers = {"Content-Encoding": "gzip"}
    url = server.serve("/h8-png", Static(bomb, content_type="image/png", headers=headers))
    fetcher = make_fetcher()
    failures: list[FetchFailed] = []
    peak = peak_bytes_while(lambda: failures.append(refusal(fetcher, url)))
    assert len(bomb) < MIB
    assert failures[0].reason == Reason.TOO_LARGE
    # Naive httpx decoding materialises the whole 128 MiB; here it stays near the 10 MiB cap.
    assert peak < 10 * MIB + 4 * MIB


@pytest.mark.parametrize(
    ("encoding", "wbits"), [("gzip", 31), ("x-gzip", 31), ("deflate", 15), ("deflate", -15)]
)
def test_h8_compressed_images_are_decoded_despite_asking_for_identity(
    make_fetcher: MakeFetcher, server: HostileServer, encoding: str, wbits: int
) -> None:
    headers = {"Content-Encoding": encoding}
    body = compress(JPEG, wbits=wbits)
    url = server.serve(
        f"/enc-{encoding}{wbits}", Static(body, content_type="image/jpeg", headers=headers)
    )
    fetched = make_fetcher().fetch(url, kind="image")
    assert (fetched.media_type, fetched.body) == (MediaType.JPEG, JPEG)
    assert server.requests[-1][1]["accept-encoding"] == "identity"


@pytest.mark.parametrize(
    ("name", "encoding", "body"),
    [
        ("br", "br", b"\x0b\x02\x80hello\x03"),
        ("zstd", "zstd", b"(\xb5/\xfd"),
        ("double", "gzip, gzip", b""),
        ("corrupt", "gzip", b"\x1f\x8b\x08\x00garbage-not-deflate"),
        ("cut", "gzip", compress(JPEG)[:-20]),
    ],
)
def test_h8_unknown_or_corrupt_encodings_are_refused(
    make_fetcher: MakeFetcher, server: HostileServer, name: str, encoding: str, body: bytes
) -> None:
    url = server.serve(
        f"/bad-{name}",
        Static(body, content_type="image/jpeg", headers={"Content-Encoding": encoding}),
    )
    failure = refusal(make_fetcher(), url)
    assert (failure.reason, failure.transient) == (Reason.UNSUPPORTED_ENCODING, False)


def test_h10_an_html_page_over_two_mebibytes_is_too_large(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    page = b"<!doctype html><html><body>" + b"<p>filler</p>" * (3 * MIB // 13)
    url = server.serve("/h10-big", Static(page, content_type="text/html"))
    fetcher = make_fetcher()
    for kind in ("page", "any"):
        failure = refusal(fetcher, url, kind=kind)
        assert failure.reason == Reason.TOO_LARGE


def test_h10_a_page_with_ten_thousand_images_yields_at_most_fifty_candidates(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    imgs = "".join(f'<img src="/img/{i}.jpg" srcset="/s/{i}.jpg 2x">' for i in range(10_000))
    page = f"<!doctype html><html><body>{imgs}</body></html>".encode()
    url = server.serve("/h10-many", Static(page, content_type="text/html"))
    fetched = make_fetcher().fetch(url, kind="page")
    candidates = extract_image_urls(fetched.body, fetched.final_url)
    assert len(candidates) == 50
    assert candidates[:2] == [server.url("/img/0.jpg"), server.url("/s/0.jpg")]


def test_h14_png_bytes_labelled_as_html_are_an_image(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    url = server.serve("/h14-png", Static(PNG, content_type="text/html"))
    fetcher = make_fetcher()
    assert fetcher.fetch(url, kind="image").media_type is MediaType.PNG
    assert fetcher.fetch(url, kind="any").media_type is MediaType.PNG
    assert refusal(fetcher, url, kind="page").reason == Reason.UNSUPPORTED_CONTENT


def test_h14_html_labelled_as_png_is_not_an_image(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    url = server.serve("/h14-html", Static(HTML, content_type="image/png"))
    fetcher = make_fetcher()
    assert refusal(fetcher, url, kind="image").reason == Reason.NOT_AN_IMAGE
    assert fetcher.fetch(url, kind="any").media_type is MediaType.HTML
    assert fetcher.fetch(url, kind="page").body == HTML


def test_html_is_recognised_after_a_byte_order_mark_and_whitespace(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    body = b"\xef\xbb\xbf \r\n\t<!DOCTYPE HTML><title>x</title>"
    url = server.serve("/bom", Static(body, content_type="application/octet-stream"))
    assert make_fetcher().fetch(url, kind="page").media_type is MediaType.HTML


# --- Ordinary behaviour -------------------------------------------------------------------


def test_a_fetched_image_carries_its_trail_headers_and_timing(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    start = server.serve("/moved", Static(status=301, headers={"Location": "png"}))
    fetched = make_fetcher().fetch(start, kind="image")
    assert fetched.body == PNG
    assert fetched.status == 200
    assert fetched.final_url == server.url("/png")
    assert fetched.trail == (Hop(start, 301), Hop(server.url("/png"), 200))
    assert fetched.headers["content-type"] == "image/png"
    assert fetched.headers["content-length"] == str(len(PNG))
    assert 0 < fetched.elapsed_seconds < 5


def test_requests_ask_for_identity_encoding_and_never_forward_cookies(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    start = server.serve(
        "/cookie", Static(status=302, headers={"Location": "/png", "Set-Cookie": "sid=secret"})
    )
    make_fetcher().fetch(start, kind="image")
    headers = server.requests[-1][1]
    assert headers["accept-encoding"] == "identity"
    assert headers["user-agent"].startswith("takedown-fetcher")
    assert "cookie" not in headers
    assert "authorization" not in headers


@pytest.mark.parametrize(
    ("status", "transient"),
    [(404, False), (410, False), (403, False), (408, True), (429, True), (500, True), (503, True)],
)
def test_error_statuses_fail_with_http_error_and_retry_only_when_it_may_help(
    make_fetcher: MakeFetcher, server: HostileServer, status: int, transient: bool
) -> None:
    url = server.serve(f"/status-{status}", Static(b"nope", status, "text/plain"))
    failure = refusal(make_fetcher(), url)
    assert (failure.reason, failure.status, failure.transient) == (
        Reason.HTTP_ERROR,
        status,
        transient,
    )
    assert failure.trail == (Hop(url, status),)


def test_a_redirect_without_a_location_is_an_http_error(
    make_fetcher: MakeFetcher, server: HostileServer
) -> None:
    url = server.serve("/302-nowhere", Static(status=302))
    assert refusal(make_fetcher(), url).status == 302


def test_a_refused_connection_is_a_transient_connect_error(make_fetcher: MakeFetcher) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    fetcher = make_fetcher(extra_ports=frozenset({closed_port}))
    failure = refusal(fetcher, f"http://127.0.0.1:{closed_port}/")
    assert (failure.reason, failure.transient) == (Reason.CONNECT_ERROR, True)
    assert fetcher.backend.connected == [("127.0.0.1", closed_port)]


def test_the_body_never_appears_in_reprs_errors_or_logs(
    make_fetcher: MakeFetcher, server: HostileServer, caplog: pytest.LogCaptureFixture
) -> None:
    secret = b"\x89PNG\r\n\x1a\nSECRET-PIXELS" + bytes(100)
    url = server.serve("/secret", Static(secret, content_type="image/png"))
    caplog.set_level(logging.DEBUG, logger="workers.fetcher")
    fetcher = make_fetcher()
    fetched = fetcher.fetch(url, kind="image")
    failure = refusal(fetcher, url, kind="page")
    assert "SECRET" not in repr(fetched) and "SECRET" not in str(fetched)
    assert "/secret" not in repr(fetched)
    assert f"body=<{len(secret)} bytes>" in repr(fetched)
    assert "SECRET" not in str(failure) and "SECRET" not in repr(failure)
    assert "/secret" not in str(failure)
    assert "SECRET" not in caplog.text and "/secret" not in caplog.text


def test_fetch_failures_survive_pickling_with_their_details() -> None:
    failure = FetchFailed(
        Reason.HTTP_ERROR, "the server answered HTTP 503", status=503, trail=(Hop("u", 503),)
    )
    copy = pickle.loads(pickle.dumps(failure))
    assert (copy.reason, copy.status, copy.transient, copy.trail) == (
        Reason.HTTP_ERROR,
        503,
        True,
        (Hop("u", 503),),
    )


def test_the_policy_defaults_follow_the_fetch_budget() -> None:
    policy = FetchPolicy()
    assert policy.max_redirects == 5
    assert policy.deadline_seconds == 20.0
    assert policy.max_image_bytes == 10 * MIB
    assert policy.max_page_bytes == 2 * MIB
    assert policy.ports == frozenset({80, 443})
    assert policy.allowed_schemes == frozenset({"http", "https"})
    assert policy.allow_loopback is False


@pytest.mark.parametrize(
    "overrides",
    [
        {"extra_ports": frozenset({8080})},
        {"allowed_schemes": frozenset({"http", "ftp"})},
        {"deadline_seconds": 0},
        {"max_image_bytes": 0},
    ],
)
def test_the_policy_refuses_unsafe_or_meaningless_settings(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        FetchPolicy(**overrides)


def test_an_unknown_kind_is_a_programming_error() -> None:
    with Fetcher(production()) as fetcher, pytest.raises(ValueError):
        fetcher.fetch("http://public.test/", kind="audio")  # type: ignore[arg-type]
