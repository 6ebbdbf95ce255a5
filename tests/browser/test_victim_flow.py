"""The victim's whole journey in Chromium: hash, open a case, check it, add, withdraw.

Every request the page makes is recorded (conftest.Network) while every origin but the test
server is blocked, so these tests also prove what leaves the device: JSON fingerprints only.
Screenshots go to test-artifacts/browser/ for people to look at.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from casework.db import transaction
from casework.models import (
    Case,
    CaseVideo,
    Report,
    ReportItem,
    Takedown,
    TakedownItem,
    VideoMatch,
)
from casework.runtime import Runtime
from hashing.algorithms import hash_file
from hashing.cli import fingerprint_entries
from hashing.crops import crop_boxes
from hashing.images import victim_formats
from tests.browser.conftest import (
    ARTIFACTS,
    THREE_IMAGES,
    VECTORS,
    Network,
    as_base64,
    assert_only_fingerprints_sent,
    expected_fingerprints,
    hash_files,
    python_fingerprints,
    screenshot,
    serious_accessibility_violations,
)

pytestmark = pytest.mark.browser

MORE_IMAGES = [VECTORS / "images" / name for name in ("rgb.jpeg", "small.jpg")]
DUTCH_MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december"
).split()


def expected_request(files: list[Path]) -> list[str]:
    """The one request body's entries the CLI's hashes give for these files, each once, sorted.

    Each entry names its photo: the files that add an entry, numbered from 0 in their order;
    ``derived`` is there, true, for the hashes of trimmed copies and crops.
    """
    entries: dict[str, dict[str, Any]] = {}
    photos = 0
    for path in files:
        hashed = hash_file(path.read_bytes(), formats=victim_formats())
        own = len(hashed.fingerprints)
        added = False
        for index, entry in enumerate(fingerprint_entries(hashed)):
            key = f"{entry['algorithm']}:{entry['value']}"
            if key not in entries:
                derived = {"derived": True} if index >= own else {}
                entries[key] = {**entry, "photo": photos, **derived}
                added = True
        photos += added
    return sorted(json.dumps(entry, sort_keys=True) for entry in entries.values())


def expected_counts(files: list[Path]) -> dict[str, int]:
    """How many fingerprints of each algorithm the page should send for these files."""
    algorithms = [json.loads(entry)["algorithm"] for entry in expected_fingerprints(files)]
    return {algorithm: algorithms.count(algorithm) for algorithm in sorted(set(algorithms))}


def shown_fingerprints(page: Page) -> list[dict[str, str]]:
    """What each file's list item shows: {label: value} (the first value of each label)."""
    shown = []
    for item in page.locator("#file-list li").all():
        labels = item.locator("dt").all_inner_texts()
        values = item.locator("dd code").all_inner_texts()
        shown.append(dict(reversed(list(zip(labels, values, strict=True)))))
    return shown


def assert_no_csp_violations(page: Page) -> None:
    assert page.evaluate("window.__cspViolations") == []


def open_case(page: Page, live_server: str, network: Network, name: str) -> dict[str, str]:
    page.goto(live_server + "/")
    load_ms = page.evaluate("performance.getEntriesByType('navigation')[0].duration")
    seconds = hash_files(page, THREE_IMAGES)
    assert network.api_calls() == [], "hashing alone must not call the service"
    screenshot(page, f"{name}-1-hashed")
    page.get_by_role("button", name="Send fingerprints and open a case").click()
    expect(page.locator("#opened")).to_be_visible()
    screenshot(page, f"{name}-2-case-opened")
    (ARTIFACTS / f"{name}-timings.json").write_text(
        json.dumps({"page_load_ms": round(load_ms), "hash_three_images_s": round(seconds, 2)})
    )
    return {
        "case_id": page.locator("#opened-case-id").inner_text(),
        "pin": page.locator("#opened-pin").inner_text(),
    }


