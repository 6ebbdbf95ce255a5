"""The status page lets a victim choose, see and turn off notifications; off by default."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from casework.models import CaseNotification
from casework.runtime import Runtime
from tests.browser.conftest import Network, screenshot, serious_accessibility_violations

pytestmark = pytest.mark.browser


def open_and_check(page: Page, live_server: str, path: str = "/status") -> None:
    opened = httpx.post(
        live_server + "/v1/cases",
        json={"fingerprints": [{"algorithm": "md5", "value": "0123456789abcdef" * 2}]},
    ).json()
    page.goto(live_server + path)
    page.locator("#case-id").fill(opened["case_id"])
    page.locator("#pin").fill(opened["pin"])
    page.locator("#send").click()


def test_a_victim_chooses_a_webhook_sees_its_secret_once_and_turns_it_off(
    page: Page, live_server: str, network: Network, runtime: Runtime
) -> None:
    open_and_check(page, live_server)
    expect(page.locator("#notify-state")).to_have_text("Notes are off.")
    expect(page.get_by_label("No notes (off)")).to_be_checked()
    # This service has no mail server configured: e-mail is not offered.
    expect(page.get_by_label("By e-mail")).to_be_hidden()

    page.get_by_label("To a webhook").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#notify-message")).to_have_text(
        "Enter the e-mail address or web address first."
    )
    page.get_by_label("E-mail address or https web address").fill("http://hooks.example/x")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#notify-message")).to_contain_text("webhooks must use https")

    page.get_by_label("E-mail address or https web address").fill("https://hooks.example/me/42")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#notify-state")).to_have_text(
        "Notes go to the webhook at https://hooks.example/•••."
    )
    secret = page.locator("#notify-secret").inner_text()
    assert len(secret) >= 32
    screenshot(page, "status-notify-webhook")
    assert serious_accessibility_violations(page) == []
    sent = [json.loads(r.body) for r in network.sent if r.method == "PUT"]
    assert sent[-1] == {"webhook": "https://hooks.example/me/42"}

    page.get_by_label("No notes (off)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#notify-state")).to_have_text("Notes are off.")
    expect(page.locator("#notify-secret-row")).to_be_hidden()
    with runtime.sessions() as session:
        assert session.scalars(select(CaseNotification)).all() == []
    assert network.blocked == []


def test_the_dutch_notification_choice_fits_375_pixels(phone: Page, live_server: str) -> None:
    open_and_check(phone, live_server, "/nl/status")
    expect(phone.locator("#notify-state")).to_have_text("Berichten staan uit.")
    screenshot(phone, "phone-nl-status-notify")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
