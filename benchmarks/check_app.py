"""The service's own app over a bank of realistic fingerprints, with a constant endpoint beside it.

``prepare`` fills a migrated database the way the service would have: cases whose fingerprints
are sealed by the vault, and a platform key with the check scope. ``create_app`` is uvicorn's
factory for service_speed.py: the app `takedown api` serves (settings from TAKEDOWN_*), plus
GET /const, which answers a constant through the same middleware: the web layer's ceiling.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

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
from hashing.algorithms import degeneracy
from hashing.fingerprint import Algorithm, Fingerprint
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


def prepare(settings: Settings, size: int, batch: int, batches: int) -> Bank:
    """Fill the (migrated, empty) database with ``size`` fingerprints: half PDQ, half pHash.

    Each bank image gives one PDQ and one pHash, from benchmarks.corpus.realistic_codes (tiles of
    the dev corpus), so buckets fill as they would with real photos. The batches are uploads of
    other tiles, PDQ and pHash in turn, none within the match radius of the bank: a platform's
    traffic is nearly all misses, and a miss is the most an index lookup can cost.
    """
    uploads = batch * batches // 2
    images = size // 2
    # Tiles of one photo repeat codes; a victim's fingerprints are distinct: draw some spare.
    phash, pdq = realistic_codes(images + images // 4 + 4 * uploads, seed=11)
    queries = len(pdq) - 4 * uploads
    codes = {
        Algorithm.PDQ: _distinct(pdq[:queries], images),
        Algorithm.PHASH: _distinct(phash[:queries], images),
    }
    runtime = Runtime.build(settings)
    with transaction(runtime.sessions) as session:
        cases = [
            Case(public_id=secrets.token_hex(6), pin_hash="-")
            for _ in range(0, 2 * images, FINGERPRINTS_PER_CASE)
        ]
        session.add_all(cases)
        session.flush()
        case_ids = [case.id for case in cases]
        platform = platforms.create_platform(
            session, name="bench", domains=[], algorithms=list(Algorithm)
        )
        token = platforms.issue_platform_key(
            session, vault=runtime.vault, platform=platform, scopes=[Scope.CHECK]
        ).token
    url = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    columns = "case_id, algorithm, value_sealed, value_mac, quality, created_at"
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY case_fingerprints ({columns}) FROM STDIN") as copy:
            for position, (algorithm, row) in enumerate(
                (algorithm, row) for algorithm, bank in codes.items() for row in bank
            ):
                fingerprint = Fingerprint(algorithm, code_to_int(row))
                copy.write_row(
                    (
                        case_ids[position // FINGERPRINTS_PER_CASE],
                        algorithm.value,
                        runtime.vault.seal(fingerprint),
                        runtime.vault.mac(fingerprint),
                        100 if algorithm is Algorithm.PDQ else None,
                        "2026-01-01 00:00:00",
                    )
                )
    runtime.engine.dispose()
    misses = _misses(codes, pdq[queries:], phash[queries:], uploads)
    return Bank(token, [misses[i * batch : (i + 1) * batch] for i in range(batches)], codes)


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
    found: list[Fingerprint] = []
    for tile in zip(pdq, phash, strict=True):
        codes = dict(zip((Algorithm.PDQ, Algorithm.PHASH), tile, strict=True))
        pair = [Fingerprint(algorithm, code_to_int(code)) for algorithm, code in codes.items()]
        if any(degeneracy(fp) for fp in pair) or any(
            _nearest(bank[algorithm], code) <= MATCH_RADIUS_BITS[algorithm]
            for algorithm, code in codes.items()
        ):
            continue
        found += pair
        if len(found) == 2 * uploads:
            return found
    raise RuntimeError(f"only {len(found) // 2} of {uploads} tiles miss the bank")


def _nearest(bank: np.ndarray, code: np.ndarray) -> int:
    return int(np.bitwise_count(bank ^ code).sum(axis=1, dtype=np.int64).min())


def create_app() -> FastAPI:
    """The service's app, as `takedown api` builds it, with GET /const added."""
    app = create_service_app()

    @app.get("/const")
    async def const() -> dict[str, str]:
        return {"status": "ok"}

    return app