def test_a_victim_opens_a_case_checks_it_and_withdraws_it(
    page: Page, live_server: str, network: Network
) -> None:
    credentials = open_case(page, live_server, network, "flow")
    assert len(credentials["case_id"]) == 14 and len(credentials["pin"]) == 8

    # What each file shows is what Python computes for it.
    for shown, path in zip(shown_fingerprints(page), THREE_IMAGES, strict=True):
        expected = python_fingerprints(path.read_bytes())
        assert shown["Similarity (PDQ)"] == expected["pdq"]["hash"]
        assert shown["Similarity (pHash)"] == expected["phash"]
        assert shown["Exact copy (MD5)"] == expected["md5"]
        assert shown["Exact copy (SHA-256)"] == expected["sha256"]
    # The trimmed copies' hashes are listed; the crops' are counted, in one sentence.
    for item, path in zip(page.locator("#file-list li").all(), THREE_IMAGES, strict=True):
        expected = python_fingerprints(path.read_bytes())
        trimmed = sum("without borders" in label for label in item.locator("dt").all_inner_texts())
        expect(item.locator(".crops")).to_have_text(
            "Also made, to help recognise a cropped copy: "
            f"{len(expected['variants']) - trimmed} similarity fingerprints of "
            f"{len(crop_boxes(*expected['size']))} crops of the image."
        )

    sent = assert_only_fingerprints_sent(network, THREE_IMAGES)
    counts = expected_counts(THREE_IMAGES)
    assert set(counts) == {"md5", "pdq", "phash", "sha256"}
    assert [r.url.removeprefix(live_server) for r in network.api_calls()] == ["/v1/cases"]
    # The capture sees the worker's own requests too (its module imports).
    worker_requests = [r for r in network.sent if r.url.endswith("/static/hasher/worker.js")]
    assert worker_requests and all(r.method == "GET" and not r.body for r in worker_requests)
    # Exactly the fingerprints the CLI sends for these files: PDQ, pHash, MD5, SHA-256 and the
    # PDQ and pHash of band-trimmed copies and of crops, nothing more; each with its photo, and
    # derived where it is of a trimmed copy or a crop.
    assert sorted(json.dumps(f, sort_keys=True) for f in sent[0]["fingerprints"]) == (
        expected_request(THREE_IMAGES)
    )
    assert {f["photo"] for f in sent[0]["fingerprints"]} == {0, 1, 2}
    assert any(f.get("derived") for f in sent[0]["fingerprints"])

    with page.expect_download() as download:
        page.get_by_role("button", name="Download as a file").click()
    saved = json.loads(Path(download.value.path()).read_text())
    assert saved == {"server": live_server, **credentials}

    page.get_by_role("link", name="check your case").click()
    page.get_by_label("Case ID").fill(credentials["case_id"].lower().replace("-", " "))
    page.get_by_label("PIN").fill(credentials["pin"])
    page.get_by_role("button", name="Check the case").click()
    expect(page.locator("#status-text")).to_have_text("Active: we are looking for your images.")
    expect(page.locator("#status-withdrawn-row")).to_be_hidden()
    expect(page.locator("#status-photos")).to_have_text(str(len(THREE_IMAGES)))
    expect(page.locator("#status-fingerprints li")).to_have_text(
        [
            f"Exact copy (MD5): {counts['md5']}",
            f"Similarity (PDQ): {counts['pdq']}",
            f"Similarity (pHash): {counts['phash']}",
            f"Exact copy (SHA-256): {counts['sha256']}",
        ]
    )
    # The plain-language timeline, oldest first, each entry with its date.
    timeline = page.get_by_role("list", name="What has happened").get_by_role("listitem")
    expect(timeline).to_have_count(2)
    expect(timeline.locator("span")).to_have_text(
        [
            "You opened this case.",
            f"Fingerprints of {len(THREE_IMAGES)} photos are in the hash bank.",
        ]
    )
    for entry in timeline.all():
        assert entry.locator("time").get_attribute("datetime")
        assert re.search(r"\d{4}", entry.locator("time").inner_text())
    screenshot(page, "flow-3-status")

    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Withdraw a case").click()
    page.get_by_label("Case ID").fill(credentials["case_id"])
    page.get_by_label("PIN").fill(credentials["pin"])
    page.get_by_role("button", name="Withdraw my case").click()
    expect(page.locator("#form-message")).to_have_text("Tick the box to confirm first.")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Withdraw my case").click()
    expect(page.locator("#form-message")).to_have_text(
        "Your case is withdrawn: the fingerprints of all its photos and videos were deleted "
        f"(photos: {len(THREE_IMAGES)}, videos: 0)."
    )
    screenshot(page, "flow-4-withdrawn")

    status = httpx.get(
        live_server + "/v1/case", auth=(credentials["case_id"], credentials["pin"])
    ).json()
    assert status["status"] == "withdrawn" and status["fingerprints"] == {}
    assert_only_fingerprints_sent(network, THREE_IMAGES)
    assert_no_csp_violations(page)


