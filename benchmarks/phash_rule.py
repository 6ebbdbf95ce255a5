"""Sweep pHash match rules offline on a saved run of benchmarks/robustness.py.

For every (leak or original, bank photo) pair that any hash brings near (pHash <= 12, PDQ <= 80,
low-quality PDQ <= 20 or an equal digest), the distances of every hash kind are written to
``<name>.pairs.json``: the closest PDQ, pHash and low-quality PDQ over all of the leak's and the
photo's hashes, the closest pHash to the photo's own hash and to its derived entries (crops,
trimmed copies), and the closest pHash of a second distinct query hash. Then each rule (pHash
alone up to A bits; up to R bits when a PDQ comes within B) is scored: false pairs, mean recall,
lowest benign recall, rows under target. Choose on the rows set; the other set only checks.

  python -m benchmarks.phash_rule --name robustness_full_i16phash [--name robustness_other_...]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from benchmarks.report import RESULTS, table
from benchmarks.robustness import BENIGN, MEASURES, TARGETS, decision

ALONE = [4, 6]
OUTER = [8, 10]
#: PDQ backing radii; 0 = no pHash past the alone radius, 256 = any (no corroboration).
BACKING = [0, 48, 56, 64, 72, 80, 88, 256]
PAIR_PHASH, PAIR_PDQ, PAIR_FAINT = 12, 80, 20


def _load(name: str) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, np.ndarray], list[str]]:
    with np.load(RESULTS / f"{name}.npz") as arrays:
        loaded = {key: arrays[key] for key in arrays.files}
    kinds = [key.split("/", 1)[1] for key in loaded if key.startswith("pdq/")]
    dist = {m: {k: loaded[f"{m}/{k}"] for k in kinds} for m in MEASURES}
    exact = {k: loaded[f"exact/{k}"] for k in kinds}
    return dist, exact, kinds


def _split(codes: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    return np.split(codes, np.cumsum(counts)[:-1])


def _per_photo_min(query: np.ndarray, bank: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """(len(query), n): each query code's closest distance to each photo's codes; 65 if none."""
    out = np.full((len(query), n), 65, np.int64)
    if not len(query) or not len(bank):
        return out
    d = np.bitwise_count(query[:, None, 0] ^ bank[None, :, 0]).astype(np.int64)
    present = np.diff(np.append(starts, len(bank))) > 0
    reduced = np.minimum.reduceat(d, starts[present], axis=1)
    out[:, present] = reduced
    return out


def pair_records(name: str) -> list[dict[str, object]]:
    """Every pair something brings near, with every kind's distance."""
    dist, exact, kinds = _load(name)
    n = len(dist["pdq"]["original"])
    with np.load(RESULTS / f"{name}.fingerprints.npz") as arrays:
        cache = {key: arrays[key] for key in arrays.files}
    own = _split(cache["bank/phash/codes"], cache["bank/phash/counts"])
    derived = _split(cache["variants/phash/codes"], cache["variants/phash/counts"])

    def flat(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        counts = np.array([len(p) for p in parts])
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return np.concatenate(parts).reshape(-1, 1), starts

    own_codes, own_starts = flat(own)
    derived_codes, derived_starts = flat(derived)
    records: list[dict[str, object]] = []
    for kind in kinds:
        near = (
            (dist["phash"][kind] <= PAIR_PHASH)
            | (dist["pdq"][kind] <= PAIR_PDQ)
            | (dist["faint"][kind] <= PAIR_FAINT)
            | exact[kind]
        )
        queries = _split(cache[f"{kind}/usable/phash/codes"], cache[f"{kind}/usable/phash/counts"])
        for i in np.unique(np.nonzero(near)[0]):
            q = queries[i].reshape(-1, 1)
            to_own = _per_photo_min(q, own_codes, own_starts, n)
            to_derived = _per_photo_min(q, derived_codes, derived_starts, n)
            both = np.minimum(to_own, to_derived)
            for j in np.nonzero(near[i])[0]:
                column = np.sort(both[:, j]) if len(both) else np.array([65, 65])
                records.append(
                    {
                        "kind": kind,
                        "leak": int(i),
                        "photo": int(j),
                        "same": bool(i == j),
                        "pdq": int(dist["pdq"][kind][i, j]),
                        "phash": int(dist["phash"][kind][i, j]),
                        "faint": int(dist["faint"][kind][i, j]),
                        "exact": bool(exact[kind][i, j]),
                        "phash_own": int(to_own[:, j].min()) if len(q) else 65,
                        "phash_derived": int(to_derived[:, j].min()) if len(q) else 65,
                        "phash_second": int(column[1]) if len(column) > 1 else 65,
                    }
                )
    return records


def sweep(name: str) -> list[dict[str, object]]:
    """Each rule's false pairs and recall on one saved run."""
    dist, exact, kinds = _load(name)
    n = len(dist["pdq"]["original"])
    off = ~np.eye(n, dtype=bool)
    leaks = [k for k in kinds if k != "original"]
    results = []
    for alone in ALONE:
        for outer in OUTER:
            for backing in BACKING:
                decided = {
                    k: decision(
                        {m: dist[m][k] for m in MEASURES},
                        exact[k],
                        phash_radius=outer,
                        alone=alone,
                        backing=backing,
                    )
                    for k in kinds
                }
                recall = {k: float(np.diag(decided[k]).mean()) for k in leaks}
                false = {k: int((decided[k] & off).sum()) for k in kinds}
                benign = [recall[k] for k in leaks if k in BENIGN]
                missed = [
                    k for k in leaks if k in TARGETS and 100 * recall[k] < TARGETS[k] or false[k]
                ]
                results.append(
                    {
                        "alone": alone,
                        "outer": outer,
                        "backing": backing,
                        "false_pairs": sum(false.values()),
                        "rows_with_false": sum(1 for k in kinds if false[k]),
                        "mean_recall": float(np.mean(list(recall.values()))),
                        "min_benign": min(benign) if benign else None,
                        "rows_missed": missed,
                    }
                )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", action="append", required=True, help="saved run(s)")
    cfg = parser.parse_args()
    parts = []
    for name in cfg.name:
        records = pair_records(name)
        (RESULTS / f"{name}.pairs.json").write_text(json.dumps(records) + "\n")
        false = [r for r in records if not r["same"] and r["phash"] <= 10]
        results = sweep(name)
        (RESULTS / f"{name}.rules.json").write_text(json.dumps(results, indent=1) + "\n")
        parts.append(f"### pHash rules on {name} ({len(records)} near pairs saved)")
        parts.append(
            table(
                [
                    "pHash alone <=",
                    "pHash <=",
                    "with a PDQ within",
                    "false pairs",
                    "rows with a false pair",
                    "mean recall %",
                    "lowest benign %",
                    "rows short of target or with a false pair",
                ],
                [
                    [
                        r["alone"],
                        r["outer"],
                        {0: "never", 256: "any"}.get(r["backing"], r["backing"]),  # type: ignore[call-overload]
                        r["false_pairs"],
                        r["rows_with_false"],
                        f"{100 * r['mean_recall']:.1f}",  # type: ignore[operator]
                        "–" if r["min_benign"] is None else f"{100 * r['min_benign']:.1f}",  # type: ignore[operator]
                        ", ".join(r["rows_missed"]) or "none",  # type: ignore[arg-type]
                    ]
                    for r in results
                ],
            )
        )
        closest = sorted(false, key=lambda r: (r["phash"], r["pdq"]))[:40]
        parts.append(
            "Other photo within pHash 10 (kind, pHash, closest PDQ, pHash to its own hash / to a "
            "derived entry, second query pHash): "
            + "; ".join(
                f"{r['kind']} {r['phash']}/{r['pdq']}/{r['phash_own']}/{r['phash_derived']}/"
                f"{r['phash_second']}"
                for r in closest
            )
        )
        true = [r for r in records if r["same"] and 6 < r["phash"] <= 10 and r["pdq"] > 31]  # type: ignore[operator]
        hist: dict[int, int] = {}
        for r in true:
            hist[min(8 * (r["pdq"] // 8), 128)] = hist.get(min(8 * (r["pdq"] // 8), 128), 0) + 1  # type: ignore[operator]
        parts.append(
            "Own photo at pHash 7-10 that PDQ misses at 31, by closest PDQ (8-bit bins): "
            + ", ".join(f"{b}-{b + 7}: {c}" for b, c in sorted(hist.items()))
        )
    markdown = "\n\n".join(parts)
    (RESULTS / f"phash_rule_{cfg.name[0]}.md").write_text(markdown + "\n")
    print(markdown)


if __name__ == "__main__":
    main()
