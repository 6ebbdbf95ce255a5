"""Reference data for the JS hasher parity tests (web/test/pdq-parity, phash-parity, crops,
video).

Decodes images with the Python side's own decoder, hashing.images.decode_image
(Pillow; EXIF orientation applied with ImageOps.exif_transpose, then convert("RGB");
plain Pillow doing the same if the project is not importable), hashes the RGB buffer with
pdqhash 0.2.8 and imagehash.phash, writes the raw RGB bytes to --out and prints one JSON
line per image on stdout:

    {"kind": "vector"|"synthetic"|"large"|"corpus", "name": ..., "width": W, "height": H,
     "pixels": "<file name in --out, W*H*3 bytes, row-major RGB>",
     "pdq": "<64 hex>", "quality": Q,
     "dct": "<hex of 256 little-endian float32, row-major 16x16>" or null,
     "phash": "<16 hex>", "phash_pixels": "<hex of the 32x32 LANCZOS-resized L image>",
     "phash_dct": "<hex of 64 little-endian float64, row-major 8x8>"}

"dct" is the unthresholded 16x16 DCT from pdqhash.compute_float and "phash_pixels" and
"phash_dct" are imagehash.phash's intermediate values, so the JS ports can be checked bit
for bit before the median threshold.

With --ack-window N the script blocks after every N outstanding records until
it reads one line per record from stdin, so the consumer can delete each pixel
file after use and the temp directory never holds more than N images.

Run with the project venv:  .venv/bin/python web/scripts/dump_pixels.py --out DIR ...
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import imagehash
import numpy as np
import pdqhash
import scipy.fftpack
from PIL import Image, ImageOps

project_decode: Callable[..., Image.Image] | None
try:  # the project's own decoder, so the JS tests follow any change to it
    from hashing.images import decode_image

    project_decode = decode_image
except ImportError:  # pragma: no cover - run outside the project venv
    project_decode = None
    print(
        "dump_pixels.py: hashing.images not importable; decoding with plain Pillow "
        "(Image.open, exif_transpose, convert('RGB'))",
        file=sys.stderr,
    )

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
MIN_HASHABLE_DIM = 5  # below this pdqhash returns an all-zero hash, quality 0
PHASH_SIDE = 32  # imagehash.phash's hash_size 8 times highfreq_factor 4


def dct_matrix_base64() -> str:
    """The C++ dct_matrix_64 (16x64 float32, little-endian) as base64.

    C++: const float scale = sqrt(2.0 / 64); D[i][j] = scale * cos((pi / 2.0 / 64) *
    (i + 1) * (2 * j + 1)), the product in double, stored as float. math.cos is the
    C library's cos, as in pdqhash's build. pdq.js embeds this string.
    """
    scale = float(np.float32(math.sqrt(2.0 / 64)))
    values = [
        scale * math.cos((math.pi / 2.0 / 64) * (i + 1) * (2 * j + 1))
        for i in range(16)
        for j in range(64)
    ]
    return base64.b64encode(np.asarray(values, dtype="<f4").tobytes()).decode("ascii")


def sincos_2pibyn(n: int) -> list[tuple[float, float]]:
    """exp(2*pi*i*k/n) for k in range(n), computed as pocketfft's sincos_2pibyn computes it.

    pocketfft_hdronly.h (scipy's copy): an octant-reduced cos/sin table v1 of the low bits of
    k and a coarse table v2 of the high bits, multiplied out in double. math.cos and math.sin
    are the C library's, as in scipy's build.
    """
    angle = 0.25 * math.pi / n

    def calc(index: int) -> tuple[float, float]:
        x = index << 3
        if x < 4 * n:
            if x < 2 * n:
                if x < n:
                    return math.cos(x * angle), math.sin(x * angle)
                return math.sin((2 * n - x) * angle), math.cos((2 * n - x) * angle)
            x -= 2 * n
            if x < n:
                return -math.sin(x * angle), math.cos(x * angle)
            return -math.cos((2 * n - x) * angle), math.sin((2 * n - x) * angle)
        x = 8 * n - x
        if x < 2 * n:
            if x < n:
                return math.cos(x * angle), -math.sin(x * angle)
            return math.sin((2 * n - x) * angle), -math.cos((2 * n - x) * angle)
        x -= 2 * n
        if x < n:
            return -math.sin(x * angle), -math.cos(x * angle)
        return -math.cos((2 * n - x) * angle), -math.sin((2 * n - x) * angle)

    values = (n + 2) // 2
    shift = 1
    while (1 << shift) * (1 << shift) < values:
        shift += 1
    mask = (1 << shift) - 1
    v1 = [(1.0, 0.0)] + [calc(i) for i in range(1, mask + 1)]
    v2 = [(1.0, 0.0)] + [calc(i * (mask + 1)) for i in range(1, (values + mask) // (mask + 1))]
    table = []
    for k in range(n):
        index = k if 2 * k <= n else n - k
        (r1, i1), (r2, i2) = v1[index & mask], v2[index >> shift]
        imaginary = r1 * i2 + i1 * r2
        table.append((r1 * r2 - i1 * i2, imaginary if 2 * k <= n else -imaginary))
    return table


def dct_twiddles_base64() -> str:
    """The twiddles dct.js embeds, as little-endian float64 in base64.

    exp(2*pi*i*k/32) for k = 0..31 (real and imaginary interleaved: the real FFT's twiddles),
    then cos(2*pi*k/128) for k = 1..32 (the DCT-II post-processing twiddles).
    """
    fft = [part for value in sincos_2pibyn(32) for part in value]
    post = [real for real, _ in sincos_2pibyn(128)[1:33]]
    return base64.b64encode(np.asarray(fft + post, dtype="<f8").tobytes()).decode("ascii")


def phash_denylist() -> list[str]:
    """The pHash entries of hashing.algorithms' denylist of synthetic flat and gradient images."""
    from hashing.algorithms import _DENYLIST

    return sorted(fp.hex for fp in _DENYLIST if fp.algorithm.value == "phash")


#: Every size up to this on both sides (the 32-pixel limit and each rule's rounding), then
#: larger and odd sizes up to the pixel cap's shapes.
CROP_GRID_SIDE = 90
CROP_LARGE_SIDES = (99, 101, 127, 333, 999, 1000, 1001, 1411, 1999, 3024, 4032, 6325, 39_999)


def crop_reference() -> dict[str, object]:
    """hashing.crops' rules and limit, and crop_boxes and video_crop_boxes for many sizes: what
    crops.js must give."""
    from hashing.crops import (
        CROP_RULES,
        MIN_CROP_SIDE,
        VIDEO_CROP_RULES,
        crop_boxes,
        video_crop_boxes,
    )

    sides = [*range(1, CROP_GRID_SIDE + 1), *CROP_LARGE_SIDES]
    return {
        "rules": [[r.name, r.left, r.top, r.right, r.bottom] for r in CROP_RULES],
        "min_side": MIN_CROP_SIDE,
        "boxes": [[w, h, crop_boxes(w, h)] for w in sides for h in sides],
        "video_rules": [[r.name, r.left, r.top, r.right, r.bottom] for r in VIDEO_CROP_RULES],
        "video_boxes": [[w, h, video_crop_boxes(w, h)] for w in sides for h in sides],
    }


#: File heads for video.js's isVideo against hashing.videos.looks_like_video.
VIDEO_HEADS = [
    b"\0\0\0\x18ftypmp42\0\0\0\0",
    b"\0\0\0\x18ftypisom\0\0\0\0",
    b"\0\0\0\x14ftypqt  \0\0\0\0",
    b"\0\0\0\x08moov\0\0\0\0\0\0\0\0",
    b"\0\0\0\x08wide\0\0\0\0\0\0\0\0",
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\0\0\0\0\0\0\0",
    b"RIFF\0\0\0\0AVI LIST",
    b"RIFF\0\0\0\0WEBPVP8 ",
    b"\x47" + bytes(187) + b"\x47" + bytes(3),
    b"\x47" + bytes(191),
    b"\xff\xd8\xff\xe0" + bytes(12),
    b"%PDF-1.4" + bytes(8),
]


def video_reference() -> dict[str, object]:
    """hashing.videos' bounds and looks_like_video on VIDEO_HEADS: what video.js must give."""
    from casework.bank.videos import MIN_USABLE_FRAMES
    from hashing import videos

    return {
        "max_pixels": videos.MAX_VIDEO_PIXELS,
        "max_seconds": videos.MAX_VIDEO_SECONDS,
        "max_frames": videos.MAX_VIDEO_FRAMES,
        "min_side": videos.MIN_VIDEO_SIDE,
        "quality_min": videos.FRAME_QUALITY_MIN,
        "min_usable_frames": MIN_USABLE_FRAMES,
        "image_brands": sorted(brand.decode() for brand in videos.IMAGE_BRANDS),
        # A HEIC or AVIF photo of every still-image brand is an image, not a video, to both.
        "heads": [
            [list(head), videos.looks_like_video(head)]
            for head in (
                *VIDEO_HEADS,
                *(b"\0\0\0\x18ftyp" + brand + bytes(4) for brand in sorted(videos.IMAGE_BRANDS)),
            )
        ],
    }


def decode_rgb(path: Path) -> np.ndarray:
    """Decode as the Python side does: hashing.images.decode_image (EXIF transpose, RGB)."""
    if project_decode is not None:
        rgb = project_decode(path.read_bytes(), min_side=1)
    else:
        with Image.open(path) as im:
            im.load()
            rgb = ImageOps.exif_transpose(im).convert("RGB")
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


def bits_to_hex(bits: np.ndarray) -> str:
    """pdqhash bit vector (bit 255 first) to canonical PDQ hex, as python-threatexchange does."""
    text = "".join(str(int(b)) for b in bits)
    return "".join(f"{int(text[i : i + 4], 2):x}" for i in range(0, 256, 4))


def hash_record(kind: str, name: str, rgb: np.ndarray) -> dict[str, object]:
    bits, quality = pdqhash.compute(rgb)
    height, width = rgb.shape[:2]
    dct = None
    if min(width, height) >= MIN_HASHABLE_DIM:
        values, _ = pdqhash.compute_float(rgb)
        # compute_float returns the 16x16 buffer flattened and reversed.
        dct = np.asarray(values[::-1], dtype="<f4").tobytes().hex()
    return {
        "kind": kind,
        "name": name,
        "width": int(width),
        "height": int(height),
        "pdq": bits_to_hex(bits),
        "quality": int(quality),
        "dct": dct,
        **phash_record(rgb),
    }


def phash_record(rgb: np.ndarray) -> dict[str, str]:
    """imagehash.phash of the RGB image, with its 32x32 grey image and 8x8 DCT values."""
    image = Image.fromarray(rgb, "RGB")
    small = image.convert("L").resize((PHASH_SIDE, PHASH_SIDE), Image.Resampling.LANCZOS)
    pixels = np.asarray(small)
    # The same calls as imagehash.phash, kept here to expose the values before the threshold.
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)[:8, :8]
    phash = str(imagehash.phash(image))
    bits = dct > np.median(dct)
    if phash != str(imagehash.ImageHash(bits)):
        raise AssertionError("phash_record no longer follows imagehash.phash")
    return {
        "phash": phash,
        "phash_pixels": pixels.tobytes().hex(),
        "phash_dct": np.ascontiguousarray(dct, dtype="<f8").tobytes().hex(),
    }


def synthetic_images() -> Iterator[tuple[str, np.ndarray]]:
    """Edge cases for sizes, filter windows, the 64x64 shortcut and median ties."""
    rng = np.random.default_rng(20240601)

    def noise(h: int, w: int) -> np.ndarray:
        return rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)

    def flat(h: int, w: int, value: tuple[int, int, int]) -> np.ndarray:
        return np.broadcast_to(np.array(value, dtype=np.uint8), (h, w, 3)).copy()

    yield "noise-64x64 (no blur path)", noise(64, 64)
    yield "noise-63x64", noise(64, 63)
    yield "noise-65x65", noise(65, 65)
    yield "noise-5x5 (minimum size)", noise(5, 5)
    yield "noise-4x100 (below minimum)", noise(100, 4)
    yield "noise-100x4 (below minimum)", noise(4, 100)
    yield "noise-129x127", noise(127, 129)
    yield "noise-7x3000", noise(3000, 7)
    yield "noise-3000x9", noise(9, 3000)
    yield "noise-257x255", noise(255, 257)
    yield "black-64x64 (all ties)", flat(64, 64, (0, 0, 0))
    yield "grey-64x64 (all ties)", flat(64, 64, (128, 128, 128))
    yield "grey-100x100", flat(100, 100, (77, 150, 200))
    yield "white-1000x700", flat(700, 1000, (255, 255, 255))
    ys, xs = np.mgrid[0:300, 0:400]
    gradient = np.stack([xs * 255 // 399, ys * 255 // 299, (xs + ys) % 256], axis=-1)
    yield "gradient-400x300", gradient.astype(np.uint8)
    stripes = np.where((xs // 8) % 2 == 0, 255, 0).astype(np.uint8)
    yield "stripes-400x300", np.repeat(stripes[:, :, None], 3, axis=2)
    checker = np.where(((xs // 25) + (ys // 25)) % 2 == 0, 230, 20).astype(np.uint8)
    yield "checker-400x300", np.repeat(checker[:, :, None], 3, axis=2)
    # hashing.algorithms' denylisted gradients: most pHash DCT values are rounding noise, whose
    # signs set the bits, so only the same arithmetic as scipy's gives the same hash.
    linear = np.asarray(Image.linear_gradient("L").convert("RGB"))
    yield "linear-gradient-256 (pHash ties)", linear
    yield "linear-gradient-256 reversed", np.ascontiguousarray(linear[::-1])
    yield "linear-gradient-256 rotated", np.ascontiguousarray(np.rot90(linear))


def large_images(vectors: Path) -> Iterator[tuple[str, np.ndarray]]:
    """Full-resolution phone-sized buffers: large Jarosz windows (32 and 24)."""
    source = vectors / "aaa-orig.jpg"
    with Image.open(source) as im:
        rgb = im.convert("RGB")
        yield (
            "aaa-orig upscaled 4032x3024",
            np.asarray(rgb.resize((4032, 3024), Image.Resampling.BICUBIC), dtype=np.uint8),
        )
        yield (
            "aaa-orig upscaled 3001x1999",
            np.asarray(rgb.resize((3001, 1999), Image.Resampling.BILINEAR), dtype=np.uint8),
        )


def list_images(folder: Path, limit: int | None) -> list[Path]:
    """Image files in name order; with a limit, that many spread evenly over the list."""
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if limit is None or limit >= len(files):
        return files
    if limit <= 1:
        return files[:limit]
    return [files[round(i * (len(files) - 1) / (limit - 1))] for i in range(limit)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Reference data for the JS PDQ parity tests.")
    parser.add_argument("--out", type=Path, help="directory for raw RGB files")
    parser.add_argument(
        "--dct-matrix", action="store_true", help="print the DCT matrix as base64 and exit"
    )
    parser.add_argument(
        "--dct-twiddles", action="store_true", help="print dct.js's twiddles as base64 and exit"
    )
    parser.add_argument(
        "--phash-denylist",
        action="store_true",
        help="print the pHash values hashing.algorithms refuses as degenerate, then exit",
    )
    parser.add_argument(
        "--crop-boxes",
        action="store_true",
        help="print hashing.crops' rules and the boxes it cuts for many sizes, then exit",
    )
    parser.add_argument(
        "--video-rules",
        action="store_true",
        help="print hashing.videos' bounds and which file heads it reads as videos, then exit",
    )
    parser.add_argument("--vectors", type=Path, help="folder of PDQ vector images")
    parser.add_argument("--corpus", type=Path, help="folder of corpus images")
    parser.add_argument(
        "--corpus-limit", type=int, default=None, help="N corpus files spread over the name order"
    )
    parser.add_argument("--synthetic", action="store_true", help="add synthetic edge cases")
    parser.add_argument("--large", action="store_true", help="add 12 MP and 6 MP buffers")
    parser.add_argument("--ack-window", type=int, default=0, help="see module docstring")
    args = parser.parse_args(argv)
    if args.dct_matrix:
        print(dct_matrix_base64())
        return 0
    if args.dct_twiddles:
        print(dct_twiddles_base64())
        return 0
    if args.phash_denylist:
        print(json.dumps(phash_denylist()))
        return 0
    if args.crop_boxes:
        print(json.dumps(crop_reference(), separators=(",", ":")))
        return 0
    if args.video_rules:
        print(json.dumps(video_reference()))
        return 0
    if args.out is None:
        parser.error("--out is required")
    args.out.mkdir(parents=True, exist_ok=True)

    def jobs() -> Iterator[tuple[str, str, np.ndarray]]:
        if args.vectors:
            for path in list_images(args.vectors, None):
                yield "vector", path.name, decode_rgb(path)
        if args.synthetic:
            for name, rgb in synthetic_images():
                yield "synthetic", name, np.ascontiguousarray(rgb)
        if args.large:
            if not args.vectors:
                parser.error("--large needs --vectors (it upscales aaa-orig.jpg)")
            for name, rgb in large_images(args.vectors):
                yield "large", name, np.ascontiguousarray(rgb)
        if args.corpus:
            for path in list_images(args.corpus, args.corpus_limit):
                yield "corpus", path.name, decode_rgb(path)

    outstanding = 0
    for index, (kind, name, rgb) in enumerate(jobs()):
        if args.ack_window and outstanding >= args.ack_window:
            if not sys.stdin.readline():
                return 0  # consumer went away
            outstanding -= 1
        record = hash_record(kind, name, rgb)
        pixel_file = f"{index:05d}.rgb"
        (args.out / pixel_file).write_bytes(rgb.tobytes())
        record["pixels"] = pixel_file
        print(json.dumps(record), flush=True)
        outstanding += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
