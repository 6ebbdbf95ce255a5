"""Reported URLs end with the right matches: real API, RQ worker, Redis and loopback images."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw, ImageOps
from redis import Redis
from sqlalchemy import select

from benchmarks.small_images import shrink
from casework.models import CaseFingerprint, Match, ReportItem
from casework.runtime import Runtime
from hashing.algorithms import hash_file
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.images import decode_image
from tests.factories import open_case_for_files, usable_corpus_images
from tests.harness import ContentServer, WorkerProcess, encode
from tests.reports.evidence import database_bytes, folder_bytes, leaked, probes, redis_bytes

SETTLE_SECONDS = 600


def caption_bar(image: Image.Image) -> Image.Image:
    """A meme-style white bar with text above the image."""
    bar = max(12, image.height * 12 // 100)
    canvas = Image.new("RGB", (image.width, image.height + bar), "white")
    canvas.paste(image, (0, bar))
    ImageDraw.Draw(canvas).text((4, bar // 4), "look who it is lol", fill="black")
    return canvas


TRANSFORMS: dict[str, Callable[[Image.Image], tuple[str, bytes]]] = {
    "jpeg50": lambda im: ("image/jpeg", encode(im, "JPEG", quality=50)),
    "half": lambda im: ("image/png", encode(im.resize((im.width // 2, im.height // 2)), "PNG")),
    "border": lambda im: (
        "image/png",
        encode(ImageOps.expand(im, border=max(im.size) * 5 // 100, fill="white"), "PNG"),
    ),
    "mirror": lambda im: ("image/jpeg", encode(ImageOps.mirror(im), "JPEG", quality=90)),
    "caption": lambda im: ("image/jpeg", encode(caption_bar(im), "JPEG", quality=85)),
    # A short side of 24 px: under the bank's 32 px floor, over the found image's 16.
    "thumbnail": lambda im: ("image/jpeg", encode(shrink(im, 24), "JPEG", quality=75)),
}


def all_fingerprints(path: Path) -> tuple[Fingerprint, ...]:
    hashed = hash_file(path.read_bytes())
    return hashed.fingerprints + hashed.variants


def settle(
    api: httpx.Client, auth: tuple[str, str], runtime: Runtime, report_ids: list[str]
) -> dict[str, dict]:
    """Wait (watching the database, as polling the API would spend the victim's budget), then
    read each report once through the API."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        with runtime.sessions() as session:
            states = set(session.scalars(select(ReportItem.status)))
        if states <= {"done", "failed"}:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"reports did not settle: {sorted(states)}")
        time.sleep(0.5)
    return {rid: api.get(f"/v1/reports/{rid}", auth=auth).json() for rid in report_ids}


@pytest.mark.slow
def test_transformed_leaks_match_their_own_image_and_unrelated_images_do_not(
    live_server: str,
    runtime: Runtime,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
    request: pytest.FixtureRequest,
    redis: Redis,
) -> None:
    images = usable_corpus_images(40)
    victims, unrelated = images[:20], images[20:]
    api = httpx.Client(base_url=live_server, timeout=30)
    request.addfinalizer(api.close)
    auth = open_case_for_files(api, victims)
    worker = start_worker()

    report_ids: dict[str, int] = {}
    for number, path in enumerate(victims):
        original = decode_image(path.read_bytes())
        urls = []
        page_images = []
        for name, transform in TRANSFORMS.items():
            content_type, body = transform(original)
            url = content_server.add(f"/{number}/{name}", content_type, body)
            urls.append(url)
            page_images.append(f'<img src="/{number}/{name}" alt="">')
        page = f"<!doctype html><title>gallery</title><body>{''.join(page_images)}</body>"
        urls.append(content_server.add(f"/{number}/page.html", "text/html", page.encode()))
        response = api.post("/v1/reports", json={"urls": urls}, auth=auth)
        assert response.status_code == 202, response.text
        report_ids[response.json()["report_id"]] = number
    unrelated_urls = [
        content_server.add(
            f"/other/{n}", "image/jpeg", encode(decode_image(p.read_bytes()), "JPEG")
        )
        for n, p in enumerate(unrelated)
    ]
    other = api.post("/v1/reports", json={"urls": unrelated_urls}, auth=auth).json()["report_id"]

    reports = settle(api, auth, runtime, [*report_ids, other])

    for item in reports[other]["items"]:
        assert (item["state"], item["matches"]) == ("done", 0), item
    expected = {
        number: {
            fp.hex for fp in (lambda h: h.fingerprints + h.variants)(hash_file(path.read_bytes()))
        }
        for number, path in enumerate(victims)
    }
    misses = []
    with runtime.sessions() as session:
        for report_id, number in report_ids.items():
            for item in reports[report_id]["items"]:
                assert item["state"] == "done", item
                if item["matches"] == 0:
                    misses.append(item["url"])
            matched = session.query(Match, CaseFingerprint).join(
                CaseFingerprint, Match.fingerprint_id == CaseFingerprint.id
            )
            for match, fingerprint in matched:
                own = runtime.vault.open(Algorithm(fingerprint.algorithm), fingerprint.value_sealed)
                if match.image_url.startswith(f"{content_server.base}/{number}/"):
                    assert own.hex in expected[number], match.image_url
    assert misses == []

    served = [body for _type, body in content_server.routes.values() if _type != "text/html"]
    windows = probes(served)
    assert leaked(windows[:3], served[0]) == 3  # the probes do find bytes where they are
    assert leaked(windows, database_bytes(runtime)) == 0
    assert leaked(windows, redis_bytes(redis)) == 0
    assert leaked(windows, folder_bytes(worker.tmpdir)) == 0
    log = worker.log.read_bytes()
    assert leaked(windows, log) == 0
    assert not any(
        fingerprint.encode() in log for hexes in expected.values() for fingerprint in hexes
    )
