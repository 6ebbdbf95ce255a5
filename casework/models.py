"""Every table, in one file: this is the privacy review surface.

What is stored about a victim: a random case ID, an argon2id hash of the PIN, failed-attempt
counters, and fingerprints sealed with AES-GCM (see casework/vault.py). Never an image, a name,
a file name or an IP address.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, EnumString, UTCDateTime, utcnow


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
    # None means the deployment's default organisation (casework/accounts.py, Desk.sees).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True, default=None
    )
    # Set by a caseworker: the adult notice routes are blocked, child-protection channels shown.
    under_18: Mapped[bool] = mapped_column(Boolean, default=False)

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


# Caseworker console: organisations and their accounts, console sessions, match reviews and the
# allow-list they feed, takedown notices, and the audit log.


class Organisation(Base):
    """A caseworking organisation; it signs notices as the victims' authorised agent."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    postal_address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Role(StrEnum):
    """What a caseworker account may do; admins also manage their organisation's accounts."""

    CASEWORKER = "caseworker"
    ADMIN = "admin"


class Caseworker(Base):
    """A person who reviews matches and sends notices for one organisation."""

    __tablename__ = "caseworkers"
    # An address may hold an account in each organisation: were it unique overall, an admin
    # adding one would learn that it has an account elsewhere.
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=Role.CASEWORKER.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    organisation: Mapped[Organisation] = relationship()


class ConsoleSession(Base):
    """A server-side console session; the cookie holds the token, this row only its SHA-256.

    Only a login makes one (visitors of the login page have a signed cookie instead); a row
    without a caseworker was made for a visitor by an earlier version and ends by its timeouts.
    """

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    caseworker_id: Mapped[int | None] = mapped_column(
        ForeignKey("caseworkers.id", ondelete="CASCADE"), index=True, default=None
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    caseworker: Mapped[Caseworker | None] = relationship()


class MatchReview(Base):
    """A caseworker's decision on a match, with the reason given."""

    __tablename__ = "match_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), unique=True)
    caseworker_id: Mapped[int | None] = mapped_column(
        ForeignKey("caseworkers.id", ondelete="SET NULL"), default=None
    )
    decision: Mapped[MatchStatus] = mapped_column(EnumString(MatchStatus, 16))
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(500), default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


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
    """A confirmed match a notice covers."""

    __tablename__ = "takedown_items"
    __table_args__ = (UniqueConstraint("takedown_id", "match_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    takedown_id: Mapped[int] = mapped_column(
        ForeignKey("takedowns.id", ondelete="CASCADE"), index=True
    )
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), index=True)

    takedown: Mapped[Takedown] = relationship(back_populates="items")
    match: Mapped[Match] = relationship()


class AuditEvent(Base):
    """One entry of the append-only, hash-chained audit log (casework/audit.py).

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


# Platform API: platform accounts and their keys, match tokens handed to platforms, the outcomes
# they report, fingerprint quarantine, and webhook deliveries.


class PlatformAccount(Base):
    """A platform an operator vetted: it checks uploads, mirrors the feed and reports outcomes."""

    __tablename__ = "platform_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    #: Comma-separated algorithms the feed and export may carry to this platform.
    algorithms: Mapped[str] = mapped_column(String(64))
    webhook_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    webhook_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    #: Webhook scanning watermarks: the last Match id and BankChange id already considered.
    match_watermark: Mapped[int] = mapped_column(Integer, default=0)
    feed_watermark: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class PlatformDomain(Base):
    """A host name a platform serves content from; matches there are sent to its webhook."""

    __tablename__ = "platform_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("platform_accounts.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253), unique=True)


class PlatformKey(Base):
    """Ties an API key of kind platform to its platform account."""

    __tablename__ = "platform_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), unique=True
    )
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("platform_accounts.id", ondelete="CASCADE"), index=True
    )


class MatchToken(Base):
    """An opaque token one platform received for a hit; only its SHA-256 is stored.

    A token names a bank fingerprint (and, for a match the worker found, that match) so outcomes
    can be tied to it; withdrawal deletes the fingerprint and with it every token and outcome.
    """

    __tablename__ = "match_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("platform_accounts.id", ondelete="CASCADE"), index=True
    )
    fingerprint_id: Mapped[int] = mapped_column(
        ForeignKey("case_fingerprints.id", ondelete="CASCADE"), index=True
    )
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("matches.id", ondelete="CASCADE"), index=True, default=None
    )
    algorithm: Mapped[str] = mapped_column(String(16))
    distance: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


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


class DeliveryStatus(StrEnum):
    """Where one webhook delivery is."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(Base):
    """One signed event for one platform; the payload is sealed (it may carry a match token)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("platform_id", "event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("platform_accounts.id", ondelete="CASCADE"), index=True
    )
    match_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_tokens.id", ondelete="CASCADE"), index=True, default=None
    )
    event: Mapped[str] = mapped_column(String(32))
    event_key: Mapped[str] = mapped_column(String(64))
    payload_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[DeliveryStatus] = mapped_column(
        EnumString(DeliveryStatus, 16), default=DeliveryStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class RecoveryCode(Base):
    """A one-time code, printed for the victim at case creation, that resets the PIN.

    Only an HMAC of the code is stored; codes are high-entropy, so a keyed hash suffices.
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


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
