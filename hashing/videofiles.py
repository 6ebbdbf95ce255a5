"""The victim's videos on their device: progress by seconds of video and the wire form."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hashing.batches import Photo
from hashing.progress import ProgressBar
from hashing.translations import gettext
from hashing.videos import VPDQ, HashedVideo, hash_video_file

#: A refused video's summary kind, as batches.py words an image's (exact copies only).
_KIND_OF_REASON = {
    "too_large": "too_large",
    "too_long": "too_large",
    "too_small": "too_small",
}


def video_progress(path: Path) -> Callable[[float, float], None]:
    """A progress callback for hash_video that draws a bar in seconds of the video."""
    bar: ProgressBar | None = None

    def told(done: float, total: float) -> None:
        nonlocal bar
        seconds = max(math.ceil(total), 1)
        if bar is None:
            label = gettext("{name}: seconds of video").format(name=path.name)
            bar = ProgressBar(seconds, label)
        # Sampled frames come once a second; the last one may fall before the stated end.
        reached = min(int(done) + 1, seconds)
        if reached > bar.done:
            bar.advance(reached - bar.done)

    return told


def video_entry(hashed: HashedVideo) -> dict[str, Any]:
    """A video's digests, its vPDQ fingerprint (python-threatexchange's text) or its refusal."""
    entry: dict[str, Any] = {
        "fingerprints": [
            {"algorithm": fp.algorithm.value, "value": fp.hex} for fp in hashed.digests
        ],
        "refused": [],
    }
    if hashed.video is not None:
        entry["video"] = {
            "algorithm": VPDQ,
            "value": hashed.video.to_vpdq(),
            "frames": len(hashed.video.frames),
            "seconds": hashed.video.seconds,
        }
    else:
        entry["refused"].append(
            {"algorithm": VPDQ, "reason": hashed.reason, "message": hashed.message}
        )
    return entry


def video_photo(path: Path, digest: str, data: bytes) -> Photo:
    """A video as the CLI sends it: its digests in a batch, its vPDQ text on its own after."""
    hashed = hash_video_file(data, progress=video_progress(path))
    entries = tuple(video_entry(hashed)["fingerprints"])
    if hashed.video is None:
        print(f"{path}: vpdq: {hashed.message}", file=sys.stderr)
        kind = _KIND_OF_REASON.get(hashed.reason or "", "unreadable") if entries else "empty"
        return Photo(str(path), digest, entries, kind)
    return Photo(str(path), digest, entries, "protected", hashed.video.to_vpdq())


def send_videos(photos: Sequence[Photo], post: Callable[[dict[str, Any]], Any]) -> None:
    """Bank each video's vPDQ text in the case, one request a video."""
    for photo in photos:
        if photo.video is not None:
            body = {"vpdq": photo.video}
            # The file's SHA-256, sent among the photos' digests, ties them to this video.
            for entry in photo.entries:
                if entry["algorithm"] == "sha256":
                    body["sha256"] = entry["value"]
            post(body)
