"""The bank's named banks, change log and checkpoint, quarantined fingerprints, rejected matches."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.db import Base, UTCDateTime, utcnow


class BankOp(StrEnum):
    """What happened to a fingerprint in the bank."""

    ADD = "add"
    WITHDRAW = "withdraw"


class BankPolicy(StrEnum):
    """What a match on a bank's fingerprint should lead to."""

    #: A platform may act on it at once (the victims' bank always is).
    ACT = "act"
    #: Only a person may act on it: platforms are told to send it to their review.
    REVIEW = "review"


class BankSource(StrEnum):
    """Where a named bank's fingerprints come from."""

    #: Files an operator imports with `takedown banks import`.
    IMPORT = "import"
    #: Another takedown instance's /v1/feed, pulled with its key.
    FEDERATION = "federation"
    #: A threatexchange-format list at a URL, pulled whole.
    THREATEXCHANGE_URL = "threatexchange_url"


class Bank(Base):
    """A named bank of outside fingerprints; the victims' fingerprints are in no named bank.

    Its fingerprints are case_fingerprints rows with ``bank_id`` set and no case, sealed like
    victims' and carried by the same change log, so disabling or deleting a bank takes them out
    of every process's index at its next refresh.
    """

    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    #: The organisation the list comes from, in the operator's words.
    owner: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    policy: Mapped[str] = mapped_column(String(16), default=BankPolicy.REVIEW.value)
    source: Mapped[str] = mapped_column(String(24))
    source_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    #: The remote feed's API key, sealed; never shown again.
    key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    #: The remote feed's cursor after the last page applied, so a killed pull resumes there.
    cursor: Mapped[str | None] = mapped_column(String(64), default=None)
    pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    pull_result: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BankChange(Base):
    """Append-only log of bank additions and withdrawals, ordered by checkpoint version.

    Processes keep their in-memory index current by applying the changes after the version they
    have; no fingerprint value is stored here. A victim's video is logged too, under
    ``algorithm`` hashing.videos.VPDQ with its case_videos id as ``fingerprint_id``, so the feed
    carries videos and their withdrawals in the same order; the image index skips those rows.
    """

    __tablename__ = "bank_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, index=True)
    fingerprint_id: Mapped[int] = mapped_column(Integer)
    algorithm: Mapped[str] = mapped_column(String(16))
    op: Mapped[str] = mapped_column(String(16))
    #: The named bank of the fingerprint; None for a victim's. No foreign key: the log outlives
    #: a deleted bank. The feed and its webhooks carry only the victims' bank.
    bank_id: Mapped[int | None] = mapped_column(Integer, default=None)
    #: A victim's fingerprint's case and photo (casework/victims/models.py, CaseFingerprint), so
    #: that the feed can name the photo of a withdrawal, whose fingerprint row is gone. No
    #: foreign key, as for ``bank_id``.
    case_id: Mapped[int | None] = mapped_column(Integer, default=None)
    photo: Mapped[int | None] = mapped_column(Integer, default=None)
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
