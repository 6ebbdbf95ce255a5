"""Query-side trimming of uniform bands: borders, letterboxing and caption bars.

Global hashes (PDQ, pHash) see a border or a caption bar as a different picture. Trimming bands
of one flat colour from each edge before hashing gives back the picture as the victim hashed it.
Only the query side trims; the trimmed copy is hashed in addition to the image as found.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

#: At most this share of each dimension is trimmed from one edge. It is generous because a flat
#: background can fill most of a picture, and a tighter cap stops the victim's trim and the
#: leak's trim at different rows (a caption bar shifts where the cap falls).
MAX_TRIM_FRACTION = 0.8
#: A pixel belongs to the band when its grey level is this close to the band's colour.
BAND_TOLERANCE_LEVELS = 24
#: A line belongs to the band when this share of its pixels does (caption text leaves the rest).
BAND_LINE_SHARE = 0.75
#: Lines of large caption text leave only ~2/3 of their pixels in the band colour: such lines
#: stay inside a band when a full band line follows them (benchmarks/robustness.py, caption_bar).
TEXT_LINE_SHARE = 0.5
#: Bands thinner than this are noise (JPEG edges, a hairline frame).
MIN_BAND_PIXELS = 2
#: What is left must still be a picture.
MIN_REMAINING_PIXELS = 32


#: A caption bar over a letterboxed picture is two bands of different colours on one edge.
MAX_BANDS_PER_EDGE = 3


def _band_depth(lines: np.ndarray, limit: int, bands: int) -> int:
    """How many leading lines (rows of ``lines``) form up to ``bands`` flat bands."""
    depth = 0
    for _ in range(bands):
        if depth >= limit:
            break
        colour = float(np.median(lines[depth]))
        end = scan = depth
        while scan < limit:
            share = float(np.mean(np.abs(lines[scan] - colour) <= BAND_TOLERANCE_LEVELS))
            if share < TEXT_LINE_SHARE:
                break
            scan += 1
            # The band ends on a full band line, never inside a run of text lines.
            if share >= BAND_LINE_SHARE:
                end = scan
        if end - depth < MIN_BAND_PIXELS:
            break
        depth = end
    return depth


def trim_bands(image: Image.Image) -> list[Image.Image]:
    """Distinct crops of the image without one, and without up to three, flat bands per edge.

    Two depths because one cannot serve both: a picture on a black background inside a white
    border needs two bands trimmed to reach the picture the victim's own trim (one band) reached,
    while peeling every band of a picture that merely has flat areas eats into the picture.
    """
    grey = np.asarray(image.convert("L"), dtype=np.int16)
    height, width = grey.shape
    row_limit = int(height * MAX_TRIM_FRACTION)
    column_limit = int(width * MAX_TRIM_FRACTION)
    boxes: dict[tuple[int, int, int, int], None] = {}
    for bands in (1, MAX_BANDS_PER_EDGE):
        # Rows first, then columns of what is left: a caption bar must not count against the
        # columns beside the picture.
        top = _band_depth(grey, row_limit, bands)
        bottom = _band_depth(grey[::-1], row_limit, bands)
        middle = grey[top : height - bottom]
        if middle.shape[0] < MIN_REMAINING_PIXELS:
            continue
        left = _band_depth(middle.T, column_limit, bands)
        right = _band_depth(middle.T[::-1], column_limit, bands)
        box = (left, top, width - right, height - bottom)
        if (top or bottom or left or right) and box[2] - box[0] >= MIN_REMAINING_PIXELS:
            boxes[box] = None
    return [image.crop(box) for box in boxes]
