"""/metrics for Prometheus, behind the operator's bearer token; off (404) without one."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from casework.errors import NotFound
from service.deps import MetricsDep, RuntimeDep
from service.metrics import CONTENT_TYPE

router = APIRouter(tags=["operations"])

_bearer = HTTPBearer(auto_error=False)


@router.get("/metrics", include_in_schema=False)
async def metrics(
    runtime: RuntimeDep,
    metrics: MetricsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Response:
    """The exposition, to a caller with TAKEDOWN_METRICS_TOKEN; 404 to anyone else."""
    expected = runtime.settings.metrics_token.get_secret_value()
    given = credentials.credentials if credentials else ""
    # A wrong token is told what a missing endpoint is told: nothing says there is one to guess.
    if not expected or not secrets.compare_digest(given.encode(), expected.encode()):
        raise NotFound("not found")
    return Response(await run_in_threadpool(metrics.exposition), media_type=CONTENT_TYPE)
