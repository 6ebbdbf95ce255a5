"""Console sessions over HTTP: the cookie, the logged-in caseworker, and CSRF checks.

The cookie is ``__Host-takedown-console`` (Secure, HttpOnly, SameSite=Strict, Path=/). Only in
development and test, and only over plain http (a laptop, the test server), it is
``takedown-console`` without Secure, because browsers refuse ``__Host-`` cookies there.

Every form carries the session's synchronizer token, and every POST must also come from this
origin (``Origin``, or ``Sec-Fetch-Site: same-origin`` when a browser sends no Origin).

A visitor who has not logged in has no session row: anyone can load the login page, so it stores
nothing. Its forms carry a signed token that is also in the cookie ``__Host-takedown-login``
(``takedown-login`` where the session cookie is unprefixed), with the visitor's language: a
double submit whose token only this service can sign.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from casework.access import Desk
from casework.credentials import PinHasher
from casework.desk import accounts
from casework.desk.accounts import SessionPolicy
from casework.errors import NotAuthenticated, RequestForgery
from casework.models import ConsoleSession
from casework.notices.registry import PlatformRegistry
from casework.runtime import Runtime
from casework.settings import Environment, Settings
from hashing.translations import LOCALES, negotiate
from service.deps import RuntimeDep, SessionDep

SECURE_COOKIE = "__Host-takedown-console"
PLAIN_HTTP_COOKIE = "takedown-console"
SECURE_LOGIN_COOKIE = "__Host-takedown-login"
PLAIN_HTTP_LOGIN_COOKIE = "takedown-login"


@dataclass(frozen=True)
class ConsoleConfig:
    """What the console needs beyond the runtime, built once by create_app."""

    registry: PlatformRegistry
    passwords: PinHasher
    policy: SessionPolicy
    settings: Settings

    @classmethod
    def build(cls, settings: Settings, *, passwords: PinHasher) -> ConsoleConfig:
        """Load the platform registry; passwords share the process's argon2 hasher and slots."""
        path = Path(settings.platform_registry) if settings.platform_registry else None
        return cls(
            registry=PlatformRegistry.load(path),
            passwords=passwords,
            policy=SessionPolicy(
                idle=timedelta(minutes=settings.console_idle_minutes),
                absolute=timedelta(hours=settings.console_absolute_hours),
            ),
            settings=settings,
        )


def get_console(request: Request) -> ConsoleConfig:
    """The console configuration attached by create_app."""
    console: ConsoleConfig = request.app.state.console
    return console


ConsoleDep = Annotated[ConsoleConfig, Depends(get_console)]


@dataclass
class Visit:
    """This request's console session (None before the first page) and its cookie."""

    row: ConsoleSession | None
    locale: str
    cookie_name: str
    cookie_secure: bool
    new_token: str | None = None
    forget: bool = False
    #: A visitor's signed token (no row), from the login cookie or new.
    login_token: str = ""
    #: The login token came with the request, so a form may be checked against it.
    login_token_sent: bool = False
    #: The login cookie must be (re)written: a new token, or a new language.
    remember_login: bool = False

    @property
    def csrf(self) -> str:
        """The synchronizer token forms must carry."""
        return self.row.csrf_token if self.row else self.login_token

    @property
    def login_cookie_name(self) -> str:
        """The visitor's cookie, prefixed exactly when the session cookie is."""
        return SECURE_LOGIN_COOKIE if self.cookie_secure else PLAIN_HTTP_LOGIN_COOKIE

    def apply(self, response: Response) -> Response:
        """Set or clear the cookies on the response, as the request decided."""
        if self.new_token:
            self._set(response, self.cookie_name, self.new_token)
            self._delete(response, self.login_cookie_name)
        elif self.forget:
            self._delete(response, self.cookie_name)
        if self.row is None and self.remember_login:
            self._set(response, self.login_cookie_name, f"{self.locale}.{self.login_token}")
        return response

    def _set(self, response: Response, name: str, value: str) -> None:
        response.set_cookie(
            name, value, httponly=True, secure=self.cookie_secure, samesite="strict", path="/"
        )

    def _delete(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path="/", secure=self.cookie_secure, samesite="strict")


