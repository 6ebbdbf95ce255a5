"""Quarantine: a defence against poisoned hash lists.

Someone can submit the hash of a news photo or a logo as if it were their intimate image, to get
lawful content removed. Platforms see what their hits look like; when enough distinct platforms
report a fingerprint's hits as "not intimate imagery" (through a match token, or through a
takedown notice that names a match of it), the fingerprint is quarantined: it leaves the bank (a
withdrawal in the change log, so indexes drop it, /v1/check stops answering it, the worker stops
matching it and the feed carries a tombstone) until a caseworker reviews it. Releasing it puts
it back (an addition in the change log); confirming the removal keeps it out for good. The
victim's case keeps the fingerprint either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from casework import audit
from casework.access import Desk
from casework.bank.bank import record_changes
from casework.bank.models import BankCheckpoint, BankOp, FingerprintQuarantine
from casework.db import utcnow
from casework.errors import Conflict, NotFound
from casework.notices.models import OutcomeKind, PlatformOutcome, TakedownItem
from casework.platforms.models import MatchToken, PlatformAccount
from casework.reports.models import Match, ReportItem
from casework.victims.models import Case, CaseFingerprint

#: The reason a platform gives with not_violating when the content is not intimate imagery.
NOT_INTIMATE_IMAGERY = "not_intimate_imagery"
SYSTEM = audit.Actor(audit.ActorType.SYSTEM)


@dataclass(frozen=True)
class Statement:
    """What one platform said about a hit of a fingerprint, or about a notice naming it."""

    fingerprint_id: int
    platform_id: int
    platform: str
    outcome: str
    reason: str | None
    at: datetime
    #: The notice it was said about; None when it was about a match token.
    takedown_reference: str | None


@dataclass(frozen=True)
class Review:
    """A quarantine as a caseworker reviews it: never the fingerprint's value."""

    quarantine: FingerprintQuarantine
    case: Case
    algorithm: str
    statements: list[Statement]
    matches: list[tuple[Match, ReportItem]]

    @property
    def state(self) -> str:
        """held, released or removed."""
        if self.quarantine.released_at is not None:
            return "released"
        return "removed" if self.quarantine.removed_at is not None else "held"


def quarantined_among(session: Session, fingerprint_ids: Iterable[int]) -> set[int]:
    """Which of these fingerprints are out of the bank by quarantine now (held or removed)."""
    ids = list(fingerprint_ids)
    if not ids:
        return set()
    return set(
        session.execute(
            select(FingerprintQuarantine.fingerprint_id).where(
                FingerprintQuarantine.fingerprint_id.in_(ids),
                FingerprintQuarantine.released_at.is_(None),
            )
        ).scalars()
    )


def statements_about(session: Session, fingerprint_ids: Iterable[int]) -> list[Statement]:
    """Every outcome platforms reported on these fingerprints' hits and notices, oldest first."""
    ids = list(fingerprint_ids)
    if not ids:
        return []
    by_token = (
        select(PlatformOutcome, PlatformAccount.name, MatchToken.fingerprint_id)
        .join(PlatformAccount, PlatformAccount.id == PlatformOutcome.platform_id)
        .join(MatchToken, MatchToken.id == PlatformOutcome.match_token_id)
        .where(MatchToken.fingerprint_id.in_(ids))
    )
    by_notice = (
        select(PlatformOutcome, PlatformAccount.name, Match.fingerprint_id)
        .join(PlatformAccount, PlatformAccount.id == PlatformOutcome.platform_id)
        .join(TakedownItem, TakedownItem.takedown_id == PlatformOutcome.takedown_id)
        .join(Match, Match.id == TakedownItem.match_id)
        .where(Match.fingerprint_id.in_(ids))
    )
    seen: set[tuple[int, int]] = set()
    statements: list[Statement] = []
    for query in (by_token, by_notice):
        for outcome, name, fingerprint_id in session.execute(query):
            # A notice naming several matches of one fingerprint said it once.
            if (outcome.id, fingerprint_id) in seen:
                continue
            seen.add((outcome.id, fingerprint_id))
            statements.append(
                Statement(
                    fingerprint_id=fingerprint_id,
                    platform_id=outcome.platform_id,
                    platform=name,
                    outcome=outcome.outcome,
                    reason=outcome.reason,
                    at=outcome.created_at,
                    takedown_reference=outcome.takedown_reference,
                )
            )
    return sorted(statements, key=lambda s: (s.at, s.platform))


def consider_quarantine(
    session: Session, *, fingerprint_id: int, threshold: int
) -> FingerprintQuarantine | None:
    """Quarantine the fingerprint if ``threshold`` platforms called its hits not NCII.

    Only reports made since the last release count, so a caseworker's decision to keep a
    fingerprint is not overturned by the reports it already weighed. Returns the quarantine
    when this call started one.
    """
    _lock_bank(session)
    fingerprint = session.get(CaseFingerprint, fingerprint_id)
    if fingerprint is None:
        return None
    existing = session.execute(
        select(FingerprintQuarantine).where(FingerprintQuarantine.fingerprint_id == fingerprint_id)
    ).scalar_one_or_none()
    if existing is not None and existing.released_at is None:
        return None
    since = existing.released_at if existing is not None else None
    platforms = {
        statement.platform_id
        for statement in statements_about(session, [fingerprint_id])
        if statement.outcome == OutcomeKind.NOT_VIOLATING
        and statement.reason == NOT_INTIMATE_IMAGERY
        and (since is None or statement.at > since)
    }
    if len(platforms) < threshold:
        return None
    if existing is None:
        existing = FingerprintQuarantine(fingerprint_id=fingerprint_id, platforms=len(platforms))
        session.add(existing)
    else:
        existing.platforms = len(platforms)
        existing.created_at = utcnow()
        existing.released_at = None
        existing.removed_at = None
    session.flush()
    record_changes(session, [(fingerprint, BankOp.WITHDRAW)])
    audit.record(
        session,
        actor=SYSTEM,
        action=audit.Action.FINGERPRINT_QUARANTINED,
        object_type="quarantine",
        object_id=existing.id,
        details={"case_id": fingerprint.case_id, "platforms": len(platforms)},
    )
    return existing


