"""Query-side guesses undo bars, frames and tilts that band trimming cannot, and leave photos be."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from hashing.algorithms import QueryHashes, hash_file, hash_query_image, pdq, phash
from hashing.bands import trim_bands
from hashing.edits import (
    EDIT_MAX_SIDE,
    TURNED_CROP,
    capped,
    caption_crops,
    edit_crops,
    inset,
    small_rotations,
)
from hashing.fingerprint import Algorithm
from hashing.images import decode_image
from tests.hashing.conftest import bank_of, encode, matches, read_vector, textured


def on_white(size: tuple[int, int] = (240, 160), seed: int = 1) -> Image.Image:
    """A product shot: a textured object on a white background, touching the bottom edge."""
    canvas = Image.new("RGB", size, "white")
    subject = textured((size[0] // 2, size[1] * 2 // 3), seed=seed)
    canvas.paste(subject, (size[0] // 4, size[1] - subject.height))
    return canvas


def with_caption(picture: Image.Image, bar: int, colour: str = "white") -> Image.Image:
    """A bar on top with a block of text-like strokes centred in it."""
    canvas = Image.new("RGB", (picture.width, picture.height + bar), colour)
    canvas.paste(picture, (0, bar))
    draw = ImageDraw.Draw(canvas)
    for x in range(8, picture.width - 30, 12):
        draw.rectangle((x, bar // 3, x + 5, bar - bar // 3 - 1), fill="black")
    return canvas


def under_pale_sky(size: tuple[int, int] = (240, 200), seed: int = 4) -> Image.Image:
    """A landscape: a pale blue sky, slightly noisy and never exactly one colour, over ground."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(textured(size, seed=seed)).astype(np.int16)
    sky = size[1] // 3
    pixels[:sky] = (196, 214, 238) + rng.integers(-3, 4, (sky, size[0], 3))
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


def with_meme_caption(
    picture: Image.Image, lines: list[tuple[int, int]], below: int = 10
) -> Image.Image:
    """A white bar on top holding text lines (top, bottom rows of strokes) and ``below`` plain
    lines under them, as meme makers draw it: the text is not centred in the bar."""
    bar = max(bottom for _, bottom in lines) + 1 + below
    canvas = Image.new("RGB", (picture.width, picture.height + bar), "white")
    canvas.paste(picture, (0, bar))
    draw = ImageDraw.Draw(canvas)
    for top, bottom in lines:
        for x in range(8, picture.width - 30, 11):
            draw.rectangle((x, top, x + 4, bottom), fill="black")
    return canvas


def test_a_photo_without_flat_edges_gives_no_crops() -> None:
    assert edit_crops(textured((240, 160))) == []


def test_a_white_caption_bar_over_a_picture_on_white_is_cut_where_the_bar_ends() -> None:
    original = on_white()
    leak = with_caption(original, bar=30)
    assert all(crop.size != original.size for crop in trim_bands(leak))
    assert any(crop.tobytes() == original.tobytes() for crop in caption_crops(leak))


def test_a_caption_bar_over_a_pale_sky_is_cut_where_the_picture_starts() -> None:
    # 12 plain lines above the text, 10 under it: the sky's first lines, no taller than a text
    # line's gap, used to pass for one more line of text and the bar had no end.
    original = under_pale_sky()
    leak = with_meme_caption(original, [(12, 27)])
    assert any(crop.tobytes() == original.tobytes() for crop in caption_crops(leak))


def test_a_caption_set_high_in_its_bar_is_cut_where_a_partly_white_picture_starts() -> None:
    # 6 plain lines above the text, 14 under it, and a picture whose top is half white: the
    # bar ends neither at a crisp line nor where a centred caption's bar would.
    pixels = np.asarray(under_pale_sky(seed=6)).copy()
    pixels[:30, :120] = 250
    original = Image.fromarray(pixels)
    leak = with_meme_caption(original, [(6, 17)], below=14)
    assert any(crop.tobytes() == original.tobytes() for crop in caption_crops(leak))


