"""Recovery on the web, in Chromium: the codes shown once beside a new case's ID and PIN, kept
apart from the credentials file, and the recover page that turns one into a new PIN (en, nl).

The credentials file the page downloads is handed to the CLI (``python -m hashing status
--credentials``) to prove it is the CLI's format. Screenshots at 1280 and 375 px go to
test-artifacts/browser/.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from casework.runtime import Runtime
from tests.browser.conftest import (
    THREE_IMAGES,
    Network,
    hash_files,
    screenshot,
    serious_accessibility_violations,
)

pytestmark = pytest.mark.browser

CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$")
CLOCK = r"\d{1,2}[:.]\d\d( [AP]M)?"


def downloaded(page: Page, button: str) -> str:
    with page.expect_download() as download:
        page.get_by_role("button", name=button).click()
    return Path(download.value.path()).read_text(encoding="utf-8")


def cli_status(credentials: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hashing", "status", "--credentials", str(credentials)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def test_a_new_case_shows_its_recovery_codes_once_and_one_sets_a_new_pin(
    page: Page, live_server: str, network: Network, tmp_path: Path
) -> None:
    page.goto(live_server + "/")
    hash_files(page, THREE_IMAGES[:1])
    page.get_by_role("button", name="Send fingerprints and open a case").click()
    expect(page.locator("#opened")).to_be_visible()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 6 and len(set(codes)) == 6 and all(CODE.match(c) for c in codes)
    case_id = page.locator("#opened-case-id").inner_text()
    pin = page.locator("#opened-pin").inner_text()
    expect(page.locator("#recovery")).to_contain_text("Keep them apart from the PIN")
    screenshot(page, "recovery-1-codes-shown")
    assert serious_accessibility_violations(page) == []

    # The credentials file is the CLI's, with no code in it; the codes are a file of their own.
    credentials = json.loads(downloaded(page, "Download as a file"))
    assert credentials == {"server": live_server, "case_id": case_id, "pin": pin}
    codes_file = downloaded(page, "Download the recovery codes")
    assert case_id in codes_file and pin not in codes_file
    assert f"{live_server}/recover" in codes_file
    assert codes_file.splitlines()[-6:] == codes

    page.get_by_role("link", name="Lost your PIN?").click()
    expect(page).to_have_url(live_server + "/recover")
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Case ID").fill(case_id)
    page.get_by_label("Recovery code").fill(codes[2].lower())
    page.get_by_role("button", name="Set a new PIN").click()
    expect(page.locator("#opened")).to_be_visible()
    new_pin = page.locator("#opened-pin").inner_text()
    assert re.fullmatch(r"\d{8}", new_pin) and new_pin != pin
    expect(page.locator("#opened-result")).to_have_text(
        "That recovery code is now used up; 5 left."
    )
    expect(page.locator("#recovery-codes")).to_have_count(0)
    screenshot(page, "recovery-2-new-pin")

    saved = tmp_path / "case.json"
    saved.write_text(downloaded(page, "Download as a file"), encoding="utf-8")
    assert json.loads(saved.read_text()) == {
        "server": live_server,
        "case_id": case_id,
        "pin": new_pin,
    }
    status = cli_status(saved)
    assert status.returncode == 0, status.stderr
    assert "Recovery codes left: 5" in status.stdout
    old = httpx.get(f"{live_server}/v1/case", auth=(case_id, pin))
    assert old.status_code == 401
    assert network.blocked == []


def test_the_dutch_recover_page_at_375_px_explains_a_refusal_and_a_pause_alike(
    phone: Page, live_server: str, runtime: Runtime
) -> None:
    opened = httpx.post(
        f"{live_server}/v1/cases",
        json={"fingerprints": [{"algorithm": "sha256", "value": "ab" * 32}]},
    ).json()
    phone.goto(live_server + "/nl/recover")
    assert phone.locator("html").get_attribute("lang") == "nl"
    screenshot(phone, "phone-nl-recover-1")
    refusal = re.compile(
        r"Er is geen zaak met dit zaaknummer en deze herstelcode, of de zaak is gepauzeerd na te "
        r"veel foute pogingen\. Controleer ze allebei \(elke code werkt maar één keer\); is de "
        rf"zaak gepauzeerd, probeer het dan opnieuw na {CLOCK}\."
    )
    shown = []
    for case_id in ("ABCD-EFGH-JKMN", opened["case_id"]):
        for _ in range(runtime.lockout.failures if case_id == opened["case_id"] else 1):
            phone.get_by_label("Zaaknummer").fill(case_id)
            phone.get_by_label("Herstelcode").fill("0000-0000-0000-0000")
            phone.get_by_role("button", name="Nieuwe pincode instellen").click()
            expect(phone.get_by_role("alert")).to_have_text(refusal)
            shown.append(phone.get_by_role("alert").inner_text())
            phone.evaluate("document.getElementById('form-message').hidden = true")
    # Paused now: even the right code gets the very same words.
    phone.get_by_label("Herstelcode").fill(opened["recovery_codes"][0])
    phone.get_by_role("button", name="Nieuwe pincode instellen").click()
    expect(phone.get_by_role("alert")).to_have_text(refusal)
    # The same words as for the unknown case, but for a time a request later may round up.
    masked = {
        re.sub(CLOCK, "HH:MM", text) for text in [*shown, phone.get_by_role("alert").inner_text()]
    }
    assert len(masked) == 1
    screenshot(phone, "phone-nl-recover-2-paused")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert serious_accessibility_violations(phone) == []


def test_the_dutch_start_page_shows_the_codes_at_375_px(
    phone: Page, live_server: str, network: Network
) -> None:
    phone.goto(live_server + "/nl/")
    hash_files(phone, THREE_IMAGES[:1])
    phone.get_by_role("button", name="Vingerafdrukken versturen en zaak starten").click()
    expect(phone.locator("#opened")).to_be_visible()
    expect(phone.locator("#recovery-codes li")).to_have_count(6)
    expect(phone.get_by_role("heading", name="Herstelcodes")).to_be_visible()
    expect(phone.get_by_role("button", name="Herstelcodes downloaden")).to_be_visible()
    phone.locator("#recovery").scroll_into_view_if_needed()
    screenshot(phone, "phone-nl-recovery-codes")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert network.blocked == []
