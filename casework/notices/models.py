"""Takedown notices, the matches they cover, re-checks, watched URLs, platforms' answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, EnumString, UTCDateTime, utcnow
from casework.reports.models import Match, VideoMatch


class TakedownStatus(StrEnum):
    """Where a notice is; each status has its own time column on Takedown."""

    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REMOVED = "removed"
    REFUSED = "refused"
    NO_RESPONSE = "no_response"


class Takedown(Base):
    """A notice to one platform or host about confirmed matches of one case.

    ``id`` is stable and other tables (platform outcomes) may refer to it. ``fields_json`` holds
    the regime's fields as edited by the caseworker; the letter is rendered from them.
    """

    __tablename__ = "takedowns"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), default=None
    )
    platform: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(500), default="")
    regime: Mapped[str] = mapped_column(String(32))
    status: Mapped[TakedownStatus] = mapped_column(
        EnumString(TakedownStatus, 16), default=TakedownStatus.DRAFT, index=True
    )
    fields_json: Mapped[str] = mapped_column(Text)
    deadline_hours: Mapped[int | None] = mapped_column(Integer, default=None)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("caseworkers.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    no_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: A caseworker's word that the content is gone: told as theirs until a check proves it.
    reported_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reported_removed_by: Mapped[int | None] = mapped_column(
        ForeignKey("caseworkers.id", ondelete="SET NULL"), default=None
    )

    items: Mapped[list[TakedownItem]] = relationship(
        back_populates="takedown",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="TakedownItem.id",
    )


class TakedownItem(Base):
    """A confirmed image match or video match a notice covers (exactly one of the two ids)."""

    __tablename__ = "takedown_items"
    __table_args__ = (
        UniqueConstraint("takedown_id", "match_id"),
        UniqueConstraint("takedown_id", "video_match_id"),
        CheckConstraint("(match_id IS NULL) <> (video_match_id IS NULL)", name="one_kind_of_match"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    takedown_id: Mapped[int] = mapped_column(
        ForeignKey("takedowns.id", ondelete="CASCADE"), index=True
    )
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), index=True, default=None
    )
    video_match_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_matches.id", ondelete="CASCADE"), index=True, default=None
    )

    takedown: Mapped[Takedown] = relationship(back_populates="items")
    match: Mapped[Match | None] = relationship()
    video_match: Mapped[VideoMatch | None] = relationship()


class OutcomeKind(StrEnum):
    """What a platform did about a hit or a takedown notice."""

    REMOVED = "removed"
    NOT_VIOLATING = "not_violating"
    NOT_FOUND = "not_found"


class PlatformOutcome(Base):
    """One outcome a platform reported, for a match token or a takedown notice's reference."""

    __tablename__ = "platform_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("platform_accounts.id", ondelete="CASCADE"), index=True
    )
    match_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_tokens.id", ondelete="CASCADE"), index=True, default=None
    )
    takedown_reference: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    #: The notice the reference names; set for every outcome given by reference.
    takedown_id: Mapped[int | None] = mapped_column(
        ForeignKey("takedowns.id", ondelete="CASCADE"), index=True, default=None
    )
    outcome: Mapped[OutcomeKind] = mapped_column(EnumString(OutcomeKind, 16))
    reason: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CheckOutcome(StrEnum):
    """What a re-fetch of a notified URL found."""

    GONE = "gone"
    STILL_THERE = "still_there"
    ERROR = "error"


class TakedownCheck(Base):
    """Evidence of one re-fetch of a URL a notice named: status, headers, digests, never bytes.

    The found hashes are sealed like matches' (a PDQ can be turned back into a rough image);
    `purpose` says whether it proved removal or watched for a re-upload.
    """

    __tablename__ = "takedown_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    takedown_id: Mapped[int | None] = mapped_column(
        ForeignKey("takedowns.id", ondelete="CASCADE"), index=True, default=None
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16), default="removal")
    url: Mapped[str] = mapped_column(String(2048))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    http_status: Mapped[int | None] = mapped_column(Integer, default=None)
    outcome: Mapped[CheckOutcome] = mapped_column(EnumString(CheckOutcome, 16))
    reason: Mapped[str | None] = mapped_column(String(40), default=None)
    headers_json: Mapped[str] = mapped_column(Text, default="{}")
    images_seen: Mapped[int] = mapped_column(Integer, default=0)
    algorithm: Mapped[str | None] = mapped_column(String(16), default=None)
    distance: Mapped[int | None] = mapped_column(Integer, default=None)
    found_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    sha256_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    #: Videos fingerprinted at the URL; with no video share, none of them matched the case.
    videos_seen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The found video that matches the case best: its URL, the share of its frames that match
    #: and its matching time ranges (casework/reports/videos.py's format_ranges).
    video_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    video_percent: Mapped[float | None] = mapped_column(Float, default=None)
    video_ranges: Mapped[str | None] = mapped_column(String(4000), default=None)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("matches.id", ondelete="SET NULL"), default=None
    )
    #: The watch-list entry a watch check was for (a site watch checks many page URLs).
    watched_id: Mapped[int | None] = mapped_column(
        ForeignKey("watched_urls.id", ondelete="SET NULL"), index=True, default=None
    )


class WatchedUrl(Base):
    """A URL re-checked on a schedule for re-uploads: a removed one, or one a caseworker added."""

    __tablename__ = "watched_urls"
    __table_args__ = (UniqueConstraint("case_id", "url_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    takedown_id: Mapped[int | None] = mapped_column(
        ForeignKey("takedowns.id", ondelete="SET NULL"), default=None
    )
    url: Mapped[str] = mapped_column(String(2048))
    url_digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    host: Mapped[str] = mapped_column(String(255), index=True)
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_check_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_outcome: Mapped[CheckOutcome | None] = mapped_column(
        EnumString(CheckOutcome, 16), default=None
    )
    #: "page" checks the URL itself; "site" also follows the host's links from it, a few pages deep.
    scope: Mapped[str] = mapped_column(String(8), default="page", server_default="page")
