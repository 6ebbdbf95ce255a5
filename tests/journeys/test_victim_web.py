"""The victim's journey on the web pages, in Chromium, against `takedown up` on its defaults.

Open a case from a folder of photos, report where one leaked and read what was found there per
image (English, then Dutch on a phone), recover a lost PIN with a recovery code, withdraw.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import Network, screenshot
from tests.harness import ContentServer
from tests.journeys.conftest import Installation, leak_page

pytestmark = pytest.mark.browser

IMAGES = Path(__file__).resolve().parents[1] / "vectors" / "pdq" / "images"


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    """A small folder of distinct photos, as a victim picks them."""
    made = []
    with Image.open(IMAGES / "aaa-orig.jpg") as source:
        image = source.convert("RGB")
    for step in range(6):
        path = tmp_path / f"photo-{step}.jpg"
        image.crop((step * 40, step * 30, image.width, image.height)).resize((400, 400)).save(path)
        made.append(path)
    return made


def sign_in(page: Page, case_id: str, pin: str) -> None:
    page.fill("#case-id", case_id)
    page.fill("#pin", pin)
    page.locator("#send").click()


def test_a_victim_opens_a_case_reports_a_leak_recovers_the_pin_and_withdraws_on_the_web(
    installation: Installation,
    desktop: Page,
    phone: Page,
    network: Network,
    photos: list[Path],
) -> None:
    url = installation.url
    desktop.goto(url + "/")
    desktop.set_input_files("#files", [str(p) for p in photos])
    expect(desktop.locator("#file-list li.ready")).to_have_count(len(photos))
    desktop.get_by_role("button", name="Send fingerprints and open a case").click()
    expect(desktop.locator("#opened")).to_be_visible()
    case_id = desktop.locator("#opened-case-id").inner_text()
    pin = desktop.locator("#opened-pin").inner_text()
    codes = desktop.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 6
    screenshot(desktop, "journey-web-1-opened")

    leak = ContentServer()
    try:
        page_url = leak_page(leak, photos[2])
        desktop.goto(url + "/status")
        sign_in(desktop, case_id, pin)
        expect(desktop.locator("#report")).to_be_visible()
        desktop.fill("#report-urls", page_url)
        desktop.fill("#report-note", "Posted by my ex on this forum")
        desktop.locator("#report-send").click()
        said = desktop.locator("#report-progress li .said")
        expect(said).to_have_text(["Checked: 1 image matching yours found."], timeout=90_000)
        screenshot(desktop, "journey-web-2-reported")

        phone.goto(url + "/nl/status")
        sign_in(phone, case_id, pin)
        expect(phone.locator("#report-progress li .said")).to_have_text(
            ["Gecontroleerd: 1 beeld gevonden dat op de jouwe lijkt."]
        )
        timeline = phone.locator("#status-timeline li").all_inner_texts()
        screenshot(phone, "journey-web-3-nl-phone")
    finally:
        leak.close()
    assert sum("127.0.0.1" in line for line in timeline) == 1, timeline

    desktop.goto(url + "/recover")
    desktop.fill("#case-id", case_id)
    desktop.fill("#recovery-code", codes[0])
    desktop.locator("#send").click()
    expect(desktop.locator("#opened")).to_be_visible()
    new_pin = desktop.locator("#opened-pin").inner_text()
    assert new_pin and new_pin != pin

    desktop.goto(url + "/withdraw")
    sign_in_fields = desktop.locator("#case-id")
    sign_in_fields.fill(case_id)
    desktop.fill("#pin", new_pin)
    desktop.check("#confirm")
    desktop.locator("#send").click()
    expect(desktop.locator("#form-message, #result, .result").first).to_contain_text("withdrawn")
    screenshot(desktop, "journey-web-4-withdrawn")

    assert network.blocked == []
    for request in network.sent:
        for photo in photos:
            assert photo.read_bytes()[:512] not in request.body