def test_caption_lines_of_different_heights_are_all_taken_for_text() -> None:
    # A line of x-height letters over one with ascenders and descenders, on the bottom edge.
    original = under_pale_sky(seed=5)
    leak = with_meme_caption(original.rotate(180), [(12, 20), (24, 39)]).rotate(180)
    assert any(crop.tobytes() == original.tobytes() for crop in caption_crops(leak))


def test_a_photo_under_a_pale_sky_or_without_a_bar_gives_no_caption_crops() -> None:
    assert caption_crops(under_pale_sky()) == []
    assert caption_crops(textured((240, 160))) == []


def test_a_cropped_photo_under_a_caption_is_found_through_its_inset_picture() -> None:
    # 5 % off every edge, then a caption bar, then JPEG 70: the picture under the bar is found
    # to the pixel, but it is 2 % from the victim's 3 % crop and 3 % from her 8 % one (pHash 20
    # bits away); cut by 2.5 % more it lands near the 8 % crop.
    photo = decode_image(read_vector("q2821.jpg"))
    width, height = photo.size
    cropped = photo.crop((width // 20, height // 20, width - width // 20, height - height // 20))
    leak = decode_image(encode(with_caption(cropped, bar=38), "JPEG", quality=70))
    bank = bank_of(photo)

    def near(img: Image.Image) -> bool:
        return matches(QueryHashes([pdq(img)[0], phash(img)], []), bank)

    pictures = caption_crops(leak)
    assert [picture.size for picture in pictures] == [cropped.size]
    assert not near(pictures[0])
    assert near(inset(pictures[0]))
    assert matches(hash_query_image(leak), bank)


def test_a_white_frame_around_a_picture_on_white_is_removed_but_its_own_margin_is_kept() -> None:
    original = on_white(seed=2)
    pixels = np.asarray(original).copy()
    pixels[:8, :, 0] = 252  # a photographed background is never exactly one colour
    original = Image.fromarray(pixels)
    leak = ImageOps.expand(original, border=24, fill="white")
    assert all(crop.size != original.size for crop in trim_bands(leak))
    assert any(crop.tobytes() == original.tobytes() for crop in edit_crops(leak))
    assert edit_crops(original) == []


def test_a_bar_of_another_colour_but_the_same_grey_stops_at_the_picture() -> None:
    # Red (255, 0, 0) and this green have the same grey level: trim_bands runs on into the
    # picture's green top, the colour comparison stops at the bar's crisp end.
    pixels = np.asarray(textured((240, 200), seed=3)).copy()
    pixels[:40] = (0, 130, 0)
    original = Image.fromarray(pixels)
    leak = Image.new("RGB", (240, 220), (255, 0, 0))
    leak.paste(original, (0, 20))
    assert all(crop.size != original.size for crop in trim_bands(leak))
    assert any(crop.tobytes() == original.tobytes() for crop in edit_crops(leak))


def test_guesses_are_cut_from_a_copy_of_bounded_size() -> None:
    big = textured((2 * EDIT_MAX_SIDE, EDIT_MAX_SIDE))
    assert max(capped(big).size) == EDIT_MAX_SIDE
    cut = TURNED_CROP.box(EDIT_MAX_SIDE, EDIT_MAX_SIDE // 2)
    assert all(
        turned.size == (cut[2] - cut[0], cut[3] - cut[1]) for turned in small_rotations(capped(big))
    )


def test_a_slightly_tilted_copy_is_found_through_a_turned_back_hash() -> None:
    original = decode_image(read_vector("aaa-orig.jpg"))
    tilted = original.rotate(5, Image.Resampling.BICUBIC, fillcolor="black")
    assert pdq(tilted)[0].distance(pdq(original)[0]) > 31
    query = hash_query_image(tilted).fingerprints
    # The turned-back copy is cut to the victim's centre crop, which her device hashed too.
    victim = hash_file(read_vector("aaa-orig.jpg"))
    bank = [fp for fp in victim.fingerprints + victim.variants if fp.algorithm is Algorithm.PDQ]
    assert (
        min(fp.distance(known) for fp in query for known in bank if fp.algorithm is Algorithm.PDQ)
        <= 31
    )
