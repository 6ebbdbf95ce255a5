"""Quarantine: a defence against poisoned hash lists.

Someone can submit the hash of a news photo or a logo as if it were their intimate image, to get
lawful content removed. Platforms see what their hits look like; when enough distinct platforms
report a fingerprint's hits as "not intimate imagery", the fingerprint is quarantined: it leaves
the bank (a withdrawal in the change log, so indexes drop it, /v1/check stops answering it, the
worker stops matching it and the feed carries a tombstone) until a caseworker reviews it.
Releasing it puts it back (an addition in the change log). The victim's case keeps it meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from casework.bank import record_changes
from casework.db import utcnow
from casework.errors import NotFound
from casework.models import (
    BankCheckpoint,
    BankOp,
    CaseFingerprint,
    FingerprintQuarantine,
    MatchToken,
    OutcomeKind,
    PlatformOutcome,
)

#: The reason a platform gives with not_violating when the content is not intimate imagery.
NOT_INTIMATE_IMAGERY = "not_intimate_imagery"


def quarantined_among(session: Session, fingerprint_ids: Iterable[int]) -> set[int]:
    """Which of these fingerprints are quarantined now."""
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
    query = (
        select(func.count(distinct(PlatformOutcome.platform_id)))
        .join(MatchToken, MatchToken.id == PlatformOutcome.match_token_id)
        .where(
            MatchToken.fingerprint_id == fingerprint_id,
            PlatformOutcome.outcome == OutcomeKind.NOT_VIOLATING.value,
            PlatformOutcome.reason == NOT_INTIMATE_IMAGERY,
        )
    )
    if existing is not None and existing.released_at is not None:
        query = query.where(PlatformOutcome.created_at > existing.released_at)
    platforms = int(session.execute(query).scalar_one())
    if platforms < threshold:
        return None
    if existing is None:
        existing = FingerprintQuarantine(fingerprint_id=fingerprint_id, platforms=platforms)
        session.add(existing)
    else:
        existing.platforms = platforms
        existing.created_at = utcnow()
        existing.released_at = None
    session.flush()
    record_changes(session, [(fingerprint, BankOp.WITHDRAW)])
    return existing


def list_quarantines(
    session: Session, *, include_released: bool = False
) -> list[FingerprintQuarantine]:
    """Quarantines awaiting review (and past ones, when asked), oldest first."""
    query = select(FingerprintQuarantine).order_by(FingerprintQuarantine.id)
    if not include_released:
        query = query.where(FingerprintQuarantine.released_at.is_(None))
    return list(session.execute(query).scalars())


def release_quarantine(session: Session, *, quarantine_id: int) -> FingerprintQuarantine:
    """A caseworker found the fingerprint genuine: it goes back into the bank."""
    _lock_bank(session)
    quarantine = session.get(FingerprintQuarantine, quarantine_id)
    if quarantine is None:
        raise NotFound(f"no quarantine has the id {quarantine_id}")
    if quarantine.released_at is not None:
        return quarantine
    fingerprint = session.get_one(CaseFingerprint, quarantine.fingerprint_id)
    quarantine.released_at = utcnow()
    session.flush()
    record_changes(session, [(fingerprint, BankOp.ADD)])
    return quarantine


def _lock_bank(session: Session) -> None:
    # Bank writers lock the checkpoint row first (casework/bank.py::record_changes); taking it
    # before anything else keeps the lock order of a withdrawal, so the two cannot deadlock, and
    # serialises two outcomes that cross the threshold at once.
    session.execute(select(BankCheckpoint.id).where(BankCheckpoint.id == 1).with_for_update())
