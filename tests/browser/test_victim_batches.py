"""The page splits what it sends by photo, as the CLI does, when one request cannot carry it all.

A service that takes at most PER_REQUEST fingerprints a request (the three images make 57): each
request carries whole photos, numbered from 0 within it, and the page showed exactly these
bodies before sending them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from casework.settings import Settings
from hashing.algorithms import hash_file
from hashing.images import victim_formats
from tests.browser.conftest import (
    THREE_IMAGES,
    Network,
    assert_only_fingerprints_sent,
    expected_fingerprints,
    hash_files,
    wire_set,
)
from tests.conftest import make_settings

pytestmark = pytest.mark.browser

PER_REQUEST = 40


@pytest.fixture
def settings(database_url: str) -> Settings:
    """A service that takes at most PER_REQUEST fingerprints a request, not 500."""
    return make_settings(database_url).model_copy(
        update={"max_fingerprints_per_request": PER_REQUEST}
    )


def json_documents(text: str) -> list[Any]:
    """The JSON documents written one after another in a text."""
    decoder = json.JSONDecoder()
    documents, at = [], 0
    while at < len(text):
        document, at = decoder.raw_decode(text, at)
        documents.append(document)
        at += len(text[at:]) - len(text[at:].lstrip())
    return documents


def test_each_request_carries_whole_photos_numbered_within_it(
    page: Page, live_server: str, network: Network
) -> None:
    page.goto(live_server + "/")
    hash_files(page, THREE_IMAGES)
    shown = json_documents(page.locator("#payload").text_content() or "")
    page.get_by_role("button", name="Send fingerprints and open a case").click()
    expect(page.locator("#opened")).to_be_visible()
    sent = assert_only_fingerprints_sent(network, THREE_IMAGES)
    assert sent == shown
    # 20 + 19 fingerprints in the first request, 18 in the second.
    assert [len(body["fingerprints"]) for body in sent] == [39, 18]
    assert [sorted({f["photo"] for f in body["fingerprints"]}) for body in sent] == [[0, 1], [0]]
    # Every file's entries went together under one number, derived just where the CLI's are.
    for path in THREE_IMAGES:
        hashed = hash_file(path.read_bytes(), formats=victim_formats())
        md5 = next(fp.hex for fp in hashed.fingerprints if fp.algorithm.value == "md5")
        body = next(b for b in sent if any(f["value"] == md5 for f in b["fingerprints"]))
        photo = next(f["photo"] for f in body["fingerprints"] if f["value"] == md5)
        mine = {
            f["value"]: f.get("derived", False) for f in body["fingerprints"] if f["photo"] == photo
        }
        assert mine == {fp.hex: False for fp in hashed.fingerprints} | {
            fp.hex: True for fp in hashed.variants
        }
    assert wire_set([f for body in sent for f in body["fingerprints"]]) == (
        expected_fingerprints(THREE_IMAGES)
    )
