"""Safe decoding of untrusted image bytes into RGB Pillow images.

Every entry point here treats its input as hostile: a format allowlist, a pixel cap checked
from the header before any pixel is decoded, Pillow's decompression-bomb warning raised as an
error, a frame cap for animations and a total decoded-pixel budget. Failures are raised as
ImageRejected with a machine-readable reason:

- ``unsupported_format``: not an image in ALLOWED_FORMATS (SVG, EPS, PSD, ICO, text, ...).
- ``too_large``: more pixels than the caller's cap, or a decompression bomb.
- ``decode_error``: an allowed format whose data is truncated, corrupt or in an unusable mode.
- ``too_small``: a side shorter than the caller's minimum.
"""

from __future__ import annotations

import functools
import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from hashing.translations import gettext

# TIFF is here because scanners and some phones export it; SVG, EPS (Ghostscript), PSD, PDF,
# FITS and FPX stay out: they are the formats Pillow's own security advisories keep hitting.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
# HEIC is what iPhones save by default, so a victim's own photos need it; leaks on the web are
# re-encoded to JPEG/WebP, so the worker and the API never take libheif's attack surface on.
HEIF_FORMAT = "HEIF"
MAX_IMAGE_PIXELS = 40_000_000
MAX_FRAMES = 9
MAX_TOTAL_PIXELS = 100_000_000
# The bank's floor: a victim's photo under 32 px a side is matched by its exact copies only, as
# its 32x32 (pHash) and 64x64 (PDQ) reductions would be mostly interpolation, and every bank entry
# is compared with every image found from then on.
MIN_IMAGE_SIDE = 32
# A found image may be smaller: a gallery's thumbnail of a victim's photo still holds every
# frequency PDQ keeps (16 of a 64-point DCT, 8 cycles: 16 samples) and pHash's 8 of 32. On the
# dev corpus, thumbnails at 16-28 px matched their photo (98.3-100 % as JPEG 75) with no false
# match, nor from 2,360 tiny crops of other photos (benchmarks/small_images.py).
MIN_QUERY_SIDE = 16

RejectionReason = Literal["unsupported_format", "too_large", "decode_error", "too_small"]

# What Pillow's decoders raise on malformed data once a format has been recognised.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
)


class ImageRejected(ValueError):
    """Bytes that will not be decoded; ``reason`` is a RejectionReason, the message says why."""

    def __init__(self, reason: RejectionReason, message: str) -> None:
        super().__init__(message)
        self.reason: RejectionReason = reason


def decode_image(
    data: bytes,
    *,
    max_pixels: int = MAX_IMAGE_PIXELS,
    min_side: int = MIN_IMAGE_SIDE,
    formats: tuple[str, ...] = ALLOWED_FORMATS,
) -> Image.Image:
    """Decode the first frame of untrusted bytes to an upright RGB image or raise ImageRejected."""
    with (
        _guarded(),
        _open(data, max_pixels=max_pixels, min_side=min_side, formats=formats) as image,
    ):
        return _upright_rgb(image)


def decode_frames(
    data: bytes,
    *,
    max_pixels: int = MAX_IMAGE_PIXELS,
    min_side: int = MIN_IMAGE_SIDE,
    max_frames: int = MAX_FRAMES,
    max_total_pixels: int = MAX_TOTAL_PIXELS,
) -> list[Image.Image]:
    """Decode a sample of at most max_frames frames (the first plus evenly spaced ones) as RGB.

    GIF, APNG and animated WebP frames can only be reached by decoding every frame before them,
    so the sample is spread over the prefix of the animation that max_total_pixels can pay for;
    the sampled frames themselves also stop once they have used up that budget.
    """
    if max_frames < 1:
        raise ValueError("max_frames must be at least 1")
    with _guarded(), _open(data, max_pixels=max_pixels, min_side=min_side) as image:
        affordable = max(1, max_total_pixels // max(1, image.width * image.height))
        span = min(getattr(image, "n_frames", 1), affordable)
        frames: list[Image.Image] = []
        decoded = 0
        for index in _spread(span, max_frames):
            image.seek(index)
            # Frames can differ in size (a GIF frame may grow the canvas, TIFF pages vary):
            # check each one from its header before decoding it.
            _check_size(image, max_pixels=max_pixels, min_side=min_side)
            decoded += image.width * image.height
            if frames and decoded > max_total_pixels:
                break
            frames.append(_upright_rgb(image))
        return frames


@functools.cache
def victim_formats() -> tuple[str, ...]:
    """The formats a victim's own device decodes: ALLOWED_FORMATS plus HEIC when available."""
    try:
        import pillow_heif
    except ImportError:
        return ALLOWED_FORMATS
    pillow_heif.register_heif_opener()
    return (*ALLOWED_FORMATS, HEIF_FORMAT)


def _open(
    data: bytes, *, max_pixels: int, min_side: int, formats: tuple[str, ...] = ALLOWED_FORMATS
) -> Image.Image:
    image = Image.open(io.BytesIO(data), formats=formats)
    _check_size(image, max_pixels=max_pixels, min_side=min_side)
    return image


def _check_size(image: Image.Image, *, max_pixels: int, min_side: int) -> None:
    width, height = image.size
    if width * height > max_pixels:
        raise ImageRejected(
            "too_large",
            gettext("the image is {width}x{height}, over the limit of {limit} pixels").format(
                width=width, height=height, limit=max_pixels
            ),
        )
    if min(width, height) < min_side:
        raise ImageRejected(
            "too_small",
            gettext("the image is {width}x{height}, under the minimum of {side} px a side").format(
                width=width, height=height, side=min_side
            ),
        )


def _upright_rgb(image: Image.Image) -> Image.Image:
    image.load()
    upright = ImageOps.exif_transpose(image)
    # Plain convert("RGB") for every mode, alpha dropped rather than composited on a background:
    # the PDQ reference vectors were made this way, and LA.png (60 bits off when composited on
    # white) and I16.png (16-bit values clip at 255) reproduce bit for bit only this way.
    return upright.convert("RGB")


def _spread(count: int, sample: int) -> list[int]:
    """Up to ``sample`` indices in range(count): the first, the last and evenly spaced between."""
    if count <= sample:
        return list(range(count))
    if sample == 1:
        return [0]
    return sorted({round(i * (count - 1) / (sample - 1)) for i in range(sample)})


@contextmanager
def _guarded() -> Iterator[None]:
    # catch_warnings swaps the process-wide filter list for the duration of the decode and
    # restores it afterwards. Under thread races the worst case is these filters left behind.
    with warnings.catch_warnings():
        # Pillow reports metadata it skips (corrupt EXIF, TIFF tags past the end) as UserWarning
        # and decodes the pixels anyway; phone photos often carry such EXIF. Ignoring them keeps
        # the outcome the same whatever the process's own warning filters say.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected(
                "too_large", gettext("the image declares more pixels than Pillow will decode")
            ) from error
        except UnidentifiedImageError as error:
            allowed = ", ".join(ALLOWED_FORMATS)
            raise ImageRejected(
                "unsupported_format",
                gettext("not an image in an accepted format ({formats})").format(formats=allowed),
            ) from error
        except _DECODE_ERRORS as error:
            raise ImageRejected(
                "decode_error",
                gettext("the image data is corrupt or truncated: {detail}").format(
                    detail=str(error)[:120]
                ),
            ) from error
