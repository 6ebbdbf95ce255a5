"""Pydantic request and response models of the JSON API; tables never double as these."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from casework.bank.fingerprints import SubmittedFingerprint
from casework.reports.reports import MAX_URLS_PER_REPORT

# Generous bounds on the wire; the domain applies the real, configurable limits with a clear error.
MAX_WIRE_FINGERPRINTS = 10_000


class FingerprintIn(BaseModel):
    """One fingerprint computed on the victim's device."""

    model_config = ConfigDict(extra="forbid")

    algorithm: str = Field(max_length=16, examples=["pdq"])
    value: str = Field(max_length=64, description="lowercase hex", examples=["f8f8f0ce" * 8])
    quality: int | None = Field(default=None, description="PDQ quality (0-100), pdq only")
    photo: StrictInt | None = Field(
        default=None,
        description="the photo this fingerprint comes from: its 0-based position among the "
        "request's photos, the same for every entry of one photo. A request names it on every "
        "entry or on none; entries without it are stored ungrouped and counted as fingerprints",
        examples=[0],
    )
    derived: StrictBool = Field(
        default=False,
        description="true for a pdq or phash of a trimmed copy or a crop of the photo rather "
        "than of the photo as it is; needs a photo with at least one entry that is not derived",
    )

    def to_domain(self) -> SubmittedFingerprint:
        """The domain's view of this item."""
        return SubmittedFingerprint(
            self.algorithm, self.value, self.quality, self.photo, self.derived
        )


class FingerprintsIn(BaseModel):
    """A batch of fingerprints."""

    model_config = ConfigDict(extra="forbid")

    fingerprints: list[FingerprintIn] = Field(min_length=1, max_length=MAX_WIRE_FINGERPRINTS)

    def to_domain(self) -> list[SubmittedFingerprint]:
        """The domain's view of the batch."""
        return [item.to_domain() for item in self.fingerprints]


class CaseOpened(BaseModel):
    """A new case. The PIN and recovery codes appear here once and are never retrievable again."""

    case_id: str
    pin: str
    recovery_codes: list[str] = Field(
        description="one-time codes that reset the PIN; keep them apart from the PIN"
    )
    status: str
    added: int
    duplicates: int
    photos_added: int = Field(description="photos new to the case, each counted once")


class FingerprintsAdded(BaseModel):
    """What an add did."""

    added: int
    duplicates: int
    photos_added: int = Field(
        description="photos new to the case, each counted once however many fingerprints it "
        "has; a photo the case held already adds its new crop fingerprints to that photo"
    )


class TimelineEventOut(BaseModel):
    """One event of a case, in plain words."""

    at: datetime
    kind: str
    text: str
    #: What the text names (host, platform, count, hours), for telling it in another language.
    params: dict[str, str | int] = Field(default_factory=dict)


class CaseStatusOut(BaseModel):
    """A case's status, without any fingerprint value."""

    case_id: str
    status: str
    created_at: datetime
    withdrawn_at: datetime | None
    fingerprints: dict[str, int] = Field(description="how many fingerprints, by algorithm")
    photos: int = Field(
        description="how many photos the fingerprints come from (each counts once, with its "
        "crops and trimmed copies); a video file's digests, sent with its vPDQ, are the video's"
    )
    ungrouped_fingerprints: int = Field(
        description="fingerprints sent without saying their photo (older clients), not in photos"
    )
    recovery_codes_left: int
    timeline: list[TimelineEventOut]


class RecoverIn(BaseModel):
    """A case ID and one of its recovery codes."""

    model_config = ConfigDict(extra="forbid")

    case_id: str = Field(max_length=40)
    recovery_code: str = Field(max_length=40)


class CaseRecovered(BaseModel):
    """A new PIN, shown once; the recovery code used is spent."""

    case_id: str
    pin: str
    recovery_codes_left: int


class CaseWithdrawnOut(BaseModel):
    """The result of a withdrawal: what was deleted, in photos and videos."""

    case_id: str
    status: str
    photos_deleted: int = Field(
        description="photos whose fingerprints were deleted, each counted once however many "
        "fingerprints (its crops' among them) it had"
    )
    videos_deleted: int = Field(description="videos whose fingerprints were deleted")
    ungrouped_deleted: int = Field(
        description="fingerprints sent without saying their photo (older clients), deleted too "
        "and not in photos_deleted"
    )
    fingerprints_deleted: int = Field(
        description="every fingerprint deleted, the photos', the videos' file digests and the "
        "ungrouped ones"
    )


class ReportIn(BaseModel):
    """URLs where images leaked, with an optional note for caseworkers."""

    model_config = ConfigDict(extra="forbid")

    urls: list[str] = Field(min_length=1, max_length=MAX_URLS_PER_REPORT)
    note: str | None = Field(default=None, max_length=10_000)


class ReportItemOut(BaseModel):
    """One reported URL and where it is in processing."""

    url: str
    state: str
    reason: str | None = Field(description="machine-readable reason when the URL failed")
    message: str | None = Field(description="the reason in a sentence")
    attempts: int
    images_found: int
    images_checked: int
    matches: int = Field(
        description="images found here that match; one image counts once, however many of "
        "its hashes matched"
    )
    videos: int = Field(
        default=0, description="videos found here that match a video of the case (vPDQ)"
    )
    progress: str = Field(
        description="queued, checking, retrying, found, nothing_found, no_images, unreadable "
        "or failed: what `text` says"
    )
    finished: bool = Field(description="false while the URL is still waiting or being checked")
    text: str = Field(description="where this URL stands, in a plain English sentence")


class ReportOut(BaseModel):
    """A report and the state of each of its URLs."""

    report_id: str
    created_at: datetime
    items: list[ReportItemOut]


class ReportsOut(BaseModel):
    """Your newest reports, newest first."""

    reports: list[ReportOut]


class NotificationsIn(BaseModel):
    """Where to hear about news on the case: an e-mail address or an https webhook, not both."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254)
    webhook: str | None = Field(default=None, max_length=2048)


class NotificationsOut(BaseModel):
    """The case's notification channel, its address masked; off when ``channel`` is null."""

    channel: str | None
    address: str | None
    last_sent_at: datetime | None
    #: The last delivery failed; the victim may want to check the address.
    failing: bool
    #: Whether this service sends e-mail at all (otherwise only a webhook can be chosen).
    email_available: bool


class NotificationsSet(NotificationsOut):
    """The channel just chosen; a webhook's signing secret is shown this once."""

    secret: str | None
