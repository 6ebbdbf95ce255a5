"""Decode-and-hash speed: the worker's path against plain Pillow + pdqhash + imagehash.

Inputs are corpus photos upscaled to 12 MP (4000x3000) and 1 MP (1155x866) with camera-like
grain, as JPEG q90 and PNG. Every timed path starts from the file's bytes in memory (a fetched
body) and includes decoding. Paths are timed round-robin on one photo and the median is kept;
times are CPU time of this (single-threaded) process, which a busy machine does not inflate:

- ``plain``: Image.open + convert("RGB") + pdqhash.compute + imagehash.phash (one hash each);
  the reference a user would pick.
- ``ours, one hash each``: hashing.fastpath.decode_query_frames (reduced JPEG decode), then PDQ
  and pHash once: the same work as ``plain`` on the worker's decode.
- ``worker, full decode``: decode_frames + hash_query_image (8 flips/rotations of the image,
  of its band-trimmed copies and edit crops, plus 8 turned-back copies), the worker's hashing
  without the fast path.
- ``worker, reduced decode``: decode_query_frames + hash_query_image, what workers/reports.py
  does.

Drift: PDQ and pHash distance between the reduced and the full decode, over several photos, and
for reference the drift of the reduced decode without its half-pixel shift.

  python -m benchmarks.hashing_speed [--smoke]
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable

import imagehash
import numpy as np
import pdqhash
from PIL import Image

from benchmarks.corpus import big_photo, corpus_paths
from benchmarks.report import median, save, table
from hashing import fastpath
from hashing.algorithms import hash_query_image, pdq, phash
from hashing.fastpath import decode_query_frames
from hashing.images import decode_frames, decode_image

SIZES = {"12 MP": (4000, 3000), "1 MP": (1155, 866)}


def plain(data: bytes) -> object:
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
    return pdqhash.compute(np.asarray(rgb)), imagehash.phash(rgb)


def ours_single(data: bytes) -> object:
    frame = decode_query_frames(data)[0]
    return pdq(frame), phash(frame)


def worker_before(data: bytes) -> object:
    return [hash_query_image(frame) for frame in decode_frames(data)]


def worker_now(data: bytes) -> object:
    return [hash_query_image(frame) for frame in decode_query_frames(data)]


def _unshifted(data: bytes) -> Image.Image:
    """The reduced decode as it was before the half-pixel shift (for the drift table)."""
    shift = fastpath._half_pixel_back
    fastpath._half_pixel_back = lambda image: image
    try:
        return decode_query_frames(data)[0]
    finally:
        fastpath._half_pixel_back = shift


PATHS: dict[str, Callable[[bytes], object]] = {
    "plain (pdqhash + imagehash)": plain,
    "ours, one hash each": ours_single,
    "worker, full decode": worker_before,
    "worker, reduced decode": worker_now,
}


def time_paths(data: bytes, reps: int, slow_reps: int) -> dict[str, float]:
    """Median seconds per path, round-robin; the full-decode worker path gets fewer reps."""
    times: dict[str, list[float]] = {name: [] for name in PATHS}
    for rep in range(reps):
        for name, path in PATHS.items():
            if name == "worker, full decode" and rep >= slow_reps:
                continue
            t0 = time.process_time()
            path(data)
            times[name].append(time.process_time() - t0)
    return {name: median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one small photo, few repetitions")
    cfg = parser.parse_args()
    photos = corpus_paths(limit=2 if cfg.smoke else 20)
    sizes = SIZES
    if cfg.smoke:
        # A small photo with a lowered decode floor still takes the reduced-decode branch.
        fastpath.QUERY_DECODE_MIN_SIDE = 200
        sizes = {"1 MP": (400, 300), "12 MP": (640, 480)}
    reps = 2 if cfg.smoke else 7
    rows, speed = [], {}
    warm = big_photo(photos[0], (640, 480), "JPEG")
    for path in PATHS.values():
        path(warm)  # imports, FFT plans: once, on a small photo, not on every size

    for label, size in sizes.items():
        for fmt in ("JPEG", "PNG"):
            if fmt == "PNG" and label != "1 MP":
                continue
            data = big_photo(photos[0], size, fmt)
            slow_reps = 1 if cfg.smoke or label == "12 MP" else reps
            timed = time_paths(data, reps if label != "12 MP" else 3, slow_reps)
            speed[f"{label} {fmt}"] = timed
            ref, before = (
                timed["plain (pdqhash + imagehash)"],
                timed["worker, full decode"],
            )
            for name, seconds in timed.items():
                rows.append(
                    [
                        f"{label} {fmt} ({len(data) // 1000} kB)",
                        name,
                        f"{seconds * 1000:.0f}",
                        f"{1 / seconds:.1f}",
                        f"{ref / seconds:.2f}",
                        f"{before / seconds:.2f}",
                    ]
                )
            print(rows[-4:], flush=True)
    drift_rows, drift = [], {}
    for label, size in sizes.items():
        pdq_bits, phash_bits, unshifted_bits = [], [], []
        for i, path in enumerate(photos):
            data = big_photo(path, size, "JPEG", seed=i)
            full, reduced = decode_image(data), decode_query_frames(data)[0]
            pdq_bits.append(pdq(full)[0].distance(pdq(reduced)[0]))
            phash_bits.append(phash(full).distance(phash(reduced)))
            unshifted_bits.append(pdq(full)[0].distance(pdq(_unshifted(data))[0]))
        decoded = decode_query_frames(big_photo(photos[0], size, "JPEG"))[0].size
        drift[label] = {
            "pdq": pdq_bits,
            "phash": phash_bits,
            "pdq_unshifted": unshifted_bits,
            "decoded": decoded,
        }
        drift_rows.append(
            [
                f"{label} JPEG -> {decoded[0]}x{decoded[1]}",
                len(photos),
                f"{np.mean(pdq_bits):.1f} / {max(pdq_bits)}",
                f"{np.mean(phash_bits):.1f} / {max(phash_bits)}",
                f"{np.mean(unshifted_bits):.1f} / {max(unshifted_bits)}",
            ]
        )
    markdown = "\n\n".join(
        [
            "### Decode and hash, one core (ms per image; ratios against plain and against the "
            "worker's previous path, same run)",
            table(
                ["input", "path", "ms", "images/s", "plain/this", "full-decode worker/this"], rows
            ),
            "### Drift of the reduced decode (short side >= "
            f"{fastpath.QUERY_DECODE_MIN_SIDE} px) vs the full decode, corpus photos "
            "(mean / max bits)",
            table(
                ["input", "photos", "PDQ bits", "pHash bits", "PDQ bits without the shift"],
                drift_rows,
            ),
        ]
    )
    save("hashing_speed", {"speed_s": speed, "drift": drift}, markdown, smoke=cfg.smoke)


if __name__ == "__main__":
    main()