def test_images_added_to_a_case_send_only_new_fingerprints(
    page: Page, live_server: str, network: Network
) -> None:
    opened = httpx.post(
        live_server + "/v1/cases",
        json={"fingerprints": [{"algorithm": "md5", "value": "0123456789abcdef" * 2}]},
    ).json()
    page.goto(live_server + "/add")
    hash_files(page, MORE_IMAGES)
    # small.jpg is nearly blank: it gets exact-copy fingerprints only, and says why.
    expect(page.locator("#file-list li.partial .state")).to_contain_text("too little detail")
    page.get_by_label("Case ID").fill(opened["case_id"])
    page.get_by_label("PIN").fill(opened["pin"])
    page.get_by_role("button", name="Add the fingerprints to my case").click()
    expected = expected_fingerprints(MORE_IMAGES)
    expect(page.locator("#form-message")).to_have_text(
        f"Done: {len(expected)} fingerprints added to your case (0 were already in it)."
    )
    screenshot(page, "add-done")
    sent = assert_only_fingerprints_sent(network, MORE_IMAGES)
    assert sorted(json.dumps(f, sort_keys=True) for f in sent[0]["fingerprints"]) == (
        expected_request(MORE_IMAGES)
    )
    # small.jpg (photo 1) sends no PDQ (quality too low), which is what the page said.
    small = [f["algorithm"] for f in sent[0]["fingerprints"] if f["photo"] == 1]
    assert "pdq" not in small and {"md5", "sha256"} <= set(small)
    assert_no_csp_violations(page)


def test_hashing_works_offline_once_the_page_has_loaded(
    page: Page, live_server: str, network: Network
) -> None:
    page.goto(live_server + "/")
    expect(page.locator("html[data-hasher=ready]")).to_have_count(1)
    requests_before = len(network.sent)
    page.context.set_offline(True)
    hash_files(page, THREE_IMAGES)
    assert len(network.sent) == requests_before, "hashing fetched something"
    for shown, path in zip(shown_fingerprints(page), THREE_IMAGES, strict=True):
        expected = python_fingerprints(path.read_bytes())
        assert shown["Similarity (PDQ)"] == expected["pdq"]["hash"]
        assert shown["Similarity (pHash)"] == expected["phash"]
    page.context.set_offline(False)
    page.get_by_role("button", name="Send fingerprints and open a case").click()
    expect(page.locator("#opened")).to_be_visible()
    assert_only_fingerprints_sent(network, THREE_IMAGES)


