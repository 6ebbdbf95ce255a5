"""Every table, re-exported from the package that owns it: the privacy review surface.

What is stored about a victim: a random case ID, an argon2id hash of the PIN, failed-attempt
counters, and fingerprints sealed with AES-GCM (see casework/vault.py). Never an image, a name,
a file name or an IP address.
"""

from casework.audit import AuditEvent
from casework.bank.models import (
    AllowedMatch,
    Bank,
    BankChange,
    BankCheckpoint,
    BankOp,
    BankPolicy,
    BankSource,
    FingerprintQuarantine,
)
from casework.db import Base, UTCDateTime, utcnow
from casework.desk.models import Caseworker, ConsoleSession, Organisation, Role
from casework.notices.models import (
    CheckOutcome,
    OutcomeKind,
    PlatformOutcome,
    Takedown,
    TakedownCheck,
    TakedownItem,
    TakedownStatus,
    WatchedUrl,
)
from casework.platforms.models import (
    ApiKey,
    DeliveryStatus,
    MatchToken,
    PlatformAccount,
    PlatformDomain,
    PlatformKey,
    WebhookDelivery,
)
from casework.reports.models import (
    ItemStatus,
    Match,
    MatchReview,
    MatchStatus,
    Report,
    ReportItem,
    VideoMatch,
)
from casework.victims.models import (
    Case,
    CaseFingerprint,
    CaseNotification,
    CaseStatus,
    CaseVideo,
    NotificationChannel,
    RecoveryCode,
)

__all__ = [
    "AllowedMatch",
    "ApiKey",
    "AuditEvent",
    "Bank",
    "BankChange",
    "BankCheckpoint",
    "BankOp",
    "BankPolicy",
    "BankSource",
    "Base",
    "Case",
    "CaseFingerprint",
    "CaseNotification",
    "CaseStatus",
    "CaseVideo",
    "Caseworker",
    "CheckOutcome",
    "ConsoleSession",
    "DeliveryStatus",
    "FingerprintQuarantine",
    "ItemStatus",
    "Match",
    "MatchReview",
    "MatchStatus",
    "MatchToken",
    "NotificationChannel",
    "Organisation",
    "OutcomeKind",
    "PlatformAccount",
    "PlatformDomain",
    "PlatformKey",
    "PlatformOutcome",
    "RecoveryCode",
    "Report",
    "ReportItem",
    "Role",
    "Takedown",
    "TakedownCheck",
    "TakedownItem",
    "TakedownStatus",
    "UTCDateTime",
    "VideoMatch",
    "WatchedUrl",
    "WebhookDelivery",
    "utcnow",
]
