"""How close a low-quality query PDQ comes to the bank: the evidence for FAINT_PDQ_RADIUS_BITS.

Bank: ``hashing.hash_file`` of every dev photo (capped at 512 px, as robustness.py does), whose
PDQs all have quality >= 50. Queries: the PDQ of each of the 8 flips/rotations of each photo
after edits that wash detail out (brightness, gamma, contrast, blur, downscaling, and the photo
as it is), kept when its quality is under PDQ_QUALITY_MIN and it is not degenerate: exactly the
hashes ``hash_query_image`` reports as ``faint``. Impostor = the closest PDQ of any other
photo's bank entry; genuine = the closest of the photo's own.

  python -m benchmarks.faint_pdq [--limit 60] [--smoke]
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from benchmarks import leaks
from benchmarks.corpus import corpus_paths, load_rgb
from benchmarks.report import save, table
from benchmarks.robustness import ORIGINAL_MAX_SIDE, encode, min_distances
from casework.bank.bank import FAINT_PDQ_RADIUS_BITS
from hashing.algorithms import PDQ_QUALITY_MIN, degeneracy, dihedral_variants, hash_file, pdq
from hashing.fingerprint import Algorithm, Fingerprint

EDITS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "as is": lambda im: im,
    "brightness x1.3": lambda im: leaks.brightness(im, 1.3),
    "brightness x1.6": lambda im: leaks.brightness(im, 1.6),
    "brightness x0.5": lambda im: leaks.brightness(im, 0.5),
    "gamma 0.5": lambda im: leaks.gamma(im, 0.5),
    "gamma 2.0": lambda im: leaks.gamma(im, 2.0),
    "contrast x0.5": lambda im: ImageEnhance.Contrast(im).enhance(0.5),
    "blur 1 %": lambda im: im.filter(ImageFilter.GaussianBlur(0.01 * max(im.size))),
    "downscale 25 %": lambda im: leaks.resize(im, 0.25),
}
RADII = [8, 12, 16, 20, 24, 28, 31, 36, 40, 48, 56, 64]


def hash_one(path: Path) -> tuple[list[Fingerprint], dict[str, list[Fingerprint]]]:
    """The photo's bank PDQs and, per edit, its faint query PDQs."""
    image = load_rgb(path)
    image.thumbnail((ORIGINAL_MAX_SIDE, ORIGINAL_MAX_SIDE), Image.Resampling.LANCZOS)
    victim = hash_file(encode(image))
    bank = [fp for fp in victim.fingerprints + victim.variants if fp.algorithm is Algorithm.PDQ]
    faint: dict[str, list[Fingerprint]] = {}
    for name, edit in EDITS.items():
        faint[name] = []
        for variant in dihedral_variants(edit(image)):
            fp, quality = pdq(variant)
            if quality < PDQ_QUALITY_MIN and degeneracy(fp) is None:
                faint[name].append(fp)
    return bank, faint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="6 images")
    parser.add_argument("--limit", type=int, help="an even sample of this many corpus images")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    cfg = parser.parse_args()
    paths = corpus_paths(limit=6 if cfg.smoke else cfg.limit)
    with ProcessPoolExecutor(cfg.workers) as pool:
        records = list(pool.map(hash_one, paths))
    banks = [bank for bank, _ in records]
    n = len(paths)
    off = ~np.eye(n, dtype=bool)
    rows, impostor_all, genuine_all = [], [], []
    for name in EDITS:
        queries = [faint[name] for _, faint in records]
        dist = min_distances(queries, banks, Algorithm.PDQ)
        has = np.array([bool(q) for q in queries])
        impostor = dist[has][off[has]]
        genuine = np.diag(dist)[has]
        impostor_all.append(impostor)
        genuine_all.append(genuine)
        rows.append(
            [
                name,
                int(has.sum()),
                sum(len(q) for q in queries),
                int(impostor.min()) if len(impostor) else "–",
                " / ".join(str(int((genuine <= r).sum())) for r in (16, 24, 31)) or "–",
            ]
        )
    impostor = np.concatenate(impostor_all)
    genuine = np.concatenate(genuine_all)
    sweep = [
        [r, int((impostor <= r).sum()), len(impostor), int((genuine <= r).sum()), len(genuine)]
        for r in RADII
    ]
    closest = int(impostor.min()) if len(impostor) else None
    markdown = "\n\n".join(
        [
            f"### Low-quality query PDQs against the bank ({n} dev photos; quality < "
            f"{PDQ_QUALITY_MIN}, 8 flips/rotations each)",
            table(
                [
                    "edit",
                    "photos with a faint PDQ",
                    "faint PDQs",
                    "closest other photo (bits)",
                    "own photo within 16 / 24 / 31",
                ],
                rows,
            ),
            table(
                [
                    "radius",
                    "impostor (photo, other photo) pairs within",
                    "of",
                    "genuine pairs within",
                    "of",
                ],
                sweep,
            ),
            f"Closest impostor: {closest} bits; radius in use: {FAINT_PDQ_RADIUS_BITS}. "
            f"Impostor minimum distance percentiles 0.1 / 1 / 50: "
            + (
                " / ".join(f"{np.percentile(impostor, q):.0f}" for q in (0.1, 1, 50))
                if len(impostor)
                else "–"
            ),
        ]
    )
    save(
        "faint_pdq",
        {"images": n, "rows": rows, "sweep": sweep, "closest_impostor": closest},
        markdown,
        smoke=cfg.smoke,
    )


if __name__ == "__main__":
    main()
