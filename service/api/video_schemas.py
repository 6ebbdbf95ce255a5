"""Request and response bodies of the video endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
