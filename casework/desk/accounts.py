"""Organisations, caseworker accounts, console sessions, and which cases a caseworker sees.

How a victim's case gets an organisation: victims open cases anonymously, so a new case has
none (``Case.organisation_id`` is NULL) and belongs to the deployment's *default organisation*:
the one whose slug is ``TAKEDOWN_DEFAULT_ORGANISATION``, or, when that is empty, the first
organisation created (the one ``takedown admin create`` makes on a fresh install). An admin of
the organisation that holds a case can assign it to another organisation; from then on only that
organisation sees it.

Sessions are server-side rows. The cookie carries a random 256-bit token; the row stores only
its SHA-256, so a database dump holds no usable session. A session ends after an idle period or
an absolute lifetime, whichever comes first, and login always starts a new one (a new token).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from casework import audit
from casework.access import Desk
from casework.audit import AuditEvent
from casework.credentials import PinHasher
from casework.db import utcnow
from casework.desk.models import Caseworker, ConsoleSession, Organisation, Role
from casework.errors import Conflict, InvalidInput, LoginFailed, NotAllowed, NotFound
from casework.victims.models import Case

MIN_PASSWORD_CHARS = 12
#: After this many failed logins on one account within LOGIN_LOCKOUT_MINUTES, even the right
#: password is refused (same message) until the window has passed; counted from the audit log.
LOGIN_LOCKOUT_FAILURES = 10
LOGIN_LOCKOUT_MINUTES = 15
SESSION_TOKEN_BYTES = 32
#: last_seen_at is written at most this often, so reading pages does not write on every click.
SESSION_TOUCH_SECONDS = 60
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class SessionPolicy:
    """How long a console session lives: idle and absolute limits."""

    idle: timedelta
    absolute: timedelta


def slugify(name: str) -> str:
    """A URL-safe short name for an organisation."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return slug or "organisation"


def create_organisation(
    session: Session, *, name: str, slug: str | None = None, contact_email: str = ""
) -> Organisation:
    """A new organisation; its slug must be unused."""
    name = name.strip()
    if not name:
        raise InvalidInput("an organisation needs a name")
    slug = slug or slugify(name)
    if not _SLUG.fullmatch(slug):
        raise InvalidInput("a slug is lowercase letters, digits and dashes, at most 40")
    if session.execute(select(Organisation.id).where(Organisation.slug == slug)).first():
        raise Conflict(f"an organisation with the slug {slug!r} exists already")
    organisation = Organisation(name=name, slug=slug, contact_email=contact_email.strip())
    session.add(organisation)
    session.flush()
    return organisation


def get_organisation(session: Session, *, slug: str) -> Organisation | None:
    """The organisation with this slug, if any."""
    return session.execute(
        select(Organisation).where(Organisation.slug == slug)
    ).scalar_one_or_none()


def default_organisation_id(session: Session, *, slug: str) -> int | None:
    """The organisation that holds cases nobody assigned (see the module docstring)."""
    if slug:
        return session.execute(
            select(Organisation.id).where(Organisation.slug == slug)
        ).scalar_one_or_none()
    return session.execute(select(func.min(Organisation.id))).scalar_one_or_none()


def update_organisation(
    session: Session,
    *,
    desk: Desk,
    name: str,
    contact_email: str,
    postal_address: str,
    phone: str,
) -> Organisation:
    """Change the details an organisation signs notices with (admins only)."""
    _require_admin(desk)
    organisation = desk.caseworker.organisation
    if not name.strip():
        raise InvalidInput("the organisation needs a name")
    if contact_email.strip() and not _EMAIL.fullmatch(contact_email.strip()):
        raise InvalidInput("the contact e-mail address does not look like one")
    organisation.name = name.strip()[:200]
    organisation.contact_email = contact_email.strip()[:254]
    organisation.postal_address = postal_address.strip()[:500]
    organisation.phone = phone.strip()[:40]
    session.flush()
    audit.record(
        session,
        actor=desk.actor,
        action=audit.Action.ORGANISATION_UPDATED,
        object_type="organisation",
        object_id=organisation.id,
    )
    return organisation


