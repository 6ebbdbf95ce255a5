"""The worker's reduced JPEG decode: same guards as decode_frames, a bounded size, a small drift."""

from __future__ import annotations

import pytest
from PIL import Image

from benchmarks.small_images import shrink
from hashing.algorithms import hash_query_image, pdq, phash
from hashing.fastpath import QUERY_DECODE_MIN_SIDE, decode_query_frames
from hashing.images import (
    MIN_IMAGE_SIDE,
    MIN_QUERY_SIDE,
    ImageRejected,
    decode_frames,
    decode_image,
)
from tests.hashing.conftest import bank_of, encode, matches, read_vector, textured

PHOTOS = ["aaa-orig.jpg", "q0122.jpg", "q0291.jpg", "q0746.jpg", "q1050.jpg", "q2821.jpg"]


def big_photo(size: tuple[int, int]) -> bytes:
    return encode(textured(size, seed=3), "JPEG", quality=90)


def test_a_big_jpeg_is_decoded_at_the_smallest_scale_that_keeps_the_short_side() -> None:
    data = big_photo((2 * QUERY_DECODE_MIN_SIDE + 400, 2 * QUERY_DECODE_MIN_SIDE + 100))
    [frame] = decode_query_frames(data)
    full = decode_image(data)
    assert frame.mode == "RGB"
    assert QUERY_DECODE_MIN_SIDE <= min(frame.size) < min(full.size)
    # A smooth picture keeps its hashes; benchmarks/hashing_speed.py measures photos.
    assert pdq(frame)[0].distance(pdq(full)[0]) <= 8
    assert phash(frame).distance(phash(full)) <= 2


def test_small_jpegs_and_other_formats_decode_exactly_as_decode_frames() -> None:
    small = big_photo((640, 480))
    png = encode(textured((2400, 2200)), "PNG")
    for data in (small, png):
        assert [f.tobytes() for f in decode_query_frames(data)] == [
            f.tobytes() for f in decode_frames(data)
        ]


def test_exif_orientation_is_applied_after_the_reduced_decode() -> None:
    image = textured((2600, 2100), seed=4)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    data = encode(image, "JPEG", quality=90, exif=exif.tobytes())
    [frame] = decode_query_frames(data)
    assert frame.width < frame.height


def test_the_pixel_cap_is_checked_before_any_reduction() -> None:
    data = big_photo((2 * QUERY_DECODE_MIN_SIDE, 2 * QUERY_DECODE_MIN_SIDE))
    with pytest.raises(ImageRejected) as rejected:
        decode_query_frames(data, max_pixels=1_000_000)
    assert rejected.value.reason == "too_large"
    with pytest.raises(ImageRejected):
        decode_query_frames(b"not an image")


def test_a_found_thumbnail_under_the_bank_floor_matches_its_photo_and_no_other() -> None:
    # At the query floor itself recall drops (98.3 % of the dev corpus as JPEG 75, and two of
    # these six photos): what the floor buys there is only that nothing is refused unseen.
    side = 24
    assert MIN_QUERY_SIDE <= side < MIN_IMAGE_SIDE
    photos = [decode_image(read_vector(name)) for name in PHOTOS]
    banks = [bank_of(photo) for photo in photos]
    for i, photo in enumerate(photos):
        [frame] = decode_query_frames(encode(shrink(photo, side), "JPEG", quality=75))
        assert min(frame.size) == side
        query = hash_query_image(frame)
        assert [matches(query, bank) for bank in banks] == [j == i for j in range(len(banks))]


def test_a_found_image_under_the_query_floor_is_too_small() -> None:
    with pytest.raises(ImageRejected) as rejected:
        decode_query_frames(encode(textured((200, MIN_QUERY_SIDE - 1)), "PNG"))
    assert rejected.value.reason == "too_small"
