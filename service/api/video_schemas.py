"""Request and response bodies of the video endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from casework.bank.videos import MAX_CROPS_PER_VIDEO
from casework.platforms.video_checks import VideoAnswer

#: Three hours of frames at about 80 characters each.
MAX_VPDQ_CHARS = 1_000_000


class VideoIn(BaseModel):
    """One video's vPDQ fingerprint as python-threatexchange writes it."""

    model_config = ConfigDict(extra="forbid")

    vpdq: str = Field(
        max_length=MAX_VPDQ_CHARS,
        description='a JSON list of "<pdq hex>,<quality>,<seconds>" strings, one per sampled '
        "frame (python-threatexchange's VPDQSignal)",
        examples=['["' + "f8f8f0ce" * 8 + ',100,0.000"]'],
    )
    sha256: str | None = Field(
        default=None,
        pattern="^[0-9a-f]{64}$",
        description="the video file's SHA-256, if you sent the file's digests to the case: the "
        "file and its vPDQ then count as one video",
    )


class CaseVideoIn(VideoIn):
    """A victim's video: its vPDQ fingerprint and, as the CLI sends them, its crops'."""

    crops: list[str] = Field(
        default_factory=list,
        max_length=MAX_CROPS_PER_VIDEO,
        description="vPDQ fingerprints of the video's frames cut by centre crops (the same "
        "frames and timestamps): a cropped leak matches through them",
    )

    @field_validator("crops")
    @classmethod
    def _crop_size(cls, crops: list[str]) -> list[str]:
        if any(len(crop) > MAX_VPDQ_CHARS for crop in crops):
            raise ValueError(f"a crop's fingerprint has at most {MAX_VPDQ_CHARS} characters")
        return crops


#: The largest /v1/case/videos body: a video's text and its crops', with room for the JSON.
MAX_CASE_VIDEO_BYTES = (1 + MAX_CROPS_PER_VIDEO) * MAX_VPDQ_CHARS + 64 * 1024


class VideoAdded(BaseModel):
    """Whether the video was new to the case (False: the case already held it)."""

    added: bool


class VideoCheckOut(BaseModel):
    """match or no_match; for a match, how much of the checked video matched, and where."""

    verdict: Literal["match", "no_match", "unusable"]
    matched_percent: float | None = Field(
        default=None, description="share of the video's usable frames that match, matches only"
    )
    ranges: list[list[float]] | None = Field(
        default=None, description="[start, end] seconds of the checked video that match"
    )
    reason: str | None = Field(default=None, description="why an uploaded file is unusable")

    @classmethod
    def of(cls, answer: VideoAnswer) -> VideoCheckOut:
        """The wire form of a video's answer."""
        if not answer.matched:
            return cls(verdict="no_match")
        return cls(
            verdict="match",
            matched_percent=answer.percent,
            ranges=[[start, end] for start, end in answer.ranges],
        )
