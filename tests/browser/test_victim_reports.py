"""The status page's report form in Chromium: URLs and a note go out, progress comes back in words.

The report jobs run in this process (the worker's job function, with a fetcher allowed onto
loopback) against a leak site on loopback, while the page polls the API as it would in use.
"""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from casework.models import Report
from casework.runtime import Runtime
from hashing.images import decode_image
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    Network,
    screenshot,
    serious_accessibility_violations,
)
from tests.factories import open_case_for_files, usable_corpus_images
from tests.harness import ContentServer, encode
from tests.jobs import run_jobs
from workers.context import WorkerContext

pytestmark = pytest.mark.browser

NOTE = "He posted them after we split up; the forum is where my colleagues saw them."


def leak_site(content_server: ContentServer) -> list[str]:
    """A copy of the victim's photo, a page with two copies and an unrelated image, a dead link."""
    [photo_path] = usable_corpus_images(1)
    photo = decode_image(photo_path.read_bytes())
    copy = content_server.add("/leak.jpg", "image/jpeg", encode(photo, "JPEG", quality=80))
    content_server.add("/small.jpg", "image/jpeg", encode(photo.resize((320, 240)), "JPEG"))
    content_server.add("/big.png", "image/png", encode(photo, "PNG"))
    page = content_server.add(
        "/thread.html",
        "text/html",
        b'<html><body><img src="/small.jpg"><p>look</p><img src="/big.png"></body></html>',
    )
    return [copy, page, content_server.base + "/deleted"]


def open_status(page: Page, live_server: str, path: str, auth: tuple[str, str]) -> None:
    page.goto(live_server + path)
    page.locator("#case-id").fill(auth[0])
    page.locator("#pin").fill(auth[1])
    page.locator("#send").click()
    expect(page.locator("#report")).to_be_visible()


def test_a_victim_reports_urls_with_a_note_and_sees_each_checked_in_words(
    page: Page,
    live_server: str,
    network: Network,
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
) -> None:
    urls = leak_site(content_server)
    with httpx.Client(base_url=live_server, timeout=30) as api:
        auth = open_case_for_files(api, usable_corpus_images(1))
    open_status(page, live_server, "/status", auth)

    page.get_by_label("Web addresses").fill("\n".join(["", urls[0], "  " + urls[1], urls[2], ""]))
    page.get_by_label("Note for the caseworker (optional)").fill(NOTE)
    page.get_by_role("button", name="Report these addresses").click()
    progress = page.get_by_role("list", name="What we found at each address").locator("li")
    expect(progress.locator(".url")).to_have_text(urls)
    expect(progress.locator(".said")).to_have_text(["Waiting to be checked."] * 3)
    timeline = page.get_by_role("list", name="What has happened").locator("li span")
    expect(timeline).to_contain_text(["You reported 3 web addresses to check."])

    run_jobs(runtime)
    expect(progress.locator(".said")).to_have_text(
        [
            "Checked: 1 image matching yours found.",
            "Checked: 2 images matching yours found.",
            "Could not be checked because the website answered with an error instead of the page.",
        ]
    )
    expect(page.locator("#report-message")).to_have_text("Every address has been checked.")
    # The timeline is read again once everything is checked: one line per page, counting its
    # images as the progress above does.
    expect(timeline.filter(has_text="A possible copy was found on 127.0.0.1")).to_have_count(1)
    expect(timeline.filter(has_text="2 possible copies were found on 127.0.0.1")).to_have_count(1)
    assert serious_accessibility_violations(page) == []
    screenshot(page, "report-en-1280")
    # Opened again later, the page tells the same progress from the case's newest reports.
    page.reload()
    open_status(page, live_server, "/status", auth)
    expect(progress.locator(".url")).to_have_text(urls)
    expect(progress.locator(".said")).to_contain_text(["Checked: 1 image matching yours found."])
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "report-en-375")

    # What left the page: the URLs and the note as JSON with the case's Basic auth, then reads.
    assert network.blocked == []
    [sent] = [r for r in network.api_calls() if r.method == "POST"]
    assert sent.url == live_server + "/v1/reports"
    assert json.loads(sent.body) == {"urls": urls, "note": NOTE}
    assert sent.headers["authorization"].startswith("Basic ")
    polls = [r for r in network.api_calls() if r.method == "GET" and "/v1/reports" in r.url]
    assert polls and all(r.url == sent.url and not r.body for r in polls)
    with runtime.sessions() as session:
        [report] = session.scalars(select(Report))
        assert report.note_sealed is not None and NOTE.encode() not in report.note_sealed
        assert runtime.vault.open_text(report.note_sealed) == NOTE
    assert page.evaluate("window.__cspViolations") == []


def test_the_dutch_page_refuses_too_many_urls_and_tells_progress_in_dutch(
    phone: Page,
    live_server: str,
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
) -> None:
    urls = leak_site(content_server)
    with httpx.Client(base_url=live_server, timeout=30) as api:
        auth = open_case_for_files(api, usable_corpus_images(1))
    open_status(phone, live_server, "/nl/status", auth)
    addresses = phone.get_by_label("Webadressen")
    button = phone.get_by_role("button", name="Deze adressen melden")

    addresses.fill("\n".join(f"https://leaks.example/{n}" for n in range(101)))
    button.click()
    expect(phone.locator("#report-message")).to_have_text(
        "Dat zijn 101 adressen; er kunnen er hoogstens 100 tegelijk worden verstuurd. Stuur de "
        "rest in een tweede melding."
    )
    addresses.fill(f"{urls[0]}\nforum.example/thread\n")
    button.click()
    expect(phone.locator("#report-message")).to_have_text(
        "Deze regels zijn geen webadressen die met https:// of http:// beginnen: regel 2."
    )
    with runtime.sessions() as session:
        assert session.scalars(select(Report)).all() == []

    addresses.fill("\n".join(urls))
    button.click()
    progress = phone.get_by_role("list", name="Wat we op elk adres vonden").locator("li .said")
    expect(progress).to_have_text(["Wacht op controle."] * 3)
    run_jobs(runtime)
    expect(progress).to_have_text(
        [
            "Gecontroleerd: 1 beeld gevonden dat op de jouwe lijkt.",
            "Gecontroleerd: 2 beelden gevonden die op de jouwe lijken.",
            "Kon niet worden gecontroleerd omdat de website met een foutmelding antwoordde in "
            "plaats van de pagina.",
        ]
    )
    expect(phone.locator("#report-message")).to_have_text("Elk adres is gecontroleerd.")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "report-nl-375")
    phone.set_viewport_size(DESKTOP)
    screenshot(phone, "report-nl-1280")
