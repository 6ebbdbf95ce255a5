"""A minimal check endpoint over HammingIndex next to a constant endpoint (service_speed.py).

POST /check takes {"fingerprints": [{"algorithm": "phash", "value": hex}, ...]} and answers,
per fingerprint, the bank ids within the service's pHash radius: the lookup /v1/check does,
without its authentication, rate limits and database. GET /const is the web layer's ceiling.
The bank is TAKEDOWN_BENCH_BANK uniformly random 64-bit codes (default 1M).
"""

from __future__ import annotations

import os

import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel

from benchmarks.corpus import random_codes
from casework.bank import MATCH_RADIUS_BITS
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.index import HammingIndex


class Item(BaseModel):
    algorithm: str
    value: str


class CheckRequest(BaseModel):
    fingerprints: list[Item]


class CheckResponse(BaseModel):
    matches: list[list[int]]


def create_app() -> FastAPI:
    size = int(os.environ.get("TAKEDOWN_BENCH_BANK", "1000000"))
    index = HammingIndex(64)
    index.add_codes(np.arange(size, dtype=np.int64), random_codes(size, 1, seed=7))
    radius = MATCH_RADIUS_BITS[Algorithm.PHASH]
    app = FastAPI()

    @app.get("/const")
    async def const() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/check")
    async def check(body: CheckRequest) -> CheckResponse:
        values = [Fingerprint.parse(item.algorithm, item.value).bits for item in body.fingerprints]
        hits = index.query_many(values, radius)
        return CheckResponse(matches=[[item for item, _ in found] for found in hits])

    return app
