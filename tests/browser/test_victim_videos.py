"""A victim's video on the page: fingerprinted in Chromium with its frames' centre crops, frame
hashes banked, bytes kept home.

The videos are made here from the dev photos (tests/videos.py). Debian's Chromium plays H.264 in
MP4 and VP8/VP9 in WebM, so the sources are x264 MP4s and their VP8 re-encodes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from casework.db import transaction
from casework.models import Case
from casework.runtime import Runtime
from casework.victims.models import CaseVideo
from hashing.translations import translation
from hashing.videos import VideoFingerprint, compare_videos, hash_query_video, hash_video_file
from service.web.texts import SCRIPT_MESSAGES
from tests import videos
from tests.browser.conftest import (
    Network,
    assert_only_fingerprints_sent,
    screenshot,
    sent_video_bodies,
    sent_videos,
)
from tests.browser.video_hasher import agreement, hash_video_in_page

pytestmark = pytest.mark.browser

# Every frame of the test videos came within 10 bits of the CLI's in benchmarks/page_videos.py;
# a page that hashed the wrong frame, or a stale one, falls far below this.
AGREEMENT_FLOOR = 0.9


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(videos.source_video())
    return path


def record_states(page: Page) -> None:
    """Keep every text the file list's status lines show, as window.__states."""
    page.evaluate(
        """() => {
          window.__states = [];
          new MutationObserver(() => {
            for (const state of document.querySelectorAll('#file-list .state'))
              window.__states.push(state.textContent);
          }).observe(document.getElementById('file-list'),
                     {subtree: true, childList: true, characterData: true});
        }"""
    )


def banked_videos(runtime: Runtime, case_id: str) -> list[VideoFingerprint]:
    return [video for video, _, _ in banked_videos_with_crops(runtime, case_id)]


def banked_videos_with_crops(
    runtime: Runtime, case_id: str
) -> list[tuple[VideoFingerprint, list[VideoFingerprint], int | None]]:
    """Each banked video of the case: its fingerprint, its crops' and its photo number."""
    with transaction(runtime.sessions) as session:
        case = session.scalars(select(Case).filter_by(public_id=case_id.replace("-", ""))).one()
        rows = session.execute(
            select(CaseVideo.value_sealed, CaseVideo.crops_sealed, CaseVideo.photo).where(
                CaseVideo.case_id == case.id
            )
        ).all()
        return [
            (
                VideoFingerprint.from_vpdq(runtime.vault.open_text(value)),
                [
                    VideoFingerprint.from_vpdq(text)
                    for text in json.loads(runtime.vault.open_text(crops) if crops else "[]")
                ],
                photo,
            )
            for value, crops, photo in rows
        ]


