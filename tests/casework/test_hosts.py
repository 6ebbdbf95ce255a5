"""host_of: one spelling of a URL's host for every comparison of hosts."""

from __future__ import annotations

import pytest

from casework.hosts import host_of
from casework.platforms.platforms import platform_for_host


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Example.COM/a", "example.com"),
        ("https://example.com./a", "example.com"),
        ("https://example.com:8443/a", "example.com"),
        ("https://user:secret@example.com/", "example.com"),
        ("http://[2001:DB8::1]:8080/x", "2001:db8::1"),
        ("http://192.0.2.7./", "192.0.2.7"),
        ("https://Bücher.Example./", "xn--bcher-kva.example"),
        ("https://xn--bcher-kva.example/", "xn--bcher-kva.example"),
        ("https://straße.de/", "xn--strae-oqa.de"),
    ],
)
def test_a_host_is_lower_case_a_labels_without_port_brackets_or_trailing_dot(
    url: str, host: str
) -> None:
    assert host_of(url) == host


@pytest.mark.parametrize(
    "url",
    [
        "/relative/path",
        "https:///no-host",
        "https://./",
        "http://[zz]/",
        "http://[::1/",
        "https://☃.net/",
    ],
)
def test_a_url_without_a_usable_host_has_none(url: str) -> None:
    assert host_of(url) is None


def test_an_international_name_finds_the_platform_that_registered_its_a_label() -> None:
    domains = {"xn--bcher-kva.example": 7}
    assert platform_for_host(domains, host_of("https://shop.Bücher.example.:8443/x")) == 7
