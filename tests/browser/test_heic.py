"""A HEIC photo on the victim page: Chromium cannot read it, and the page says so, in words."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from hashing.algorithms import hash_file
from hashing.images import victim_formats
from hashing.translations import translation
from service.web.texts import SCRIPT_MESSAGES
from tests.browser.conftest import VECTORS, Network, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def heic_photo(tmp_path: Path) -> Path:
    """A small HEIC photo, as an iPhone saves them, made from one of the test vectors."""
    pillow_heif.register_heif_opener()
    path = tmp_path / "IMG_0001.HEIC"
    Image.open(VECTORS / "images" / "aaa-orig.jpg").convert("RGB").save(path, "HEIF", quality=90)
    assert path.read_bytes()[4:12] == b"ftypheic"
    return path


@pytest.mark.parametrize(("prefix", "locale"), [("", "en"), ("/nl", "nl")])
def test_a_heic_photo_gets_exact_copy_fingerprints_and_a_pointer_to_the_cli(
    page: Page, live_server: str, network: Network, heic_photo: Path, prefix: str, locale: str
) -> None:
    gettext = translation(locale).gettext
    messages = {key: gettext(text) for key, text in SCRIPT_MESSAGES.items()}
    page.goto(f"{live_server}{prefix}/")
    page.set_input_files("#files", [str(heic_photo)])
    item = page.locator("#file-list li.partial")
    expect(item.locator(".state")).to_have_text(f"{messages['exact_only']} {messages['heic']}")
    data = heic_photo.read_bytes()
    values = item.locator("dd code").all_inner_texts()
    assert values == [hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()]  # noqa: S324
    screenshot(page, f"heic{prefix.replace('/', '-') or '-en'}")
    assert network.api_calls() == [] and network.blocked == []
    assert page.evaluate("window.__cspViolations") == []
    # What the sentence promises: the CLI makes the full fingerprints of this very file.
    by_the_cli = hash_file(data, formats=victim_formats())
    algorithms = {fingerprint.algorithm.value for fingerprint in by_the_cli.fingerprints}
    assert {"pdq", "phash", "md5", "sha256"} <= algorithms


def test_a_file_that_is_not_an_image_still_says_so_without_mentioning_heic(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    document = tmp_path / "letter.pdf"
    document.write_bytes(b"%PDF-1.4\n" + bytes(200))
    page.goto(live_server + "/")
    page.set_input_files("#files", [str(document)])
    state = page.locator("#file-list li.partial .state")
    expect(state).to_have_text(f"{SCRIPT_MESSAGES['exact_only']} {SCRIPT_MESSAGES['not_image']}")