def test_a_victim_opens_a_case_with_a_video_and_the_case_banks_its_frame_hashes(
    page: Page, live_server: str, network: Network, runtime: Runtime, clip: Path
) -> None:
    data = clip.read_bytes()
    cli = hash_video_file(data)
    assert cli.video is not None
    page.goto(live_server + "/")
    record_states(page)
    page.set_input_files("#files", [str(clip)])
    item = page.locator("#file-list li.ready")
    expect(item.locator(".state")).to_have_text(
        "Fingerprints ready · similarity fingerprints of 15 frames, one for every second of "
        "its 14 seconds"
    )
    # Progress was told in seconds of the video as the frames were hashed.
    states = page.evaluate("window.__states")
    progress = [s for s in states if s.startswith("Making the video's similarity fingerprints")]
    assert progress and all(re.fullmatch(r".*: \d+ of 14 seconds", s) for s in progress)
    assert item.locator("dd code").all_inner_texts() == [fp.hex for fp in cli.digests]
    expect(page.locator("#send-summary")).to_contain_text(
        "2 fingerprints and the frame fingerprints of 1 video ("
    )
    assert network.api_calls() == [], "hashing alone must not call the service"
    screenshot(page, "video-1-hashed")

    page.get_by_role("button", name="Send fingerprints and open a case").click()
    expect(page.locator("#opened")).to_be_visible()
    expect(page.locator("#opened-result")).to_have_text(
        "Done: 2 fingerprints added to your case (0 were already in it). The frame fingerprints "
        "of 1 video were added too (already in the case: 0)."
    )
    screenshot(page, "video-2-case-opened")
    assert [r.url.removeprefix(live_server) for r in network.api_calls()] == [
        "/v1/cases",
        "/v1/case/videos",
    ]
    sent = assert_only_fingerprints_sent(network, [clip])
    assert sorted(f["value"] for f in sent[0]["fingerprints"]) == sorted(
        fp.hex for fp in cli.digests
    )

    # The case holds the video's fingerprint and its crops', as sent, at the CLI's timestamps,
    # and the file's SHA-256 ties the video to the digests sent for it (one photo number).
    case_id = page.locator("#opened-case-id").inner_text()
    ((banked, banked_crops, photo),) = banked_videos_with_crops(runtime, case_id)
    (body,) = sent_video_bodies(network)
    assert VideoFingerprint.from_vpdq(body["vpdq"]) == banked
    assert [VideoFingerprint.from_vpdq(text) for text in body["crops"]] == banked_crops
    assert len(banked_crops) == len(cli.crops) == 6
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and photo is not None
    compared = agreement(banked, cli.video)
    assert compared.aligned and compared.share_31 >= AGREEMENT_FLOOR
    for mine, theirs in zip(banked_crops, cli.crops, strict=True):
        crop_compared = agreement(mine, theirs)
        assert crop_compared.aligned and crop_compared.share_31 >= AGREEMENT_FLOOR
    assert page.evaluate("window.__cspViolations") == []


def test_a_video_added_to_a_case_from_the_add_page_is_banked_in_it(
    page: Page, live_server: str, network: Network, runtime: Runtime, clip: Path
) -> None:
    opened = httpx.post(
        live_server + "/v1/cases",
        json={"fingerprints": [{"algorithm": "md5", "value": "0123456789abcdef" * 2}]},
    ).json()
    page.goto(live_server + "/add")
    page.set_input_files("#files", [str(clip)])
    expect(page.locator("#file-list li.ready")).to_have_count(1)
    page.get_by_label("Case ID").fill(opened["case_id"])
    page.get_by_label("PIN").fill(opened["pin"])
    page.get_by_role("button", name="Add the fingerprints to my case").click()
    expect(page.locator("#form-message")).to_have_text(
        "Done: 2 fingerprints added to your case (0 were already in it). The frame fingerprints "
        "of 1 video were added too (already in the case: 0)."
    )
    (banked,) = banked_videos(runtime, opened["case_id"])
    assert [VideoFingerprint.from_vpdq(text) for text in sent_videos(network)] == [banked]
    assert_only_fingerprints_sent(network, [clip])


@pytest.mark.parametrize(
    "edit", [lambda data: data, videos.reencoded], ids=["x264_mp4", "vp8_webm"]
)
def test_the_page_hashes_a_video_s_frames_close_to_the_cli_and_its_leaks_match(
    page: Page, live_server: str, edit: Callable[[bytes], bytes]
) -> None:
    data = edit(videos.source_video(13))
    page.goto(live_server + "/")
    made = hash_video_in_page(page, data)
    cli_file = hash_video_file(data)
    cli, cli_crops = cli_file.video, cli_file.crops
    assert made.refused is None and cli is not None
    compared = agreement(made.fingerprint, cli)
    assert compared.aligned, "the page sampled other frames than the CLI"
    assert compared.share_31 >= AGREEMENT_FLOOR
    # Each crop's frames come as close to the CLI's crop at the same timestamps.
    assert len(made.crops) == len(cli_crops) == 6
    for mine, theirs in zip(made.crops, cli_crops, strict=True):
        crop_compared = agreement(mine, theirs)
        assert crop_compared.aligned and crop_compared.share_31 >= AGREEMENT_FLOOR
    # A bank made by the page still finds a leak the worker hashes with the CLI's code, and
    # through the page's crops a leak cropped 5 % per edge, which its whole frames miss.
    leak = hash_query_video(videos.excerpt(videos.source_video(13)))
    assert any(compare_videos(query, made.fingerprint).matched for query in leak)
    cropped = hash_query_video(videos.cropped(videos.source_video(13)))
    assert any(compare_videos(query, made.fingerprint, made.crops).matched for query in cropped)
    assert not any(compare_videos(query, made.fingerprint).matched for query in cropped)


