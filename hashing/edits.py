"""Query-side undoing of the layout edits and small tilts that trim_bands cannot undo.

trim_bands (hashing/bands.py) is shared with the victim's client, so it must stay as it is and
it fails where the picture's own edge has the colour of the added band: a white caption bar or
frame on a product shot on white, a black pad on a dark photo. The worker knows more than the
victim's client: it only has to find the picture inside the leak, so it may try a few more
guesses, each hashed in addition to what it already hashes. Three guesses find where an added
band ends: the band stops at a crisp line (almost no pixel of the band's colour), a caption bar
stops where the picture starts under its text lines (or, over a picture of the bar's colour,
where a caption centred in it would), or a frame of one exact colour is equally wide on every
side. A small rotation is undone by turning the leak back by a few fixed angles.

Everything here works on a copy capped at EDIT_MAX_SIDE px, so the extra cost per image is
bounded whatever the leak's size (pHash does not move with size; PDQ moves a few bits).
benchmarks/robustness.py measures the recall and the false matches these guesses bring.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from hashing.bands import BAND_LINE_SHARE, MIN_BAND_PIXELS, MIN_REMAINING_PIXELS, TEXT_LINE_SHARE
from hashing.crops import CROP_RULES, CropRule

#: Long side of the copy the guesses are cut from and hashed.
EDIT_MAX_SIDE = 512
#: A pixel has the band's colour when no channel is further than this from it.
EDGE_TOLERANCE_LEVELS = 24
#: A frame's pixels are this close to its colour: added borders are exact, backgrounds are not
#: (a border re-encoded as JPEG is missed by this rule and left to the others).
FRAME_TOLERANCE_LEVELS = 1
#: A line is plain (no text on it) when this share of its pixels has the band's colour.
PLAIN_LINE_SHARE = 0.98
#: An added band ends at a crisp line: at most this share of it has the band's colour.
CRISP_LINE_SHARE = 0.25
#: A caption's text lines are set in one font: a run of non-plain lines under them taller than
#: this many times the tallest of them is the picture (x-height-only words against a line with
#: ascenders and descenders stay under 2).
TEXT_LINE_HEIGHT_RATIO = 2.0
#: An added band covers at most this share of the leak's side.
MAX_EDIT_FRACTION = 0.5
#: Bands peeled from one edge by the crisp rule (a caption bar on a letterboxed picture is two).
MAX_CRISP_BANDS = 3
#: Angles (degrees, counter-clockwise) a leak is turned back by. The benchmark tilts by 5, which
#: is deliberately not on this grid: a real tilt is never exactly one of them.
ROTATION_DEGREES = (-6.0, -3.0, 3.0, 6.0)
#: The victim-side crop a turned-back leak is cut to (see small_rotations).
TURNED_CROP = next(rule for rule in CROP_RULES if rule.name == "centre_8")
#: Half the step between the victim's centre crops (3, 8 and 13 % per edge): a picture found
#: under a caption that was cropped between two of them before the bar was added lands near one
#: of them once cut by this much more (see inset).
INSET = CropRule("inset", 25, 25, 25, 25)


def capped(image: Image.Image) -> Image.Image:
    """The image, or a copy whose long side is EDIT_MAX_SIDE px."""
    if max(image.size) <= EDIT_MAX_SIDE:
        return image
    copy = image.copy()
    copy.thumbnail((EDIT_MAX_SIDE, EDIT_MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return copy


def edit_crops(image: Image.Image) -> list[Image.Image]:
    """Distinct crops of the image without the bands that end crisply and without a frame."""
    pixels = np.asarray(image, dtype=np.int16)
    boxes = _crisp_boxes(pixels)
    frame = _frame_width(pixels)
    if frame:
        height, width = pixels.shape[:2]
        boxes.append((frame, frame, width - frame, height - frame))
    return _crops(image, boxes)


def caption_crops(image: Image.Image) -> list[Image.Image]:
    """Distinct crops of the image without a caption bar on one of its edges.

    One edge at a time: a caption bar is on one edge, and the opposite edge of a picture on
    white would otherwise look like a bar too. Such a crop can keep the rest of a frame (a
    screenshot's side bars): match it on PDQ only (see hash_query_image).
    """
    pixels = np.asarray(image, dtype=np.int16)
    height, width = pixels.shape[:2]
    boxes = [
        _box_without(edge, cut, width, height)
        for edge, lines in enumerate(_edges(pixels))
        for cut in _caption_cuts(lines, int(lines.shape[0] * MAX_EDIT_FRACTION))
    ]
    return _crops(image, boxes)


def inset(image: Image.Image) -> Image.Image:
    """The image cut by INSET on every edge.

    A leak cropped 5 % per edge is 2 % from the victim's centre_3 crop and 3 % from centre_8:
    alone, the PDQ of its caption-free picture came within 31 bits of neither for 6 of 60 dev
    photos (36-52 bits); cut by 2.5 % more, it came within 24 of centre_8 for all 6.
    """
    return image.crop(INSET.box(*image.size))


def small_rotations(image: Image.Image) -> list[Image.Image]:
    """The image turned back by each of ROTATION_DEGREES, cut to the victim's centre crop.

    Turning a tilted leak back adds black corners to the ones it had, and they move both hashes
    more than the degree or two the grid misses by. The victim's device hashes its image cut by
    TURNED_CROP (hashing/crops.py), and that box leaves most of both corners out: on 40 dev
    photos tilted by -8, -4, 2, 5 and 7 degrees, pHash <= 8 or PDQ <= 31 against the bank for
    40 of 40 each, against 16, 31, 36, 30 and 18 for the whole turned copy.
    """
    crops = []
    for angle in ROTATION_DEGREES:
        turned = image.rotate(angle, Image.Resampling.BILINEAR, fillcolor="black")
        crops.append(turned.crop(TURNED_CROP.box(*turned.size)))
    return crops


def _crops(image: Image.Image, boxes: list[tuple[int, int, int, int]]) -> list[Image.Image]:
    whole = (0, 0, image.width, image.height)
    return [
        image.crop(box)
        for box in dict.fromkeys(boxes)
        if box != whole and min(box[2] - box[0], box[3] - box[1]) >= MIN_REMAINING_PIXELS
    ]


def _edges(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lines from the top, bottom, left and right edge inwards."""
    columns = pixels.transpose(1, 0, 2)
    return pixels, pixels[::-1], columns, columns[::-1]


def _box_without(edge: int, depth: int, width: int, height: int) -> tuple[int, int, int, int]:
    return (
        (0, depth, width, height),
        (0, 0, width, height - depth),
        (depth, 0, width, height),
        (0, 0, width - depth, height),
    )[edge]


def _shares(lines: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Per line, the share of its pixels within EDGE_TOLERANCE_LEVELS of ``colour``."""
    near = np.abs(lines - colour).max(axis=2) <= EDGE_TOLERANCE_LEVELS
    return np.asarray(near.mean(axis=1))


def _crisp_depth(lines: np.ndarray, limit: int, bands: int) -> int:
    """How deep up to ``bands`` bands that each end at a crisp line reach from the first line.

    Like trim_bands' bands (text lines allowed inside), but in colour and only where the band
    ends abruptly, so a picture whose edge has the band's colour is not eaten into.
    """
    depth = 0
    for _ in range(bands):
        if depth >= limit:
            break
        colour = np.median(lines[depth], axis=0)
        # Most edges are not flat: one line tells, before the whole depth is measured.
        if _shares(lines[depth : depth + 1], colour)[0] < BAND_LINE_SHARE:
            break
        share = _shares(lines[depth:limit], colour)
        inside = share >= TEXT_LINE_SHARE
        run = len(share) if inside.all() else int(np.argmin(inside))
        full = np.flatnonzero(share[:run] >= BAND_LINE_SHARE)
        end = int(full[-1]) + 1 if len(full) else 0
        if end < MIN_BAND_PIXELS or end >= len(share) or share[end] > CRISP_LINE_SHARE:
            break
        depth += end
    return depth


def _crisp_boxes(pixels: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes without one, and without up to MAX_CRISP_BANDS, crisp bands per edge.

    Both, as in trim_bands: a picture whose own edge is a flat band ending crisply (a green
    lawn under a red bar) loses that band too when every band is peeled.
    """
    height, width = pixels.shape[:2]
    row_limit = int(height * MAX_EDIT_FRACTION)
    column_limit = int(width * MAX_EDIT_FRACTION)
    boxes = []
    for bands in (1, MAX_CRISP_BANDS):
        top = _crisp_depth(pixels, row_limit, bands)
        bottom = _crisp_depth(pixels[::-1], row_limit, bands)
        # Rows first, then the columns of what is left, as trim_bands does.
        middle = pixels[top : height - bottom].transpose(1, 0, 2)
        left = _crisp_depth(middle, column_limit, bands)
        right = _crisp_depth(middle[::-1], column_limit, bands)
        if top or bottom or left or right:
            boxes.append((left, top, width - right, height - bottom))
    return boxes


def _first(mask: np.ndarray, start: int, value: bool) -> int:
    """Index of the first element from ``start`` on that equals ``value``, or len(mask)."""
    found = np.flatnonzero(mask[start:] == value)
    return start + int(found[0]) if len(found) else len(mask)


def _caption_cuts(lines: np.ndarray, limit: int) -> list[int]:
    """Where a caption bar starting at the first line may end: none when there is no bar.

    A bar is plain lines, a block of text lines, then plain lines again. The next run of
    non-plain lines is the picture when it is taller than TEXT_LINE_HEIGHT_RATIO times the
    tallest text line so far, and the bar ends where it starts, whatever the picture's colour
    and whatever the margins (meme makers do not centre their text). A shorter run is one
    more text line when the gap before it is no taller than the margin above the text.
    Otherwise the bar ends at a crisp line, or where the margin below the text equals the
    margin above it, as in a caption centred in its bar (the only guess when the picture's
    edge has the bar's colour).
    """
    colour = np.median(lines[0], axis=0)
    if limit < 2 or _shares(lines[:1], colour)[0] < PLAIN_LINE_SHARE:
        return []
    share = _shares(lines[:limit], colour)
    plain = share >= PLAIN_LINE_SHARE
    margin = _first(plain, 0, False)
    if margin == 0 or margin >= limit:
        return []
    end = _first(plain, margin, True)
    tallest = end - margin
    picture = False
    while end < limit:
        resume = _first(plain, end, False)
        if resume >= limit:
            break
        stop = _first(plain, resume, True)
        if stop - resume > TEXT_LINE_HEIGHT_RATIO * tallest:
            picture = True
            break
        if resume - end > margin:
            break
        tallest = max(tallest, stop - resume)
        end = stop
    if end >= limit:
        return []
    cuts = []
    centred = end + margin
    if centred < limit and plain[end:centred].all():
        cuts.append(centred)
    after = _first(plain, end, False)
    if picture or (after < limit and share[after] <= CRISP_LINE_SHARE):
        cuts.append(after)
    return cuts


def _frame_width(pixels: np.ndarray) -> int:
    """Width of an equal frame of the edges' colour around everything else, or 0.

    A border added on every side adds the same width to each of the picture's own margins. An
    added border is one exact colour and a photographed background is not, so the frame is the
    margin of exactly that colour: on the dev corpus this finds 292 of 295 white borders to the
    pixel and a frame in only 3 of the 295 originals (with EDGE_TOLERANCE_LEVELS: 278 and 22,
    and a product shot's own white margin then brought it within pHash 8 of another's).
    """
    height, width = pixels.shape[:2]
    rim = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    colour = np.median(rim, axis=0)
    if (np.abs(rim - colour).max(axis=1) > FRAME_TOLERANCE_LEVELS).any():
        return 0
    off = np.abs(pixels - colour).max(axis=2) > FRAME_TOLERANCE_LEVELS
    rows, columns = np.flatnonzero(off.any(axis=1)), np.flatnonzero(off.any(axis=0))
    if not len(rows):
        return 0
    frame = int(min(rows[0], height - 1 - rows[-1], columns[0], width - 1 - columns[-1]))
    if frame < MIN_BAND_PIXELS or min(height, width) - 2 * frame < MIN_REMAINING_PIXELS:
        return 0
    return frame
