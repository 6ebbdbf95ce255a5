"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from casework.db import database_answers
from service.deps import RuntimeDep

router = APIRouter(tags=["health"])


class Readiness(BaseModel):
    """Whether this process can answer: ready with its index version, or why not."""

    status: Literal["ready", "starting", "unavailable"]
    index_version: int | None = None
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
        503: {"model": Readiness, "description": "the database or the index is not ready"},
    },
)
def readyz(runtime: RuntimeDep) -> dict[str, object] | JSONResponse:
    """Ready once the bank index is loaded and the database answers."""
    if not database_answers(runtime.engine):
        return JSONResponse({"status": "unavailable", "reason": "database"}, 503)
    if not runtime.bank.loaded:
        return JSONResponse({"status": "starting", "reason": "index loading"}, 503)
    return {"status": "ready", "index_version": runtime.bank.version}
