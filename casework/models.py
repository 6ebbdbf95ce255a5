"""Every table, in one file: this is the privacy review surface.

What is stored about a victim: a random case ID, an argon2id hash of the PIN, failed-attempt
counters, and fingerprints sealed with AES-GCM (see casework/vault.py). Never an image, a name,
a file name or an IP address.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, UTCDateTime, utcnow


class CaseStatus(StrEnum):
    """Lifecycle of a victim's case (StopNCII uses the same words)."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class Case(Base):
    """A victim's case: what they can check, add to and withdraw with the case ID and PIN."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.ACTIVE.value)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    fingerprints: Mapped[list[CaseFingerprint]] = relationship(
        back_populates="case", cascade="all, delete-orphan", passive_deletes=True
    )


class CaseFingerprint(Base):
    """One fingerprint of one victim image, sealed at rest."""

    __tablename__ = "case_fingerprints"
    __table_args__ = (UniqueConstraint("case_id", "algorithm", "value_mac"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    value_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    value_mac: Mapped[bytes] = mapped_column(LargeBinary(32))
    quality: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="fingerprints")


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