def list_quarantines(
    session: Session, *, include_released: bool = False
) -> list[FingerprintQuarantine]:
    """Quarantines awaiting review (and decided ones, when asked), oldest first."""
    query = select(FingerprintQuarantine).order_by(FingerprintQuarantine.id)
    if not include_released:
        query = query.where(
            FingerprintQuarantine.released_at.is_(None),
            FingerprintQuarantine.removed_at.is_(None),
        )
    return list(session.execute(query).scalars())


def list_reviews(session: Session, *, desk: Desk, decided: bool = False) -> list[Review]:
    """The organisation's quarantines awaiting review (or the decided ones), oldest first."""
    pending = and_(
        FingerprintQuarantine.released_at.is_(None), FingerprintQuarantine.removed_at.is_(None)
    )
    rows = session.execute(
        select(FingerprintQuarantine, CaseFingerprint.algorithm, Case)
        .join(CaseFingerprint, CaseFingerprint.id == FingerprintQuarantine.fingerprint_id)
        .join(Case, Case.id == CaseFingerprint.case_id)
        .where(desk.sees(), ~pending if decided else pending)
        .order_by(FingerprintQuarantine.id)
    ).all()
    ids = [quarantine.fingerprint_id for quarantine, _algorithm, _case in rows]
    statements: dict[int, list[Statement]] = {}
    for statement in statements_about(session, ids):
        statements.setdefault(statement.fingerprint_id, []).append(statement)
    matches: dict[int, list[tuple[Match, ReportItem]]] = {}
    for match, item in session.execute(
        select(Match, ReportItem)
        .join(ReportItem, ReportItem.id == Match.item_id)
        .where(Match.fingerprint_id.in_(ids))
        .order_by(Match.id)
    ).all():
        matches.setdefault(match.fingerprint_id, []).append((match, item))
    return [
        Review(
            quarantine=quarantine,
            case=case,
            algorithm=algorithm,
            statements=statements.get(quarantine.fingerprint_id, []),
            matches=matches.get(quarantine.fingerprint_id, []),
        )
        for quarantine, algorithm, case in rows
    ]


def require_quarantine(session: Session, *, desk: Desk, quarantine_id: int) -> int:
    """The id of a quarantine of one of the organisation's cases; NotFound otherwise."""
    found = session.execute(
        select(FingerprintQuarantine.id)
        .join(CaseFingerprint, CaseFingerprint.id == FingerprintQuarantine.fingerprint_id)
        .join(Case, Case.id == CaseFingerprint.case_id)
        .where(FingerprintQuarantine.id == quarantine_id, desk.sees())
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("There is no quarantine with this number in your organisation.")
    return found


def _held(session: Session, quarantine_id: int) -> tuple[FingerprintQuarantine, CaseFingerprint]:
    _lock_bank(session)
    quarantine = session.get(FingerprintQuarantine, quarantine_id)
    if quarantine is None:
        raise NotFound(f"no quarantine has the id {quarantine_id}")
    return quarantine, session.get_one(CaseFingerprint, quarantine.fingerprint_id)


def release_quarantine(
    session: Session, *, quarantine_id: int, actor: audit.Actor
) -> FingerprintQuarantine:
    """The fingerprint is genuine after all: it goes back into the bank (and the feed)."""
    quarantine, fingerprint = _held(session, quarantine_id)
    if quarantine.released_at is not None:
        return quarantine
    quarantine.released_at = utcnow()
    session.flush()
    record_changes(session, [(fingerprint, BankOp.ADD)])
    audit.record(
        session,
        actor=actor,
        action=audit.Action.QUARANTINE_RELEASED,
        object_type="quarantine",
        object_id=quarantine.id,
        details={"case_id": fingerprint.case_id},
    )
    return quarantine


def confirm_removal(
    session: Session, *, quarantine_id: int, actor: audit.Actor
) -> FingerprintQuarantine:
    """The fingerprint is not of an intimate image: it stays out of the bank for good.

    A later release (a caseworker changing their mind) still puts it back.
    """
    quarantine, fingerprint = _held(session, quarantine_id)
    if quarantine.released_at is not None:
        raise Conflict("This fingerprint was released and is back in the bank.")
    if quarantine.removed_at is not None:
        return quarantine
    quarantine.removed_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=audit.Action.QUARANTINE_REMOVED,
        object_type="quarantine",
        object_id=quarantine.id,
        details={"case_id": fingerprint.case_id},
    )
    return quarantine


def _lock_bank(session: Session) -> None:
    # Bank writers lock the checkpoint row first (casework/bank/bank.py::record_changes); taking it
    # before anything else keeps the lock order of a withdrawal, so the two cannot deadlock, and
    # serialises two outcomes that cross the threshold at once.
    session.execute(select(BankCheckpoint.id).where(BankCheckpoint.id == 1).with_for_update())