def create_caseworker(
    session: Session,
    *,
    organisation: Organisation,
    email: str,
    display_name: str,
    password: str,
    role: Role,
    passwords: PinHasher,
    actor: audit.Actor,
) -> Caseworker:
    """A new account in an organisation; the e-mail address is the login name.

    Only an account of the same organisation stops it: one elsewhere with the same address is
    neither refused nor told, since the admin may not know of it.
    """
    email = email.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise InvalidInput("the e-mail address does not look like one")
    if not display_name.strip():
        raise InvalidInput("an account needs a name (it signs notices)")
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput(f"passwords have at least {MIN_PASSWORD_CHARS} characters")
    taken = select(Caseworker.id).where(
        Caseworker.organisation_id == organisation.id, Caseworker.email == email
    )
    if session.execute(taken).first():
        raise Conflict("an account with this e-mail address exists already")
    caseworker = Caseworker(
        organisation_id=organisation.id,
        email=email,
        display_name=display_name.strip()[:200],
        password_hash=passwords.hash(password),
        role=role.value,
    )
    session.add(caseworker)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=audit.Action.ACCOUNT_CREATED,
        object_type="caseworker",
        object_id=caseworker.id,
        details={"role": role.value, "organisation_id": organisation.id},
    )
    return caseworker


def list_caseworkers(session: Session, *, desk: Desk) -> list[Caseworker]:
    """The accounts of the caseworker's organisation."""
    return list(
        session.execute(
            select(Caseworker)
            .where(Caseworker.organisation_id == desk.organisation_id)
            .order_by(Caseworker.display_name)
        ).scalars()
    )


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii")).digest()


def start_session(
    session: Session, *, caseworker: Caseworker | None, locale: str
) -> tuple[ConsoleSession, str]:
    """A new session row and its token (for the cookie; only its digest is stored)."""
    token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
    now = utcnow()
    row = ConsoleSession(
        token_digest=_digest(token),
        caseworker_id=caseworker.id if caseworker else None,
        csrf_token=secrets.token_urlsafe(32),
        locale=locale,
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    session.flush()
    return row, token


def resume_session(
    session: Session, *, token: str, policy: SessionPolicy, now: datetime | None = None
) -> ConsoleSession | None:
    """The live session for a cookie token; an expired one is deleted and None returned."""
    now = now or utcnow()
    if not token or len(token) > 100:
        return None
    row = session.execute(
        select(ConsoleSession).where(ConsoleSession.token_digest == _digest(token))
    ).scalar_one_or_none()
    if row is None:
        return None
    expired = now - row.last_seen_at > policy.idle or now - row.created_at > policy.absolute
    inactive = row.caseworker is not None and not row.caseworker.active
    if expired or inactive:
        session.delete(row)
        session.flush()
        return None
    if (now - row.last_seen_at).total_seconds() > SESSION_TOUCH_SECONDS:
        row.last_seen_at = now
        session.flush()
    return row


def login(
    session: Session,
    *,
    replacing: ConsoleSession | None,
    locale: str,
    email: str,
    password: str,
    passwords: PinHasher,
    policy: SessionPolicy,
) -> tuple[ConsoleSession, str]:
    """Check the password and start a new session in ``locale`` (never reuse an old id).

    An address may hold an account in several organisations: the password says which one.
    """
    holders = list(
        session.execute(
            select(Caseworker)
            .where(Caseworker.email == email.strip().lower())
            .order_by(Caseworker.id)
        ).scalars()
    )
    # Every holder's password is checked, and an unknown address still costs one argon2
    # verification, so timing does not tell which account matched, or whether one exists.
    matched = [c for c in holders if passwords.verify(c.password_hash, password)]
    if not holders:
        passwords.verify(None, password)
    caseworker = matched[0] if matched else None
    if caseworker is None or not caseworker.active or _locked(session, caseworker):
        # The failure counts against the account it was for, or every account of the address.
        failed = [caseworker] if caseworker else holders
        targets: list[tuple[str, int | str]] = [("caseworker", c.id) for c in failed]
        for object_type, object_id in targets or [("", "")]:
            audit.record(
                session,
                actor=audit.Actor(audit.ActorType.SYSTEM),
                action=audit.Action.LOGIN_FAILED,
                object_type=object_type,
                object_id=object_id,
            )
        raise LoginFailed()
    if replacing is not None:
        session.delete(replacing)
    purge_expired_sessions(session, policy=policy)
    caseworker.last_login_at = utcnow()
    started = start_session(session, caseworker=caseworker, locale=locale)
    audit.record(
        session,
        actor=audit.Actor(audit.ActorType.CASEWORKER, caseworker.id, caseworker.organisation_id),
        action=audit.Action.LOGIN,
        object_type="caseworker",
        object_id=caseworker.id,
    )
    return started


def _locked(session: Session, caseworker: Caseworker) -> bool:
    since = utcnow() - timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
    failures = session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == audit.Action.LOGIN_FAILED.value,
            AuditEvent.object_type == "caseworker",
            AuditEvent.object_id == str(caseworker.id),
            AuditEvent.created_at > since,
        )
    ).scalar_one()
    return int(failures) >= LOGIN_LOCKOUT_FAILURES


