"""Rendering console pages in the visitor's language: formats and errors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from casework.access import Desk
from casework.errors import (
    CaseworkError,
    IncompleteNotice,
    LoginFailed,
    NotAuthenticated,
    RateLimited,
)
from casework.reports.videos import clock_ranges
from hashing.translations import N_, translation
from service.console.sessions import Visit
from service.console.states import reason, state
from service.templating import environment


def when(moment: datetime | None) -> str:
    """A time for people, in UTC (caseworkers in several countries share a case)."""
    if moment is None:
        return ""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def render_page(
    template: str,
    *,
    locale: str,
    context: Mapping[str, Any],
    status: int = 200,
) -> HTMLResponse:
    """A console page in the visitor's language (service/web/headers.py adds its headers)."""
    html = (
        environment(locale)
        .get_template(f"console/{template}")
        .render(
            lang=locale,
            when=when,
            state_words=state,
            reason_words=reason,
            clock_ranges=clock_ranges,
            **{"desk": None, "csrf": "", **context},
        )
    )
    return HTMLResponse(html, status)


def error_message(error: CaseworkError, locale: str) -> str:
    """The error in the visitor's language where a translation exists."""
    translate = translation(locale).gettext
    if isinstance(error, RateLimited):
        return translate(N_("Too many attempts in a short time. Try again in {seconds} s.")).format(
            seconds=error.retry_after
        )
    if isinstance(error, IncompleteNotice) and locale != "en":
        fields = ", ".join(f"\u201c{translate(name)}\u201d" for name in error.missing)
        return translate(
            N_("This notice cannot be approved: these required fields are missing: {fields}.")
        ).format(fields=fields)
    return translate(str(error))


def render_error(request: Request, error: CaseworkError, status: int) -> Response:
    """The HTML face of a domain error (service/errors.py decides the status)."""
    locale = getattr(request.state, "console_locale", "en")
    if isinstance(error, NotAuthenticated) and not isinstance(error, LoginFailed):
        return Response(status_code=303, headers={"Location": "/console/login"})
    if isinstance(error, LoginFailed) or request.url.path == "/console/login":
        response = render_page(
            "login.html",
            locale=locale,
            context={
                "csrf": getattr(request.state, "console_csrf", ""),
                "error": error_message(error, locale),
                "email": getattr(request.state, "console_login_email", ""),
            },
            status=status,
        )
        # The form on it must work: a visitor whose login cookie was new gets it here.
        visit = getattr(request.state, "console_visit", None)
        if isinstance(visit, Visit) and visit.row is None:
            visit.apply(response)
    else:
        back = _back(request)
        response = render_page(
            "error.html",
            locale=locale,
            context={"message": error_message(error, locale), "status": status, "back": back},
            status=status,
        )
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


#: Where matches are decided, an image's or a video's (service/console/matches.py, REVIEW_PATHS).
DECISION_PATHS = ("/console/matches/", "/console/video-matches/")


def _back(request: Request) -> str:
    """The page a failed form came from: the object's page, or the queue for match decisions."""
    path = request.url.path
    if path.startswith(DECISION_PATHS):
        return "/console/queue"
    if request.method != "POST":
        return "/console/"
    return path.rsplit("/", 1)[0] or "/console/"


def show(
    visit: Visit,
    template: str,
    *,
    desk: Desk | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page for this visit: its language, its CSRF token, the caseworker, the cookie."""
    response = render_page(
        template,
        locale=visit.locale,
        context={"csrf": visit.csrf, "desk": desk, **context},
        status=status,
    )
    visit.apply(response)
    return response


def go(visit: Visit, url: str) -> Response:
    """A 303 redirect after a form (post/redirect/get), carrying any cookie change."""
    response = Response(status_code=303, headers={"Location": url})
    visit.apply(response)
    return response
