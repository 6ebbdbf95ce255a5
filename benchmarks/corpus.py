"""Benchmark inputs made from the shared dev corpus (read only, never modified).

- ``corpus_paths``: the dev photos.
- ``big_photo``: a corpus photo upscaled to a camera-sized JPEG/PNG with sensor-like grain.
- ``realistic_codes``: pHash-like and PDQ-like codes of many crops/tiles of corpus photos, for
  index benchmarks on a bank whose bits are as skewed and correlated as real hashes.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("TAKEDOWN_CORPUS", REPO.parent / "shared" / "corpus" / "dev"))
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def corpus_paths(limit: int | None = None) -> list[Path]:
    """Dev corpus images in name order (every one, or an even sample of ``limit``)."""
    paths = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise SystemExit(f"no images in {CORPUS} (set TAKEDOWN_CORPUS)")
    if limit is not None and limit < len(paths):
        step = len(paths) / limit
        paths = [paths[int(i * step)] for i in range(limit)]
    return paths


def load_rgb(path: Path) -> Image.Image:
    """A corpus file as an upright RGB image."""
    with Image.open(path) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def big_photo(path: Path, size: tuple[int, int], fmt: str, seed: int = 0) -> bytes:
    """The photo upscaled (Lanczos) to cover ``size`` (long side first), centre-cropped, with
    gaussian grain (sigma 4) so that the JPEG has a camera-like bit rate; JPEG q90 or PNG."""
    image = load_rgb(path)
    target = size if image.width >= image.height else (size[1], size[0])
    image = ImageOps.fit(image, target, Image.Resampling.LANCZOS)
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, dtype=np.float32)
    pixels += rng.normal(0, 4.0, pixels.shape).astype(np.float32)
    grainy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    grainy.save(buffer, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def _dct_rows(count: int, size: int, first: int) -> np.ndarray:
    """Rows first..first+count-1 of the size-point DCT-II matrix."""
    k = np.arange(first, first + count)[:, None]
    n = np.arange(size)[None, :]
    return np.cos(np.pi / size * (n + 0.5) * k).astype(np.float32)


_TILE = 32
_PDQ_DCT = _dct_rows(16, _TILE, 1)  # PDQ keeps 16x16 coefficients without the DC row/column
_PHASH_DCT = _dct_rows(8, _TILE, 0)  # imagehash keeps the top-left 8x8, DC included


def _dct2(tiles: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """rows @ tile @ rows.T for every tile, flattened, as two big matrix products (a batched
    matmul would make one small BLAS call per tile)."""
    k, size, _ = tiles.shape
    half = (tiles.reshape(k * size, size) @ rows.T).reshape(k, size, -1)
    full = half.transpose(0, 2, 1).reshape(-1, size) @ rows.T
    return full.reshape(k, -1)


def _pack(bits: np.ndarray) -> np.ndarray:
    """(n, 64*w) booleans, most significant first -> (n, w) big-endian-word uint64 codes."""
    packed = np.packbits(bits, axis=1)
    return packed.view(">u8").astype(np.uint64)


def realistic_codes(count: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """pHash-like (count, 1) and PDQ-like (count, 4) codes of ``count`` random crops/tiles.

    Each tile is a random box (10-100 % of the width and of the height) of a corpus photo, under
    a random gamma and mirror, area-averaged to 32x32 luminance. PDQ-like = the 16x16 DCT
    coefficients (no DC) against their median, as PDQ does after its 64x64 decimation;
    pHash-like = the 8x8 DCT (with DC) against its median, as imagehash does on 32x32. The real
    hashers also filter differently, so these are not bit-exact hashes, but they have the bit
    skew, the correlations and the near-duplicate clusters of a bank of real photos' hashes,
    which is what decides how full an index's buckets get. Built with summed-area tables so that
    a million tiles take well under a minute.
    """
    rng = np.random.default_rng(seed)
    tables = []
    for path in corpus_paths():
        image = load_rgb(path).convert("L")
        # The hashes see at most 64x64 of a tile: 256 px is plenty and keeps the tables small.
        image.thumbnail((256, 256), Image.Resampling.BOX)
        grey = np.asarray(image, dtype=np.float64) / 255.0
        for gamma in (0.7, 1.0, 1.5):
            # Summed-area table with a zero first row and column.
            sat = np.zeros((grey.shape[0] + 1, grey.shape[1] + 1))
            sat[1:, 1:] = (grey**gamma).cumsum(0).cumsum(1)
            tables.append(sat)
    phash = np.empty((count, 1), np.uint64)
    pdq = np.empty((count, 4), np.uint64)
    owner = rng.integers(0, len(tables), count)
    grid = np.linspace(0.0, 1.0, _TILE + 1)
    for t, sat in enumerate(tables):
        rows = np.flatnonzero(owner == t)
        if not len(rows):
            continue
        height, width = sat.shape[0] - 1, sat.shape[1] - 1
        k = len(rows)
        h = rng.uniform(0.1, 1.0, k) * height
        w = rng.uniform(0.1, 1.0, k) * width
        y0 = rng.uniform(0, 1, k) * (height - h)
        x0 = rng.uniform(0, 1, k) * (width - w)
        ys = np.clip(np.rint(y0[:, None] + h[:, None] * grid), 0, height).astype(np.intp)
        xs = np.clip(np.rint(x0[:, None] + w[:, None] * grid), 0, width).astype(np.intp)
        mirror = rng.random(k) < 0.5
        xs[mirror] = xs[mirror][:, ::-1]
        for lo in range(0, k, 4096):
            part = slice(lo, lo + 4096)
            corners = sat.ravel().take(ys[part, :, None] * sat.shape[1] + xs[part, None, :])
            boxes = corners[:, 1:, 1:] - corners[:, :-1, 1:] - corners[:, 1:, :-1]
            boxes += corners[:, :-1, :-1]
            # Box sums, not means: a per-tile scale changes no sign below. A mirrored tile's
            # boxes come out negated, hence abs().
            tiles = np.abs(boxes).astype(np.float32)
            pdq_coef = _dct2(tiles, _PDQ_DCT)
            phash_coef = _dct2(tiles, _PHASH_DCT)
            target = rows[part]
            pdq[target] = _pack(pdq_coef > np.median(pdq_coef, axis=1, keepdims=True))
            phash[target] = _pack(phash_coef > np.median(phash_coef, axis=1, keepdims=True))
    return phash, pdq


def random_codes(count: int, words: int, seed: int = 1) -> np.ndarray:
    """Uniformly random (count, words) uint64 codes."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 1 << 64, size=(count, words), dtype=np.uint64, endpoint=False)


def code_to_int(row: np.ndarray) -> int:
    """A (words,) big-endian-word code as a Python int."""
    return int.from_bytes(row.astype(">u8").tobytes(), "big")


def scaled_size(megapixels: float) -> tuple[int, int]:
    """A 4:3 (width, height) of about that many megapixels."""
    height = round(math.sqrt(megapixels * 1e6 * 3 / 4))
    return round(height * 4 / 3), height