def end_session(session: Session, *, console_session: ConsoleSession) -> None:
    """Log out: the session row is deleted, so the token is worthless from now on."""
    caseworker = console_session.caseworker
    if caseworker is not None:
        audit.record(
            session,
            actor=audit.Actor(
                audit.ActorType.CASEWORKER, caseworker.id, caseworker.organisation_id
            ),
            action=audit.Action.LOGOUT,
            object_type="caseworker",
            object_id=caseworker.id,
        )
    session.delete(console_session)
    session.flush()


def purge_expired_sessions(
    session: Session, *, policy: SessionPolicy, now: datetime | None = None
) -> int:
    """Delete sessions past either limit; returns how many."""
    now = now or utcnow()
    result = session.execute(
        delete(ConsoleSession).where(
            or_(
                ConsoleSession.last_seen_at < now - policy.idle,
                ConsoleSession.created_at < now - policy.absolute,
            )
        )
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def require_case(session: Session, *, desk: Desk, case_id: int) -> Case:
    """A case the caseworker's organisation holds; NotFound otherwise, existing or not."""
    case = session.execute(
        select(Case).where(and_(Case.id == case_id, desk.sees()))
    ).scalar_one_or_none()
    if case is None:
        raise NotFound("There is no case with this number in your organisation.")
    return case


def assign_case(session: Session, *, desk: Desk, case: Case, organisation_slug: str) -> Case:
    """Hand a case to another organisation (admins of the holding organisation only)."""
    _require_admin(desk)
    target = get_organisation(session, slug=organisation_slug)
    if target is None:
        raise InvalidInput(f"there is no organisation with the slug {organisation_slug!r}")
    case.organisation_id = target.id
    session.flush()
    audit.record(
        session,
        actor=desk.actor,
        action=audit.Action.CASE_ASSIGNED,
        object_type="case",
        object_id=case.id,
        details={"organisation_id": target.id},
    )
    return case


def list_organisations(session: Session) -> list[Organisation]:
    """Every organisation, by name (admins pick one when assigning a case)."""
    return list(session.execute(select(Organisation).order_by(Organisation.name)).scalars())


def _require_admin(desk: Desk) -> None:
    if not desk.is_admin:
        raise NotAllowed("only an administrator of your organisation can do this")


def set_locale(session: Session, *, console_session: ConsoleSession, locale: str) -> None:
    """Remember the language a visitor chose for the console."""
    console_session.locale = locale
    session.flush()
