"""The plain-language story of a case, for its victim: found, notice sent, removed, re-checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.models import Case, CaseFingerprint, Match, MatchStatus, Report, ReportItem, Takedown


@dataclass(frozen=True)
class Event:
    """One line of the timeline; ``kind`` is machine-readable, ``text`` is for the victim."""

    at: datetime
    kind: str
    text: str


def _host(url: str) -> str:
    return urlsplit(url).hostname or "an unknown site"


def _hours(start: datetime | None, end: datetime) -> str:
    if start is None:
        return ""
    hours = max(0, round((end - start).total_seconds() / 3600))
    return f" {hours} hour{'s' if hours != 1 else ''} after the notice"


def case_timeline(session: Session, *, case: Case) -> list[Event]:
    """Every event of the case, oldest first; hosts are named, image URLs and hashes never."""
    events = [Event(case.created_at, "opened", "You opened this case.")]
    for added_at, count in session.execute(
        select(func.min(CaseFingerprint.created_at), func.count())
        .where(CaseFingerprint.case_id == case.id)
        .group_by(func.date(CaseFingerprint.created_at))
    ):
        events.append(
            Event(added_at, "fingerprints", f"{count} fingerprints are in the hash bank.")
        )
    for created_at, urls in session.execute(
        select(Report.created_at, func.count(ReportItem.id))
        .join(ReportItem, ReportItem.report_id == Report.id)
        .where(Report.case_id == case.id)
        .group_by(Report.id, Report.created_at)
    ):
        noun = "address" if urls == 1 else "addresses"
        events.append(Event(created_at, "reported", f"You reported {urls} web {noun} to check."))
    for match in session.scalars(select(Match).where(Match.case_id == case.id)):
        host = _host(match.image_url)
        if match.status == MatchStatus.REJECTED:
            continue
        text = (
            f"A caseworker confirmed a copy of your image on {host}."
            if match.status == MatchStatus.CONFIRMED
            else f"A possible copy was found on {host}; a caseworker will check it."
        )
        events.append(Event(match.created_at, "found", text))
    for takedown in session.scalars(select(Takedown).where(Takedown.case_id == case.id)):
        where = takedown.platform
        if takedown.sent_at:
            events.append(
                Event(takedown.sent_at, "notice_sent", f"A removal notice was sent to {where}.")
            )
        if takedown.acknowledged_at:
            events.append(
                Event(
                    takedown.acknowledged_at,
                    "acknowledged",
                    f"{where} confirmed it received the notice.",
                )
            )
        if takedown.removed_at:
            after = _hours(takedown.sent_at, takedown.removed_at)
            events.append(
                Event(takedown.removed_at, "removed", f"{where} removed the image{after}.")
            )
        if takedown.refused_at:
            events.append(
                Event(
                    takedown.refused_at,
                    "refused",
                    f"{where} refused; your caseworker will escalate.",
                )
            )
        if takedown.no_response_at:
            events.append(
                Event(takedown.no_response_at, "no_response", f"{where} did not answer in time.")
            )
    if case.withdrawn_at:
        events.append(
            Event(
                case.withdrawn_at,
                "withdrawn",
                "You withdrew this case; its fingerprints were deleted.",
            )
        )
    return sorted(events, key=lambda event: event.at)
