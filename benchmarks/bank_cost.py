"""What the victim-side crop bank (issue #16) costs: fingerprints, bytes, hashing, index.

Four parts, each against the same measure without crops (the reference), in the same run:

- ``corpus``: every dev photo through ``hash_file`` as the victim's CLI runs it: fingerprints
  per photo (own and derived), the bytes of its wire entries (the CLI's JSON), and the hashing
  CPU time with and without the crops. "Without" is the same ``hash_file`` with the crop rules
  emptied for the run (CROP_RULES is read at call time), so both sides decode, trim and hash
  the same way. Also camera-sized photos (12 MP JPEG), where every crop is cut at full size.
- ``db``: one case of 100 dev photos stored through the domain in a PostgreSQL database of its
  own (created and dropped): bytes per fingerprint row and per photo, heap and indexes, and the
  bank's change log (one row per fingerprint added).
- ``index``: HammingIndex build time, memory and single-query latency (thread CPU time) for
  banks of N images at the measured fingerprints per image, PDQ (radius 31) and pHash (radius
  8), against banks of one PDQ and one pHash per image. Codes are uniform random.

  python -m benchmarks.bank_cost                      # every part (~15 min here)
  python -m benchmarks.bank_cost --part corpus --part db
  python -m benchmarks.bank_cost --smoke              # tiny inputs
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from benchmarks.corpus import big_photo, code_to_int, corpus_paths, random_codes
from benchmarks.report import median, percentile, save, table
from hashing import crops
from hashing.algorithms import HashedFile, hash_file
from hashing.batches import Photo, kind_of, next_batch
from hashing.cli import fingerprint_entries
from hashing.images import victim_formats
from hashing.index import HammingIndex

#: The radii the bank matches with (casework/bank/bank.py).
RADIUS = {256: 31, 64: 8}


@contextmanager
def without_crops() -> Iterator[None]:
    """hash_file as it was before the crop bank: no crop rule."""
    rules = crops.CROP_RULES
    crops.CROP_RULES = ()
    try:
        yield
    finally:
        crops.CROP_RULES = rules


def timed(data: bytes, formats: tuple[str, ...] | None = None) -> tuple[HashedFile, float]:
    """hash_file of the bytes (with the victim's formats, or the default) and its CPU time."""
    t0 = time.thread_time()
    hashed = hash_file(data) if formats is None else hash_file(data, formats=formats)
    return hashed, time.thread_time() - t0


def wire_bytes(entries: list[dict[str, Any]]) -> int:
    """The bytes of one photo's entries in a request body as the CLI sends them (json.dumps
    defaults, each entry naming its photo), as a JSON list."""
    _batch, sent = next_batch([Photo("p", "d", tuple(entries), "protected")], 10**6, set())
    return len(json.dumps(sent))


def corpus_part(cfg: argparse.Namespace) -> dict[str, Any]:
    paths = corpus_paths(20 if cfg.smoke else None)
    rows = []
    for path in paths:
        data = path.read_bytes()
        hashed, with_s = timed(data, victim_formats())
        with without_crops():
            before, without_s = timed(data, victim_formats())
        entries = fingerprint_entries(hashed)
        rows.append(
            {
                "photo": path.name,
                "own": len(hashed.fingerprints),
                "derived": len(hashed.variants),
                "pdq": sum(e["algorithm"] == "pdq" for e in entries),
                "phash": sum(e["algorithm"] == "phash" for e in entries),
                "before": len(before.fingerprints) + len(before.variants),
                "wire": wire_bytes(entries),
                "wire_before": wire_bytes(fingerprint_entries(before)),
                "with_ms": with_s * 1e3,
                "without_ms": without_s * 1e3,
                "protected": kind_of(hashed) == "protected",
            }
        )
    big = []
    sizes = [(1600, 1200)] if cfg.smoke else [(4032, 3024)]
    for size in sizes:
        for path in corpus_paths(3):
            data = big_photo(path, size, "JPEG")
            times: dict[str, list[float]] = {"with": [], "without": []}
            for _ in range(1 if cfg.smoke else 3):
                times["with"].append(timed(data)[1])
                with without_crops():
                    times["without"].append(timed(data)[1])
            big.append(
                {
                    "photo": f"{path.name} at {size[0]}x{size[1]}",
                    "with_ms": median(times["with"]) * 1e3,
                    "without_ms": median(times["without"]) * 1e3,
                }
            )
    return {"rows": rows, "big": big}


def corpus_markdown(result: dict[str, Any]) -> str:
    rows = result["rows"]
    n = len(rows)

    def mean(key: str) -> float:
        return sum(r[key] for r in rows) / n

    counts = [r["own"] + r["derived"] for r in rows]
    body = [
        ["photos", n, n, ""],
        ["fingerprints per photo, mean", round(mean("before"), 2), round(sum(counts) / n, 2), ""],
        ["  of which own (md5, sha256, pdq, phash)", "", round(mean("own"), 2), ""],
        ["  of which derived (trimmed copies, crops)", "", round(mean("derived"), 2), ""],
        ["  PDQ / pHash per photo", "", f"{mean('pdq'):.2f} / {mean('phash'):.2f}", ""],
        ["fingerprints per photo, max", max(r["before"] for r in rows), max(counts), ""],
        ["wire bytes per photo, mean", round(mean("wire_before")), round(mean("wire")), ""],
        [
            "hashing CPU ms per photo, median",
            round(median([r["without_ms"] for r in rows]), 1),
            round(median([r["with_ms"] for r in rows]), 1),
            round(median([r["with_ms"] / r["without_ms"] for r in rows]), 2),
        ],
        [
            "hashing CPU ms per photo, p95",
            round(percentile([r["without_ms"] for r in rows], 95), 1),
            round(percentile([r["with_ms"] for r in rows], 95), 1),
            "",
        ],
    ]
    body += [
        [
            f"hashing CPU ms, {b['photo']}",
            round(b["without_ms"]),
            round(b["with_ms"]),
            round(b["with_ms"] / b["without_ms"], 2),
        ]
        for b in result["big"]
    ]
    return "#### Per photo, dev corpus through hash_file\n\n" + table(
        ["measure", "without crops", "with crops", "with/without"], body
    )


def db_part(cfg: argparse.Namespace) -> dict[str, Any]:
    import psycopg
    from sqlalchemy import text

    from casework.bank.fingerprints import Limits, SubmittedFingerprint
    from casework.credentials import PinHasher
    from casework.db import make_engine, make_sessions, migrate, transaction
    from casework.models import CaseFingerprint  # noqa: F401 - registers every table
    from casework.vault import Vault
    from casework.victims import cases

    server = os.environ.get("TAKEDOWN_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
    name = f"bench_bank_cost_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        migrate(f"{server}/{name}")
        engine = make_engine(f"{server}/{name}")
        sessions = make_sessions(engine)
        vault = Vault("bench-" + "k" * 40)
        pins = PinHasher(memory_kib=1024, time_cost=1, concurrency=1, wait_seconds=1.0)
        limits = Limits(
            per_request=10**6, per_case=10**6, photos_per_request=10**4, photos_per_case=10**4
        )
        paths = corpus_paths(10 if cfg.smoke else 100)
        result = {}
        for label, group in (("without crops", False), ("with crops", True)):
            submitted = []
            for number, path in enumerate(paths):
                if group:
                    hashed = hash_file(path.read_bytes(), formats=victim_formats())
                else:
                    with without_crops():
                        hashed = hash_file(path.read_bytes(), formats=victim_formats())
                for entry in fingerprint_entries(hashed):
                    submitted.append(
                        SubmittedFingerprint(
                            entry["algorithm"],
                            entry["value"],
                            entry.get("quality"),
                            number,
                            entry.get("derived", False),
                        )
                    )
            with engine.begin() as connection:
                connection.execute(text("TRUNCATE bank_changes, case_fingerprints, cases CASCADE"))
            with transaction(sessions) as session:
                cases.open_case(
                    session, fingerprints=submitted, limits=limits, vault=vault, pins=pins
                )
            with engine.begin() as connection:
                connection.execute(text("ANALYZE case_fingerprints"))
            with engine.connect() as connection:
                rows = connection.scalar(text("SELECT count(*) FROM case_fingerprints"))
                row_bytes = connection.scalar(
                    text("SELECT sum(pg_column_size(t.*)) FROM case_fingerprints t")
                )
                heap = connection.scalar(text("SELECT pg_table_size('case_fingerprints')"))
                total = connection.scalar(
                    text("SELECT pg_total_relation_size('case_fingerprints')")
                )
                log = connection.scalar(text("SELECT pg_total_relation_size('bank_changes')"))
            result[label] = {
                "photos": len(paths),
                "rows": rows,
                "row_bytes": int(row_bytes),
                "heap_bytes": heap,
                "total_bytes": total,
                "log_bytes": log,
            }
        engine.dispose()
        return result
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def db_markdown(result: dict[str, Any]) -> str:
    body = []
    for label, r in result.items():
        body.append(
            [
                label,
                r["photos"],
                r["rows"],
                round(r["row_bytes"] / r["rows"]),
                round(r["total_bytes"] / r["rows"]),
                round(r["total_bytes"] / r["photos"]),
                round(r["log_bytes"] / r["photos"]),
            ]
        )
    return "#### In the database (PostgreSQL, one case of dev photos)\n\n" + table(
        [
            "bank",
            "photos",
            "rows",
            "bytes/row (tuple)",
            "bytes/row (heap+TOAST+indexes)",
            "bytes/photo (heap+TOAST+indexes)",
            "bank change log bytes/photo",
        ],
        body,
    )


def index_part(cfg: argparse.Namespace, per_image: dict[int, float]) -> list[dict[str, Any]]:
    images_plan = [20_000] if cfg.smoke else cfg.images
    rows = []
    for images in images_plan:
        for bits in (256, 64):
            for label, per in (("1 a photo", 1.0), ("with crops", per_image[bits])):
                n = round(images * per)
                bank = random_codes(n, bits // 64, seed=n + bits)
                gc.collect()
                t0 = time.thread_time()
                index = HammingIndex(bits)
                index.add_codes(np.arange(n, dtype=np.int64), bank)
                build = time.thread_time() - t0
                rng = np.random.default_rng(bits)
                queries = bank[rng.integers(0, n, cfg.queries)].copy()
                # Each query flipped by a few bits, as a re-encoded copy would be.
                for q in queries:
                    for position in rng.choice(
                        bits, int(rng.integers(0, RADIUS[bits])), replace=False
                    ):
                        word, bit = divmod(int(position), 64)
                        q[word] ^= np.uint64(1 << bit)
                values = [code_to_int(q) for q in queries]
                for v in values[:10]:
                    index.query(v, RADIUS[bits])
                times = []
                for v in values:
                    t0 = time.thread_time()
                    index.query(v, RADIUS[bits])
                    times.append(time.thread_time() - t0)
                rows.append(
                    {
                        "images": images,
                        "bits": bits,
                        "bank": label,
                        "entries": n,
                        "build_s": round(build, 1),
                        "index_mb": round(index.nbytes / 1e6),
                        "p50_us": round(median(times) * 1e6),
                        "p99_us": round(percentile(times, 99) * 1e6),
                    }
                )
                print(rows[-1], flush=True)
                del index, bank
                gc.collect()
    return rows


def index_markdown(rows: list[dict[str, Any]]) -> str:
    body = [
        [
            f"{r['images']:,}",
            "PDQ" if r["bits"] == 256 else "pHash",
            r["bank"],
            f"{r['entries']:,}",
            r["build_s"],
            r["index_mb"],
            r["p50_us"],
            r["p99_us"],
        ]
        for r in rows
    ]
    return "#### HammingIndex per algorithm (uniform codes, one thread)\n\n" + table(
        ["images", "algorithm", "bank", "entries", "build s", "index MB", "p50 µs", "p99 µs"],
        body,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny inputs")
    parser.add_argument("--part", action="append", choices=["corpus", "db", "index"])
    parser.add_argument("--images", type=int, action="append", help="index sizes in images")
    parser.add_argument("--queries", type=int, default=200)
    # Without the corpus part: the dev corpus's means, as the corpus part measured them.
    parser.add_argument("--pdq-per-image", type=float, default=8.5)
    parser.add_argument("--phash-per-image", type=float, default=8.8)
    cfg = parser.parse_args()
    parts = cfg.part or ["corpus", "db", "index"]
    cfg.images = cfg.images or [1_000_000]
    data: dict[str, Any] = {}
    markdown = []
    if "corpus" in parts:
        data["corpus"] = corpus_part(cfg)
        markdown.append(corpus_markdown(data["corpus"]))
        print(markdown[-1], flush=True)
    if "db" in parts:
        data["db"] = db_part(cfg)
        markdown.append(db_markdown(data["db"]))
        print(markdown[-1], flush=True)
    if "index" in parts:
        rows = (data.get("corpus") or {}).get("rows")
        per_image = {256: cfg.pdq_per_image, 64: cfg.phash_per_image}
        if rows:
            per_image = {
                256: sum(r["pdq"] for r in rows) / len(rows),
                64: sum(r["phash"] for r in rows) / len(rows),
            }
        data["index"] = index_part(cfg, per_image)
        data["per_image"] = per_image
        markdown.append(index_markdown(data["index"]))
    save(f"bank_cost_{'_'.join(parts)}", data, "\n\n".join(markdown), smoke=cfg.smoke)


if __name__ == "__main__":
    main()
