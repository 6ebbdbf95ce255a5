"""The victim's videos on their device: progress by seconds of video and the wire form."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hashing.batches import Photo
from hashing.progress import ProgressBar
from hashing.translations import gettext, ngettext
from hashing.videos import MIN_USABLE_FRAMES, VPDQ, HashedVideo, hash_video_file

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
            "crops": [crop.to_vpdq() for crop in hashed.crops],
        }
    else:
        entry["refused"].append(
            {"algorithm": VPDQ, "reason": hashed.reason, "message": hashed.message}
        )
    return entry


def video_photo(path: Path, digest: str, data: bytes) -> Photo:
    """A video as the CLI sends it: its digests in a batch, its vPDQ texts on their own after."""
    hashed = hash_video_file(data, progress=video_progress(path))
    entries = tuple(video_entry(hashed)["fingerprints"])
    if hashed.video is None:
        print(f"{path}: vpdq: {hashed.message}", file=sys.stderr)
        kind = _KIND_OF_REASON.get(hashed.reason or "", "unreadable") if entries else "empty"
        return Photo(str(path), digest, entries, kind, is_video=True)
    usable = len(hashed.video.usable())
    if usable < MIN_USABLE_FRAMES:
        # The service would refuse it: frames this plain match unrelated videos.
        message = ngettext(
            "{count} distinct frame with enough detail; a video needs {needed} to be matched",
            "{count} distinct frames with enough detail; a video needs {needed} to be matched",
            usable,
        ).format(count=usable, needed=MIN_USABLE_FRAMES)
        print(f"{path}: vpdq: {message}", file=sys.stderr)
        return Photo(str(path), digest, entries, "too_plain", is_video=True)
    return Photo(
        str(path),
        digest,
        entries,
        "protected",
        hashed.video.to_vpdq(),
        tuple(crop.to_vpdq() for crop in hashed.crops),
        is_video=True,
    )


def video_body(photo: Photo) -> dict[str, Any]:
    """The body that banks a video's vPDQ text, and its crops', in the case."""
    body: dict[str, Any] = {"vpdq": photo.video, "crops": list(photo.video_crops)}
    # The file's SHA-256, sent among the photos' digests, ties them to this video.
    for entry in photo.entries:
        if entry["algorithm"] == "sha256":
            body["sha256"] = entry["value"]
    return body
