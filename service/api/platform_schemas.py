"""Pydantic models of the platform API (check, feed, outcomes)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from casework.checks import MAX_CHECK_FINGERPRINTS, Answer
from casework.feed import FeedEntry
from casework.models import PlatformOutcome
from casework.outcomes import MAX_OUTCOMES_PER_REQUEST, SubmittedOutcome
from service.api.schemas import FingerprintIn

VerdictName = Literal["match", "no_match", "unusable"]


class CheckIn(BaseModel):
    """Fingerprints of uploads to check: your own hashes, pdq/phash/md5/sha256."""

    model_config = ConfigDict(extra="forbid")

    fingerprints: list[FingerprintIn] = Field(min_length=1, max_length=MAX_CHECK_FINGERPRINTS)


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

    @classmethod
    def of(cls, index: int, answer: Answer) -> CheckResult:
        """The wire form of a domain answer."""
        return cls(
            index=index,
            verdict=answer.verdict.value,
            algorithm=answer.algorithm.value if answer.algorithm else None,
            distance=answer.distance,
            match_token=answer.token,
            reason=answer.reason,
        )


class CheckOut(BaseModel):
    """One result per fingerprint, in request order."""

    results: list[CheckResult]


class ImageCheckOut(BaseModel):
    """The answer for an uploaded file: its closest match, or why there is none."""

    verdict: VerdictName
    algorithm: str | None = None
    distance: int | None = None
    match_token: str | None = None
    reason: str | None = None

    @classmethod
    def of(cls, answer: Answer) -> ImageCheckOut:
        """The wire form of a domain answer."""
        return cls(
            verdict=answer.verdict.value,
            algorithm=answer.algorithm.value if answer.algorithm else None,
            distance=answer.distance,
            match_token=answer.token,
            reason=answer.reason,
        )


class FeedEntryOut(BaseModel):
    """Add ``value`` under ``id``, or remove what ``id`` held (a tombstone has no value)."""

    op: Literal["add", "remove"]
    id: str
    algorithm: str
    value: str | None = None

    @classmethod
    def of(cls, entry: FeedEntry) -> FeedEntryOut:
        """The wire form of a feed entry."""
        return cls(
            op=entry.op.value, id=entry.id, algorithm=entry.algorithm.value, value=entry.value
        )


class FeedOut(BaseModel):
    """A page of the feed and the cursor to ask with next."""

    entries: list[FeedEntryOut]
    cursor: str = Field(description="pass it back as ?cursor= to get what comes after")
    more: bool = Field(description="true when another page is waiting already")


class OutcomeIn(BaseModel):
    """What you did about a hit (its match token) or a takedown notice (its reference)."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["removed", "not_violating", "not_found"]
    match_token: str | None = Field(default=None, max_length=64)
    takedown_reference: str | None = Field(default=None, max_length=32)
    reason: Literal["not_intimate_imagery", "other"] | None = Field(
        default=None,
        description="with not_violating: not_intimate_imagery counts towards quarantine",
    )

    def to_domain(self) -> SubmittedOutcome:
        """The domain's view of this item."""
        return SubmittedOutcome(
            outcome=self.outcome,
            match_token=self.match_token,
            takedown_reference=self.takedown_reference,
            reason=self.reason,
        )


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
