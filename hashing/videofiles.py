"""The victim's videos on their device: progress by seconds of video and the wire form."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hashing.progress import ProgressBar
from hashing.translations import gettext
from hashing.videos import HashedVideo


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
            "algorithm": "vpdq",
            "value": hashed.video.to_vpdq(),
            "frames": len(hashed.video.frames),
            "seconds": hashed.video.seconds,
        }
    else:
        entry["refused"].append(
            {"algorithm": "vpdq", "reason": hashed.reason, "message": hashed.message}
        )
    return entry
