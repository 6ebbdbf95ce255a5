"""The crop bank's variants: what each keeps of recall, and what a platform check costs with it.

Banks of the same dev photos, each measured against the others in the same run:

- ``without crops``: ``hash_file`` with the crop rules emptied (own PDQ/pHash, trimmed copies);
- ``with crops``: ``hash_file`` as the victim's device runs it (PDQ and pHash of every crop);
- ``crops PDQ only`` and ``crops pHash only``: the same minus the crops' pHashes, or minus their
  PDQs; ``crops pHash + centre_8 PDQ``: minus the crops' PDQs but the centre_8 crop's, which
  turned-back copies are compared with (proposals; the crop rules themselves are not changed).

``recall``: an even sample of the dev corpus, every leak row of ``benchmarks/robustness.py``
hashed by the worker's own function, decided as the service decides (PDQ 31, pHash 8, faint PDQ
20, digests exact), recall and false matches per row and bank.

``upload``: the index part of one platform check of an upload, as ``/v1/check/image`` runs it
(``BankIndex.match_many``: usable PDQs at 31 bits, faint PDQs at 20, pHashes at 8), in thread CPU
time, against banks of N images at each variant's PDQ and pHash entries per photo (uniform random
codes, as ``bank_cost.py``). The queries are the worker's hashes of real leaks (a JPEG re-encode
and a 10 % crop of sample photos).

  python -m benchmarks.crop_variants --limit 40 --images 1000000 --images 3000000
  python -m benchmarks.crop_variants --smoke
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from benchmarks import robustness
from benchmarks.bank_cost import without_crops
from benchmarks.corpus import corpus_paths, load_rgb, random_codes
from benchmarks.report import median, percentile, save, table
from casework.bank.bank import FAINT_PDQ_RADIUS_BITS, MATCH_RADIUS_BITS
from hashing import crops
from hashing.algorithms import hash_file
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.index import HammingIndex

VARIANTS = (
    "without crops",
    "with crops",
    "crops PDQ only",
    "crops pHash only",
    "crops pHash + centre_8 PDQ",
)
#: Leak rows whose worker hashes are timed as uploads.
UPLOAD_ROWS = ("jpeg_q80", "crop_10")


def hash_photo(path: Path, names: list[str]) -> dict[str, Any]:
    """robustness.hash_one's bank and leaks, and the same photo's bank without crops."""
    record = robustness.hash_one(path, names, robustness.bands.TEXT_LINE_SHARE)
    original = load_rgb(path)
    raw = path.read_bytes()
    if max(original.size) > robustness.ORIGINAL_MAX_SIDE:
        side = robustness.ORIGINAL_MAX_SIDE
        original.thumbnail((side, side), Image.Resampling.LANCZOS)
        raw = robustness.encode(original)
    with without_crops():
        plain = hash_file(raw)
    rules = crops.CROP_RULES
    crops.CROP_RULES = tuple(rule for rule in rules if rule.name == "centre_8")
    try:
        centre = hash_file(raw)
    finally:
        crops.CROP_RULES = rules
    record["plain"] = list(plain.fingerprints + plain.variants)
    record["centre_8"] = list(centre.fingerprints + centre.variants)
    return record


def banks_of(record: dict[str, Any]) -> dict[str, list[Fingerprint]]:
    """The photo's bank entries under each variant."""
    full: list[Fingerprint] = record["bank"]
    plain = set(record["plain"])
    crop_phash = {fp for fp in full if fp.algorithm is Algorithm.PHASH and fp not in plain}
    crop_pdq = {fp for fp in full if fp.algorithm is Algorithm.PDQ and fp not in plain}
    centre_pdq = crop_pdq & set(record["centre_8"])
    return {
        "without crops": record["plain"],
        "with crops": full,
        "crops PDQ only": [fp for fp in full if fp not in crop_phash],
        "crops pHash only": [fp for fp in full if fp not in crop_pdq],
        "crops pHash + centre_8 PDQ": [fp for fp in full if fp not in crop_pdq or fp in centre_pdq],
    }


