"""Log in, log out, choose a language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from casework import accounts
from service.console.i18n import LOCALES
from service.console.pages import go, show
from service.console.sessions import CheckedForm, ConsoleDep, VisitDep, ensure_visitor, text
from service.deps import SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/")
def home(visit: VisitDep) -> Response:
    """The queue for a caseworker, the login page for anyone else."""
    logged_in = visit.row is not None and visit.row.caseworker is not None
    return go(visit, "/console/queue" if logged_in else "/console/login")


@router.get("/login")
def login_page(visit: VisitDep, session: SessionDep, console: ConsoleDep) -> Response:
    """The login form (a visitor session is started for its CSRF token)."""
    if visit.row is not None and visit.row.caseworker is not None:
        return go(visit, "/console/queue")
    ensure_visitor(session, visit, console.policy)
    return show(visit, "login.html", error="", email="")


@router.post("/login")
def login(
    request: Request, visit: VisitDep, form: CheckedForm, session: SessionDep, console: ConsoleDep
) -> Response:
    """Check the password; on success a new session (new token) replaces the visitor's."""
    email = text(form, "email")[:254]
    request.state.console_login_email = email
    visit.row, visit.new_token = accounts.login(
        session,
        visitor=visit.row,
        email=email,
        password=text(form, "password")[:1024],
        passwords=console.passwords,
        policy=console.policy,
    )
    return go(visit, "/console/queue")


@router.post("/logout")
def logout(visit: VisitDep, form: CheckedForm, session: SessionDep) -> Response:
    """End the session: its row is deleted and the cookie cleared."""
    if visit.row is not None:
        accounts.end_session(session, console_session=visit.row)
    visit.row, visit.forget = None, True
    return go(visit, "/console/login")


@router.post("/language")
def language(visit: VisitDep, form: CheckedForm, session: SessionDep) -> Response:
    """Switch between English and Dutch, then return to the page the switch was on."""
    locale = text(form, "lang")
    if visit.row is not None and locale in LOCALES:
        accounts.set_locale(session, console_session=visit.row, locale=locale)
    back = text(form, "next")
    return go(visit, back if back.startswith("/console/") and "//" not in back else "/console/")
