"""Administration: accounts and organisation details (admins), the platform registry, audit log."""

from __future__ import annotations

import secrets

from fastapi import APIRouter
from fastapi.responses import Response

from casework import access, audit
from casework.desk import accounts
from casework.errors import InvalidInput, NotAllowed
from casework.models import Role
from service.console.pages import go, show
from service.console.sessions import CheckedForm, ConsoleDep, CurrentDesk, VisitDep, text
from service.deps import SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)

AUDIT_PAGE_ROWS = 200


def _admin_only(desk: access.Desk) -> None:
    if not desk.is_admin:
        raise NotAllowed("Only an administrator of your organisation can open this page.")


@router.get("/admin/accounts")
def account_list(visit: VisitDep, desk: CurrentDesk, session: SessionDep) -> Response:
    """The organisation's accounts, and a form for a new one."""
    _admin_only(desk)
    caseworkers = accounts.list_caseworkers(session, desk=desk)
    return show(visit, "accounts.html", desk=desk, caseworkers=caseworkers, created=None)


@router.post("/admin/accounts")
def create_account(
    visit: VisitDep,
    desk: CurrentDesk,
    form: CheckedForm,
    session: SessionDep,
    console: ConsoleDep,
) -> Response:
    """Create an account; its first password is shown once, to hand over in person."""
    _admin_only(desk)
    try:
        role = Role(text(form, "role"))
    except ValueError:
        raise InvalidInput("Choose a role.") from None
    password = secrets.token_urlsafe(15)
    created = accounts.create_caseworker(
        session,
        organisation=desk.caseworker.organisation,
        email=text(form, "email"),
        display_name=text(form, "name"),
        password=password,
        role=role,
        passwords=console.passwords,
        actor=desk.actor,
    )
    caseworkers = accounts.list_caseworkers(session, desk=desk)
    return show(
        visit,
        "accounts.html",
        desk=desk,
        caseworkers=caseworkers,
        created=(created, password),
    )


@router.get("/admin/organisation")
def organisation_page(visit: VisitDep, desk: CurrentDesk) -> Response:
    """The details notices are signed with."""
    _admin_only(desk)
    return show(visit, "organisation.html", desk=desk, organisation=desk.caseworker.organisation)


@router.post("/admin/organisation")
def update_organisation(
    visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
) -> Response:
    """Save the organisation's name and contact details."""
    accounts.update_organisation(
        session,
        desk=desk,
        name=text(form, "name"),
        contact_email=text(form, "contact_email"),
        postal_address=text(form, "postal_address"),
        phone=text(form, "phone"),
    )
    return go(visit, "/console/admin/organisation")


@router.get("/platforms")
def platforms(visit: VisitDep, desk: CurrentDesk, console: ConsoleDep) -> Response:
    """The platform registry as the operator configured it (read-only here)."""
    return show(visit, "platforms.html", desk=desk, registry=console.registry)


@router.get("/audit")
def audit_log(visit: VisitDep, desk: CurrentDesk, session: SessionDep) -> Response:
    """The newest audit events of the organisation (admins)."""
    _admin_only(desk)
    events = audit.list_events(session, organisation_id=desk.organisation_id, limit=AUDIT_PAGE_ROWS)
    names = {
        person.id: person.display_name for person in accounts.list_caseworkers(session, desk=desk)
    }
    return show(visit, "audit.html", desk=desk, events=events, names=names)
