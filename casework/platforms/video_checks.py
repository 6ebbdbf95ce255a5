"""Platform checks of videos: vetting, what they cost, and the answer for each checked video.

One mechanism for every route that checks a video (``/v1/check`` with ``videos``,
``/v1/check/video`` and ``/v1/check/video/file``): a video is one or more fingerprints of one
upload (as found and mirrored, say), matched under the video bank's rule; the answer is the best
of them and never says which case matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from casework.bank.videos import VideoBank, vet_video
from casework.errors import InvalidFingerprints, ItemProblem, TooManyFingerprints, Unavailable
from hashing.videos import VideoFingerprint

#: A video's cost in the platform's check budget: one check per this many frames (a minute).
FRAMES_PER_CHECK = 60
#: Videos in one /v1/check request (each up to three hours of frames; the body cap bounds
#: their total too).
MAX_CHECK_VIDEOS = 16


@dataclass(frozen=True)
class VideoAnswer:
    """What a platform learns about one checked video: the share and time ranges of a match."""

    matched: bool
    percent: float | None = None
    ranges: tuple[tuple[float, float], ...] = ()


class InvalidVideos(InvalidFingerprints):
    """One or more video fingerprints of a check were refused (``index`` is among the videos)."""

    code = "invalid_videos"
    noun = "video"


def vet_videos(texts: Sequence[str]) -> list[VideoFingerprint]:
    """Parse every vPDQ text; any malformed or unusable one refuses the request, by position."""
    if len(texts) > MAX_CHECK_VIDEOS:
        raise TooManyFingerprints(
            f"{len(texts)} videos in one check; the limit is {MAX_CHECK_VIDEOS}"
        )
    vetted: list[VideoFingerprint] = []
    problems: list[ItemProblem] = []
    for position, text in enumerate(texts):
        try:
            vetted.append(vet_video(text))
        except InvalidFingerprints as refused:
            problems += [ItemProblem(position, problem.reason) for problem in refused.problems]
    if problems:
        raise InvalidVideos(problems)
    return vetted


def checks_cost(videos: Sequence[VideoFingerprint]) -> int:
    """What checking these videos spends of a check budget: a check per minute of frames."""
    return sum(max(1, len(video.frames) // FRAMES_PER_CHECK) for video in videos)


def answer_videos(
    session: Session, *, bank: VideoBank, uploads: Sequence[Sequence[VideoFingerprint]]
) -> list[VideoAnswer]:
    """One answer per upload, from the best-matching of its fingerprints; Unavailable until the
    video index has loaded."""
    bank.refresh(session)
    if not bank.loaded:
        raise Unavailable("the video index is still loading; retry shortly")
    answers = []
    for fingerprints in uploads:
        hits = bank.match_any(fingerprints)
        if not hits:
            answers.append(VideoAnswer(matched=False))
            continue
        best = hits[0]
        answers.append(
            VideoAnswer(
                matched=True, percent=round(best.query_percent, 1), ranges=best.query_ranges
            )
        )
    return answers