def recall_part(records: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    kinds = ["original", *names]
    n = len(records)
    off_diagonal = ~np.eye(n, dtype=bool)
    out: dict[str, Any] = {"rows": {}, "per_photo": {}}
    for variant in VARIANTS:
        banks = [banks_of(r)[variant] for r in records]
        out["per_photo"][variant] = {
            a.value: float(np.mean([sum(fp.algorithm is a for fp in b) for b in banks]))
            for a in (Algorithm.PDQ, Algorithm.PHASH)
        }
        for kind in kinds:
            dist = {
                m: robustness.min_distances([r["leaks"][kind][slot] for r in records], banks, alg)
                for m, (slot, alg) in robustness.MEASURES.items()
            }
            exact = robustness.exact_hits([r["leaks"][kind][0] for r in records], banks)
            decided = (
                exact
                | (dist["pdq"] <= MATCH_RADIUS_BITS[Algorithm.PDQ])
                | (dist["phash"] <= MATCH_RADIUS_BITS[Algorithm.PHASH])
                | (dist["faint"] <= FAINT_PDQ_RADIUS_BITS)
            )
            out["rows"].setdefault(kind, {})[variant] = {
                "recall": float(np.diag(decided).mean()),
                "false": int((decided & off_diagonal).sum()),
            }
    return out


def recall_markdown(result: dict[str, Any], photos: int) -> str:
    body = []
    for kind, by_variant in result["rows"].items():
        body.append(
            [
                kind,
                *(
                    f"{100 * by_variant[v]['recall']:.1f} ({by_variant[v]['false']})"
                    for v in VARIANTS
                ),
            ]
        )
    leak_rows = [k for k in result["rows"] if k != "original"]
    body.append(
        [
            f"**mean of {len(leak_rows)} leak rows**",
            *(
                f"{100 * np.mean([result['rows'][k][v]['recall'] for k in leak_rows]):.1f} "
                f"({sum(result['rows'][k][v]['false'] for k in result['rows'])})"
                for v in VARIANTS
            ),
        ]
    )
    per = result["per_photo"]
    body.append(
        [
            "PDQ / pHash entries per photo",
            *(f"{per[v]['pdq']:.2f} / {per[v]['phash']:.2f}" for v in VARIANTS),
        ]
    )
    return (
        f"#### Recall % (false matches) per leak row, {photos} dev photos, service decision\n\n"
        + table(["row", *VARIANTS], body)
    )


def upload_part(
    records: list[dict[str, Any]], per_photo: dict[str, dict[str, float]], images: list[int]
) -> list[dict[str, Any]]:
    uploads = [(r["leaks"][row][0], r["leaks"][row][1]) for r in records for row in UPLOAD_ROWS]
    rows = []
    for count in images:
        # CPU per upload per algorithm, keyed by entries per photo (variants share some).
        spent: dict[tuple[str, float], list[float]] = {}
        memory: dict[tuple[str, float], int] = {}
        for algorithm in (Algorithm.PDQ, Algorithm.PHASH):
            for per in sorted({per_photo[v][algorithm.value] for v in VARIANTS}):
                n = round(count * per)
                bank = random_codes(n, algorithm.bits // 64, seed=n + algorithm.bits)
                gc.collect()
                index = HammingIndex(algorithm.bits)
                index.add_codes(np.arange(n, dtype=np.int64), bank)
                del bank
                memory[(algorithm.value, per)] = index.nbytes
                times = []
                for usable, faint in uploads:
                    groups = [
                        (
                            [fp.bits for fp in usable if fp.algorithm is algorithm],
                            MATCH_RADIUS_BITS[algorithm],
                        ),
                        (
                            [fp.bits for fp in faint if fp.algorithm is algorithm],
                            FAINT_PDQ_RADIUS_BITS,
                        ),
                    ]
                    t0 = time.thread_time()
                    for values, radius in groups:
                        if values:
                            index.query_many(values, radius)
                    times.append(time.thread_time() - t0)
                spent[(algorithm.value, per)] = times
                print(algorithm.value, count, per, round(median(times) * 1e3, 2), flush=True)
                del index
                gc.collect()
        for variant in VARIANTS:
            pdq_key = ("pdq", per_photo[variant]["pdq"])
            phash_key = ("phash", per_photo[variant]["phash"])
            total = [a + b for a, b in zip(spent[pdq_key], spent[phash_key], strict=True)]
            rows.append(
                {
                    "images": count,
                    "bank": variant,
                    "index_mb": round((memory[pdq_key] + memory[phash_key]) / 1e6),
                    "p50_ms": median(total) * 1e3,
                    "p95_ms": percentile(total, 95) * 1e3,
                    "pdq_p50_ms": median(spent[pdq_key]) * 1e3,
                    "phash_p50_ms": median(spent[phash_key]) * 1e3,
                }
            )
    queries = [len(u) + len(f) for u, f in uploads]
    rows.append({"uploads": len(uploads), "queries_p50": median(queries)})
    return rows


def upload_markdown(rows: list[dict[str, Any]]) -> str:
    stats = rows[-1]
    reference = {r["images"]: r for r in rows[:-1] if r["bank"] == "without crops"}
    body = [
        [
            f"{r['images']:,}",
            r["bank"],
            r["index_mb"],
            f"{r['pdq_p50_ms']:.1f}",
            f"{r['phash_p50_ms']:.1f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p95_ms']:.1f}",
            f"{r['p50_ms'] / reference[r['images']]['p50_ms']:.2f}",
        ]
        for r in rows[:-1]
    ]
    return (
        f"#### Index CPU of one checked upload ({stats['uploads']} uploads, median "
        f"{stats['queries_p50']:.0f} hashes each; thread CPU ms)\n\n"
        + table(
            [
                "images",
                "bank",
                "index MB",
                "PDQ p50",
                "pHash p50",
                "upload p50",
                "upload p95",
                "x without crops",
            ],
            body,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny inputs")
    parser.add_argument("--limit", type=int, default=40, help="an even sample of the corpus")
    parser.add_argument("--images", type=int, action="append", help="bank sizes in images")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    cfg = parser.parse_args()
    names = ["jpeg_q80", "crop_10", "crop_5"] if cfg.smoke else list(robustness.TRANSFORMS)
    paths = corpus_paths(limit=6 if cfg.smoke else cfg.limit)
    images = [20_000] if cfg.smoke else (cfg.images or [1_000_000])
    with ProcessPoolExecutor(cfg.workers) as pool:
        records = list(pool.map(hash_photo, paths, [names] * len(paths)))
    recall = recall_part(records, names)
    markdown = [recall_markdown(recall, len(paths))]
    print(markdown[-1], flush=True)
    upload = upload_part(records, recall["per_photo"], images)
    markdown.append(upload_markdown(upload))
    save(
        "crop_variants",
        {"recall": recall, "upload": upload, "photos": len(paths)},
        "\n\n".join(markdown),
        smoke=cfg.smoke,
    )


if __name__ == "__main__":
    main()
