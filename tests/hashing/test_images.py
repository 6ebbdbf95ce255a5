"""Safe decoding: allowlist, pixel caps, frame caps, modes and EXIF orientation."""

from __future__ import annotations

import io
import random
import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from hashing.algorithms import pdq, phash
from hashing.images import MAX_FRAMES, ImageRejected, decode_frames, decode_image
from tests.factories import png_header_only
from tests.hashing.conftest import encode, read_vector, textured


def rejection(data: bytes, **limits: int) -> str:
    with pytest.raises(ImageRejected) as caught:
        decode_image(data, **limits)
    assert str(caught.value)
    return caught.value.reason


def test_a_65_byte_png_claiming_100000_squared_pixels_is_too_large_at_once() -> None:
    data = png_header_only(100_000, 100_000, zlib.compress(b"\0"))
    assert len(data) < 70
    assert rejection(data) == "too_large"


def test_a_small_png_of_10000_squared_pixels_is_too_large_before_decoding() -> None:
    rows = b"".join(b"\0" + bytes(10_000 // 8) for _ in range(10_000))
    data = png_header_only(10_000, 10_000, zlib.compress(rows, 9))
    assert len(data) < 100_000
    assert rejection(data) == "too_large"


def test_the_pixel_cap_is_checked_from_the_header_below_pillows_own_limit() -> None:
    # 7000 x 7000 = 49 Mpx: over our 40 Mpx, under the 89 Mpx at which Pillow starts to warn.
    assert rejection(png_header_only(7_000, 7_000)) == "too_large"


def test_the_pixel_cap_can_be_lowered_per_call() -> None:
    data = encode(textured((100, 100)), "PNG")
    assert rejection(data, max_pixels=9_999) == "too_large"
    assert decode_image(data, max_pixels=10_000).size == (100, 100)


def test_decoding_leaves_the_warning_filters_as_it_found_them() -> None:
    before = list(warnings.filters)
    decode_image(encode(textured(), "PNG"))
    with pytest.raises(ImageRejected):
        decode_image(png_header_only(100_000, 100_000))
    assert warnings.filters == before


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"])
def test_allowed_formats_decode_to_rgb(fmt: str) -> None:
    img = decode_image(encode(textured(), fmt))
    assert (img.mode, img.size) == ("RGB", (256, 192))


def test_a_lossless_tiff_hashes_like_the_same_pixels_as_png() -> None:
    original = textured()
    from_tiff = decode_image(encode(original, "TIFF", compression="tiff_lzw"))
    from_png = decode_image(encode(original, "PNG"))
    assert pdq(from_tiff) == pdq(from_png)
    assert phash(from_tiff) == phash(from_png)


def minimal_psd(width: int = 64, height: int = 64) -> bytes:
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, height, width, 8, 3)
    # Empty colour-mode, resource and layer sections, then raw (uncompressed) planes.
    return header + bytes(12) + struct.pack(">H", 0) + bytes(3 * width * height)


EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n%%EndComments\nshowpage\n%%EOF\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect/></svg>'


@pytest.mark.parametrize(
    "data",
    [EPS, minimal_psd(), encode(textured((64, 64)), "ICO")],
    ids=["eps", "psd", "ico"],
)
def test_formats_pillow_could_open_are_refused_by_the_allowlist(data: bytes) -> None:
    Image.open(io.BytesIO(data))  # Pillow alone would accept it (EPS would run Ghostscript).
    assert rejection(data) == "unsupported_format"


@pytest.mark.parametrize(
    "data",
    [SVG, b"", b"hello, this is a text file\n", bytes(range(256))],
    ids=["svg", "empty", "text", "binary"],
)
def test_non_images_are_unsupported_formats(data: bytes) -> None:
    assert rejection(data) == "unsupported_format"


def test_a_truncated_jpeg_is_a_decode_error() -> None:
    data = read_vector("aaa-orig.jpg")
    assert rejection(data[: len(data) // 2]) == "decode_error"


def test_a_png_with_corrupt_pixel_data_is_a_decode_error() -> None:
    assert rejection(png_header_only(64, 64, b"not zlib at all")) == "decode_error"


def test_images_below_the_minimum_side_are_too_small() -> None:
    data = encode(textured((200, 20)), "PNG")
    assert rejection(data) == "too_small"
    assert rejection(data, min_side=64) == "too_small"
    assert decode_image(data, min_side=16).size == (200, 20)


def test_small_victim_images_above_32_px_are_decoded_by_default() -> None:
    assert decode_image(read_vector("wee.jpg")).size == (34, 42)


@pytest.mark.parametrize(
    "mode", ["1", "L", "LA", "P", "PA", "RGBA", "CMYK", "YCbCr", "I;16", "I", "F"]
)
def test_every_mode_a_tiff_can_carry_decodes_to_rgb(mode: str) -> None:
    img = decode_image(encode(textured().convert(mode), "TIFF"))
    assert (img.mode, img.size) == ("RGB", (256, 192))


def test_alpha_is_dropped_not_composited_like_the_reference_hashers() -> None:
    # LA.png's expected PDQ (test_vectors) pins this: compositing on white moves it by 60 bits.
    rgb = textured()
    rgba = rgb.copy()
    rgba.putalpha(Image.fromarray(np.tile(np.arange(256, dtype=np.uint8), (192, 1))))
    assert np.array_equal(np.asarray(decode_image(encode(rgba, "PNG"))), np.asarray(rgb))


def test_sixteen_bit_values_clip_at_white_like_the_reference_hashers() -> None:
    grey = Image.new("I;16", (64, 64), 300)
    assert np.asarray(decode_image(encode(grey, "PNG"))).max() == 255


def test_an_exif_rotated_jpeg_hashes_like_its_upright_pixels() -> None:
    upright = decode_image(read_vector("q0122.jpg"))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the stored pixels must turn 90 degrees clockwise to display.
    stored = encode(upright.transpose(Image.Transpose.ROTATE_90), "JPEG", quality=95, exif=exif)

    decoded = decode_image(stored)
    as_stored = Image.open(io.BytesIO(stored)).convert("RGB")
    assert decoded.size == upright.size
    assert np.array_equal(
        np.asarray(decoded), np.asarray(as_stored.transpose(Image.Transpose.ROTATE_270))
    )
    assert pdq(decoded)[0].distance(pdq(upright)[0]) <= 8
    assert phash(decoded).distance(phash(upright)) <= 2


def test_a_photo_with_corrupt_exif_still_decodes_whatever_the_warning_filters() -> None:
    # An IFD that promises 5 entries and stops inside the first; Pillow warns and carries on.
    corrupt = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03\x00\x00"
    original = textured()
    data = encode(original, "JPEG", quality=95, exif=corrupt)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        decoded = decode_image(data)
    assert decoded.size == original.size


def animated_gif(frames: int, size: tuple[int, int] = (64, 64)) -> bytes:
    """A GIF whose frame i is filled with grey level i % 256 (and a frame-number stripe)."""
    images = []
    for i in range(frames):
        frame = Image.new("L", size, i % 256)
        frame.paste(255 - (i % 256), (0, 0, size[0], 4))
        images.append(frame.convert("P"))
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=20)


def grey_level(img: Image.Image) -> int:
    """The grey level animated_gif filled a decoded frame with."""
    return int(np.asarray(img)[img.height // 2, img.width // 2, 0])


def test_a_300_frame_gif_decodes_at_most_max_frames_evenly_spaced() -> None:
    data = animated_gif(300)
    frames = decode_frames(data)
    assert len(frames) == MAX_FRAMES
    levels = [grey_level(f) for f in frames]
    assert levels[0] == 0
    assert levels[-1] == 299 % 256
    assert all(f.mode == "RGB" for f in frames)


def test_the_first_frame_of_an_animation_is_what_decode_image_returns() -> None:
    data = animated_gif(12)
    assert np.array_equal(np.asarray(decode_frames(data)[0]), np.asarray(decode_image(data)))


def test_short_animations_decode_every_frame() -> None:
    assert [grey_level(f) for f in decode_frames(animated_gif(5))] == [0, 1, 2, 3, 4]


def test_the_total_pixel_budget_limits_how_far_into_an_animation_frames_are_sampled() -> None:
    frames = decode_frames(animated_gif(300, (100, 100)), max_total_pixels=50_000)
    assert [grey_level(f) for f in frames] == [0, 1, 2, 3, 4]


def test_a_still_image_is_one_frame() -> None:
    assert len(decode_frames(encode(textured(), "PNG"))) == 1


def test_decode_frames_applies_the_same_limits_as_decode_image() -> None:
    with pytest.raises(ImageRejected) as caught:
        decode_frames(png_header_only(100_000, 100_000))
    assert caught.value.reason == "too_large"


def test_pages_of_different_sizes_share_the_total_pixel_budget() -> None:
    small, large = textured((64, 64)), textured((400, 400), seed=8)
    data = encode(small, "TIFF", save_all=True, append_images=[large, small, large])
    assert [f.size for f in decode_frames(data)] == [(64, 64), (400, 400), (64, 64), (400, 400)]
    assert [f.size for f in decode_frames(data, max_total_pixels=200_000)] == [
        (64, 64),
        (400, 400),
        (64, 64),
    ]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"])
def test_mangled_files_are_rejected_or_decoded_never_crash(fmt: str) -> None:
    rng = random.Random(fmt)
    original = encode(textured((80, 64)), fmt)
    for _ in range(60):
        data = bytearray(original)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data))
            if rng.random() < 0.7:
                data[at] = rng.randrange(256)
            else:
                del data[at : at + rng.randint(1, 16)]
        for decode in (decode_image, decode_frames):
            try:
                decode(bytes(data))
            except ImageRejected:
                pass
