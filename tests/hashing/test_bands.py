"""Band trimming undoes borders, letterboxing and caption bars, and leaves plain photos alone."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from hashing.algorithms import pdq
from hashing.bands import trim_bands


def photo(seed: int = 0, size: tuple[int, int] = (200, 150)) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(size[1] // 10, size[0] // 10, 3), dtype=np.uint8)
    return Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)


def test_a_photo_without_flat_edges_is_not_trimmed() -> None:
    assert trim_bands(photo()) == []


def test_a_white_border_is_trimmed_back_to_the_picture() -> None:
    original = photo(1)
    framed = ImageOps.expand(original, border=12, fill="white")
    crops = trim_bands(framed)
    assert any(crop.size == original.size for crop in crops)
    assert min(pdq(crop)[0].distance(pdq(original)[0]) for crop in crops) == 0


def test_a_caption_bar_with_text_is_trimmed() -> None:
    original = photo(2)
    canvas = Image.new("RGB", (original.width, original.height + 24), "white")
    canvas.paste(original, (0, 24))
    ImageDraw.Draw(canvas).text((4, 6), "look who it is", fill="black")
    assert any(crop.size == original.size for crop in trim_bands(canvas))


def test_a_picture_on_black_inside_a_white_frame_reaches_the_victims_own_trim() -> None:
    subject = photo(3, (80, 60))
    on_black = ImageOps.expand(subject, border=30, fill="black")
    framed = ImageOps.expand(on_black, border=10, fill="white")
    victims = {crop.size for crop in trim_bands(on_black)}
    leaks = {crop.size for crop in trim_bands(framed)}
    assert victims & leaks == {subject.size}


def test_a_nearly_flat_image_is_not_trimmed_to_a_sliver() -> None:
    flat = Image.new("RGB", (300, 200), "grey")
    ImageDraw.Draw(flat).rectangle((140, 95, 150, 105), fill="black")
    assert trim_bands(flat) == []


def test_a_caption_bar_with_large_text_is_trimmed_through_its_text_lines() -> None:
    # Meme captions in a bold font leave only about two thirds of a text line in the bar's
    # colour; the band continues through them to the bar's last plain line.
    original = photo(5, (240, 180))
    bar = 40
    canvas = Image.new("RGB", (original.width, original.height + bar), "white")
    canvas.paste(original, (0, bar))
    draw = ImageDraw.Draw(canvas)
    for x in range(6, original.width - 20, 14):
        draw.rectangle((x, 10, x + 5, 28), fill="black")  # glyph-like strokes, 6 of 14 px
    assert any(crop.size == original.size for crop in trim_bands(canvas))


def test_a_bright_sky_that_fades_into_the_picture_is_not_trimmed_as_text() -> None:
    sky = photo(6, (200, 150))
    pixels = np.asarray(sky).copy()
    pixels[:30] = 250  # a flat bright strip on top...
    pixels[30:60, ::2] = 250  # ...then half-bright lines that never return to the strip colour
    trimmed = trim_bands(Image.fromarray(pixels))
    assert all(crop.height >= 150 - 30 for crop in trimmed)
