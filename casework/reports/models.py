"""Reports of URLs, their items, the matches found there and their reviews."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, EnumString, UTCDateTime, utcnow


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
    status: Mapped[ItemStatus] = mapped_column(
        EnumString(ItemStatus, 16), default=ItemStatus.QUEUED, index=True
    )
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
    status: Mapped[MatchStatus] = mapped_column(
        EnumString(MatchStatus, 16), default=MatchStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[ReportItem] = relationship(back_populates="matches")


class VideoMatch(Base):
    """A video found at a reported URL whose frames match a banked video (hashing/videos.py).

    Only the video's URL, the share of its usable frames that matched (and of the banked
    video's) and the time ranges of the found video that matched are kept; never its bytes.
    ``ranges`` is "start-end" seconds, comma-separated ("72.0-220.0,300.0-311.0").
    """

    __tablename__ = "video_matches"
    __table_args__ = (UniqueConstraint("item_id", "video_url_digest", "video_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("report_items.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    video_id: Mapped[int] = mapped_column(
        ForeignKey("case_videos.id", ondelete="CASCADE"), index=True
    )
    video_url: Mapped[str] = mapped_column(String(2048))
    video_url_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    query_percent: Mapped[float] = mapped_column(Float)
    compared_percent: Mapped[float] = mapped_column(Float)
    ranges: Mapped[str] = mapped_column(String(4000))
    status: Mapped[MatchStatus] = mapped_column(
        EnumString(MatchStatus, 16), default=MatchStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[ReportItem] = relationship()


class MatchReview(Base):
    """A caseworker's decision on an image match or a video match, with the reason given.

    Exactly one of ``match_id`` and ``video_match_id`` is set.
    """

    __tablename__ = "match_reviews"
    __table_args__ = (
        CheckConstraint("(match_id IS NULL) <> (video_match_id IS NULL)", name="one_kind_of_match"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), unique=True, default=None
    )
    video_match_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_matches.id", ondelete="CASCADE"), unique=True, default=None
    )
    caseworker_id: Mapped[int | None] = mapped_column(
        ForeignKey("caseworkers.id", ondelete="SET NULL"), default=None
    )
    decision: Mapped[MatchStatus] = mapped_column(EnumString(MatchStatus, 16))
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(500), default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
