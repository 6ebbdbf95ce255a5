"""The bank index shared by a machine's processes (#19): lookups, first build, attach, memory.

lookups: one bank of uniformly random codes, answered by HammingIndex with the compiled probe
  loop over private memory and over the shared snapshot (/dev/shm), by its numpy loop (what runs
  without a C compiler), by faiss IndexBinaryFlat and, with --baseline, by another checkout's
  hashing/index.py and compiled loop over the same arrays (say, main's, to measure a change in
  the same process); interleaved blocks, thread CPU time per query, p50/p99, speed ratios as
  the median of per-block ratios, and every method's results checked against the numpy loop's.
processes: a PostgreSQL bank of N PDQ + N pHash fingerprints sealed by the bank's own vault
  (written with COPY); the first process builds the snapshot from the database (timed), then
  1, 2 and 4 processes attach at once: each one's time to ready and private memory (USS), and
  the snapshot's size, beside one process that keeps a private index (today).

  python -m benchmarks.shared_index lookups --rows 10000000 [--baseline ../main]
  python -m benchmarks.shared_index processes --rows 1000000
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import psycopg

from benchmarks.corpus import code_to_int, random_codes
from benchmarks.index_speed import planted_queries
from benchmarks.report import median, percentile, save, table
from casework.bank.snapshot import SnapshotStore
from casework.db import migrate
from casework.vault import Vault
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.index import HammingIndex

POSTGRES_ADMIN_URL = os.environ.get(
    "TAKEDOWN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def ours(index: HammingIndex, values: list[int], radius: int) -> Callable[[int], set[int]]:
    return lambda i: {item for item, _ in index.query(values[i], radius)}


def faiss_flat(flat: Any, values: list[int], bits: int, radius: int) -> Callable[[int], set[int]]:
    # The bank went in as rows of native uint64 words, most significant word first.
    words = [np.frombuffer(v.to_bytes(bits // 8, "big"), ">u8").astype(np.uint64) for v in values]
    rows = [w.view(np.uint8)[np.newaxis] for w in words]

    def search(i: int) -> set[int]:
        # faiss binary range search returns distance < radius: pass r + 1 for <= r.
        lims, _, ids = flat.range_search(rows[i], radius + 1)
        return set(ids[lims[0] : lims[1]].tolist())

    return search


def speedup(block_p50: dict[str, list[float]], reference: str, name: str) -> float | str:
    """Median over blocks of the reference's p50 over this method's ("–" without it)."""
    if reference not in block_p50:
        return "–"
    pairs = zip(block_p50[reference], block_p50[name], strict=True)
    return round(median([theirs / this for theirs, this in pairs]), 2)


def baseline_index(checkout: Path) -> ModuleType:
    """Another checkout's hashing/index.py, probing with that checkout's built _probe.c."""
    built = sorted((checkout / "hashing").glob("_probe.*.so"))
    if not built:
        raise SystemExit(f"{checkout}/hashing has no built _probe (run make install there)")
    modules = []
    # The kernel's module is named *._probe so that Python finds its PyInit__probe.
    for name, path in (
        ("baseline._probe", built[0]),
        ("baseline_index", checkout / "hashing/index.py"),
    ):
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        modules.append(module)
    kernel, index = modules
    index._probe, index.COMPILED = kernel, True
    return index


def lookups(
    rows: int, queries: int, blocks: int, baseline: Path | None
) -> tuple[list[list[object]], dict[str, Any]]:
    import faiss  # the bench extra

    faiss.omp_set_num_threads(1)
    other = baseline_index(baseline) if baseline else None
    found: list[list[object]] = []
    data: dict[str, Any] = {}
    for algorithm, radius in ((Algorithm.PDQ, 31), (Algorithm.PHASH, 8)):
        bits = algorithm.bits
        bank = random_codes(rows, bits // 64, seed=bits)
        private = HammingIndex(bits)
        private.add_codes(np.arange(rows, dtype=np.int64), bank)
        numpy_loop = HammingIndex.from_parts(bits, private.parts(), compiled=False)
        store = SnapshotStore(secrets.token_hex(8))
        with store.locked():
            snapshot = store.attach(store.publish(0, {algorithm: private}))
        shared = snapshot.indexes[algorithm]
        flat = faiss.IndexBinaryFlat(bits)
        flat.add(np.ascontiguousarray(bank).view(np.uint8))
        values = [code_to_int(q) for q in planted_queries(bank, bits, queries, radius, bits + 1)]

        methods = {
            "compiled, private memory": ours(private, values, radius),
            "compiled, shared snapshot": ours(shared, values, radius),
            "numpy loop (no compiler), private": ours(numpy_loop, values, radius),
            "faiss IndexBinaryFlat": faiss_flat(flat, values, bits, radius),
        }
        if other is not None:
            for kind, source in (("private memory", private), ("shared snapshot", shared)):
                theirs = other.HammingIndex.from_parts(bits, source.parts(), compiled=True)
                methods[f"baseline compiled, {kind}"] = ours(theirs, values, radius)
        times: dict[str, list[float]] = {name: [] for name in methods}
        block_p50: dict[str, list[float]] = {name: [] for name in methods}
        exact = {name: True for name in methods}
        reference = [methods["numpy loop (no compiler), private"](i) for i in range(queries)]
        step = queries // blocks
        faiss_every = 10  # a flat scan of 10M PDQ takes ~30 ms: a sample of the queries
        for block in range(blocks):
            names = list(methods)
            names = names[block % len(names) :] + names[: block % len(names)]
            for name in names:
                spent = []
                for i in range(block * step, (block + 1) * step):
                    if name.startswith("faiss") and i % faiss_every:
                        continue
                    started = time.thread_time()
                    got = methods[name](i)
                    spent.append(time.thread_time() - started)
                    exact[name] &= got == reference[i]
                times[name] += spent
                block_p50[name].append(median(spent))

        raw = bank.nbytes
        for name in methods:
            memory = flat.ntotal * bits // 8 if name.startswith("faiss") else private.nbytes
            same_memory = "baseline compiled, " + name.split(", ")[-1]
            row = [
                f"{rows:,}",
                bits,
                radius,
                name,
                round(median(times[name]) * 1e6),
                round(percentile(times[name], 99) * 1e6),
                round(memory / raw, 2),
                "yes" if exact[name] else "NO",
                speedup(block_p50, "faiss IndexBinaryFlat", name),
                speedup(block_p50, same_memory, name) if name.startswith("compiled") else "–",
            ]
            found.append(row)
        data[f"{bits}"] = {
            name: {
                "p50_us": median(t) * 1e6,
                "p99_us": percentile(t, 99) * 1e6,
                "n": len(t),
                "block_p50_us": [round(b * 1e6) for b in block_p50[name]],
            }
            for name, t in times.items()
        }
        snapshot.release()
        del shared, snapshot, private, numpy_loop, flat, bank
    return found, data


ATTACH = """
import json, os, sys, time
started = time.perf_counter()
from casework.runtime import Runtime
from casework.settings import Settings
runtime = Runtime.build(Settings())
with runtime.sessions() as session:
    runtime.bank.refresh(session)
