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

from PIL import Image, ImageOps

from hashing.images import (
    MAX_FRAMES,
    MAX_IMAGE_PIXELS,
    MAX_TOTAL_PIXELS,
    MIN_QUERY_SIDE,
    _guarded,
    _open,
    decode_frames,
)

#: Short side a reduced JPEG decode keeps at least. The largest libjpeg scale above it is used.
QUERY_DECODE_MIN_SIDE = 1000


def decode_query_frames(
    data: bytes,
    *,
    max_pixels: int = MAX_IMAGE_PIXELS,
    min_side: int = MIN_QUERY_SIDE,
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
            image.load()
            # In place and without a convert() of an image already RGB: at 2000x1500 each
            # copy costs ~10 ms, and the shift below makes a new image anyway.
            ImageOps.exif_transpose(image, in_place=True)
            rgb = image if image.mode == "RGB" else image.convert("RGB")
            return [_half_pixel_back(rgb)]
    return decode_frames(
        data,
        max_pixels=max_pixels,
        min_side=min_side,
        max_frames=max_frames,
        max_total_pixels=max_total_pixels,
    )


def _half_pixel_back(image: Image.Image) -> Image.Image:
    """The image moved half a pixel right and down: each pixel the mean of the 2x2 block that
    ends at it (the first row and column repeated).

    PDQ samples its box-filtered picture at positions that, on a reduced decode, fall half a
    reduced pixel from where they fall on the full decode; this shift puts them back. On 20
    photos at 12 MP decoded at 1/2 it cut the PDQ drift from 1.9 bits mean / 6 max (the same as
    an exact 2x2 mean of the full decode: PDQ itself moves with resolution) to 0.5 / 4, and on 8
    at 24 MP decoded at 1/4 from 3.0 / 4 to 1.8 / 2 (benchmarks/hashing_speed.py measures it).
    Two blends with a copy one pixel over: about 20 ms at 2000x1500, half of a numpy version.
    """
    width, height = image.size
    left = image.crop((-1, 0, width - 1, height))
    left.paste(image.crop((0, 0, 1, height)), (0, 0))
    image = Image.blend(image, left, 0.5)
    above = image.crop((0, -1, width, height - 1))
    above.paste(image.crop((0, 0, width, 1)), (0, 0))
    return Image.blend(image, above, 0.5)
