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
import io
import json
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

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
    """Per bank: a database of its own holding one case of the photos, its sizes, and the
    in-process app's /v1/check and /v1/check/image times over it."""
    paths = corpus_paths(10 if cfg.smoke else 100)
    return {
        label: _one_bank(label, group, paths, cfg)
        for label, group in (("without crops", False), ("with crops", True))
    }


def _one_bank(label: str, group: bool, paths: list[Path], cfg: argparse.Namespace) -> Any:
    import psycopg
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from casework.bank.fingerprints import SubmittedFingerprint
    from casework.db import migrate, transaction
    from casework.platforms import platforms
    from casework.platforms.apikeys import Scope
    from casework.runtime import Runtime
    from casework.settings import Environment, Settings
    from casework.victims import cases
    from service.app import create_app

    admin_url = os.environ.get(
        "TAKEDOWN_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    name = f"bench_bank_cost_{os.getpid()}_{int(group)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate(url)
        settings = Settings(
            environment=Environment.TEST,
            database_url=url,
            redis_url=os.environ.get("TAKEDOWN_BENCH_REDIS", "redis://127.0.0.1:6379/13"),
            secret_key=secrets.token_urlsafe(48),
            argon2_memory_kib=1024,
            argon2_time_cost=1,
            index_refresh_seconds=0.05,
        )
        runtime = Runtime.build(settings)
        submitted = []
        own: list[list[dict[str, Any]]] = []
        for number, path in enumerate(paths):
            if group:
                hashed = hash_file(path.read_bytes(), formats=victim_formats())
            else:
                with without_crops():
                    hashed = hash_file(path.read_bytes(), formats=victim_formats())
            entries = fingerprint_entries(hashed)
            own.append([e for e in entries if e["algorithm"] in ("pdq", "phash")][:2])
            submitted += [
                SubmittedFingerprint(
                    e["algorithm"], e["value"], e.get("quality"), number, e.get("derived", False)
                )
                for e in entries
            ]
        with transaction(runtime.sessions) as session:
            cases.open_case(
                session,
                fingerprints=submitted,
                limits=runtime.limits,
                vault=runtime.vault,
                pins=runtime.pins,
            )
            account = platforms.create_platform(
                session, name="bench", domains=[], algorithms=platforms.parse_algorithms(None)
            )
            token = platforms.issue_platform_key(
                session, vault=runtime.vault, platform=account, scopes=[Scope.CHECK]
            ).token
        with runtime.engine.begin() as connection:
            connection.execute(text("ANALYZE case_fingerprints"))
        with runtime.engine.connect() as connection:
            sizes = {
                key: int(connection.scalar(text(query)) or 0)
                for key, query in {
                    "rows": "SELECT count(*) FROM case_fingerprints",
                    "row_bytes": "SELECT sum(pg_column_size(t.*)) FROM case_fingerprints t",
                    "total_bytes": "SELECT pg_total_relation_size('case_fingerprints')",
                    "log_bytes": "SELECT pg_total_relation_size('bank_changes')",
                }.items()
            }
        result: dict[str, Any] = {"photos": len(paths), **sizes}
        with TestClient(create_app(runtime=runtime)) as client:
            headers = {"Authorization": f"Bearer {token}"}
            result |= _time_checks(client, headers, own, paths, 3 if cfg.smoke else 5)
        runtime.engine.dispose()
        print(label, result, flush=True)
        return result
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _time_checks(
    client: Any,
    headers: dict[str, str],
    own: list[list[dict[str, Any]]],
    paths: list[Path],
    repeats: int,
) -> dict[str, Any]:
    """Wall ms of POST /v1/check (one upload's PDQ and pHash, a hit) and of /v1/check/image
    (a copy of the photo cut 10 % from each edge, no crop rule's box), medians over photos."""
    check_ms, image_ms, matched, photos_matched = [], [], 0, []
    for _ in range(repeats):
        for entries in own:
            body = {"fingerprints": [{k: e[k] for k in ("algorithm", "value")} for e in entries]}
            t0 = time.perf_counter()
            answer = client.post("/v1/check", json=body, headers=headers)
            check_ms.append((time.perf_counter() - t0) * 1e3)
            assert answer.status_code == 200, answer.text
    for path in paths[:20]:
        with Image.open(path) as source:
            image = source.convert("RGB")
        w, h = image.size
        buffer = io.BytesIO()
        image.crop((w // 10, h // 10, w - w // 10, h - h // 10)).save(buffer, "JPEG", quality=85)
        t0 = time.perf_counter()
        answer = client.post(
            "/v1/check/image",
            content=buffer.getvalue(),
            headers={**headers, "Content-Type": "application/octet-stream"},
        ).json()
        image_ms.append((time.perf_counter() - t0) * 1e3)
        matched += answer["verdict"] == "match"
        photos_matched.append(answer.get("photos_matched", 0))
    return {
        "check_p50_ms": median(check_ms),
        "check_p95_ms": percentile(check_ms, 95),
        "image_p50_ms": median(image_ms),
        "cropped_leaks": len(image_ms),
        "cropped_leaks_matched": matched,
        "photos_matched_max": max(photos_matched),
    }


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
                round(r["check_p50_ms"], 1),
                round(r["image_p50_ms"], 1),
                f"{r['cropped_leaks_matched']} / {r['cropped_leaks']}",
                r["photos_matched_max"],
            ]
        )
    return (
        "#### In the database, and the platform check over it (PostgreSQL, in-process app)\n\n"
        + table(
            [
                "bank",
                "photos",
                "rows",
                "bytes/row (tuple)",
                "bytes/row (heap+TOAST+indexes)",
                "bytes/photo (heap+TOAST+indexes)",
                "bank change log bytes/photo",
                "/v1/check p50 ms",
                "/v1/check/image p50 ms",
                "10 %-cropped leaks matched",
                "max photos_matched",
            ],
            body,
        )
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
    parts = sorted(set(cfg.part or ["corpus", "db", "index"]))
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
    name = "bank_cost" if len(parts) == 3 else f"bank_cost_{'_'.join(parts)}"
    save(name, data, "\n\n".join(markdown), smoke=cfg.smoke)


if __name__ == "__main__":
    main()
