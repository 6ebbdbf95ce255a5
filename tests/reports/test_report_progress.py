"""What a victim is told about each reported URL: counted per image found, reasons in words."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from casework.db import transaction
from casework.models import Match, MatchStatus
from casework.reports.progress import REASONS, ItemProgress, Progress
from casework.runtime import Runtime
from hashing.images import decode_image
from hashing.translations import translation
from service.web.texts import SCRIPT_COUNTS, SCRIPT_MESSAGES
from tests.factories import open_case_for_files, usable_corpus_images
from tests.harness import ContentServer, encode
from tests.jobs import run_jobs
from workers.context import WorkerContext
from workers.fetcher import Reason
from workers.reports import IMAGE_REASONS


def test_one_image_matched_by_pdq_and_phash_counts_once_in_the_api_and_the_timeline(
    client: TestClient,
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
) -> None:
    first, second = usable_corpus_images(2)
    auth = open_case_for_files(client, [first, second])  # type: ignore[arg-type]
    photo = decode_image(first.read_bytes())
    other = decode_image(second.read_bytes())
    copy = content_server.add("/leak.jpg", "image/jpeg", encode(photo, "JPEG", quality=80))
    content_server.add("/a.jpg", "image/jpeg", encode(photo, "JPEG", quality=60))
    content_server.add("/b.png", "image/png", encode(other.resize((300, 300)), "PNG"))
    content_server.add("/c.png", "image/png", encode(Image.new("RGB", (200, 200)), "PNG"))
    page = content_server.add(
        "/page.html",
        "text/html",
        b'<html><body><img src="/a.jpg"><img src="/b.png"><img src="/c.png"></body></html>',
    )
    report = client.post("/v1/reports", json={"urls": [copy, page]}, auth=auth).json()
    run_jobs(runtime)

    with runtime.sessions() as session:
        hits = session.execute(select(Match.image_url, Match.algorithm)).all()
    algorithms_at_copy = {algorithm for url, algorithm in hits if url == copy}
    assert {"pdq", "phash"} <= algorithms_at_copy
    assert len([url for url, _ in hits if url == copy]) >= 2

    items = client.get(f"/v1/reports/{report['report_id']}", auth=auth).json()["items"]
    assert [(i["matches"], i["progress"], i["finished"]) for i in items] == [
        (1, "found", True),
        (2, "found", True),
    ]
    assert items[0]["text"] == "Checked: 1 image matching yours found."
    assert items[1]["text"] == "Checked: 2 images matching yours found."
    timeline = client.get("/v1/case", auth=auth).json()["timeline"]
    # One sentence per reported page, counting its images as the report's progress does.
    found = [event["params"]["count"] for event in timeline if event["kind"] == "found"]
    assert sorted(found) == [1, 2]

    # A match a caseworker rejected is no longer an image of theirs.
    with transaction(runtime.sessions) as session:
        for match in session.scalars(select(Match).where(Match.image_url.endswith("/b.png"))):
            match.status = MatchStatus.REJECTED.value
    items = client.get(f"/v1/reports/{report['report_id']}", auth=auth).json()["items"]
    assert items[1]["matches"] == 1
    assert items[1]["text"] == "Checked: 1 image matching yours found."


def test_failures_and_empty_results_are_told_in_words_never_as_a_code(
    client: TestClient,
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
) -> None:
    auth = open_case_for_files(client, usable_corpus_images(1))
    blank = content_server.add(
        "/blank.png", "image/png", encode(Image.effect_noise((128, 128), 50), "PNG")
    )
    empty = content_server.add("/empty.html", "text/html", b"<html><body>hi</body></html>")
    gone = content_server.base + "/gone"
    urls = [blank, empty, gone, "http://10.1.2.3/"]
    report = client.post("/v1/reports", json={"urls": urls}, auth=auth).json()
    assert [item["text"] for item in report["items"]] == ["Waiting to be checked."] * 4
    assert {item["progress"] for item in report["items"]} == {"queued"}
    run_jobs(runtime)

    items = client.get(f"/v1/reports/{report['report_id']}", auth=auth).json()["items"]
    assert [(item["progress"], item["text"]) for item in items] == [
        ("nothing_found", "Checked: nothing of yours found (1 image compared)."),
        ("no_images", "Checked: no images found at this address."),
        (
            "failed",
            "Could not be checked because the website answered with an error instead of the page.",
        ),
        (
            "failed",
            "Could not be checked because it leads to a private or internal network, which we "
            "never visit.",
        ),
    ]
    assert all(item["finished"] for item in items)


def test_every_reason_and_progress_has_words_in_the_api_and_both_page_languages() -> None:
    reasons = {reason.value for reason in Reason} | set(IMAGE_REASONS.values())
    reasons.add("worker_crashed")
    assert reasons <= set(REASONS)
    # One set of keys for every language: tests/hashing/test_translations.py checks the Dutch.
    assert {f"why_{reason}" for reason in REASONS} <= set(SCRIPT_MESSAGES)
    assert {f"rp_{kind.value}" for kind in Progress} <= set(SCRIPT_MESSAGES) | set(SCRIPT_COUNTS)
    assert "why_other" in SCRIPT_MESSAGES


def test_a_victim_lists_only_their_own_newest_five_reports_newest_first(
    client: TestClient,
) -> None:
    alice = open_case_for_files(client, usable_corpus_images(1))
    bob = open_case_for_files(client, usable_corpus_images(2)[1:])
    sent = [
        client.post("/v1/reports", json={"urls": [f"https://leaks.example/{n}"]}, auth=alice)
        for n in range(7)
    ]
    assert {response.status_code for response in sent} == {202}
    client.post("/v1/reports", json={"urls": ["https://other.example/x"]}, auth=bob)

    listed = client.get("/v1/reports", auth=alice).json()["reports"]
    assert [report["report_id"] for report in listed] == [
        response.json()["report_id"] for response in reversed(sent[2:])
    ]
    assert [report["items"][0]["text"] for report in listed] == ["Waiting to be checked."] * 5
    assert [
        r["items"][0]["url"] for r in client.get("/v1/reports", auth=bob).json()["reports"]
    ] == ["https://other.example/x"]
    assert client.get("/v1/reports").status_code == 401


@pytest.mark.parametrize(
    ("locale", "images", "videos", "told"),
    [
        ("en", 1, 2, "Checked: 1 image and 2 videos matching yours found."),
        ("en", 2, 1, "Checked: 2 images and 1 video matching yours found."),
        ("nl", 1, 1, "Gecontroleerd: 1 beeld en 1 video gevonden die op de jouwe lijken."),
        ("nl", 3, 2, "Gecontroleerd: 3 beelden en 2 video's gevonden die op de jouwe lijken."),
    ],
)
def test_images_and_videos_found_at_one_url_are_each_told_in_the_form_for_their_number(
    locale: str, images: int, videos: int, told: str
) -> None:
    found = ItemProgress(
        Progress.FOUND,
        finished=True,
        reason=None,
        matches=images,
        checked=3,
        found=3,
        videos=videos,
    )
    assert found.tell(translation(locale)) == told
