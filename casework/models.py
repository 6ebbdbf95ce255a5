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


class ApiKey(Base):
    """A machine client's key (a trusted flagger or a platform); only its HMAC is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    secret_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ItemStatus(StrEnum):
    """Where one reported URL is in its processing."""

    QUEUED = "queued"
    FETCHING = "fetching"
    RETRYING = "retrying"
    DONE = "done"
    FAILED = "failed"


class Report(Base):
    """URLs someone authorised reported as leaks, with who reported them."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True, default=None
    )
    api_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"), default=None
    )
    reporter_kind: Mapped[str] = mapped_column(String(16))
    note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items: Mapped[list[ReportItem]] = relationship(
        back_populates="report",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ReportItem.id",
    )


class ReportItem(Base):
    """One reported URL and what the worker found there (never the content itself)."""

    __tablename__ = "report_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(16), default=ItemStatus.QUEUED.value, index=True)
    reason: Mapped[str | None] = mapped_column(String(40), default=None)
    reason_message: Mapped[str | None] = mapped_column(String(500), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    images_found: Mapped[int] = mapped_column(Integer, default=0)
    images_hashed: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    report: Mapped[Report] = relationship(back_populates="items")
    matches: Mapped[list[Match]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True
    )


class MatchStatus(StrEnum):
    """A caseworker's verdict on a match."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Match(Base):
    """An image found at a reported URL that is within the match radius of a case fingerprint.

    Only the image's URL and its hashes are kept (sealed), never its bytes. The unique constraint
    makes a job that runs twice record each match once.
    """

    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("item_id", "image_url_digest", "fingerprint_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("report_items.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    fingerprint_id: Mapped[int] = mapped_column(
        ForeignKey("case_fingerprints.id", ondelete="CASCADE"), index=True
    )
    image_url: Mapped[str] = mapped_column(String(2048))
    image_url_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    algorithm: Mapped[str] = mapped_column(String(16))
    distance: Mapped[int] = mapped_column(Integer)
    found_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=MatchStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[ReportItem] = relationship(back_populates="matches")
