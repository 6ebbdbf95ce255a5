"""The victim CLI fingerprints videos on their device."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from casework.bank.videos import VideoBank
from casework.runtime import Runtime
from hashing.batches import summary
from hashing.videofiles import video_photo
from hashing.videos import VideoFingerprint, compare_videos, hash_bank_video, hash_video
from service.cli import main
from tests import videos
from tests.conftest import table_counts
from tests.factories import corpus_images
from tests.relay import Relay


def _takedown(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "takedown"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def test_hash_prints_a_videos_vpdq_fingerprint_with_progress_in_seconds(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(videos.source_video(0))
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(videos.source_video(0)[:3000])

    result = _takedown("hash", str(clip), str(broken))

    lines = {Path(line["file"]).name: line for line in map(json.loads, result.stdout.splitlines())}
    video = lines["clip.mp4"]["video"]
    assert video["algorithm"] == "vpdq" and video["frames"] == 15
    assert VideoFingerprint.from_vpdq(video["value"]) == hash_video(videos.source_video(0))
    assert "clip.mp4: seconds of video: 15/15" in result.stderr
    refused = lines["broken.mp4"]
    assert "video" not in refused
    assert [fp["algorithm"] for fp in refused["fingerprints"]] == ["md5", "sha256"]
    assert refused["refused"][0]["reason"] == "decode_error"


def test_submit_banks_a_video_that_its_leaks_match_until_the_case_is_withdrawn(
    live_server: str, runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "clip.mp4").write_bytes(videos.source_video(0))
    shutil.copy(corpus_images(1)[0], folder / "photo.jpg")
    saved = tmp_path / "case.json"

    assert main(["submit", str(folder), "--server", live_server, "--save", str(saved)]) == 0

    out = capsys.readouterr().out
    assert "1 photo: 1 protected; 1 video: 1 protected" in out
    assert "Done: 1 photo and 1 video are in case" in out
    assert table_counts(runtime)["case_videos"] == 1
    other_process = VideoBank(runtime.vault)
    leak = hash_video(videos.trimmed(videos.source_video(0)))
    with runtime.sessions() as session:
        other_process.refresh(session)
    (hit,) = other_process.match(leak)
    assert hit.query_percent == 100.0 and hit.query_ranges == ((0.0, 12.0),)
    # A 5 % crop moves every frame past the radius; the crops the CLI sent catch it.
    cropped = hash_video(videos.cropped(videos.source_video(0)))
    assert not compare_videos(cropped, hash_video(videos.source_video(0))).matched
    (hit,) = other_process.match(cropped)
    assert hit.query_percent >= 80.0

    assert main(["withdraw", "--credentials", str(saved), "--yes"]) == 0
    # The video's file digests went with its vPDQ: one photo and one video, not two photos.
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "Deleted: the fingerprints of 1 photo.",
        "Deleted: the fingerprints of 1 video.",
    ]
    with runtime.sessions() as session:
        other_process.refresh(session)
    assert other_process.match(leak) == []
    assert table_counts(runtime)["case_videos"] == 0


def test_submit_dry_run_prints_the_video_request_it_would_send(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(videos.source_video(0))

    assert main(["submit", str(clip), "--dry-run"]) == 0

    text, decoder, documents = capsys.readouterr().out, json.JSONDecoder(), []
    position = 0
    while text[position:].strip():
        document, position = decoder.raw_decode(text, len(text) - len(text[position:].lstrip()))
        documents.append(document)
    digests, video = documents
    assert [entry["algorithm"] for entry in digests["fingerprints"]] == ["md5", "sha256"]
    banked = hash_bank_video(videos.source_video(0))
    assert video == {
        "vpdq": banked.video.to_vpdq(),
        "crops": [crop.to_vpdq() for crop in banked.crops],
    }
    assert len(video["crops"]) == 6


@pytest.fixture
def relay(live_server: str) -> Iterator[Relay]:
    server = Relay(live_server)
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _victim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hashing", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "TAKEDOWN_PIN": "12345678"},
        timeout=300,
        check=False,
    )


def test_a_video_whose_fingerprint_post_failed_is_sent_again_when_the_run_is_resumed(
    relay: Relay, runtime: Runtime, tmp_path: Path
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "clip.mp4").write_bytes(videos.source_video(0))
    shutil.copy(corpus_images(1)[0], folder / "photo.jpg")
    saved = tmp_path / "case.json"
    relay.fail_once = "/v1/case/videos"

    failed = _victim("submit", str(folder), "--server", relay.url, "--save", str(saved))

    assert failed.returncode == 1
    assert [p.status for p in relay.passed if p.path == "/v1/case/videos"] == [500]
    assert f"Send the rest with:\n  takedown add {folder} --credentials {saved}" in failed.stderr
    assert "Stopped after 1 of 2 photos" in failed.stderr
    assert table_counts(runtime)["case_videos"] == 0
    # Only the photo is listed as sent: the video's digests reached the case, its vPDQ did not.
    assert len(json.loads((tmp_path / "case.sent.json").read_text())["sent"]) == 1

    resumed = _victim("add", str(folder), "--credentials", str(saved), "--server", relay.url)

    assert resumed.returncode == 0, resumed.stderr
    assert "1 photo was sent to this case before" in resumed.stdout
    assert "Done: 1 video added to case" in resumed.stdout
    assert table_counts(runtime)["case_videos"] == 1
    again = _victim("add", str(folder), "--credentials", str(saved), "--server", relay.url)
    assert "Nothing new to add." in again.stdout


def test_a_video_too_plain_to_match_sends_its_digests_and_is_summarised_as_a_video(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    black = tmp_path / "black.mp4"
    black.write_bytes(videos.encode([Image.new("RGB", (64, 48))] * 10, fps=5))

    photo = video_photo(black, "digest", black.read_bytes())

    assert photo.is_video and photo.video is None and photo.kind == "too_plain"
    assert [entry["algorithm"] for entry in photo.entries] == ["md5", "sha256"]
    assert "black.mp4: vpdq: 0 distinct frames with enough detail" in capsys.readouterr().err
    assert summary([photo]) == "1 video: 1 too plain to match (exact copies only)"
