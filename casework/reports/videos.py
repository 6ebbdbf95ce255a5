"""Videos a report found matching a banked video: the share of frames and the time ranges."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.reports.models import ReportItem, VideoMatch
from casework.reports.reports import MAX_URL_CHARS


def record_video_matches(
    session: Session,
    *,
    item: ReportItem,
    video_url: str,
    hits: Sequence[tuple[int, int, float, float, tuple[tuple[float, float], ...]]],
) -> int:
    """Store each (case, banked video) a found video matched once; returns how many were new.

    A hit is (case id, video id, query %, compared %, query ranges in seconds).
    """
    digest = hashlib.sha256(video_url.encode()).digest()
    held = set(
        session.scalars(
            select(VideoMatch.video_id).where(
                VideoMatch.item_id == item.id, VideoMatch.video_url_digest == digest
            )
        )
    )
    new = [hit for hit in hits if hit[1] not in held]
    session.add_all(
        VideoMatch(
            item_id=item.id,
            case_id=case_id,
            video_id=video_id,
            video_url=video_url[:MAX_URL_CHARS],
            video_url_digest=digest,
            query_percent=query_percent,
            compared_percent=compared_percent,
            ranges=format_ranges(ranges),
        )
        for case_id, video_id, query_percent, compared_percent, ranges in new
    )
    session.flush()
    return len(new)


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
