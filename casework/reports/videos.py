"""Videos a report found matching a banked video: recorded with the share of frames and the
time ranges, then confirmed or rejected by a caseworker like a found image (reports.reviews).

A rejected video match does not come back: the same video URL matching the same banked video
again is not recorded (the video's frames are not kept, so its URL is what identifies it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from casework.access import Desk
from casework.reports.models import MatchReview, MatchStatus, ReportItem, VideoMatch
from casework.reports.reports import MAX_URL_CHARS
from casework.reports.reviews import QUEUE_LIMIT
from casework.victims.models import Case, CaseVideo


class VideoHit(Protocol):
    """What the video bank says about a found video matching a banked one (bank.videos.VideoHit;
    the bank imports reports, so reports names its shape rather than importing it)."""

    @property
    def case_id(self) -> int: ...
    @property
    def video_id(self) -> int: ...
    @property
    def query_percent(self) -> float: ...
    @property
    def compared_percent(self) -> float: ...
    @property
    def query_ranges(self) -> tuple[tuple[float, float], ...]: ...


def record_video_matches(
    session: Session,
    *,
    item: ReportItem,
    video_url: str,
    hits: Sequence[VideoHit],
) -> int:
    """Store each (case, banked video) a found video matched once; returns how many were new.

    A hit a caseworker already rejected for this video URL is not stored again.
    """
    digest = url_digest(video_url)
    held = set(
        session.scalars(
            select(VideoMatch.video_id).where(
                VideoMatch.item_id == item.id, VideoMatch.video_url_digest == digest
            )
        )
    )
    rejected = set(
        session.scalars(
            select(VideoMatch.video_id).where(
                VideoMatch.video_url_digest == digest,
                VideoMatch.status == MatchStatus.REJECTED,
            )
        )
    )
    new = [hit for hit in hits if hit.video_id not in held | rejected]
    session.add_all(
        VideoMatch(
            item_id=item.id,
            case_id=hit.case_id,
            video_id=hit.video_id,
            video_url=video_url[:MAX_URL_CHARS],
            video_url_digest=digest,
            query_percent=hit.query_percent,
            compared_percent=hit.compared_percent,
            ranges=format_ranges(hit.query_ranges),
        )
        for hit in new
    )
    session.flush()
    return len(new)


def url_digest(url: str) -> bytes:
    """The SHA-256 of a video URL, as VideoMatch.video_url_digest keeps it."""
    return hashlib.sha256(url.encode()).digest()


def format_ranges(ranges: Sequence[tuple[float, float]]) -> str:
    """ "72.0-220.0,300.0-311.0": how VideoMatch.ranges stores them (the first 150 fit)."""
    return ",".join(f"{start:.1f}-{end:.1f}" for start, end in ranges[:150])


def parse_ranges(text: str) -> list[tuple[float, float]]:
    """The inverse of format_ranges."""
    spans = []
    for part in filter(None, text.split(",")):
        start, _, end = part.partition("-")
        spans.append((float(start), float(end)))
    return spans


def clock(seconds: float) -> str:
    """A time in a video as mm:ss (h:mm:ss past an hour), rounded down to the second."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def clock_ranges(text: str) -> str:
    """Stored ranges as people read them: "01:12-03:40, 05:00-05:11"."""
    return ", ".join(f"{clock(start)}-{clock(end)}" for start, end in parse_ranges(text))


def video_numbers(session: Session, *, case_ids: Sequence[int]) -> dict[int, int]:
    """Each banked video's number in its case (1 for the first submitted), by video id."""
    numbers: dict[int, int] = {}
    counts: dict[int, int] = {}
    for video_id, case_id in session.execute(
        select(CaseVideo.id, CaseVideo.case_id)
        .where(CaseVideo.case_id.in_(list(case_ids)))
        .order_by(CaseVideo.id)
    ):
        counts[case_id] = counts.get(case_id, 0) + 1
        numbers[video_id] = counts[case_id]
    return numbers


@dataclass(frozen=True)
class FoundVideo:
    """A video match as a caseworker sees it: where, how much, when in the video, which one."""

    match: VideoMatch
    case: Case
    item: ReportItem
    #: The case's number of the submitted video it matched; never its hash.
    number: int
    review: MatchReview | None = None

    @property
    def ranges(self) -> str:
        """The matching time ranges of the found video, mm:ss-mm:ss."""
        return clock_ranges(self.match.ranges)


def list_pending_videos(
    session: Session, *, desk: Desk, limit: int = QUEUE_LIMIT
) -> list[FoundVideo]:
    """Pending video matches of the organisation's cases, the largest share first."""
    rows = session.execute(
        select(VideoMatch, Case, ReportItem)
        .join(Case, Case.id == VideoMatch.case_id)
        .join(ReportItem, ReportItem.id == VideoMatch.item_id)
        .where(and_(VideoMatch.status == MatchStatus.PENDING, desk.sees()))
        .order_by(VideoMatch.query_percent.desc(), VideoMatch.id.desc())
        .limit(limit)
    ).all()
    numbers = video_numbers(session, case_ids=sorted({case.id for _m, case, _i in rows}))
    return [FoundVideo(match, case, item, numbers[match.video_id]) for match, case, item in rows]


def videos_of_case(session: Session, *, case: Case) -> list[FoundVideo]:
    """Every video match of a case with its review, oldest first."""
    rows = session.execute(
        select(VideoMatch, ReportItem, MatchReview)
        .join(ReportItem, ReportItem.id == VideoMatch.item_id)
        .outerjoin(MatchReview, MatchReview.video_match_id == VideoMatch.id)
        .where(VideoMatch.case_id == case.id)
        .order_by(VideoMatch.id)
    ).all()
    numbers = video_numbers(session, case_ids=[case.id])
    return [
        FoundVideo(match, case, item, numbers[match.video_id], review)
        for match, item, review in rows
    ]
