"""A victim's case and what hangs on it: fingerprints, recovery codes, news channel."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, EnumString, UTCDateTime, utcnow
from hashing.videos import VPDQ


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
    status: Mapped[CaseStatus] = mapped_column(
        EnumString(CaseStatus, 16), default=CaseStatus.ACTIVE
    )
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # None means the deployment's default organisation (casework/access.py, Desk.sees).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True, default=None
    )
    # Set by a caseworker: the adult notice routes are blocked, child-protection channels shown.
    under_18: Mapped[bool] = mapped_column(Boolean, default=False)

    fingerprints: Mapped[list[CaseFingerprint]] = relationship(
        back_populates="case", cascade="all, delete-orphan", passive_deletes=True
    )


class CaseFingerprint(Base):
    """One fingerprint in the bank, sealed at rest: of a victim's case, or of a named bank.

    Exactly one of ``case_id`` and ``bank_id`` is set (casework/bank/models.py::Bank).
    ``photo`` numbers a case's photos from 1 in the order they arrived, so every fingerprint of
    one photo (its own and its crops' and trimmed copies', which are ``derived``) counts as one
    image. It is None for fingerprints a client sent without saying which photo they came from,
    and for a named bank's.
    """

    __tablename__ = "case_fingerprints"
    __table_args__ = (
        UniqueConstraint("case_id", "algorithm", "value_mac"),
        UniqueConstraint("bank_id", "remote_id"),
        CheckConstraint("(case_id IS NULL) <> (bank_id IS NULL)", name="case_or_bank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True, default=None
    )
    bank_id: Mapped[int | None] = mapped_column(
        ForeignKey("banks.id", ondelete="CASCADE"), index=True, default=None
    )
    #: The id the remote feed gave this entry (federation only), so its tombstone finds it.
    remote_id: Mapped[str | None] = mapped_column(String(64), default=None)
    algorithm: Mapped[str] = mapped_column(String(16))
    value_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    value_mac: Mapped[bytes] = mapped_column(LargeBinary(32))
    quality: Mapped[int | None] = mapped_column(Integer, default=None)
    photo: Mapped[int | None] = mapped_column(Integer, default=None)
    derived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case | None] = relationship(back_populates="fingerprints")


class CaseVideo(Base):
    """One video's vPDQ fingerprint (frame hashes with timestamps), sealed at rest as one text.

    A video is many frame hashes matched together under vPDQ's rule, so it is one row, not a
    row per frame: withdrawing, quarantining or exporting a video acts on all its frames at once.
    ``photo`` is the number its file's digests (MD5, SHA-256, sent among the case's photos) have,
    when the client named them, so that the file and its vPDQ count as one video.
    """

    #: How the bank's change log names a video (casework/bank/bank.py, BankEntry).
    algorithm: ClassVar[str] = VPDQ
    bank_id: ClassVar[None] = None

    __tablename__ = "case_videos"
    __table_args__ = (UniqueConstraint("case_id", "value_mac"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    value_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    value_mac: Mapped[bytes] = mapped_column(LargeBinary(32))
    frames: Mapped[int] = mapped_column(Integer)
    #: The vPDQ texts of the video's centre crops (hashing/crops.py), as a sealed JSON list; a
    #: video sent without them has none.
    crops_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    photo: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecoveryCode(Base):
    """A one-time code, printed for the victim at case creation, that resets the PIN.

    Only an HMAC of the code is stored; codes are high-entropy, so a keyed hash suffices.
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class NotificationChannel(StrEnum):
    """Where a victim chose to hear about news on their case."""

    EMAIL = "email"
    WEBHOOK = "webhook"


class CaseNotification(Base):
    """A victim's opt-in channel for news on their case; the address is sealed like a hash.

    `notified_through` is the time of the newest event already told: a notification covers
    what happened after it, so a crash between sending and recording repeats at most one.
    """

    __tablename__ = "case_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), unique=True, index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    address_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    #: The webhook's signing secret, sealed; shown to the victim once.
    secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    notified_through: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(String(40), default=None)
    failures: Mapped[int] = mapped_column(Integer, default=0)
