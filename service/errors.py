"""The one place where domain errors become HTTP responses."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from casework.errors import (
    BodyTooLarge,
    CaseNotFound,
    CaseworkError,
    Conflict,
    InvalidInput,
    InvalidItems,
    Misconfigured,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    RateLimited,
    TooManyFingerprints,
    Unavailable,
    UploadAsForm,
)
from casework.notices.outcomes import UnknownTargets
from casework.platforms.apikeys import InvalidApiKey

logger = logging.getLogger(__name__)

#: An error's status is that of the nearest class in its hierarchy listed here (status_of).
STATUS_BY_ERROR: dict[type[CaseworkError], int] = {
    # Refused credentials: one answer for an unknown case or key, a wrong PIN and a locked case.
    CaseNotFound: 401,
    InvalidApiKey: 401,
    NotAuthenticated: 401,
    NotFound: 404,
    TooManyFingerprints: 413,
    BodyTooLarge: 413,
    UploadAsForm: 415,
    InvalidInput: 422,
    Conflict: 409,
    NotAllowed: 403,
    Unavailable: 503,
    RateLimited: 429,
    Misconfigured: 500,
}
RETRY_AFTER_SECONDS = 5
#: The WWW-Authenticate challenge of a refused case ID and PIN; every other 401 asks for a key.
CASE_CHALLENGE = 'Basic realm="takedown case"'
#: Codes of the errors the framework raises itself (no credentials, no such path or method).
HTTP_ERROR_CODES = {401: "not_authenticated", 404: "not_found", 405: "method_not_allowed"}
#: What each error status means, for the OpenAPI entry of every route that can answer it.
ERROR_MEANINGS: dict[int, str] = {
    401: "no credentials, or refused ones: one answer for an unknown case or key, a wrong PIN "
    "and a paused case",
    403: "the credentials may not use this route (an API key without its scope, or an API key "
    "on a victim's route)",
    404: "the object does not exist, or is not yours: one answer for both",
    409: "the object's state forbids it (the case was withdrawn)",
    413: "the body is too large, or there are too many fingerprints",
    415: "the body is a form (multipart or urlencoded): send the file's bytes as the body",
    422: "the request is malformed, or refused as it stands; details say where",
    429: "over the caller's budget; Retry-After says when to try again",
    503: "the service is not ready (database, index or credential checks); retry shortly",
}
#: Renders a domain error as an HTML page for browser-facing paths (the console); the status
#: still comes from STATUS_BY_ERROR, so the mapping stays here.
HtmlErrorPage = Callable[[Request, CaseworkError, int], Response]


def error_body(
    code: str,
    message: str,
    details: list[dict[str, object]] | None = None,
    extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The JSON shape of every error response."""
    error: dict[str, object] = {"code": code, "message": message, **(extra or {})}
    if details:
        error["details"] = details
    return {"error": error}


class ErrorDetail(BaseModel):
    """What went wrong, for programs (code) and people (message)."""

    code: str
    message: str
    details: list[dict[str, object]] | None = None
    retry_at: datetime | None = Field(
        default=None,
        description="case_not_found: a time by which a paused case opens again (the same for "
        "every refusal at that moment, so it tells nothing about the case)",
    )
    per_request: int | None = Field(
        default=None, description="too_many_fingerprints: the most one request may carry"
    )
    photos_per_request: int | None = Field(
        default=None,
        description="too_many_fingerprints: the most photos one request may group",
    )


class ErrorOut(BaseModel):
    """Every error of the JSON API has this shape."""

    error: ErrorDetail


def error_responses(
    *statuses: int, meanings: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, object]]:
    """OpenAPI entries for the errors a route can answer, with route-specific meanings."""
    described = {**ERROR_MEANINGS, **(meanings or {})}
    return {status: {"model": ErrorOut, "description": described[status]} for status in statuses}


def status_of(error: CaseworkError | type[CaseworkError]) -> int:
    """The HTTP status of a domain error (or error class): its nearest listed class's, else 400."""
    kind = error if isinstance(error, type) else type(error)
    return next((STATUS_BY_ERROR[cls] for cls in kind.__mro__ if cls in STATUS_BY_ERROR), 400)


def _casework_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, CaseworkError):
        raise error
    status = status_of(error)
    details: list[dict[str, object]] | None = None
    if isinstance(error, InvalidItems | UnknownTargets):
        details = [{"index": p.index, "reason": p.reason} for p in error.problems]
    # Machine-readable parts of the message, so that clients can say it in their own words.
    extra: dict[str, object] = {}
    if isinstance(error, CaseNotFound):
        extra["retry_at"] = error.retry_at.isoformat()
    if isinstance(error, TooManyFingerprints) and error.per_request is not None:
        extra["per_request"] = error.per_request
    if isinstance(error, TooManyFingerprints) and error.photos_per_request is not None:
        extra["photos_per_request"] = error.photos_per_request
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    if isinstance(error, RateLimited):
        headers = {"Retry-After": str(error.retry_after)}
    if status == 401:
        # The console renders its own login page; JSON routes take a case ID and PIN or a key.
        challenge = CASE_CHALLENGE if isinstance(error, CaseNotFound) else "Bearer"
        headers = {"WWW-Authenticate": challenge}
    return JSONResponse(error_body(error.code, str(error), details, extra), status, headers=headers)


def _http_error(_request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, HTTPException):
        raise error
    # Missing Basic credentials, an unknown path or method: the framework's own refusals, in the
    # shape of every other error and with their headers (WWW-Authenticate, Allow).
    code = HTTP_ERROR_CODES.get(error.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(error.detail)), error.status_code, headers=error.headers
    )


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


def _unstorable_value(_request: Request, error: Exception) -> JSONResponse:
    # A value the database cannot take (a NUL byte in a string, a number out of its column's
    # range) that validation let through: the caller's input, and retrying will not help.
    logger.warning("value refused by the database: %s", type(error).__name__)
    return JSONResponse(
        error_body("invalid_request", "a value in the request cannot be stored or compared"), 422
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
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DataError, _unstorable_value)
    app.add_exception_handler(OperationalError, _database_down)
    app.add_exception_handler(DBAPIError, _database_down)
    # Every pooled connection taken for longer than the pool's timeout: busy, not broken.
    app.add_exception_handler(PoolTimeout, _database_down)
