"""The audit log: append-only, each row chained to the previous one by SHA-256.

``row_hash = SHA-256(prev_hash || canonical JSON of the row without its hashes)``. Editing,
deleting or reordering a row breaks the chain from that row on, and ``verify_chain`` names the
first row that no longer fits. Database triggers refuse UPDATE and DELETE as well (migration
0004), so the chain is the second line, for someone who can disable triggers.

Only ids and small facts are recorded: never a PIN, a hash, a URL, a password or an IP address.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from casework.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """One entry of the append-only, hash-chained audit log.

    Ids only, never content: no PINs, hashes, URLs or IP addresses. No foreign keys, because the
    log outlives what it names. Database triggers refuse UPDATE and DELETE.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    organisation_id: Mapped[int | None] = mapped_column(Integer, default=None)
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(24), default="")
    object_id: Mapped[str] = mapped_column(String(40), default="")
    details_json: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


GENESIS_HASH = "0" * 64
#: Key of the PostgreSQL advisory lock that makes appends to the chain one at a time.
AUDIT_LOCK_KEY = 0x7A4D17
VERIFY_BATCH_ROWS = 1000


class ActorType(StrEnum):
    """Who did what the event records."""

    CASEWORKER = "caseworker"
    OPERATOR = "operator"
    SYSTEM = "system"
    PLATFORM = "platform"


class Action(StrEnum):
    """Everything the log records."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    ACCOUNT_CREATED = "account_created"
    ORGANISATION_UPDATED = "organisation_updated"
    CASE_VIEWED = "case_viewed"
    CASE_FLAGGED = "case_flagged"
    CASE_ASSIGNED = "case_assigned"
    MATCH_CONFIRMED = "match_confirmed"
    MATCH_REJECTED = "match_rejected"
    MATCH_URL_OPENED = "match_url_opened"
    TAKEDOWN_DRAFTED = "takedown_drafted"
    TAKEDOWN_EDITED = "takedown_edited"
    TAKEDOWN_STATUS = "takedown_status"
    TAKEDOWN_EXPORTED = "takedown_exported"
    TAKEDOWN_CHECKED = "takedown_checked"
    REUPLOAD_FOUND = "reupload_found"
    WATCH_ADDED = "watch_added"
    WATCH_REMOVED = "watch_removed"
    EVIDENCE_EXPORTED = "evidence_exported"
    TAKEDOWN_ANSWERED = "takedown_answered"
    TAKEDOWN_REPORTED_REMOVED = "takedown_reported_removed"
    FINGERPRINT_QUARANTINED = "fingerprint_quarantined"
    QUARANTINE_RELEASED = "quarantine_released"
    QUARANTINE_REMOVED = "quarantine_removed"
    REPORT_ADDED = "report_added"
    REPORT_NOTE_OPENED = "report_note_opened"


@dataclass(frozen=True)
class Actor:
    """The author of an event; organisation_id scopes what a caseworker did."""

    type: ActorType
    id: int | None = None
    organisation_id: int | None = None


OPERATOR = Actor(ActorType.OPERATOR)


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of verify_chain: how many rows were checked and the first bad one."""

    checked: int
    first_bad_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        """True when every row fits the chain."""
        return self.first_bad_id is None


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "id": event.id,
        "created_at": event.created_at.isoformat(),
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "organisation_id": event.organisation_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": json.loads(event.details_json),
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def row_hash(prev_hash: str, event: AuditEvent) -> str:
    """The hash a row must carry given the one before it."""
    return hashlib.sha256(prev_hash.encode("ascii") + _canonical(event)).hexdigest()


def _lock_chain(session: Session) -> None:
    # Two writers reading the same head would fork the chain. PostgreSQL: an advisory lock held
    # to commit. SQLite: a write statement (matching no row) takes the database write lock now,
    # before the head is read, instead of at the INSERT.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    else:
        session.execute(text("UPDATE audit_events SET id = id WHERE id = -1"))


def record(
    session: Session,
    *,
    actor: Actor,
    action: Action,
    object_type: str = "",
    object_id: str | int = "",
    details: dict[str, str | int | bool | None] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's unit of work."""
    _lock_chain(session)
    last = session.execute(
        select(AuditEvent.id, AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    prev_hash = last.row_hash if last is not None else GENESIS_HASH
    event = AuditEvent(
        id=(last.id + 1) if last is not None else 1,
        created_at=utcnow(),
        actor_type=actor.type.value,
        actor_id=actor.id,
        organisation_id=actor.organisation_id,
        action=action.value,
        object_type=object_type,
        object_id=str(object_id),
        details_json=json.dumps(details or {}, sort_keys=True, separators=(",", ":")),
        prev_hash=prev_hash,
        row_hash="",
    )
    event.row_hash = row_hash(prev_hash, event)
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session) -> ChainCheck:
    """Recompute every row's hash in id order; report the first row that does not fit."""
    expected_prev = GENESIS_HASH
    expected_id = 1
    checked = 0
    after = 0
    while True:
        rows = list(
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.id > after)
                .order_by(AuditEvent.id)
                .limit(VERIFY_BATCH_ROWS)
            ).scalars()
        )
        if not rows:
            return ChainCheck(checked=checked)
        for event in rows:
            if event.id != expected_id:
                return ChainCheck(checked, event.id, f"row {expected_id} is missing")
            if event.prev_hash != expected_prev:
                return ChainCheck(checked, event.id, "it does not point at the row before it")
            if event.row_hash != row_hash(event.prev_hash, event):
                return ChainCheck(checked, event.id, "its content does not match its hash")
            expected_prev = event.row_hash
            expected_id += 1
            checked += 1
        after = rows[-1].id
        for event in rows:
            session.expunge(event)  # a long log must not pile up in the identity map


def list_events(session: Session, *, organisation_id: int, limit: int = 200) -> list[AuditEvent]:
    """The newest events by one organisation's caseworkers."""
    return list(
        session.execute(
            select(AuditEvent)
            .where(AuditEvent.organisation_id == organisation_id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        ).scalars()
    )
