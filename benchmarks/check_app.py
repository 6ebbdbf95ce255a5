"""The service's own app over a bank of realistic fingerprints, with a constant endpoint beside it.

``prepare`` fills a migrated database the way the service would have: cases whose fingerprints
are sealed by the vault, and a platform key with the check scope. ``create_app`` is uvicorn's
factory for service_speed.py: the app `takedown api` serves (settings from TAKEDOWN_*), plus
GET /const, which answers a constant through the same middleware: the web layer's ceiling.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from fastapi import FastAPI

from benchmarks.corpus import code_to_int, realistic_codes
from casework.bank.bank import MATCH_RADIUS_BITS
from casework.db import transaction
from casework.models import Case
from casework.platforms import platforms
from casework.platforms.apikeys import Scope
from casework.runtime import Runtime
from casework.settings import Settings
from casework.vault import Vault
from hashing.algorithms import degeneracy
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.index import HammingIndex
from service.app import create_app as create_service_app

#: Fingerprints per benchmark case: one victim's few images would be ~10; the row count is what
#: the index and the load see, the case count only what the allow-list joins through.
FINGERPRINTS_PER_CASE = 5000


@dataclass(frozen=True)
class Bank:
    """What the load generator needs: the key, and batches of fingerprints that miss the bank."""

    token: str
    batches: list[list[Fingerprint]]
    codes: dict[Algorithm, np.ndarray]


@dataclass(frozen=True)
class Plan:
    """A bank's codes and the batches of fingerprints that miss it: the same for the same size."""

    codes: dict[Algorithm, np.ndarray]
    batches: list[list[Fingerprint]]


def prepare(settings: Settings, size: int, batch: int, batches: int) -> Bank:
    """Fill the (migrated, empty) database with ``size`` fingerprints (see plan and fill)."""
    planned = plan(size, batch, batches)
    fill(settings, planned.codes)
    return Bank(platform_key(settings), planned.batches, planned.codes)


