"""How small a found image may be and still be matched: thumbnails against unrelated tiny pictures.

A victim's photo leaks as a gallery thumbnail; a page also carries avatars, icons and tiny crops
of other pictures. Each corpus photo's bank is what the victim's client sends (``hash_file``);
each found image is hashed as the worker hashes it (``hash_query_image`` after the query decode),
decoded here with no size floor so that every floor can be scored from one run:

- ``thumb``: the whole photo shrunk (Lanczos) to a short side of S px, as PNG and as JPEG 75;
  recall against its own bank, false matches against every other photo's bank.
- ``tiny crop``: four squares cut from each photo (20-50 % of its short side, seeded positions)
  shrunk to S px, the avatars and tiles a page shows; matched against every *other* photo's bank,
  so every match is false.

The decision is the service's (``benchmarks.robustness.decision``). A floor F refuses every found
image whose short side is under F; the table gives, per S, what an image of that size does.

  python -m benchmarks.small_images [--smoke] [--limit 60] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.corpus import corpus_paths, load_rgb
from benchmarks.report import save, table
from benchmarks.robustness import (
    MEASURES,
    ORIGINAL_MAX_SIDE,
    decision,
    encode,
    exact_hits,
    min_distances,
    query_slots,
)
from hashing.algorithms import hash_file, hash_query_image, md5_of, sha256_of
from hashing.fastpath import decode_query_frames
from hashing.fingerprint import Fingerprint
from hashing.images import MIN_IMAGE_SIDE, MIN_QUERY_SIDE

SIDES = [8, 12, 16, 20, 24, 28, 32, 48]
KINDS = ["thumb_png", "thumb_jpeg75", "tiny_crop"]
CROPS_PER_PHOTO = 8


def shrink(image: Image.Image, side: int) -> Image.Image:
    """The image scaled (Lanczos) so that its short side is ``side`` px."""
    scale = side / min(image.size)
    size = (max(side, round(image.width * scale)), max(side, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def found(data: bytes) -> tuple[list[Fingerprint], list[Fingerprint], list[Fingerprint]]:
    """The worker's hashes of one found image in MEASURES' slots, with no size floor."""
    usable, faint = [md5_of(data), sha256_of(data)], []
    for frame in decode_query_frames(data, min_side=1):
        hashes = hash_query_image(frame)
        usable += hashes.fingerprints
        faint += hashes.faint
    return query_slots(usable, faint)


def tiny_crops(image: Image.Image, seed: int) -> list[Image.Image]:
    rng = random.Random(seed)
    short = min(image.size)
    out = []
    for _ in range(CROPS_PER_PHOTO):
        side = round(short * rng.uniform(0.2, 0.5))
        left = rng.randrange(image.width - side + 1)
        top = rng.randrange(image.height - side + 1)
        out.append(image.crop((left, top, left + side, top + side)))
    return out


def hash_one(path: Path, index: int) -> dict[str, object]:
    original = load_rgb(path)
    if max(original.size) > ORIGINAL_MAX_SIDE:
        original.thumbnail((ORIGINAL_MAX_SIDE, ORIGINAL_MAX_SIDE), Image.Resampling.LANCZOS)
    victim = hash_file(encode(original))
    queries: dict[str, list[tuple[list[Fingerprint], ...]]] = {}
    crops = tiny_crops(original, index)
    for side in SIDES:
        thumb = shrink(original, side)
        queries[f"thumb_png/{side}"] = [found(encode(thumb))]
        queries[f"thumb_jpeg75/{side}"] = [found(encode(thumb, "JPEG", quality=75))]
        queries[f"tiny_crop/{side}"] = [found(encode(shrink(c, side))) for c in crops]
    return {
        "short_side": min(original.size),
        "bank": list(victim.fingerprints + victim.variants),
        "queries": queries,
    }


def decide(
    records: list[dict[str, object]], key: str, banks: list[list[Fingerprint]]
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(queries, photos) match matrix for one kind and size, each query's photo, and the
    distances the decision read."""
    per_query = [q for r in records for q in r["queries"][key]]  # type: ignore[index]
    owner = np.repeat(
        np.arange(len(records)),
        [len(r["queries"][key]) for r in records],  # type: ignore[index]
    )
    dist = {
        measure: min_distances([q[slot] for q in per_query], banks, algorithm)
        for measure, (slot, algorithm) in MEASURES.items()
    }
    exact = exact_hits([q[0] for q in per_query], banks)
    return decision(dist, exact), owner, dist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="6 photos")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--limit", type=int, help="an even sample of this many corpus images")
    parser.add_argument("--name", default="small_images")
    cfg = parser.parse_args()
    paths = corpus_paths(limit=6 if cfg.smoke else cfg.limit)
    with ProcessPoolExecutor(cfg.workers) as pool:
        records = list(pool.map(hash_one, paths, range(len(paths))))
    banks = [r["bank"] for r in records]  # type: ignore[misc]
    n = len(records)
    rows, data = [], {}
    for side in SIDES:
        row: list[object] = [side]
        for kind in KINDS:
            matched, owner, dist = decide(records, f"{kind}/{side}", banks)  # type: ignore[arg-type]
            own = matched[np.arange(len(owner)), owner]
            others = matched.copy()
            others[np.arange(len(owner)), owner] = False
            false_pairs = int(others.sum())
            pairs = len(owner) * (n - 1)
            data[f"{kind}/{side}"] = {
                "recall": float(own.mean()),
                "false_pairs": false_pairs,
                "pairs": pairs,
                "false": [
                    {
                        "found": paths[owner[q]].name,
                        "query": int(q),
                        "bank": paths[b].name,
                        **{m: int(dist[m][q, b]) for m in MEASURES},
                    }
                    for q, b in zip(*np.nonzero(others), strict=True)
                ],
            }
            if kind != "tiny_crop":
                row.append(f"{100 * own.mean():.1f}")
            row.append(f"{false_pairs} / {pairs}")
        row.append("refused" if side < MIN_QUERY_SIDE else "hashed")
        rows.append(row)
    headers = [
        "short side px",
        "thumb PNG %",
        "false",
        "thumb JPEG 75 %",
        "false",
        "tiny crops: false",
        "today",
    ]
    smallest = min(int(r["short_side"]) for r in records)  # type: ignore[call-overload]
    markdown = (
        f"{n} photos (short side {smallest} px and up), {CROPS_PER_PHOTO} tiny crops each; "
        f"found images under {MIN_QUERY_SIDE} px are refused, the bank's floor is "
        f"{MIN_IMAGE_SIDE} px.\n\n" + table(headers, rows)
    )
    save(cfg.name, {"photos": n, "sizes": data}, markdown, smoke=cfg.smoke)


if __name__ == "__main__":
    main()
