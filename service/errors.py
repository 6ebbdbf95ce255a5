"""The one place where domain errors become HTTP responses."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError

from casework.errors import (
    CaseworkError,
    Conflict,
    InvalidInput,
    InvalidItems,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    RateLimited,
    TooManyFingerprints,
    Unavailable,
)
from casework.outcomes import UnknownTargets

logger = logging.getLogger(__name__)

STATUS_BY_ERROR: list[tuple[type[CaseworkError], int]] = [
    (NotAuthenticated, 401),
    (NotFound, 404),
    (TooManyFingerprints, 413),
    (InvalidInput, 422),
    (Conflict, 409),
    (NotAllowed, 403),
    (Unavailable, 503),
    (RateLimited, 429),
]
RETRY_AFTER_SECONDS = 5
#: Renders a domain error as an HTML page for browser-facing paths (the console); the status
#: still comes from STATUS_BY_ERROR, so the mapping stays here.
HtmlErrorPage = Callable[[Request, CaseworkError, int], Response]


def error_body(
    code: str, message: str, details: list[dict[str, object]] | None = None
) -> dict[str, object]:
    """The JSON shape of every error response."""
    error: dict[str, object] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"error": error}


def status_of(error: CaseworkError) -> int:
    """The HTTP status of a domain error."""
    return next((code for kind, code in STATUS_BY_ERROR if isinstance(error, kind)), 400)


def _casework_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, CaseworkError):
        raise error
    status = status_of(error)
    details: list[dict[str, object]] | None = None
    if isinstance(error, InvalidItems | UnknownTargets):
        details = [{"index": p.index, "reason": p.reason} for p in error.problems]
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    if isinstance(error, RateLimited):
        headers = {"Retry-After": str(error.retry_after)}
    if status == 401:
        # JSON routes that raise it take API keys (the console renders its own login page).
        headers = {"WWW-Authenticate": "Bearer"}
    return JSONResponse(error_body(error.code, str(error), details), status, headers=headers)


def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, RequestValidationError):
        raise error
    # Echoing "input" back would copy submitted hashes into responses and logs: keep loc and msg.
    details: list[dict[str, object]] = [
        {"location": ".".join(str(part) for part in item["loc"]), "reason": item["msg"]}
        for item in error.errors()
    ]
    return JSONResponse(
        error_body("invalid_request", "the request body does not have the expected shape", details),
        422,
    )


def _database_down(_request: Request, error: Exception) -> JSONResponse:
    logger.warning("database unavailable: %s", type(error).__name__)
    return JSONResponse(
        error_body("unavailable", "the service is temporarily unavailable; try again shortly"),
        503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def install_error_handlers(
    app: FastAPI, *, html_pages: Mapping[str, HtmlErrorPage] | None = None
) -> None:
    """Register every mapping on the app; paths under a key of html_pages get HTML pages."""
    pages = dict(html_pages or {})

    def casework_error(request: Request, error: Exception) -> Response:
        if isinstance(error, CaseworkError):
            for prefix, page in pages.items():
                if request.url.path.startswith(prefix):
                    return page(request, error, status_of(error))
        return _casework_error(request, error)

    app.add_exception_handler(CaseworkError, casework_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_down)
    app.add_exception_handler(DBAPIError, _database_down)
