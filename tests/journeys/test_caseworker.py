"""The caseworker's journey in Chromium, against `takedown up` on its shipped defaults.

The operator creates the first admin from the project folder; a victim opens a case and reports a
leak page with the CLI; the caseworker confirms the image found, drafts a notice, approves,
exports and sends it; the image goes and a check proves it; a re-upload on a mirror comes back to
the queue linked to the notice.
"""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Network, screenshot
from tests.harness import ContentServer
from tests.journeys.conftest import Installation, leak_page

pytestmark = pytest.mark.browser

IMAGE = Path(__file__).resolve().parents[1] / "vectors" / "pdq" / "images" / "aaa-orig.jpg"
PASSWORD = "correct horse battery staple 42"
CHECK_SECONDS = 90


def reload_until(page: Page, locator: str, text: str | re.Pattern[str]) -> None:
    """Reload a server-rendered page until the worker's result shows (no JavaScript there)."""
    pattern = text if isinstance(text, re.Pattern) else re.compile(re.escape(text))
    deadline = time.monotonic() + CHECK_SECONDS
    while time.monotonic() < deadline:
        page.reload()
        if pattern.search(page.locator(locator).inner_text()):
            return
        time.sleep(1)
    raise AssertionError(f"{locator} never showed {text!r}: {page.locator(locator).inner_text()}")


def test_a_caseworker_takes_a_leak_to_a_removal_a_check_proved_and_sees_the_re_upload(
    installation: Installation, desktop: Page, network: Network
) -> None:
    page = desktop
    installation.takedown(
        "admin",
        "create",
        "--organisation",
        "Stichting Voorbeeld",
        "--contact-email",
        "notices@voorbeeld.example",
        "--email",
        "carol@voorbeeld.example",
        "--name",
        "Carol de Vries",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    installation.takedown("submit", str(IMAGE), "--save", "case.json")
    case_id = (installation.folder / "case.json").read_text().split('"case_id": "')[1][:14]
    leak = ContentServer()
    try:
        page_url = leak_page(leak, IMAGE)
        installation.takedown("report", page_url, "--credentials", "case.json")
        url = installation.url

        page.goto(url + "/console/login")
        page.get_by_label("E-mail address").fill("carol@voorbeeld.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
        card = page.locator("[id^=match-]", has_text="/img/leak.jpg")
        expect(card).to_have_count(1)
        screenshot(page, "journey-caseworker-1-queue")
        card.get_by_role("button", name=re.compile("^Confirm")).click()
        expect(page.locator("[id^=match-]", has_text="/img/leak.jpg")).to_have_count(0)

        page.get_by_role("navigation").get_by_role("link", name="Cases").click()
        # The console numbers cases itself; the victim's case ID is never shown there.
        page.get_by_role("link", name=re.compile(r"^Case \d+$")).click()
        page.get_by_label("Regime").select_option(label="US TAKE IT DOWN Act removal request")
        page.get_by_role("button", name="Draft notices").click()
        heading = page.get_by_role("heading", name=re.compile(r"^Notice TD-"))
        expect(heading).to_be_visible()
        reference = heading.inner_text().split()[-1]
        expect(page.locator("pre.letter")).to_contain_text("/img/leak.jpg")
        screenshot(page, "journey-caseworker-2-draft")

        page.get_by_role("button", name="Approve").click()
        expect(page.locator("#status h2")).to_contain_text("Approved")
        with page.expect_download() as download:
            page.get_by_role("button", name="E-mail (.eml)").click()
        letter = email.message_from_bytes(
            Path(download.value.path()).read_bytes(), policy=email.policy.default
        )
        assert "/img/leak.jpg" in letter.get_body().get_content()
        page.get_by_role("button", name="Mark as sent").click()
        expect(page.locator("#status h2")).to_contain_text("Sent")
        # Sending queues a check at once: its evidence row says the image is still there.
        reload_until(page, "body", "found: still online")
        screenshot(page, "journey-caseworker-3-sent")

        del leak.routes["/img/leak.jpg"]
        page.get_by_role("button", name="Mark as removed").click()
        expect(page.locator("#status")).to_contain_text("check")
        reload_until(page, "#status h2", "Removed")
        screenshot(page, "journey-caseworker-4-removed")

        mirror = leak.add("/mirror/copy.jpg", "image/jpeg", IMAGE.read_bytes())
        installation.takedown("watch", "add", case_id, mirror, "--takedown", reference)
        page.get_by_role("navigation").get_by_role("link", name="Review queue").click()
        reload_until(page, "main", "/mirror/copy.jpg")
        again = page.locator("[id^=match-]", has_text="/mirror/copy.jpg")
        expect(again.get_by_role("link", name=reference)).to_be_visible()
        expect(again.locator("dd.pdq")).to_contain_text("0 / 256")
        screenshot(page, "journey-caseworker-5-re-upload")
    finally:
        leak.close()
    assert network.blocked == []
