"""Pydantic models of the platform API (check, feed, outcomes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from casework.bank.bank import FAINT_PDQ_RADIUS_BITS
from casework.bank.fingerprints import SubmittedFingerprint
from casework.models import PlatformOutcome
from casework.notices.outcomes import MAX_OUTCOMES_PER_REQUEST, SubmittedOutcome
from casework.platforms.checks import MAX_CHECK_FINGERPRINTS, Answer
from casework.platforms.feed import FeedEntry
from casework.platforms.video_checks import MAX_CHECK_VIDEOS, VideoAnswer
from hashing.algorithms import PDQ_QUALITY_MIN
from service.api.video_schemas import VideoIn

VerdictName = Literal["match", "no_match", "unusable"]
PolicyName = Literal["act", "review"]
POLICY_MEANING = (
    "for matches: act (you may act on it at once) or review (the bank's owner asks that only a "
    "person of yours decides)"
)
BANK_MEANING = (
    "for matches, to keys the operator allowed to see it: the bank the match came from "
    "(victims, or a named list)"
)


class _Fingerprint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def to_domain(self) -> SubmittedFingerprint:
        """The domain's view of this item."""
        return SubmittedFingerprint(**self.model_dump())


class PdqIn(_Fingerprint):
    """A PDQ hash (64 lowercase hex) and, if you have it, its quality."""

    algorithm: Literal["pdq"]
    value: str = Field(pattern="^[0-9a-f]{64}$", examples=["f8f8f0ce" * 8])
    quality: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description=f"below {PDQ_QUALITY_MIN} (too little detail for PDQ's usual radius) is "
        f"matched only within {FAINT_PDQ_RADIUS_BITS} bits",
    )


class PhashIn(_Fingerprint):
    """An imagehash pHash (16 lowercase hex)."""

    algorithm: Literal["phash"]
    value: str = Field(pattern="^[0-9a-f]{16}$")


class Md5In(_Fingerprint):
    """The MD5 of a whole file (32 lowercase hex)."""

    algorithm: Literal["md5"]
    value: str = Field(pattern="^[0-9a-f]{32}$")


class Sha256In(_Fingerprint):
    """The SHA-256 of a whole file (64 lowercase hex)."""

    algorithm: Literal["sha256"]
    value: str = Field(pattern="^[0-9a-f]{64}$")


CheckFingerprint = Annotated[PdqIn | PhashIn | Md5In | Sha256In, Field(discriminator="algorithm")]


class CheckIn(BaseModel):
    """Fingerprints of uploads to check (pdq, phash, md5 or sha256, lowercase hex), and videos'
    vPDQ fingerprints; at least one of either."""

    model_config = ConfigDict(extra="forbid")

    fingerprints: list[CheckFingerprint] = Field(
        default_factory=list, max_length=MAX_CHECK_FINGERPRINTS
    )
    videos: list[VideoIn] = Field(
        default_factory=list,
        max_length=MAX_CHECK_VIDEOS,
        description="each a video's frame hashes with timestamps; one check of the budget per "
        "60 frames",
    )

    @model_validator(mode="after")
    def _something_to_check(self) -> CheckIn:
        if not self.fingerprints and not self.videos:
            raise ValueError("send at least one fingerprint or video")
        return self


class CheckResult(BaseModel):
    """The answer for one fingerprint; never who or what it matched."""

    index: int = Field(description="position of the fingerprint in the request")
    verdict: VerdictName
    algorithm: str | None = None
    distance: int | None = Field(
        default=None, description="Hamming distance in bits, for matches only (0 for digests)"
    )
    match_token: str | None = Field(
        default=None, description="opaque; name it when you report an outcome"
    )
    reason: str | None = Field(default=None, description="why an unusable fingerprint is so")
    policy: PolicyName | None = Field(default=None, description=POLICY_MEANING)
    bank: str | None = Field(default=None, description=BANK_MEANING)
    photo: int | None = Field(
        default=None,
        description="for a match, which image of the bank it matched, numbered 1, 2, ... within "
        "this answer: results naming the same photo (and token) hit one image, whether through "
        "the image as the victim hashed it or through a crop of it",
    )

    @classmethod
    def of(cls, index: int, answer: Answer, *, sees_banks: bool = False) -> CheckResult:
        """The wire form of a domain answer; the bank's name only for keys allowed to see it."""
        return cls(
            index=index,
            verdict=answer.verdict.value,
            algorithm=answer.algorithm.value if answer.algorithm else None,
            distance=answer.distance,
            match_token=answer.token,
            reason=answer.reason,
            policy=answer.policy.value if answer.policy else None,
            bank=answer.bank if sees_banks else None,
            photo=answer.photo,
        )


class VideoResult(BaseModel):
    """The answer for one video: match or no_match; for a match, how much of it and where."""

    index: int = Field(description="position of the video in the request's videos")
    verdict: Literal["match", "no_match"]
    matched_percent: float | None = Field(
        default=None, description="share of the video's usable frames that match, matches only"
    )
    ranges: list[list[float]] | None = Field(
        default=None, description="[start, end] seconds of the checked video that match"
    )

    @classmethod
    def of(cls, index: int, answer: VideoAnswer) -> VideoResult:
        """The wire form of a video's answer."""
        if not answer.matched:
            return cls(index=index, verdict="no_match")
        return cls(
            index=index,
            verdict="match",
            matched_percent=answer.percent,
            ranges=[[start, end] for start, end in answer.ranges],
        )