def test_files_dropped_on_the_page_are_hashed(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    data = THREE_IMAGES[0].read_bytes()
    page.evaluate(
        """(data) => {
          const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], 'dropped.jpg', {type: 'image/jpeg'}));
          const zone = document.getElementById('dropzone');
          zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true}));
        }""",
        as_base64(data),
    )
    expect(page.locator("#file-list li.ready")).to_have_count(1)
    expect(page.locator("#file-list li .name")).to_contain_text("dropped.jpg")
    assert shown_fingerprints(page)[0]["Exact copy (MD5)"] == python_fingerprints(data)["md5"]


def test_the_dutch_status_page_tells_the_timeline_with_its_sites_and_hours(
    page: Page, live_server: str, runtime: Runtime
) -> None:
    opened = httpx.post(
        live_server + "/v1/cases",
        json={"fingerprints": [{"algorithm": "md5", "value": "0123456789abcdef" * 2}]},
    ).json()
    auth = (opened["case_id"], opened["pin"])
    reported = httpx.post(
        live_server + "/v1/reports", json={"urls": ["https://leaks.example/a"]}, auth=auth
    )
    assert reported.status_code == 202, reported.text
    with transaction(runtime.sessions) as session:
        case = session.query(Case).filter_by(public_id=opened["case_id"].replace("-", "")).one()
        opened_at = case.created_at
        sent = opened_at + timedelta(hours=1)
        session.add(
            Takedown(
                reference="TD-NL-1",
                case_id=case.id,
                platform="Example Social",
                host="x.example",
                regime="generic",
                fields_json="{}",
                status="removed",
                sent_at=sent,
                removed_at=sent + timedelta(hours=5),
            )
        )
    page.goto(live_server + "/nl/status")
    page.get_by_label("Zaaknummer").fill(opened["case_id"])
    page.get_by_label("Pincode").fill(opened["pin"])
    page.get_by_role("button", name="Zaak bekijken").click()
    timeline = page.get_by_role("list", name="Wat er is gebeurd").get_by_role("listitem")
    expect(timeline.locator("span")).to_have_text(
        [
            "Je hebt deze zaak gestart.",
            "1 vingerafdruk staat in de hashbank.",
            "Je hebt 1 webadres gemeld om te controleren.",
            "Er is een verwijderverzoek naar Example Social gestuurd.",
            "Example Social heeft het beeld 5 uur na het verwijderverzoek verwijderd; we hebben "
            "gecontroleerd dat het weg is.",
        ]
    )
    # Dates in Dutch words, and the machine-readable time for assistive technology.
    expect(timeline.locator("time").first).to_contain_text(DUTCH_MONTHS[opened_at.month - 1])
    assert all(t.get_attribute("datetime") for t in timeline.locator("time").all())
    screenshot(page, "status-nl-timeline")


def test_the_dutch_status_page_tells_a_video_found_confirmed_and_removed(
    page: Page, live_server: str, runtime: Runtime
) -> None:
    opened = httpx.post(
        live_server + "/v1/cases",
        json={"fingerprints": [{"algorithm": "md5", "value": "0123456789abcdef" * 2}]},
    ).json()
    with transaction(runtime.sessions) as session:
        case = session.query(Case).filter_by(public_id=opened["case_id"].replace("-", "")).one()
        sent = case.created_at + timedelta(hours=1)
        video = CaseVideo(case_id=case.id, value_sealed=b"sealed", value_mac=b"m" * 32, frames=10)
        report = Report(public_id="video-nl-1", case_id=case.id, reporter_kind="victim")
        report.items = [ReportItem(url="https://tube.example/watch/1", status="done")]
        session.add_all([video, report])
        session.flush()
        found = VideoMatch(
            item_id=report.items[0].id,
            case_id=case.id,
            video_id=video.id,
            video_url="https://cdn.tube.example/v/1.mp4",
            video_url_digest=b"d" * 32,
            query_percent=100.0,
            compared_percent=70.0,
            ranges="0.0-9.0",
            status="confirmed",
            created_at=case.created_at + timedelta(minutes=5),
        )
        session.add(found)
        session.flush()
        takedown = Takedown(
            reference="TD-NL-V",
            case_id=case.id,
            platform="Tube",
            host="tube.example",
            regime="generic",
            fields_json="{}",
            status="removed",
            sent_at=sent,
            removed_at=sent + timedelta(hours=1),
        )
        takedown.items = [TakedownItem(video_match_id=found.id)]
        session.add(takedown)
    page.goto(live_server + "/nl/status")
    page.get_by_label("Zaaknummer").fill(opened["case_id"])
    page.get_by_label("Pincode").fill(opened["pin"])
    page.get_by_role("button", name="Zaak bekijken").click()
    timeline = page.get_by_role("list", name="Wat er is gebeurd").get_by_role("listitem")
    expect(timeline.locator("span")).to_have_text(
        [
            "Je hebt deze zaak gestart.",
            "1 vingerafdruk staat in de hashbank.",
            "Je hebt 1 webadres gemeld om te controleren.",
            "Een medewerker heeft bevestigd dat er een kopie van je video op cdn.tube.example "
            "staat.",
            "Er is een verwijderverzoek naar Tube gestuurd.",
            "Tube heeft de video 1 uur na het verwijderverzoek verwijderd; we hebben "
            "gecontroleerd dat die weg is.",
        ]
    )


def test_a_wrong_pin_gets_the_same_answer_as_an_unknown_case(page: Page, live_server: str) -> None:
    page.goto(live_server + "/status")
    page.get_by_label("Case ID").fill("ABCD-EFGH-JKMN")
    page.get_by_label("PIN").fill("12345678")
    page.get_by_role("button", name="Check the case").click()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(
            r"No case matches this case ID and PIN, or the case is paused after too many wrong "
            r"PINs\. Check both; if it is paused, try again after \d{1,2}:\d\d( [AP]M)?\."
        )
    )
    expect(page.locator("#case-status")).to_be_hidden()


