"""/docs in Chromium: Swagger UI from this origin renders the operations, offline, under the CSP."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from service.web.docs import DOCS_POLICY
from service.web.headers import CONTENT_SECURITY_POLICY
from tests.browser.conftest import Network, screenshot

pytestmark = pytest.mark.browser


def test_the_api_docs_render_every_operation_with_other_origins_blocked(
    page: Page, live_server: str, network: Network
) -> None:
    page.goto(live_server + "/docs")
    expect(page.locator(".opblock-summary-path[data-path='/v1/check/image']")).to_be_visible()
    expect(
        page.locator(".opblock-post .opblock-summary-path[data-path='/v1/reports']")
    ).to_be_visible()
    openapi = page.request.get(live_server + "/openapi.json").json()
    operations = sum(len(methods) for methods in openapi["paths"].values())
    assert page.locator(".opblock").count() == operations
    page.locator(".opblock-summary-path[data-path='/v1/check/image']").click()
    expect(page.locator(".response[data-code='415']")).to_be_visible()
    screenshot(page, "api-docs")
    assert network.blocked == [], "the docs tried to reach another origin"
    assert page.evaluate("window.__cspViolations") == []


def test_the_api_docs_carry_the_page_policy_and_load_only_this_origin(client: TestClient) -> None:
    response = client.get("/docs")
    policy = response.headers["content-security-policy"]
    assert policy == DOCS_POLICY != CONTENT_SECURITY_POLICY
    assert "unsafe" not in policy and "http" not in policy and "script-src 'self';" in policy
    assert "http" not in response.text.replace('lang="en"', "")
    assert "<script>" not in response.text
    for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"):
        assert client.get(asset).status_code == 200
    assert client.get("/redoc").status_code == 404
