"""Radius search: our HammingIndex against numpy brute force and faiss, same data, same run.

For each bank (bits, size, uniform random or realistic = hashes of corpus crops/tiles), every
method answers the same queries: query i is a bank code with i % (rmax + 2) bits flipped, so
near-duplicates sit at every distance up to rmax + 1 (those at rmax + 1 must not come back).
Latency is one call per query (p50, p99), in interleaved blocks: each block runs a slice of
every method's queries back to back (after 10 untimed warm-up queries from outside the sample, so
each sees its own steady state), methods in an order rotated per block, and a speed ratio is the
median of the per-block ratios; batch is one call with every query (queries/s). Times are the
thread's CPU time (time.thread_time; every method runs on the calling thread): on a machine
whose other tenants keep both cores busy, wall time mostly measures how often a query was
preempted, which punishes the long brute-force scans far more than a 300 µs probe. Exactness: every
method's result set equals numpy brute force's for every query. Memory: the index's arrays
(ours), RSS growth while building (faiss), none beyond the bank (brute force).

  python -m benchmarks.index_speed            # full run (~10 min here)
  python -m benchmarks.index_speed --smoke    # tiny banks, checks exactness only
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import psutil

from benchmarks.corpus import code_to_int, random_codes, realistic_codes
from benchmarks.report import median, percentile, save, table
from hashing.index import HammingIndex

# Untimed queries a method runs at the start of each block, to bring its tables back into cache.
WARM_UP_QUERIES = 10

Search = Callable[[np.ndarray, int], set[int]]
BatchSearch = Callable[[np.ndarray, int], list[set[int]]]


@dataclass
class Method:
    name: str
    single: Search
    batch: BatchSearch | None
    build_s: float
    memory_mb: float | None
    times: dict[int, list[float]] = field(default_factory=dict)
    batch_qps: dict[int, float] = field(default_factory=dict)
    exact: dict[int, bool] = field(default_factory=dict)


def rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 1e6


def numpy_brute_force(bank: np.ndarray) -> Search:
    """XOR + np.bitwise_count over blocks of the bank (the numpy reference)."""
    block = 1 << 17
    one_word = bank.shape[1] == 1
    flat = bank[:, 0] if one_word else bank

    def single(q: np.ndarray, r: int) -> set[int]:
        found = []
        for start in range(0, len(bank), block):
            part = flat[start : start + block]
            if one_word:
                d = np.bitwise_count(part ^ q[0])
            else:
                d = np.bitwise_count(part ^ q).sum(axis=1, dtype=np.uint16)
            found.append(np.flatnonzero(d <= r) + start)
        return set(np.concatenate(found).tolist())

    return single


def ours(bank: np.ndarray, bits: int) -> tuple[Search, BatchSearch, HammingIndex]:
    index = HammingIndex(bits)
    index.add_codes(np.arange(len(bank), dtype=np.int64), bank)

    def single(q: np.ndarray, r: int) -> set[int]:
        return {item for item, _ in index.query(code_to_int(q), r)}

    def batch(queries: np.ndarray, r: int) -> list[set[int]]:
        values = [code_to_int(q) for q in queries]
        return [{item for item, _ in hits} for hits in index.query_many(values, r)]

    return single, batch, index


def faiss_index(bank: np.ndarray, bits: int, kind: str) -> tuple[Search, BatchSearch]:
    import faiss  # the bench extra; the service never imports it

    faiss.omp_set_num_threads(1)
    if kind == "flat":
        index = faiss.IndexBinaryFlat(bits)
    else:
        # HMA's PDQ layout: 16 sub-hashes of 16 bits; nflip = r // 16 keeps it exact.
        index = faiss.IndexBinaryMultiHash(bits, 16, 16)
    index.add(np.ascontiguousarray(bank).view(np.uint8))

    def search(queries: np.ndarray, r: int) -> list[set[int]]:
        if kind != "flat":
            index.nflip = r // 16
        # faiss binary range search returns distance < radius: pass r + 1 for <= r.
        lims, _, ids = index.range_search(np.ascontiguousarray(queries).view(np.uint8), r + 1)
        return [set(ids[lims[i] : lims[i + 1]].tolist()) for i in range(len(queries))]

    return (lambda q, r: search(q[np.newaxis], r)[0]), search


def block_ratio(block_p50: dict[str, list[float]], reference: str, name: str) -> float | None:
    """Median over blocks of the reference's p50 over this method's p50 (None without it)."""
    if reference not in block_p50:
        return None
    pairs = zip(block_p50[reference], block_p50[name], strict=True)
    return round(median([ref / this for ref, this in pairs]), 1)


def planted_queries(bank: np.ndarray, bits: int, count: int, rmax: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    queries = bank[rng.integers(0, len(bank), count)].copy()
    for i, q in enumerate(queries):
        for position in rng.choice(bits, i % (rmax + 2), replace=False):
            word, bit = divmod(int(position), 64)
            q[word] ^= np.uint64(1 << bit)
    return queries


def run_bank(
    label: str,
    bank: np.ndarray,
    bits: int,
    radii: list[int],
    cfg: argparse.Namespace,
    faiss_kinds: list[str],
    bf_single: int,
) -> list[dict[str, object]]:
    print(f"\n== {label}: {len(bank):,} x {bits} bits, radii {radii}", flush=True)
    queries = planted_queries(bank, bits, cfg.queries, max(radii), seed=bits + len(bank))
    methods: list[Method] = []
    methods.append(Method("numpy brute force", numpy_brute_force(bank), None, 0.0, 0.0))
    t0 = time.thread_time()
    o_single, o_batch, index = ours(bank, bits)
    methods.append(
        Method(
            "HammingIndex (ours)", o_single, o_batch, time.thread_time() - t0, index.nbytes / 1e6
        )
    )
    widths = index._tables.widths if index._tables is not None else ()
    for kind in faiss_kinds:
        before = rss_mb()
        t0 = time.thread_time()
        f_single, f_batch = faiss_index(bank, bits, kind)
        name = "faiss IndexBinaryFlat" if kind == "flat" else "faiss MultiHash 16x16"
        methods.append(Method(name, f_single, f_batch, time.thread_time() - t0, rss_mb() - before))
    rows = []
    for r in radii:
        # Single queries in interleaved blocks: each block runs every method's share of the
        # sample back to back (so each method still sees its own steady state, after a short
        # warm-up), in an order rotated from block to block; a ratio is the median of the
        # per-block ratios, so one noisy stretch of the shared machine sways one block only.
        # Brute force is the ground truth for the sample.
        truth: dict[int, set[int]] = {}
        block_p50: dict[str, list[float]] = {m.name: [] for m in methods}
        for m in methods:
            m.times[r] = []
        for block in range(cfg.blocks):
            for m in methods[block % len(methods) :] + methods[: block % len(methods)]:
                count = bf_single if m.name == "numpy brute force" else cfg.single
                sample = range(block, count, cfg.blocks)
                if m.name != "numpy brute force":
                    # Queries outside the timed sample, so none is timed on buckets it warmed.
                    for q in queries[-WARM_UP_QUERIES:]:
                        m.single(q, r)
                times = []
                for i in sample:
                    t0 = time.thread_time()
                    got = m.single(queries[i], r)
                    times.append(time.thread_time() - t0)
                    if m.name == "numpy brute force":
                        truth[i] = got
                    elif i in truth:
                        m.exact[r] = m.exact.get(r, True) and got == truth[i]
                m.times[r] += times
                block_p50[m.name].append(median(times))
        # Batch: all queries in one call; result sets checked against brute force on the sample
        # and against each other on every query. (Brute force has no batch path here: one call
        # per query is what numpy does anyway.)
        matches: list[set[int]] = []
        for m in methods:
            if m.batch is None:
                continue
            t0 = time.thread_time()
            found = m.batch(queries, r)
            m.batch_qps[r] = len(queries) / (time.thread_time() - t0)
            if not matches:
                matches = found
            agrees = found == matches and all(found[i] == hits for i, hits in truth.items())
            m.exact[r] = m.exact.get(r, True) and agrees

        for m in methods:
            p50 = median(m.times[r])
            rows.append(
                {
                    "bank": label,
                    "n": len(bank),
                    "bits": bits,
                    "r": r,
                    "method": m.name,
                    "build_s": round(m.build_s, 1),
                    "memory_mb": None if m.memory_mb is None else round(m.memory_mb),
                    "p50_us": round(p50 * 1e6),
                    "p99_us": round(percentile(m.times[r], 99) * 1e6),
                    "block_p50_us": [round(t * 1e6) for t in block_p50[m.name]],
                    "batch_qps": round(m.batch_qps[r]) if r in m.batch_qps else None,
                    "exact": m.exact.get(r, True),
                    "bf_over_this": block_ratio(block_p50, "numpy brute force", m.name),
                    "flat_over_this": block_ratio(block_p50, "faiss IndexBinaryFlat", m.name),
                    "mh_over_this": block_ratio(block_p50, "faiss MultiHash 16x16", m.name),
                    "mean_matches": round(float(np.mean([len(s) for s in matches])), 2),
                    "chunk_widths": list(widths),
                }
            )
            print(rows[-1], flush=True)
    del methods, index
    gc.collect()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny banks, exactness only")
    parser.add_argument("--queries", type=int, default=1000, help="batch size")
    parser.add_argument("--single", type=int, default=200, help="single-query sample")
    parser.add_argument("--blocks", type=int, default=5, help="interleaved blocks per radius")
    cfg = parser.parse_args()
    if cfg.smoke:
        cfg.queries, cfg.single = 60, 30
        plan = [
            ("uniform", 64, 20_000, [6, 10]),
            ("realistic", 64, 5_000, [10]),
            ("uniform", 256, 20_000, [31]),
            ("realistic", 256, 5_000, [31]),
        ]
    else:
        plan = [
            ("uniform", 64, 1_000_000, [6, 10, 12]),
            ("realistic", 64, 1_000_000, [6, 10, 12]),
            ("uniform", 64, 10_000_000, [6, 10, 12]),
            ("uniform", 256, 1_000_000, [31]),
            ("realistic", 256, 1_000_000, [31]),
            ("uniform", 256, 10_000_000, [31]),
        ]
    real_n = max(n for kind, _, n, _ in plan if kind == "realistic")
    t0 = time.perf_counter()
    real_phash, real_pdq = realistic_codes(real_n)
    print(f"realistic codes: {real_n:,} in {time.perf_counter() - t0:.0f} s", flush=True)
    rows: list[dict[str, object]] = []
    for kind, bits, n, radii in plan:
        if kind == "uniform":
            bank = random_codes(n, bits // 64, seed=n + bits)
        else:
            bank = (real_phash if bits == 64 else real_pdq)[:n]
        faiss_kinds = ["flat"] + (["multihash"] if bits == 256 else [])
        # Brute force over 10M 256-bit codes takes ~0.2 s a query: time a smaller sample.
        bf_single = cfg.single if n * bits <= 64 * 10_000_000 else max(10, cfg.single // 5)
        rows += run_bank(f"{kind} {n:,}", bank, bits, radii, cfg, faiss_kinds, bf_single)
        del bank
        gc.collect()
    headers = [
        "bank",
        "bits",
        "r",
        "method",
        "build s",
        "memory MB",
        "p50 µs",
        "p99 µs",
        "batch q/s",
        "exact",
        "brute/this",
        "Flat/this",
        "MultiHash/this",
        "matches/q",
    ]
    body = [
        [
            row["bank"],
            row["bits"],
            row["r"],
            row["method"],
            row["build_s"],
            row["memory_mb"],
            row["p50_us"],
            row["p99_us"],
            row["batch_qps"] or "–",
            "yes" if row["exact"] else "NO",
            row["bf_over_this"],
            row["flat_over_this"] or "–",
            row["mh_over_this"] or "–",
            row["mean_matches"],
        ]
        for row in rows
    ]
    markdown = "### Index speed (one thread, same run)\n\n" + table(headers, body)
    save(
        "index_speed",
        {"rows": rows, "queries": cfg.queries, "single": cfg.single},
        markdown,
        smoke=cfg.smoke,
    )
    if not all(row["exact"] for row in rows):
        raise SystemExit("a method disagreed with brute force")


if __name__ == "__main__":
    main()