def plan(size: int, batch: int, batches: int, cache: Path | None = None) -> Plan:
    """``size`` codes, half PDQ and half pHash, and ``batches`` of ``batch`` misses.

    Each bank image gives one PDQ and one pHash, from benchmarks.corpus.realistic_codes (tiles of
    the dev corpus), so buckets fill as they would with real photos. The batches are uploads of
    other tiles, PDQ and pHash in turn, none within the match radius of the bank: a platform's
    traffic is nearly all misses, and a miss is the most an index lookup can cost. With
    ``cache``, the codes (synthetic tiles, 40 µs of CPU each) and the plan are kept there for the
    next run.
    """
    uploads = batch * batches // 2
    images = size // 2
    planned = cache / f"plan_{size}_{batch}x{batches}.npz" if cache is not None else None
    if planned is not None and planned.exists():
        with np.load(planned) as saved:
            codes = {Algorithm.PDQ: saved["pdq"], Algorithm.PHASH: saved["phash"]}
            pairs = zip(saved["miss_pdq"], saved["miss_phash"], strict=True)
            misses = [
                Fingerprint(algorithm, code_to_int(code))
                for pair in pairs
                for algorithm, code in zip((Algorithm.PDQ, Algorithm.PHASH), pair, strict=True)
            ]
        return Plan(codes, [misses[i * batch : (i + 1) * batch] for i in range(batches)])
    # Tiles of one photo repeat codes; a victim's fingerprints are distinct: draw some spare.
    count = images + images // 4 + 4 * uploads
    stored = cache / f"codes_{count}_seed11.npz" if cache is not None else None
    if stored is not None and stored.exists():
        with np.load(stored) as saved:
            phash, pdq = saved["phash"], saved["pdq"]
    else:
        phash, pdq = _realistic(count)
        if stored is not None:
            np.savez(stored, phash=phash, pdq=pdq)
    queries = len(pdq) - 4 * uploads
    codes = {
        Algorithm.PDQ: _distinct(pdq[:queries], images),
        Algorithm.PHASH: _distinct(phash[:queries], images),
    }
    misses = _misses(codes, pdq[queries:], phash[queries:], uploads)
    if planned is not None:
        words = {algorithm: algorithm.bits // 64 for algorithm in (Algorithm.PDQ, Algorithm.PHASH)}
        np.savez(
            planned,
            pdq=codes[Algorithm.PDQ],
            phash=codes[Algorithm.PHASH],
            **{
                f"miss_{algorithm.value}": np.array(
                    [
                        np.frombuffer(fp.to_bytes(), ">u8").astype(np.uint64)
                        for fp in misses
                        if fp.algorithm is algorithm
                    ]
                ).reshape(-1, width)
                for algorithm, width in words.items()
            },
        )
    return Plan(codes, [misses[i * batch : (i + 1) * batch] for i in range(batches)])


def _realistic(count: int, processes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """realistic_codes in ``processes`` forked processes, a seed each (11, 12, ...)."""
    if count < 100_000:
        return realistic_codes(count, seed=11)
    parts = [(count * (i + 1)) // processes - (count * i) // processes for i in range(processes)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        made = pool.starmap(realistic_codes, [(part, 11 + i) for i, part in enumerate(parts)])
    return np.concatenate([p for p, _ in made]), np.concatenate([q for _, q in made])


def platform_key(settings: Settings) -> str:
    """A new platform with a check key: its token."""
    runtime = Runtime.build(settings)
    with transaction(runtime.sessions) as session:
        platform = platforms.create_platform(
            session, name=f"bench-{secrets.token_hex(4)}", domains=[], algorithms=list(Algorithm)
        )
        token = platforms.issue_platform_key(
            session, vault=runtime.vault, platform=platform, scopes=[Scope.CHECK]
        ).token
    runtime.engine.dispose()
    return token


def fill(settings: Settings, codes: dict[Algorithm, np.ndarray], processes: int = 2) -> None:
    """Cases holding every code, sealed by the service's vault, written with binary COPY.

    Sealing (a Fingerprint, seal and MAC: ~4 µs a row) runs in ``processes`` forked processes;
    the table's secondary indexes and foreign keys are dropped for the COPY and made again
    after it (the same definitions, read from the catalogue): at 10M rows, keeping a unique
    index on random MACs up to date row by row costs more than building it once.
    """
    runtime = Runtime.build(settings)
    rows = sum(len(bank) for bank in codes.values())
    with transaction(runtime.sessions) as session:
        cases = [
            Case(public_id=secrets.token_hex(6), pin_hash="-")
            for _ in range(0, rows, FINGERPRINTS_PER_CASE)
        ]
        session.add_all(cases)
        session.flush()
        case_ids = np.array([case.id for case in cases], np.int32)
    runtime.engine.dispose()
    jobs = []
    position = 0
    for algorithm, bank in codes.items():
        for lo in range(0, len(bank), _FILL_CHUNK):
            part = bank[lo : lo + _FILL_CHUNK]
            owners = case_ids[(position + np.arange(len(part))) // FINGERPRINTS_PER_CASE]
            jobs.append((algorithm.value, part.astype(">u8").tobytes(), owners))
            position += len(part)
    url = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    secret = settings.secret_key.get_secret_value()
    context = multiprocessing.get_context("fork")
    with (
        psycopg.connect(url) as connection,
        _without_indexes(connection, "case_fingerprints"),
        connection.cursor() as cursor,
        cursor.copy(f"COPY case_fingerprints ({_FILL_COLUMNS}) FROM STDIN (FORMAT binary)") as copy,
        context.Pool(processes, _start_sealer, (secret,)) as pool,
    ):
        copy.write(_COPY_HEADER)
        for records in pool.imap(_sealed_records, jobs):
            copy.write(records)
        copy.write(b"\xff\xff")


_FILL_CHUNK = 100_000
_FILL_COLUMNS = "case_id, algorithm, value_sealed, value_mac, quality, created_at"
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
#: 2026-01-01 00:00 in PostgreSQL's binary timestamp: microseconds since 2000-01-01.
_CREATED_AT = 820_540_800 * 1_000_000
_sealer: Vault | None = None


def _start_sealer(secret: str) -> None:
    global _sealer
    _sealer = Vault(secret)


def _sealed_records(job: tuple[str, bytes, np.ndarray]) -> bytes:
    """Binary COPY records of one chunk: (case_id, algorithm, sealed, MAC, quality, created_at)."""
    assert _sealer is not None
    name, raw, owners = job
    algorithm = Algorithm(name)
    size = algorithm.bits // 8
    sealed, macs = [], []
    for at in range(0, len(raw), size):
        fingerprint = Fingerprint.from_bytes(algorithm, raw[at : at + size])
        sealed.append(_sealer.seal(fingerprint))
        macs.append(_sealer.mac(fingerprint))
    width = len(sealed[0])
    label = name.encode()
    quality = algorithm is Algorithm.PDQ
    fields = [
        ("fields", ">i2"),
        ("case_size", ">i4"),
        ("case_id", ">i4"),
        ("algorithm_size", ">i4"),
        ("algorithm", f"S{len(label)}"),
        ("sealed_size", ">i4"),
        ("sealed", f"V{width}"),
        ("mac_size", ">i4"),
        ("mac", "V32"),
        ("quality_size", ">i4"),
        *([("quality", ">i4")] if quality else []),
        ("created_size", ">i4"),
        ("created_at", ">i8"),
    ]
    records = np.zeros(len(sealed), np.dtype(fields))
    records["fields"] = 6
    records["case_size"] = 4
    records["case_id"] = owners
    records["algorithm_size"] = len(label)
    records["algorithm"] = label
    records["sealed_size"] = width
    records["sealed"] = np.frombuffer(b"".join(sealed), f"V{width}")
    records["mac_size"] = 32
    records["mac"] = np.frombuffer(b"".join(macs), "V32")
    records["quality_size"] = 4 if quality else -1
    if quality:
        records["quality"] = 100
    records["created_size"] = 8
    records["created_at"] = _CREATED_AT
    return records.tobytes()


@contextlib.contextmanager
def _without_indexes(connection: psycopg.Connection[Any], table: str) -> Iterator[None]:
    """Drop the table's secondary indexes, unique constraints and foreign keys; make them again."""
    constraints = connection.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
        (table,),
    ).fetchall()
    indexes = connection.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        (table, table),
    ).fetchall()
    for name, _definition in constraints:
        connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        connection.execute(f'DROP INDEX "{name}"')
    yield
    for _name, definition in indexes:
        connection.execute(definition)
    for name, definition in constraints:
        connection.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _distinct(codes: np.ndarray, count: int) -> np.ndarray:
    """The first ``count`` distinct rows of ``codes``, in their order."""
    first = np.sort(np.unique(codes, axis=0, return_index=True)[1])
    if len(first) < count:
        raise RuntimeError(f"only {len(first)} distinct codes of {count}")
    return codes[first[:count]]


def _misses(
    bank: dict[Algorithm, np.ndarray],
    pdq: np.ndarray,
    phash: np.ndarray,
    uploads: int,
) -> list[Fingerprint]:
    """PDQ and pHash of ``uploads`` tiles that no bank code is within the match radius of."""
    tiles = {Algorithm.PDQ: pdq, Algorithm.PHASH: phash}
    near = np.zeros(len(pdq), bool)
    for algorithm, codes in tiles.items():
        # The service's own exact index: a scan of a 10M bank per tile would take minutes.
        index = HammingIndex(algorithm.bits)
        index.add_codes(np.arange(len(bank[algorithm]), dtype=np.int64), bank[algorithm])
        hits = index.query_many([code_to_int(code) for code in codes], MATCH_RADIUS_BITS[algorithm])
        near |= np.array([bool(found) for found in hits])
    found: list[Fingerprint] = []
    for position in np.flatnonzero(~near):
        pair = [Fingerprint(a, code_to_int(codes[position])) for a, codes in tiles.items()]
        if any(degeneracy(fp) for fp in pair):
            continue
        found += pair
        if len(found) == 2 * uploads:
            return found
    raise RuntimeError(f"only {len(found) // 2} of {uploads} tiles miss the bank")


def create_app() -> FastAPI:
    """The service's app, as `takedown api` builds it, with GET /const added."""
    app = create_service_app()

    @app.get("/const")
    async def const() -> dict[str, str]:
        return {"status": "ok"}

    return app
