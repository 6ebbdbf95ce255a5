"""The query side finds the picture inside a screenshot and keeps low-quality PDQs apart."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageEnhance

from casework.bank.bank import FAINT_PDQ_RADIUS_BITS, MATCH_RADIUS_BITS
from hashing.algorithms import QueryHashes, hash_query_image, pdq, phash
from hashing.edits import capped
from hashing.fingerprint import Algorithm
from hashing.images import decode_image
from hashing.screens import screen_crops
from tests.hashing.conftest import bank_of, encode, matches, read_vector, textured

PHOTOS = ["aaa-orig.jpg", "q0122.jpg", "q0291.jpg", "q0746.jpg", "q1050.jpg", "q2821.jpg"]


def phone_screenshot(
    photo: Image.Image, background: tuple[int, int, int], ink: tuple[int, int, int], side: int
) -> Image.Image:
    """The photo in an app: status bar, header, side padding, icons and caption lines, JPEG."""
    width = photo.width + 2 * side
    unit = width // 50
    top, below = 9 * unit, 14 * unit
    shot = Image.new("RGB", (width, top + photo.height + below), background)
    shot.paste(photo, (side, top))
    draw = ImageDraw.Draw(shot)
    draw.text((2 * unit, unit), "12:41", fill=ink)
    draw.text((width - 8 * unit, unit), "87%", fill=ink)
    draw.ellipse((2 * unit, 4 * unit, 6 * unit, 8 * unit), outline=ink, width=2)
    draw.text((8 * unit, 5 * unit), "someone_else", fill=ink)
    icons = top + photo.height + unit
    for x in (2, 8, 14):
        draw.ellipse((x * unit, icons, (x + 4) * unit, icons + 4 * unit), outline=ink, width=2)
    draw.text((2 * unit, icons + 6 * unit), "1,204 likes", fill=ink)
    draw.text((2 * unit, icons + 9 * unit), "someone_else who is this? #leak", fill=ink)
    return decode_image(encode(shot, "JPEG", quality=80))


def under_caption(picture: Image.Image) -> Image.Image:
    """A white bar of text-like strokes above the picture, as JPEG 70."""
    bar = picture.height * 15 // 100
    canvas = Image.new("RGB", (picture.width, picture.height + bar), "white")
    canvas.paste(picture, (0, bar))
    draw = ImageDraw.Draw(canvas)
    for x in range(8, picture.width - 30, 12):
        draw.rectangle((x, bar // 3, x + 5, bar - bar // 3 - 1), fill="black")
    return decode_image(encode(canvas, "JPEG", quality=70))


@pytest.mark.parametrize(
    ("background", "ink", "side"),
    [((255, 255, 255), (20, 20, 20), 0), ((18, 18, 18), (235, 235, 235), 12)],
    ids=["light app, full width", "dark app, side padding"],
)
def test_the_picture_inside_a_phone_screenshot_is_found(
    background: tuple[int, int, int], ink: tuple[int, int, int], side: int
) -> None:
    photo = decode_image(read_vector("aaa-orig.jpg"))
    photo.thumbnail((400, 400))
    shot = phone_screenshot(photo, background, ink, side)
    assert pdq(shot)[0].distance(pdq(photo)[0]) > MATCH_RADIUS_BITS[Algorithm.PDQ]
    assert phash(shot).distance(phash(photo)) > MATCH_RADIUS_BITS[Algorithm.PHASH]
    # The crop comes within a few pixels of the photo's own box: its hashes barely move.
    assert any(phash(crop).distance(phash(photo)) <= 4 for crop in screen_crops(capped(shot)))
    assert matches(hash_query_image(shot), bank_of(photo))


def test_a_picture_whose_edge_has_the_apps_colour_is_found_between_the_interface_content() -> None:
    # A product shot on white in a white app: no line shows where the picture starts, and the
    # peel of interface-coloured lines runs on into the object.
    photo = Image.new("RGB", (240, 180), "white")
    photo.paste(textured((96, 108), seed=1), (72, 36))
    shot = phone_screenshot(photo, (255, 255, 255), (20, 20, 20), 0)
    # The rows between the header's last content and the icons' first: the picture and a few
    # lines of the app's margins, full width.
    assert any(
        crop.width == photo.width and photo.height <= crop.height <= photo.height + 10
        for crop in screen_crops(capped(shot))
    )
    assert matches(hash_query_image(shot), bank_of(photo))


def test_a_photo_without_a_flat_rim_is_no_screenshot() -> None:
    photo = decode_image(read_vector("q2821.jpg"))
    assert screen_crops(photo) == []


def test_a_low_quality_query_pdq_is_tried_only_at_the_tight_radius() -> None:
    # A washed-out photo the victim could still bank (PDQ quality 63); the leak is darker and
    # its PDQ falls to quality 30, under the floor, 4 bits from the victim's.
    photo = ImageEnhance.Contrast(decode_image(read_vector("q0746.jpg"))).enhance(0.12)
    leak = ImageEnhance.Brightness(photo).enhance(0.6)
    assert pdq(photo)[1] >= 50 > pdq(leak)[1]
    query = hash_query_image(leak)
    assert pdq(leak)[0] in query.faint
    assert not any(fp.algorithm is Algorithm.PDQ for fp in query.fingerprints)
    bank = [fp for fp in bank_of(photo) if fp.algorithm is Algorithm.PDQ]
    closest = min(fp.distance(known) for fp in query.faint for known in bank)
    assert closest <= FAINT_PDQ_RADIUS_BITS
    assert matches(QueryHashes([], query.faint), bank)


def test_no_photo_matches_another_through_its_query_hashes() -> None:
    photos = [decode_image(read_vector(name)) for name in PHOTOS]
    # Darkened copies too: their faint PDQs are tried against every other photo's bank. And
    # each photo in a white app, cropped under a caption bar: their guesses are tried as well.
    edited = [ImageEnhance.Brightness(photo).enhance(0.6) for photo in photos] + photos
    edited += [phone_screenshot(capped(p), (255, 255, 255), (20, 20, 20), 0) for p in photos]
    edited += [under_caption(p.crop((12, 12, p.width - 12, p.height - 12))) for p in photos]
    queries = [hash_query_image(image) for image in edited]
    banks = [bank_of(photo) for photo in photos]
    for i, query in enumerate(queries):
        for j, bank in enumerate(banks):
            assert matches(query, bank) == (i % len(photos) == j), (PHOTOS[i % len(photos)], j)
