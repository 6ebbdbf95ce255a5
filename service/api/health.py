"""Liveness and readiness probes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from casework.db import database_answers
from service.deps import IndexRefresherDep, RuntimeDep

router = APIRouter(tags=["health"])


class Readiness(BaseModel):
    """Whether this process can answer: ready with its index version, or why not."""

    status: Literal["ready", "starting", "unavailable"]
    index_version: int | None = None
    #: Seconds since the index last caught up with the bank (or since its loading began).
    index_age_seconds: float | None = None
    reason: str | None = None


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=None,
    responses={
        200: {"model": Readiness, "description": "ready"},
        503: {
            "model": Readiness,
            "description": "the database does not answer, or the index is loading or stale",
        },
    },
)
def readyz(runtime: RuntimeDep, refresher: IndexRefresherDep) -> dict[str, object] | JSONResponse:
    """Ready while the database answers and the bank index is loaded and recently refreshed.

    A stale index would keep matching withdrawn cases, so past its refresher's bound (several
    refresh intervals without a success) this process answers 503 until the refresher recovers.
    """
    if not database_answers(runtime.engine):
        return JSONResponse({"status": "unavailable", "reason": "database"}, 503)
    if not runtime.bank.loaded:
        return JSONResponse({"status": "starting", "reason": "index loading"}, 503)
    now = datetime.now(UTC)
    report = refresher.report()
    age = report.age(now)
    index_age = None if age is None else round(age.total_seconds(), 3)
    if age is None or report.stale(now):
        return JSONResponse(
            {
                "status": "unavailable",
                "reason": "index stale",
                "index_version": runtime.bank.version,
                "index_age_seconds": index_age,
            },
            503,
        )
    return {
        "status": "ready",
        "index_version": runtime.bank.version,
        "index_age_seconds": index_age,
    }