ready = time.perf_counter() - started
from benchmarks.report import process_memory
print(json.dumps({"ready": ready, "load": runtime.bank.load_seconds, "len": len(runtime.bank),
                  **process_memory()}), flush=True)
sys.stdin.readline()
"""


def run_together(
    command: list[str], env: dict[str, str] | None, count: int
) -> list[dict[str, Any]]:
    """Start count copies at once; each prints one JSON report, then waits for stdin to close."""
    children = [
        subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    reports = []
    for child in children:
        assert child.stdout
        reports.append(json.loads(child.stdout.readline()))
    for child in children:
        assert child.stdin and child.stdout
        child.stdin.close()
        child.wait()
        child.stdout.close()
    return reports


def fill_bank(url: str, vault: Vault, rows: int) -> None:
    """One case holding ``rows`` PDQ and ``rows`` pHash fingerprints, sealed, through COPY."""
    rng = np.random.default_rng(7)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO cases (id, public_id, pin_hash, status, failed_attempts, created_at, "
            "under_18) VALUES (1, 'benchbenchbe', 'x', 'open', 0, now(), false)"
        )
        next_id = 1
        for algorithm in (Algorithm.PDQ, Algorithm.PHASH):
            size = algorithm.bits // 8
            for start in range(0, rows, 200_000):
                count = min(200_000, rows - start)
                raw = rng.integers(0, 256, size=(count, size), dtype=np.uint8).tobytes()
                buffer = io.BytesIO()
                for k in range(count):
                    fingerprint = Fingerprint.from_bytes(algorithm, raw[k * size : (k + 1) * size])
                    sealed, mac = vault.seal(fingerprint), vault.mac(fingerprint)
                    buffer.write(
                        f"{next_id}\t1\t{algorithm.value}\t\\\\x{sealed.hex()}\t\\\\x{mac.hex()}"
                        "\t2026-12-07 00:00:00+00\n".encode()
                    )
                    next_id += 1
                with (
                    connection.cursor() as cursor,
                    cursor.copy(
                        "COPY case_fingerprints (id, case_id, algorithm, value_sealed, value_mac, "
                        "created_at) FROM STDIN"
                    ) as copy,
                ):
                    copy.write(buffer.getvalue())


def processes(rows: int, counts: list[int]) -> tuple[list[list[object]], dict[str, Any]]:
    name = f"takedown_bench_{secrets.token_hex(4)}"
    admin = POSTGRES_ADMIN_URL
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    secret = secrets.token_urlsafe(48)
    found: list[list[object]] = []
    data: dict[str, Any] = {}
    try:
        migrate(url)
        started = time.perf_counter()
        fill_bank(url, Vault(secret), rows)
        data["fill_seconds"] = time.perf_counter() - started
        environment = {
            **os.environ,
            "TAKEDOWN_ENVIRONMENT": "test",
            "TAKEDOWN_DATABASE_URL": url,
            "TAKEDOWN_SECRET_KEY": secret,
        }

        def start(count: int, shared: bool) -> list[dict[str, Any]]:
            env = {**environment, "TAKEDOWN_INDEX_SHARED": "true" if shared else "false"}
            return run_together([sys.executable, "-c", ATTACH], env, count)

        shm = Path("/dev/shm")
        private = start(1, shared=False)[0]
        found.append(
            [
                "private index (today)",
                1,
                private["load"],
                private["load"],
                private["uss"] / 1e6,
                private["pss"] / 1e6,
                "–",
            ]
        )
        # The first process builds the snapshot; keep one holder so later rounds find it.
        holder_env = {**environment, "TAKEDOWN_INDEX_SHARED": "true"}
        holder = subprocess.Popen(
            [sys.executable, "-c", ATTACH],
            env=holder_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout and holder.stdin
        first = json.loads(holder.stdout.readline())
        snapshot_bytes = sum(p.stat().st_size for p in shm.glob("takedown-bank-*-v*"))
        found.append(
            [
                "first build from PostgreSQL",
                1,
                first["ready"],
                first["load"],
                first["uss"] / 1e6,
                first["pss"] / 1e6,
                round(snapshot_bytes / 1e6),
            ]
        )
        for count in counts:
            reports = start(count, shared=True)
            found.append(
                [
                    "attach to the snapshot",
                    count,
                    max(r["ready"] for r in reports),
                    max(r["load"] for r in reports),
                    median([r["uss"] for r in reports]) / 1e6,
                    median([r["pss"] for r in reports]) / 1e6,
                    round(snapshot_bytes / 1e6),
                ]
            )
        holder.stdin.close()
        holder.wait()
        data["private"] = private
        data["first"] = first
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for row in found:
        row[2:6] = [round(float(v), 2) if isinstance(v, float) else v for v in row[2:6]]
    return found, data


ATTACH_SNAPSHOT = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from casework.bank.snapshot import SnapshotStore
from hashing.fingerprint import Algorithm
imported = time.perf_counter()
store = SnapshotStore(sys.argv[1])
with store.locked():
    snapshot = store.attach(store.latest()[1])
attached = time.perf_counter()
import random
rng = random.Random(1)
for _ in range(200):
    snapshot.indexes[Algorithm.PDQ].query(rng.getrandbits(256), 31)
    snapshot.indexes[Algorithm.PHASH].query(rng.getrandbits(64), 8)
from benchmarks.report import process_memory
print(json.dumps({"import": imported - started, "attach": attached - imported,
                  **process_memory()}), flush=True)
sys.stdin.readline()
snapshot.release()
"""


