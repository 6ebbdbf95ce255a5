"""The URLs a notice names: for each image or video it covers, the page and the file's own URL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from casework.notices.models import Takedown, TakedownItem, TakedownStatus
from casework.reports.models import Match, ReportItem, VideoMatch


@dataclass(frozen=True)
class Named:
    """One covered image or video of a notice: the page it was reported on and its own URL."""

    takedown_id: int
    page: str
    url: str
    video: bool


def named_urls(session: Session, *, where: ColumnElement[bool]) -> list[Named]:
    """What the notices ``where`` selects (a clause over Takedown) name, in notice item order."""
    images = session.execute(
        select(TakedownItem.id, Takedown.id, ReportItem.url, Match.image_url)
        .join(Takedown, Takedown.id == TakedownItem.takedown_id)
        .join(Match, Match.id == TakedownItem.match_id)
        .join(ReportItem, ReportItem.id == Match.item_id)
        .where(where)
    ).all()
    videos = session.execute(
        select(TakedownItem.id, Takedown.id, ReportItem.url, VideoMatch.video_url)
        .join(Takedown, Takedown.id == TakedownItem.takedown_id)
        .join(VideoMatch, VideoMatch.id == TakedownItem.video_match_id)
        .join(ReportItem, ReportItem.id == VideoMatch.item_id)
        .where(where)
    ).all()
    rows = [(row, False) for row in images] + [(row, True) for row in videos]
    rows.sort(key=lambda entry: entry[0][0])
    return [
        Named(int(takedown_id), page, url, video) for (_, takedown_id, page, url), video in rows
    ]


def of_notices(takedown_ids: Sequence[int]) -> ColumnElement[bool]:
    """A clause for named_urls: these notices."""
    return Takedown.id.in_(list(takedown_ids))


def open_of_case(case_id: int) -> ColumnElement[bool]:
    """A clause for named_urls: the case's notices not yet removed."""
    return (Takedown.case_id == case_id) & (Takedown.status != TakedownStatus.REMOVED.value)