@pytest.mark.parametrize(("prefix", "locale"), [("", "en"), ("/nl", "nl")])
def test_a_video_the_browser_cannot_play_keeps_its_digests_and_says_why(
    page: Page, live_server: str, network: Network, tmp_path: Path, prefix: str, locale: str
) -> None:
    gettext = translation(locale).gettext
    messages = {key: gettext(text) for key, text in SCRIPT_MESSAGES.items()}
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\0\0\0\x18ftypmp42" + bytes(range(256)) * 40)
    page.goto(f"{live_server}{prefix}/")
    page.set_input_files("#files", [str(broken)])
    item = page.locator("#file-list li.partial")
    expect(item.locator(".state")).to_have_text(
        f"{messages['exact_only']} {messages['video_unplayable']}"
    )
    data = broken.read_bytes()
    assert item.locator("dd code").all_inner_texts() == [
        hashlib.md5(data).hexdigest(),  # noqa: S324
        hashlib.sha256(data).hexdigest(),
    ]
    screenshot(page, f"video-unplayable-{locale}")
    page.locator("#send").click()
    expect(page.locator("#opened")).to_be_visible()
    assert [r.url.removeprefix(live_server) for r in network.api_calls()] == ["/v1/cases"]
    assert_only_fingerprints_sent(network, [broken])
    # The CLI cannot read it either: no fingerprint is lost by the page.
    assert hash_video_file(data).video is None


def test_a_video_too_small_to_fingerprint_is_refused_as_the_cli_refuses_it(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    tiny = tmp_path / "tiny.mp4"
    tiny.write_bytes(videos.make_video(videos.photos(2), size=(24, 12), fps=5, shot_seconds=1))
    page.goto(live_server + "/")
    page.set_input_files("#files", [str(tiny)])
    expect(page.locator("#file-list li.partial .state")).to_have_text(
        f"{SCRIPT_MESSAGES['exact_only']} the video is smaller than 16 pixels on a side."
    )
    assert hash_video_file(tiny.read_bytes()).reason == "too_small"


def test_a_file_with_sound_but_no_picture_is_refused_as_the_cli_refuses_it(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    memo = tmp_path / "memo.m4a"
    memo.write_bytes(videos.sound_only())
    page.goto(live_server + "/")
    page.set_input_files("#files", [str(memo)])
    expect(page.locator("#file-list li.partial .state")).to_have_text(
        f"{SCRIPT_MESSAGES['exact_only']} {SCRIPT_MESSAGES['video_no_picture']}"
    )
    assert hash_video_file(memo.read_bytes()).reason == "unsupported_format"


@pytest.mark.parametrize("quarters", [1, 2, 3])
def test_a_phone_video_stored_turned_is_hashed_as_stored_as_the_cli_hashes_it(
    page: Page, live_server: str, quarters: int
) -> None:
    # Chromium shows such a video upright; vpdq and the CLI hash the frames as they are stored.
    data = videos.turned(videos.source_video(), quarters)
    page.goto(live_server + "/")
    made = hash_video_in_page(page, data)
    cli_file = hash_video_file(data)
    cli, cli_crops = cli_file.video, cli_file.crops
    assert made.refused is None and cli is not None
    compared = agreement(made.fingerprint, cli)
    assert compared.aligned and compared.share_31 >= AGREEMENT_FLOOR
    # The crops are cut from the frame as stored too, as the CLI cuts them.
    assert len(made.crops) == len(cli_crops)
    for mine, theirs in zip(made.crops, cli_crops, strict=True):
        assert agreement(mine, theirs).share_31 >= AGREEMENT_FLOOR
