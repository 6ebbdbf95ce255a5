"""Real Chromium (Debian's, driven by Playwright) against the app served over real HTTP.

The session's Playwright and Chromium come from tests/conftest.py: one Playwright per process,
shared with the console's browser tests. Every page gets a context whose network is closed to
everything but the test server: any request to another origin is aborted and recorded, and
every request to our own origin is recorded with its method, headers and body, so tests can
prove what left the page.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from hashing.algorithms import hash_file, pdq, phash
from hashing.cli import fingerprint_entries
from hashing.images import ImageRejected, decode_image, victim_formats
from tests.conftest import REPO

# A loaded 2-core CI machine can take longer than Playwright's 5 s default for a page to answer.
expect.set_options(timeout=20_000)

ARTIFACTS = REPO / "test-artifacts" / "browser"
AXE_SCRIPT = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
VECTORS = REPO / "tests" / "vectors" / "pdq"
FINGERPRINT_KEYS = {"algorithm", "value", "quality"}
WIRE_KEYS = {"algorithm", "value", "quality", "photo", "derived"}
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"RIFF", b"GIF8")
HEX_RUN = re.compile(r"[0-9a-fA-F]{32}")
VPDQ_FRAME = re.compile(r"[0-9a-f]{64},\d{1,3},\d+\.\d{3}")
# Slices of a file looked for in every request body: one every this many bytes.
SLICE_EVERY, SLICE_BYTES = 1024, 48
THREE_IMAGES = [VECTORS / "images" / name for name in ("aaa-orig.jpg", "q2821.jpg", "LA.png")]


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """SQLite only: the pages and the browser do not care which database is behind the API."""
    path = tmp_path / "takedown.db"
    shutil.copy(sqlite_template, path)
    yield f"sqlite:///{path}"


@dataclass
class Sent:
    """One request the page made to our origin."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Network:
    """Everything the page asked for: our origin's requests and the other origins' attempts."""

    origin: str
    sent: list[Sent] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def api_calls(self) -> list[Sent]:
        return [r for r in self.sent if urlsplit(r.url).path.startswith("/v1/")]


@pytest.fixture
def network(live_server: str) -> Network:
    return Network(origin=live_server)


def _route(network: Network, route: Route, request: Request) -> None:
    parts = urlsplit(request.url)
    if f"{parts.scheme}://{parts.netloc}" != network.origin:
        network.blocked.append(request.url)
        route.abort("blockedbyclient")
        return
    network.sent.append(
        Sent(request.method, request.url, request.all_headers(), request.post_data_buffer or b"")
    )
    route.continue_()


def open_page(browser: Browser, network: Network, viewport: dict[str, int]) -> Page:
    """A fresh context and page, network closed but for our origin, CSP violations collected."""
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    context.route("**/*", lambda route, request: _route(network, route, request))
    page = context.new_page()
    page.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.set_default_timeout(30_000)
    return page


@pytest.fixture
def page(browser: Browser, network: Network) -> Iterator[Page]:
    opened = open_page(browser, network, DESKTOP)
    yield opened
    opened.context.close()


@pytest.fixture
def phone(browser: Browser, network: Network) -> Iterator[Page]:
    opened = open_page(browser, network, PHONE)
    yield opened
    opened.context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a CI artefact and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now.

    axe is evaluated through the DevTools protocol, which the page's CSP does not govern;
    a <script> tag would be refused by that CSP, as it should be.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}"
        for v in results
        if v["impact"] in ("serious", "critical")
    ]


def sent_video_bodies(network: Network) -> list[dict[str, Any]]:
    """The bodies the page sent to /v1/case/videos, in order."""
    return [
        json.loads(request.body)
        for request in network.api_calls()
        if urlsplit(request.url).path == "/v1/case/videos"
    ]


def sent_videos(network: Network) -> list[str]:
    """The vPDQ texts the page sent, in order."""
    return [body["vpdq"] for body in sent_video_bodies(network)]


