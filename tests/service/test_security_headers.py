"""Every answer carries its security headers: victim pages, API, static files and the console."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src blob:; "
    "font-src 'self'; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
CONSOLE_POLICY = (
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; img-src 'none'"
)
EVERYONE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "strict-transport-security": "max-age=31536000",
}
PAGES = EVERYONE | {
    "content-security-policy": PAGE_POLICY,
    "referrer-policy": "no-referrer",
    "cache-control": None,
}
CONSOLE = EVERYONE | {
    "content-security-policy": CONSOLE_POLICY,
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


def _security_headers(client: TestClient, path: str) -> dict[str, str | None]:
    secure = TestClient(client.app, base_url="https://testserver")
    response = secure.get(path, follow_redirects=False)
    return {name: response.headers.get(name) for name in PAGES}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/nl/status",
        "/static/victim/app.js",
        "/static/victim/site.css",
        "/console/static/console.css",
        "/healthz",
        "/v1/case",
        "/openapi.json",
        "/no-such-page",
    ],
)
def test_pages_api_and_static_files_carry_the_strict_page_headers(
    client: TestClient, path: str
) -> None:
    assert _security_headers(client, path) == PAGES


@pytest.mark.parametrize("path", ["/console/login", "/console/", "/console/no-such-page"])
def test_console_answers_carry_the_stricter_console_headers(client: TestClient, path: str) -> None:
    assert _security_headers(client, path) == CONSOLE


def test_the_api_docs_keep_their_own_policy_and_the_other_headers(client: TestClient) -> None:
    headers = _security_headers(client, "/docs")
    assert headers["content-security-policy"] == PAGE_POLICY.replace(
        "img-src 'self'", "img-src 'self' data:"
    )
    assert headers | {"content-security-policy": PAGE_POLICY} == PAGES


def test_plain_http_answers_carry_no_strict_transport_security(client: TestClient) -> None:
    for path in ("/", "/console/login", "/healthz"):
        assert "strict-transport-security" not in client.get(path).headers
