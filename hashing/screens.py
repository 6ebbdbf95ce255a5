"""Query-side search for the picture inside a screenshot: the largest rectangle not drawn in the
app's own colours.

A screenshot frames the leaked picture with an app's interface: a status bar, a header, side or
letterbox padding, an action row, caption lines, a navigation bar. Each edge of it may hold
several bars of text and icons, so neither trim_bands (one flat band) nor the caption rule (one
bar of text on one edge) reaches the picture. What every such interface shares is its colours:
it is drawn in a few flat colours, and those are the colours of the screenshot's flat rim lines. A
line (row or column) belongs to the interface while most of its pixels have one of the rim's
colours, text and icons included; the picture is what is left once such lines are peeled from
all four edges. A picture whose own edge has the interface's colour (a product shot on white in
a white app) loses that edge too, so a second guess spans the rows between the interface's
content (text lines, icons) and the picture's (see _between_content). Each is one guess among
the others hash_query_image hashes, never a replacement for the image as found.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from hashing.bands import BAND_LINE_SHARE, MIN_REMAINING_PIXELS

#: Colour tolerances (levels, any channel) of the two guesses: an interface is drawn in exact
#: colours that JPEG moves a few levels; the wider one also takes text anti-aliasing and heavier
#: compression, the tighter one stops at a dark photo's edge in a dark app.
SCREEN_TOLERANCES = (8, 24)
#: A line belongs to the interface when at least this share of it has an interface colour: text
#: and icons cover less than half of a line, a picture's line (even beside side padding) far more.
UI_LINE_SHARE = 0.6
#: The interface covers at most this share of each side of the screenshot.
MAX_UI_FRACTION = 0.8
#: Text and icons leave lines with less of the interface's colours; a run of such lines no taller
#: than this share of the screenshot's width (a large line of text on a phone) between interface
#: lines is interface too, while a picture is far taller.
MAX_TEXT_LINE = 0.08
#: A row holds content (text, an icon, part of the picture) when this share of it is off the
#: interface's colours: a few pixels of a character, not one pixel of JPEG noise.
CONTENT_LINE_SHARE = 0.01
#: A peeled edge thinner than this is a hairline, not an interface.
MIN_UI_PIXELS = 3


def screen_crops(image: Image.Image) -> list[Image.Image]:
    """Distinct crops of the image without the lines drawn in its rim's colours."""
    pixels = np.asarray(image, dtype=np.int16)
    height, width = pixels.shape[:2]
    rim = [pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]]
    flat = [c for c in (_flat_colour(line) for line in rim) if c is not None]
    if not flat:
        return []
    # Per pixel, how far it is from the nearest interface colour (most rims have one colour).
    distance = np.min(
        [np.abs(pixels - colour).max(axis=2) for colour in np.unique(flat, axis=0)], axis=0
    )
    boxes: dict[tuple[int, int, int, int], None] = {}
    for tolerance in SCREEN_TOLERANCES:
        ui = distance <= tolerance
        text = int(width * MAX_TEXT_LINE)
        # At the wider tolerance only: at the tighter one, JPEG's ringing around the text and a
        # photo's near-white background joined text runs to the picture's (pHash 8-20 there).
        between = _between_content(~ui, text) if tolerance == max(SCREEN_TOLERANCES) else None
        if between is not None:
            boxes[(0, between[0], width, between[1])] = None
        rows = ui.mean(axis=1) >= UI_LINE_SHARE
        top = _run(rows, int(height * MAX_UI_FRACTION), text)
        bottom = _run(rows[::-1], int(height * MAX_UI_FRACTION), text)
        if height - top - bottom < MIN_REMAINING_PIXELS:
            continue
        columns = ui[top : height - bottom].mean(axis=0) >= UI_LINE_SHARE
        text = int(height * MAX_TEXT_LINE)
        left = _run(columns, int(width * MAX_UI_FRACTION), text)
        right = _run(columns[::-1], int(width * MAX_UI_FRACTION), text)
        box = (left, top, width - right, height - bottom)
        if box[2] - box[0] >= MIN_REMAINING_PIXELS and (top or bottom or left or right):
            boxes[box] = None
    return [image.crop(box) for box in boxes]


def _between_content(off: np.ndarray, text: int) -> tuple[int, int] | None:
    """Rows from the end of the interface's content above the picture to the start of the
    interface's content below it, or None.

    A picture whose own edge has the interface's colour shows no line where it starts, so the
    peel above runs into it. Its content still does: rows holding a few pixels off the
    interface's colours come in runs, the interface's (text lines, icons) no taller than
    ``text``, the picture's taller. The gaps between the first and last tall run and the runs
    beside them hold both the interface's margins and the picture's own plain edge; the box
    spans them whole, as the largest rectangle the picture may fill (full width: a plain side
    edge cannot be told from side padding either). On the 8 dev photos the light feed app hid
    this way (60-photo sample), it came within pHash 2-6 of the victim's image.
    """
    height = off.shape[0]
    content = off.mean(axis=1) >= CONTENT_LINE_SHARE
    edges = np.flatnonzero(np.diff(content.astype(np.int8), prepend=0, append=0))
    runs = list(zip(edges[::2], edges[1::2], strict=True))
    tall = [i for i, (start, stop) in enumerate(runs) if stop - start > text]
    if not tall:
        return None
    top = runs[tall[0] - 1][1] if tall[0] > 0 else 0
    bottom = runs[tall[-1] + 1][0] if tall[-1] + 1 < len(runs) else height
    if bottom - top < MIN_REMAINING_PIXELS or (top, bottom) == (0, height):
        return None
    return int(top), int(bottom)


def has_flat_rim(image: Image.Image) -> bool:
    """True when a whole edge line of the image is drawn in one colour (a frame's rest)."""
    pixels = np.asarray(image, dtype=np.int16)
    rim = [pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]]
    return any(_flat_colour(line) is not None for line in rim)


def _flat_colour(line: np.ndarray) -> np.ndarray | None:
    """The colour of a rim line drawn in one colour, or None (a picture's edge is not flat)."""
    colour = np.median(line, axis=0)
    near = np.abs(line - colour).max(axis=1) <= max(SCREEN_TOLERANCES)
    return colour if near.mean() >= BAND_LINE_SHARE else None


def _run(lines: np.ndarray, limit: int, text: int) -> int:
    """How deep the interface reaches from the first line: its lines, and runs of other lines no
    longer than ``text`` (a line of text or icons) between them. 0 when under MIN_UI_PIXELS."""
    depth = 0
    while depth < limit:
        if lines[depth]:
            depth += 1
            continue
        ui = np.flatnonzero(lines[depth:limit])
        if not len(ui) or ui[0] > text:
            break
        depth += int(ui[0])
    return depth if depth >= MIN_UI_PIXELS else 0
