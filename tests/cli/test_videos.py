"""The victim CLI fingerprints videos on their device."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hashing.videos import VideoFingerprint, hash_video
from tests import videos


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
