"""Counts on the victim pages in Chromium: one file, one fingerprint and more, each number in its
own form, in English and in Dutch (service/web/texts.py SCRIPT_COUNTS, page.js say)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import VECTORS, hash_files, python_fingerprints, screenshot

pytestmark = pytest.mark.browser

IMAGE = VECTORS / "images" / "aaa-orig.jpg"
SECOND = VECTORS / "images" / "q2821.jpg"
# Nearly blank: its MD5, SHA-256 and pHash only, so a case can already hold all but one of them.
PLAIN = VECTORS / "images" / "small.jpg"


def sent_count(*paths: Path) -> int:
    """How many fingerprints the page sends for these files (each distinct one once)."""
    sent = (python_fingerprints(path.read_bytes())["sent"] for path in paths)
    return len({entry for entries in sent for entry in entries})


def test_one_image_is_one_file_and_two_are_two_files(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    hash_files(page, [IMAGE])
    one = sent_count(IMAGE)
    expect(page.locator("#progress-text")).to_have_text(
        f"Done: 1 file, {one} fingerprints ready to send."
    )
    expect(page.locator("#send-summary")).to_have_text(
        re.compile(rf"{one} fingerprints \([\d,]+ bytes\) will be sent\.")
    )
    screenshot(page, "counts-1-one-file")

    page.set_input_files("#files", [str(SECOND)])
    expect(page.locator("#file-list li.ready")).to_have_count(2)
    expect(page.locator("#progress-text")).to_have_text(
        f"Done: 2 files, {sent_count(IMAGE, SECOND)} fingerprints ready to send."
    )
    screenshot(page, "counts-2-two-files")


def test_the_dutch_page_says_one_file_in_the_singular(page: Page, live_server: str) -> None:
    page.goto(live_server + "/nl/")
    hash_files(page, [IMAGE])
    one = sent_count(IMAGE)
    expect(page.locator("#progress-text")).to_have_text(
        f"Klaar: 1 bestand, {one} vingerafdrukken klaar om te versturen."
    )
    expect(page.locator("#send-summary")).to_have_text(
        re.compile(rf"{one} vingerafdrukken \([\d.]+ bytes\) worden verstuurd\.")
    )
    screenshot(page, "counts-nl-one-file")


def test_a_plain_image_whose_crops_gave_nothing_says_nothing_of_crops(
    page: Page, live_server: str
) -> None:
    page.goto(live_server + "/")
    hash_files(page, [PLAIN, IMAGE])
    expect(page.locator("#file-list li .crops")).to_have_count(1)


def plain_entries() -> dict[str, dict[str, str]]:
    """The plain image's fingerprints as the API takes them, by algorithm."""
    entries = [json.loads(entry) for entry in python_fingerprints(PLAIN.read_bytes())["sent"]]
    assert sorted(entry["algorithm"] for entry in entries) == ["md5", "phash", "sha256"]
    return {entry["algorithm"]: entry for entry in entries}


def add_plain_image(page: Page, live_server: str, held: list[dict[str, str]], path: str) -> None:
    opened = httpx.post(live_server + "/v1/cases", json={"fingerprints": held}).json()
    page.goto(live_server + path)
    hash_files(page, [PLAIN])
    page.get_by_label("Case ID" if path == "/add" else "Zaaknummer").fill(opened["case_id"])
    page.get_by_label("PIN" if path == "/add" else "Pincode").fill(opened["pin"])
    page.locator("#send").click()


def test_adding_tells_one_fingerprint_added_and_one_already_held_in_the_singular(
    page: Page, live_server: str
) -> None:
    entries = plain_entries()
    add_plain_image(page, live_server, [entries["md5"], entries["sha256"]], "/add")
    expect(page.locator("#form-message")).to_have_text(
        "Done: 1 fingerprint added to your case (2 were already in it)."
    )
    screenshot(page, "counts-3-one-added")

    add_plain_image(page, live_server, [entries["md5"]], "/add")
    expect(page.locator("#form-message")).to_have_text(
        "Done: 2 fingerprints added to your case (1 was already in it)."
    )
    screenshot(page, "counts-4-one-held")

    add_plain_image(page, live_server, [entries["md5"]], "/nl/add")
    expect(page.locator("#form-message")).to_have_text(
        "Klaar: 2 vingerafdrukken toegevoegd aan je zaak (1 zat er al in)."
    )


@pytest.mark.parametrize(
    ("path", "counts", "told"),
    [
        ("/status", (1, 2), "Checked: 1 image and 2 videos matching yours found."),
        ("/status", (2, 1), "Checked: 2 images and 1 video matching yours found."),
        (
            "/nl/status",
            (1, 2),
            "Gecontroleerd: 1 beeld en 2 video's gevonden die op de jouwe lijken.",
        ),
    ],
)
def test_a_url_with_images_and_videos_found_counts_each_in_its_own_form(
    page: Page, live_server: str, path: str, counts: tuple[int, int], told: str
) -> None:
    entries = plain_entries()
    opened = httpx.post(live_server + "/v1/cases", json={"fingerprints": [entries["md5"]]}).json()
    auth = (opened["case_id"], opened["pin"])
    reported = httpx.post(
        live_server + "/v1/reports", json={"urls": ["https://leaks.example/a"]}, auth=auth
    )
    assert reported.status_code == 202, reported.text
    images, found_videos = counts

    # The service's own answer, as if its check had found these at the URL.
    def found(route: Route) -> None:
        answer = route.fetch().json()
        answer["reports"][0]["items"][0].update(
            progress="found", finished=True, matches=images, videos=found_videos
        )
        route.fulfill(json=answer)

    page.route("**/v1/reports", found)
    page.goto(live_server + path)
    page.locator("#case-id").fill(opened["case_id"])
    page.locator("#pin").fill(opened["pin"])
    page.locator("#send").click()
    expect(page.locator("#report-progress li .said")).to_have_text([told])
    screenshot(page, f"counts-report{path.replace('/', '-')}-{images}-{found_videos}")