def cookie_policy(request: Request, settings: Settings) -> tuple[str, bool]:
    """The cookie's name and whether it is Secure, for this request."""
    relaxed = settings.environment in (Environment.DEVELOPMENT, Environment.TEST)
    if relaxed and request.url.scheme == "http":
        return PLAIN_HTTP_COOKIE, False
    return SECURE_COOKIE, True


def get_visit(
    request: Request, session: SessionDep, console: ConsoleDep, runtime: RuntimeDep
) -> Visit:
    """Resume the console session named by the cookie, if it is still live."""
    name, secure = cookie_policy(request, console.settings)
    token = request.cookies.get(name, "")
    row = accounts.resume_session(session, token=token, policy=console.policy) if token else None
    locale = row.locale if row else negotiate(request.headers.get("accept-language", ""))
    visit = Visit(row=row, locale=locale, cookie_name=name, cookie_secure=secure)
    visit.forget = bool(token) and row is None
    if row is None:
        _resume_visitor(visit, request.cookies.get(visit.login_cookie_name, ""), runtime)
    _remember(request, visit)
    return visit


def _resume_visitor(visit: Visit, cookie: str, runtime: Runtime) -> None:
    locale, _, token = cookie.partition(".")
    nonce, _, signature = token.partition(".")
    if nonce and hmac.compare_digest(signature, _login_signature(runtime, nonce)):
        visit.login_token, visit.login_token_sent = token, True
        visit.locale = locale if locale in LOCALES else visit.locale
        return
    nonce = secrets.token_urlsafe(24)
    visit.login_token = f"{nonce}.{_login_signature(runtime, nonce)}"
    visit.remember_login = True


def _login_signature(runtime: Runtime, nonce: str) -> str:
    return runtime.vault.key_digest(f"console-login:{nonce}").hex()[:32]


def _remember(request: Request, visit: Visit) -> None:
    # The HTML error pages (rendered after the unit of work ended) need these.
    request.state.console_locale = visit.locale
    request.state.console_csrf = visit.csrf
    request.state.console_visit = visit


VisitDep = Annotated[Visit, Depends(get_visit)]


def get_desk(visit: VisitDep, session: SessionDep, console: ConsoleDep) -> Desk:
    """The logged-in caseworker, or NotAuthenticated (the console answers with the login page)."""
    if visit.row is None or visit.row.caseworker is None:
        raise NotAuthenticated("Log in to use the console.")
    return Desk(
        caseworker=visit.row.caseworker,
        default_organisation_id=accounts.default_organisation_id(
            session, slug=console.settings.default_organisation
        ),
    )


CurrentDesk = Annotated[Desk, Depends(get_desk)]


def same_origin(request: Request) -> bool:
    """True when a browser says the request comes from a page of this site."""
    origin = request.headers.get("origin")
    if origin is not None:
        # Host and port, not scheme: behind a TLS proxy the app itself sees http.
        return origin != "null" and urlsplit(origin).netloc == request.headers.get("host", "")
    return request.headers.get("sec-fetch-site") == "same-origin"


async def get_checked_form(request: Request, visit: VisitDep) -> FormData:
    """The posted form, once its origin and synchronizer token are verified."""
    if not same_origin(request):
        raise RequestForgery()
    form = await request.form()
    token = form.get("csrf_token")
    expected = visit.row.csrf_token if visit.row else visit.login_token
    if visit.row is None and not visit.login_token_sent:
        raise RequestForgery()
    if not isinstance(token, str) or not expected:
        raise RequestForgery()
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise RequestForgery()
    return form


CheckedForm = Annotated[FormData, Depends(get_checked_form)]


def text(form: FormData, name: str, default: str = "") -> str:
    """A text field of a form ('' for a missing one or a file)."""
    value = form.get(name, default)
    return value if isinstance(value, str) else default