class CheckOut(BaseModel):
    """One result per fingerprint, and one per video, each in request order."""

    results: list[CheckResult]
    videos: list[VideoResult] = Field(default_factory=list)
    photos_matched: int = Field(
        description="how many images of the bank the matches hit, each counted once however "
        "many of its fingerprints matched"
    )


class ImageCheckOut(BaseModel):
    """The answer for an uploaded file: its closest match, or why there is none."""

    verdict: VerdictName
    algorithm: str | None = None
    distance: int | None = None
    match_token: str | None = None
    reason: str | None = None
    policy: PolicyName | None = Field(default=None, description=POLICY_MEANING)
    bank: str | None = Field(default=None, description=BANK_MEANING)
    photos_matched: int = Field(
        default=0,
        description="how many images of the bank the upload matched (its flips, crops and "
        "trimmed copies, and the victim's crops of one image, count that image once)",
    )

    @classmethod
    def of(
        cls, answer: Answer, *, sees_banks: bool = False, photos_matched: int = 0
    ) -> ImageCheckOut:
        """The wire form of a domain answer; the bank's name only for keys allowed to see it."""
        return cls(
            verdict=answer.verdict.value,
            algorithm=answer.algorithm.value if answer.algorithm else None,
            distance=answer.distance,
            match_token=answer.token,
            reason=answer.reason,
            policy=answer.policy.value if answer.policy else None,
            bank=answer.bank if sees_banks else None,
            photos_matched=photos_matched,
        )


class FeedEntryOut(BaseModel):
    """Add ``value`` under ``id``, or remove what ``id`` held (a tombstone has no value)."""

    op: Literal["add", "remove"]
    id: str
    algorithm: str = Field(
        description="pdq, phash, md5 or sha256 for a photo's fingerprint; vpdq for a video, "
        "whose value is python-threatexchange's VPDQSignal text"
    )
    value: str | None = None
    photo: str | None = Field(
        default=None,
        description="the photo this fingerprint is of, the same opaque id for all of a photo's "
        "fingerprints (its own, its trimmed copies' and its crops'), on additions and removals; "
        "a video's vpdq entry carries the id of its file's digests. null for a video whose "
        "digests the victim did not send, and for removals logged before photos were named",
    )

    @classmethod
    def of(cls, entry: FeedEntry) -> FeedEntryOut:
        """The wire form of a feed entry."""
        return cls(
            op=entry.op.value,
            id=entry.id,
            algorithm=entry.algorithm,
            value=entry.value,
            photo=entry.photo,
        )


class FeedOut(BaseModel):
    """A page of the feed and the cursor to ask with next."""

    entries: list[FeedEntryOut]
    cursor: str = Field(description="pass it back as ?cursor= to get what comes after")
    more: bool = Field(description="true when another page is waiting already")


TOKEN_PATTERN = "^mt_[A-Za-z0-9_-]{8,61}$"  # noqa: S105 - a pattern, not a secret
REFERENCE_PATTERN = "^[A-Za-z0-9][A-Za-z0-9-]{2,31}$"
NotIntimate = Literal["not_intimate_imagery", "other"]


class _Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def to_domain(self) -> SubmittedOutcome:
        """The domain's view of this item."""
        return SubmittedOutcome(**self.model_dump())


class TokenOutcome(_Outcome):
    """The hit named by a match token was removed, or was no longer there."""

    match_token: str = Field(pattern=TOKEN_PATTERN)
    outcome: Literal["removed", "not_found"]


class TokenNotViolating(_Outcome):
    """The hit named by a match token does not break your rules, and why."""

    match_token: str = Field(pattern=TOKEN_PATTERN)
    outcome: Literal["not_violating"]
    reason: NotIntimate | None = Field(
        default=None, description="not_intimate_imagery counts towards quarantine"
    )


class TakedownOutcome(_Outcome):
    """The content of a takedown notice (by its reference) was removed, or not found."""

    takedown_reference: str = Field(pattern=REFERENCE_PATTERN)
    outcome: Literal["removed", "not_found"]


class TakedownNotViolating(_Outcome):
    """The content of a takedown notice does not break your rules, and why."""

    takedown_reference: str = Field(pattern=REFERENCE_PATTERN)
    outcome: Literal["not_violating"]
    reason: NotIntimate | None = None


OutcomeIn = TokenOutcome | TokenNotViolating | TakedownOutcome | TakedownNotViolating


class OutcomesIn(BaseModel):
    """A batch of outcomes; all are stored or none."""

    model_config = ConfigDict(extra="forbid")

    outcomes: list[OutcomeIn] = Field(min_length=1, max_length=MAX_OUTCOMES_PER_REQUEST)


class OutcomeOut(BaseModel):
    """One of your stored outcomes."""

    id: str
    outcome: str
    reason: str | None
    takedown_reference: str | None
    for_match_token: bool
    created_at: datetime

    @classmethod
    def of(cls, row: PlatformOutcome) -> OutcomeOut:
        """The wire form of a stored outcome."""
        return cls(
            id=row.public_id,
            outcome=row.outcome,
            reason=row.reason,
            takedown_reference=row.takedown_reference,
            for_match_token=row.match_token_id is not None,
            created_at=row.created_at,
        )


class OutcomesOut(BaseModel):
    """Outcomes, oldest first."""

    outcomes: list[OutcomeOut]


#: What errors mean on the platform routes, where the only credentials are platform keys.
PLATFORM_ERRORS = {
    401: "no key was sent, or it is unknown, revoked or wrong (one answer for all)",
    403: "the key lacks this route's scope",
    404: "a match token, notice reference or outcome id that is not yours (or does not exist)",
}
