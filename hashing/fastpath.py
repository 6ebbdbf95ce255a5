"""The worker's decode path: big JPEGs are decoded at a reduced scale that the hashes tolerate.

A worker hashes every image it fetches in 16 ways (hash_query_image), so decoding and hashing a
12 MP photo at full size costs seconds. libjpeg can decode at 1/2, 1/4 or 1/8 scale by dropping
DCT coefficients (Pillow's ``draft``), which skips most of the decoding and leaves the hashes far
less to filter. pHash does not move while the short side stays above ~200 px; PDQ is resolution
sensitive and drifts by a few bits at ~700 px and by much more below (perf.md H1/H2), so the
short side is kept at QUERY_DECODE_MIN_SIDE or more; benchmarks/hashing_speed.py measures the
drift and the speed on upscaled corpus photos.

Only the query side uses this path: the victim's client hashes on the reference decode, and the
match radius absorbs the drift.
"""

from __future__ import annotations

import math

from PIL import Image

from hashing.images import (
    MAX_FRAMES,
    MAX_IMAGE_PIXELS,
    MAX_TOTAL_PIXELS,
    MIN_IMAGE_SIDE,
    _guarded,
    _open,
    _upright_rgb,
    decode_frames,
)

#: Short side a reduced JPEG decode keeps at least. The largest libjpeg scale above it is used.
QUERY_DECODE_MIN_SIDE = 1000


def decode_query_frames(
    data: bytes,
    *,
    max_pixels: int = MAX_IMAGE_PIXELS,
    min_side: int = MIN_IMAGE_SIDE,
    max_frames: int = MAX_FRAMES,
    max_total_pixels: int = MAX_TOTAL_PIXELS,
) -> list[Image.Image]:
    """decode_frames, except that a JPEG whose short side is over twice QUERY_DECODE_MIN_SIDE
    is decoded at the smallest libjpeg scale that keeps its short side at that size or more.

    The same guards apply (format allowlist, pixel cap from the header, bomb check): the size is
    checked before draft() shrinks anything.
    """
    # The private helpers are decode_frames' own guards, reused so that both paths refuse the
    # same inputs in the same way.
    with _guarded(), _open(data, max_pixels=max_pixels, min_side=min_side) as image:
        short = min(image.size)
        if image.format == "JPEG" and short >= 2 * QUERY_DECODE_MIN_SIDE:
            scale = QUERY_DECODE_MIN_SIDE / short
            wanted = (math.ceil(image.width * scale), math.ceil(image.height * scale))
            # draft picks the strongest reduction (1/2, 1/4, 1/8) whose size is >= wanted; None
            # keeps libjpeg's colour conversion exactly as in the full decode.
            image.draft(None, wanted)
            return [_upright_rgb(image)]
    return decode_frames(
        data,
        max_pixels=max_pixels,
        min_side=min_side,
        max_frames=max_frames,
        max_total_pixels=max_total_pixels,
    )
