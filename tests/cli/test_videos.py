"""The victim CLI fingerprints videos on their device."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from casework.bank.videos import VideoBank
from casework.runtime import Runtime
from hashing.videos import VideoFingerprint, hash_video
from service.cli import main
from tests import videos
from tests.conftest import table_counts
from tests.factories import corpus_images


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

    assert "2 photos: 2 protected" in capsys.readouterr().out
    assert table_counts(runtime)["case_videos"] == 1
    other_process = VideoBank(runtime.vault)
    leak = hash_video(videos.trimmed(videos.source_video(0)))
    with runtime.sessions() as session:
        other_process.refresh(session)
    (hit,) = other_process.match(leak)
    assert hit.query_percent == 100.0 and hit.query_ranges == ((0.0, 12.0),)

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