def attach(rows: int, counts: list[int]) -> tuple[list[list[object]], dict[str, Any]]:
    """Snapshot of random PDQ and pHash codes; processes attach straight from /dev/shm."""
    indexes = {}
    started = time.perf_counter()
    for algorithm in (Algorithm.PDQ, Algorithm.PHASH):
        index = HammingIndex(algorithm.bits)
        index.add_codes(
            np.arange(rows, dtype=np.int64), random_codes(rows, algorithm.bits // 64, seed=3)
        )
        indexes[algorithm] = index
    build = time.perf_counter() - started
    index_bytes = sum(index.nbytes for index in indexes.values())
    key = secrets.token_hex(8)
    store = SnapshotStore(key)
    with store.locked():
        started = time.perf_counter()
        path = store.publish(0, indexes)
        publish = time.perf_counter() - started
        holder = store.attach(path)
    del indexes
    found: list[list[object]] = []
    data: dict[str, Any] = {"build_s": build, "publish_s": publish, "index_bytes": index_bytes}
    for count in counts:
        reports = run_together([sys.executable, "-c", ATTACH_SNAPSHOT, key], None, count)
        data[str(count)] = reports
        found.append(
            [
                f"{rows:,} PDQ + {rows:,} pHash",
                count,
                round(index_bytes / 1e6),
                round(max(r["import"] for r in reports), 2),
                round(max(r["attach"] for r in reports), 3),
                round(median([r["uss"] for r in reports]) / 1e6, 1),
                round(median([r["uss"] for r in reports]) / index_bytes * 100, 1),
                round(median([r["pss"] for r in reports]) / 1e6, 1),
            ]
        )
    holder.release()
    return found, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["lookups", "processes", "attach"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument(
        "--baseline", type=Path, help="lookups: another checkout (built) to compare with"
    )
    args = parser.parse_args()
    if args.what == "lookups":
        rows, data = lookups(args.rows, args.queries, args.blocks, args.baseline)
        markdown = table(
            [
                "bank",
                "bits",
                "r",
                "method",
                "p50 µs",
                "p99 µs",
                "memory / raw codes",
                "exact",
                "Flat/this",
                "baseline/this",
            ],
            rows,
        )
    elif args.what == "attach":
        counts = [int(c) for c in args.processes.split(",")]
        rows, data = attach(args.rows, counts)
        markdown = table(
            [
                "bank",
                "processes at once",
                "index MB",
                "import s (slowest)",
                "attach s (slowest)",
                "private memory (USS) MB each",
                "USS / index %",
                "PSS MB each",
            ],
            rows,
        )
    else:
        counts = [int(c) for c in args.processes.split(",")]
        rows, data = processes(args.rows, counts)
        markdown = table(
            [
                "processes",
                "how many at once",
                "ready s (slowest)",
                "index load s",
                "private memory (USS) MB each",
                "PSS MB each",
                "snapshot MB",
            ],
            rows,
        )
    save(f"shared_index_{args.what}_{args.rows}", data, markdown, smoke=False)


if __name__ == "__main__":
    main()
