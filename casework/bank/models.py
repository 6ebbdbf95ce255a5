"""The bank's change log and checkpoint, quarantined fingerprints, rejected matches."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime, utcnow


class BankOp(StrEnum):
    """What happened to a fingerprint in the bank."""

    ADD = "add"
    WITHDRAW = "withdraw"


class BankChange(Base):
    """Append-only log of bank additions and withdrawals, ordered by checkpoint version.

    Processes keep their in-memory index current by applying the changes after the version they
    have; no fingerprint value is stored here.
    """

    __tablename__ = "bank_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, index=True)
    fingerprint_id: Mapped[int] = mapped_column(Integer)
    algorithm: Mapped[str] = mapped_column(String(16))
    op: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BankCheckpoint(Base):
    """A single row whose version is bumped, under a row lock, by every bank change."""

    __tablename__ = "bank_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class AllowedMatch(Base):
    """A found hash a caseworker rejected for one bank fingerprint: it must not match it again.

    The found hash is sealed like every other hash; find_matches opens the few entries of the
    fingerprints it hit.
    """

    __tablename__ = "match_allowlist"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint_id: Mapped[int] = mapped_column(
        ForeignKey("case_fingerprints.id", ondelete="CASCADE"), index=True
    )
    algorithm: Mapped[str] = mapped_column(String(16))
    found_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("matches.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FingerprintQuarantine(Base):
    """A fingerprint several platforms called not intimate imagery, held for caseworker review.

    While ``released_at`` is None the fingerprint is out of the bank: no matches, no check hits,
    and a tombstone in the feed. Release puts it back; a confirmed removal (``removed_at``) keeps
    it out for good, though the victim's case still holds it.
    """

    __tablename__ = "fingerprint_quarantines"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint_id: Mapped[int] = mapped_column(
        ForeignKey("case_fingerprints.id", ondelete="CASCADE"), unique=True
    )
    platforms: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
