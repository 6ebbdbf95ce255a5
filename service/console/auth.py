"""Log in, log out, choose a language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from casework.desk import accounts
from casework.errors import LoginFailed
from hashing.translations import LOCALES
from service.console.pages import go, show
from service.console.sessions import CheckedForm, ConsoleDep, VisitDep, text
from service.deps import RuntimeDep, SessionDep, get_rate_limiter, spend_client_budget

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/")
def home(visit: VisitDep) -> Response:
    """The queue for a caseworker, the login page for anyone else."""
    logged_in = visit.row is not None and visit.row.caseworker is not None
    return go(visit, "/console/queue" if logged_in else "/console/login")


@router.get("/login")
def login_page(visit: VisitDep) -> Response:
    """The login form; its CSRF token is the visitor's signed cookie, so nothing is stored."""
    if visit.row is not None and visit.row.caseworker is not None:
        return go(visit, "/console/queue")
    return show(visit, "login.html", error="", email="")


@router.post("/login")
def login(
    request: Request,
    visit: VisitDep,
    form: CheckedForm,
    session: SessionDep,
    console: ConsoleDep,
    runtime: RuntimeDep,
) -> Response:
    """Check the password; on success a new session (new token) replaces any other.

    Each attempt spends from the client's login budget, and each failure from the account's
    (checked before the password is): a guesser runs out of both long before the audit log
    fills, and an address that has no account is limited the same way.
    """
    email = text(form, "email")[:254]
    request.state.console_login_email = email
    settings = console.settings
    spend_client_budget(
        request,
        runtime,
        bucket="console-logins",
        per_minute=settings.console_logins_per_client_per_minute,
    )
    limiter = get_rate_limiter(request)
    account = runtime.vault.key_digest(f"console-account:{email.strip().lower()}").hex()[:32]
    per_account = settings.console_login_failures_per_account_per_minute
    limiter.check(key=account, bucket="console-login-failures", per_minute=per_account)
    try:
        visit.row, visit.new_token = accounts.login(
            session,
            replacing=visit.row,
            locale=visit.locale,
            email=email,
            password=text(form, "password")[:1024],
            passwords=console.passwords,
            policy=console.policy,
        )
    except LoginFailed:
        limiter.spend(key=account, bucket="console-login-failures", per_minute=per_account)
        raise
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
    elif locale in LOCALES:
        visit.locale, visit.remember_login = locale, True
    back = text(form, "next")
    return go(visit, back if _is_console_path(back) else "/console/")


def _is_console_path(path: str) -> bool:
    # It becomes the Location header: a line break or a non-ASCII character would break the
    # response, and "//" or a backslash could lead a browser to another site.
    plain = path.isascii() and path.isprintable() and " " not in path and "\\" not in path
    return plain and path.startswith("/console/") and "//" not in path