def as_base64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def python_fingerprints(data: bytes) -> dict[str, Any]:
    """What the Python side computes for a file (PDQ and pHash even where they are refused).

    ``sent`` is what the CLI sends for the file, each entry as canonical JSON, sorted;
    ``variants`` the PDQ and pHash of its trimmed copies and crops, in hash_file's order.
    """
    hashed = hash_file(data, formats=victim_formats())
    expected: dict[str, Any] = {
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "pdq": None,
        "phash": None,
        "sent": wire_set(fingerprint_entries(hashed)),
        "variants": [[fp.algorithm.value, fp.hex] for fp in hashed.variants],
    }
    try:
        image = decode_image(data)
    except ImageRejected:
        return expected
    fingerprint, quality = pdq(image)
    expected["pdq"] = {"hash": fingerprint.hex, "quality": quality}
    expected["phash"] = phash(image).hex
    expected["size"] = [image.width, image.height]
    return expected


def wire_set(entries: list[dict[str, Any]]) -> list[str]:
    """Fingerprint entries as canonical JSON strings, sorted: comparable as lists.

    Only the fingerprint itself (algorithm, value, PDQ quality): where an entry came from
    (``photo``, ``derived``) depends on the request it went in, and is checked on its own.
    """
    return sorted(
        json.dumps({k: v for k, v in entry.items() if k in FINGERPRINT_KEYS}, sort_keys=True)
        for entry in entries
    )


def hash_files(page: Page, files: list[Path]) -> float:
    """Give the page files through its picker; return seconds until every one is hashed."""
    started = time.monotonic()
    page.set_input_files("#files", [str(f) for f in files])
    expect(page.locator("#file-list li")).to_have_count(len(files))
    expect(page.locator("#file-list li.ready, #file-list li.partial")).to_have_count(len(files))
    return time.monotonic() - started


def expected_fingerprints(files: list[Path]) -> list[str]:
    """What the CLI sends for these files (each distinct entry once), as sorted canonical JSON."""
    return sorted(
        {entry for path in files for entry in python_fingerprints(path.read_bytes())["sent"]}
    )


def assert_only_fingerprints_sent(network: Network, files: list[Path]) -> list[dict[str, Any]]:
    """No request carried anything but a minimal JSON list of fingerprints, or one video's frame
    hashes, its crops' and its file's SHA-256 (``{"vpdq", "crops", "sha256"}`` to
    /v1/case/videos), and no slice of any of the files; returns
    the lists of fingerprints."""
    assert network.blocked == [], "the page tried to reach another origin"
    sent_lists = []
    contents = [f.read_bytes() for f in files]
    for request in network.sent:
        assert not HEX_RUN.search(request.url), "a fingerprint in a URL"
        content_type = request.headers.get("content-type", "")
        assert not content_type.startswith(("multipart/", "image/", "video/")), request.url
        assert "application/octet-stream" not in content_type, request.url
        for data in contents:
            assert data[:512] not in request.body
            for start in range(0, max(len(data) - SLICE_BYTES, 1), SLICE_EVERY):
                assert data[start : start + SLICE_BYTES] not in request.body, (request.url, start)
        assert not request.body.startswith(IMAGE_MAGIC)
        if not request.body:
            continue
        assert content_type == "application/json", request.url
        body = json.loads(request.body)
        if "vpdq" in body:
            assert urlsplit(request.url).path == "/v1/case/videos"
            assert set(body) == {"vpdq", "crops", "sha256"}
            # The file's SHA-256, which the page also sends among the fingerprints.
            assert body["sha256"] in {hashlib.sha256(data).hexdigest() for data in contents}
            for text in [body["vpdq"], *body["crops"]]:
                frames = json.loads(text)
                assert frames and all(VPDQ_FRAME.fullmatch(frame) for frame in frames)
            assert len(request.body) <= len(json.dumps(body, separators=(",", ":")))
            continue
        assert set(body) == {"fingerprints"}
        for item in body["fingerprints"]:
            assert set(item) <= WIRE_KEYS and {"algorithm", "value"} <= set(item)
        # The smallest encoding of these fingerprints: nothing rides along.
        minimal = json.dumps(body, separators=(",", ":")).encode()
        assert len(request.body) <= len(minimal), request.body[:200]
        sent_lists.append(body)
    return sent_lists