def test_the_dutch_pages_work_at_375_pixels_wide(
    phone: Page, live_server: str, network: Network
) -> None:
    phone.goto(live_server + "/nl/")
    assert phone.locator("html").get_attribute("lang") == "nl"
    screenshot(phone, "phone-nl-1-start")
    hash_files(phone, THREE_IMAGES)
    phone.get_by_role("button", name="Vingerafdrukken versturen en zaak starten").click()
    expect(phone.locator("#opened")).to_be_visible()
    total = sum(expected_counts(THREE_IMAGES).values())
    expect(phone.locator("#opened-result")).to_have_text(
        f"Klaar: {total} vingerafdrukken toegevoegd aan je zaak (0 zaten er al in)."
    )
    screenshot(phone, "phone-nl-2-case-opened")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    credentials = (
        phone.locator("#opened-case-id").inner_text(),
        phone.locator("#opened-pin").inner_text(),
    )
    phone.goto(live_server + "/nl/status")
    phone.get_by_label("Zaaknummer").fill(credentials[0])
    phone.get_by_label("Pincode").fill(credentials[1])
    phone.get_by_role("button", name="Zaak bekijken").click()
    timeline = phone.get_by_role("list", name="Wat er is gebeurd").get_by_role("listitem")
    expect(timeline.locator("span")).to_have_text(
        ["Je hebt deze zaak gestart.", "Vingerafdrukken van 3 foto's staan in de hashbank."]
    )
    screenshot(phone, "phone-nl-3-status")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    for path in ("/nl/status", "/nl/add", "/nl/withdraw", "/status"):
        phone.goto(live_server + path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, path
    screenshot(phone, "phone-en-status")
    assert_only_fingerprints_sent(network, THREE_IMAGES)
    assert_no_csp_violations(phone)


@pytest.mark.parametrize("path", ["/", "/status", "/add", "/withdraw", "/nl/", "/nl/withdraw"])
def test_pages_have_no_serious_accessibility_violations(
    page: Page, live_server: str, path: str
) -> None:
    page.goto(live_server + path)
    assert serious_accessibility_violations(page) == []


def test_pages_with_results_have_no_serious_accessibility_violations(
    page: Page, live_server: str, network: Network
) -> None:
    credentials = open_case(page, live_server, network, "axe")
    assert serious_accessibility_violations(page) == []
    page.goto(live_server + "/nl/status")
    page.get_by_label("Zaaknummer").fill(credentials["case_id"])
    page.get_by_label("Pincode").fill(credentials["pin"])
    page.get_by_role("button", name="Zaak bekijken").click()
    expect(page.locator("#status-timeline li")).to_have_count(2)
    assert serious_accessibility_violations(page) == []
    page.goto(live_server + "/status")
    page.get_by_label("Case ID").fill("ABCD-EFGH-JKMN")
    page.get_by_label("PIN").fill("12345678")
    page.get_by_role("button", name="Check the case").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert serious_accessibility_violations(page) == []
