"""What a caseworker sees of a case: the list, the case file with its timeline, the flags.

Fingerprints appear as counts per algorithm, never as values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from casework import audit
from casework.access import Desk
from casework.bank.banks import BankLabel, labels_of
from casework.hosts import host_of
from casework.notices.lifecycle import LIFECYCLE
from casework.notices.models import PlatformOutcome, Takedown, TakedownStatus
from casework.notices.outcomes import answers_to
from casework.notices.takedowns import is_overdue
from casework.platforms.models import MatchToken, PlatformAccount
from casework.reports.models import (
    Match,
    MatchReview,
    MatchStatus,
    Report,
    ReportItem,
    VideoMatch,
)
from casework.reports.reviews import (
    MatchedPhoto,
    PhotoOf,
    closest_distances,
    matched_photos,
    photos_of,
)
from casework.reports.videos import FoundVideo, videos_of_case
from casework.victims.cases import PhotoCount, photo_counts
from casework.victims.models import Case, CaseFingerprint


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list."""

    case: Case
    pending: int
    confirmed: int
    open_notices: int
    overdue: int


@dataclass(frozen=True)
class Moment:
    """One entry of a case's timeline; ``what`` is a key the console translates."""

    at: datetime
    what: str
    details: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class ImageFound:
    """One image found on a reported page, with its matches (one per bank fingerprint it is near).

    Review decides on all of an image's matches at once, so they share one decision.
    """

    item: ReportItem
    matches: tuple[tuple[Match, MatchReview | None], ...]
    #: The case's photos these matches hit (a crop's fingerprint counts for its photo).
    photos: tuple[MatchedPhoto, ...] = ()
    #: Outside lists (named banks) these matches hit, rather than the victim's own photos.
    outside: tuple[BankLabel, ...] = ()

    @property
    def first(self) -> Match:
        """The image's first recorded match: its URL, when it was found, its decision."""
        return self.matches[0][0]

    @property
    def review(self) -> MatchReview | None:
        """The decision on the image, if one was taken."""
        return next((review for _match, review in self.matches if review is not None), None)

    @property
    def distances(self) -> dict[str, int]:
        """The closest distance per algorithm."""
        return closest_distances([match for match, _review in self.matches])


def found_images(
    matches: list[tuple[Match, ReportItem, MatchReview | None]],
    photo_of: PhotoOf,
    labels: Mapping[int, BankLabel] | None = None,
) -> list[ImageFound]:
    """Matches grouped per image found (its page's report item and its image URL), in order,
    with the case's photos each hit and the outside lists each hit (from ``labels``)."""
    groups: dict[tuple[int, bytes], tuple[ReportItem, list[tuple[Match, MatchReview | None]]]] = {}
    for match, item, review in matches:
        groups.setdefault((item.id, match.image_url_digest), (item, []))[1].append((match, review))
    named = labels or {}
    return [
        ImageFound(
            item,
            tuple(members),
            matched_photos([m for m, _r in members], photo_of),
            tuple(
                dict.fromkeys(
                    named[m.fingerprint_id]
                    for m, _r in members
                    if m.fingerprint_id in named and named[m.fingerprint_id].named
                )
            ),
        )
        for item, members in groups.values()
    ]


@dataclass(frozen=True)
class CaseFile:
    """Everything the case view shows."""

    case: Case
    fingerprints: dict[str, int]
    photos: PhotoCount
    #: Fingerprints of the photos' crops and trimmed copies, among ``fingerprints``.
    derived: int
    reports: list[Report]
    matches: list[tuple[Match, ReportItem, MatchReview | None]]
    images: list[ImageFound]
    takedowns: list[Takedown]
    timeline: list[Moment]
    #: Videos found matching the case's submitted videos, with their reviews.
    videos: list[FoundVideo] = field(default_factory=list)
    #: What platforms said about their upload checks' hits on this case's fingerprints.
    check_answers: list[CheckAnswer] = field(default_factory=list)


@dataclass(frozen=True)
class CheckAnswer:
    """A platform's outcome for a hit its upload check got on one of the case's fingerprints."""

    at: datetime
    platform: str
    outcome: str
    reason: str | None
    algorithm: str
    distance: int
    match_id: int | None
    #: The case's photo the hit fingerprint belongs to (None: sent without its photo).
    photo: int | None = None
    #: The hit fingerprint came from a crop or trimmed copy of that photo.
    derived: bool = False

    @property
    def photos(self) -> tuple[MatchedPhoto, ...]:
        """The photo hit, as the case view tells matches' photos."""
        return (MatchedPhoto(self.photo, self.derived),)


def list_cases(session: Session, *, desk: Desk) -> list[CaseRow]:
    """The organisation's cases, newest first, with what needs attention."""
    cases = list(
        session.execute(select(Case).where(desk.sees()).order_by(Case.id.desc())).scalars()
    )
    ids = [case.id for case in cases]
    counts: dict[tuple[int, str], int] = {}
    for table in (Match, VideoMatch):
        for case_id, status, count in session.execute(
            select(table.case_id, table.status, func.count())
            .where(table.case_id.in_(ids))
            .group_by(table.case_id, table.status)
        ):
            counts[(case_id, status)] = counts.get((case_id, status), 0) + count
    notices: dict[int, list[Takedown]] = {}
    for takedown in session.execute(select(Takedown).where(Takedown.case_id.in_(ids))).scalars():
        notices.setdefault(takedown.case_id, []).append(takedown)
    closed = (TakedownStatus.REMOVED.value, TakedownStatus.REFUSED.value)
    return [
        CaseRow(
            case=case,
            pending=counts.get((case.id, MatchStatus.PENDING.value), 0),
            confirmed=counts.get((case.id, MatchStatus.CONFIRMED.value), 0),
            open_notices=sum(1 for t in notices.get(case.id, []) if t.status not in closed),
            overdue=sum(1 for t in notices.get(case.id, []) if is_overdue(t)),
        )
        for case in cases
    ]


def open_case_file(session: Session, *, desk: Desk, case: Case) -> CaseFile:
    """The case file; every view is written to the audit log."""
    fingerprints = {
        algorithm: count
        for algorithm, count in session.execute(
            select(CaseFingerprint.algorithm, func.count())
            .where(CaseFingerprint.case_id == case.id)
            .group_by(CaseFingerprint.algorithm)
            .order_by(CaseFingerprint.algorithm)
        )
    }
    reports = list(
        session.execute(
            select(Report)
            .where(Report.case_id == case.id)
            .options(selectinload(Report.items))
            .order_by(Report.id)
        ).scalars()
    )
    matches: list[tuple[Match, ReportItem, MatchReview | None]] = [
        (match, item, review)
        for match, item, review in session.execute(
            select(Match, ReportItem, MatchReview)
            .join(ReportItem, ReportItem.id == Match.item_id)
            .outerjoin(MatchReview, MatchReview.match_id == Match.id)
            .where(Match.case_id == case.id)
            .order_by(Match.id)
        ).all()
    ]
    takedowns = list(
        session.execute(
            select(Takedown).where(Takedown.case_id == case.id).order_by(Takedown.id)
        ).scalars()
    )
    answers = answers_to(session, takedown_ids=[takedown.id for takedown in takedowns])
    check_answers = [
        CheckAnswer(
            at=outcome.created_at,
            platform=platform,
            outcome=outcome.outcome,
            reason=outcome.reason,
            algorithm=token.algorithm,
            distance=token.distance,
            match_id=token.match_id,
            photo=fingerprint.photo,
            derived=fingerprint.derived,
        )
        for outcome, token, platform, fingerprint in session.execute(
            select(PlatformOutcome, MatchToken, PlatformAccount.name, CaseFingerprint)
            .join(MatchToken, MatchToken.id == PlatformOutcome.match_token_id)
            .join(CaseFingerprint, CaseFingerprint.id == MatchToken.fingerprint_id)
            .join(PlatformAccount, PlatformAccount.id == PlatformOutcome.platform_id)
            .where(CaseFingerprint.case_id == case.id)
            .order_by(PlatformOutcome.created_at, PlatformOutcome.id)
        ).all()
    ]
    images = found_images(
        matches,
        photos_of(session, [match for match, _i, _r in matches]),
        labels_of(session, {match.fingerprint_id for match, _i, _r in matches}),
    )
    derived = session.scalar(
        select(func.count()).where(CaseFingerprint.case_id == case.id, CaseFingerprint.derived)
    )
    videos = videos_of_case(session, case=case)
    audit.record(
        session,
        actor=desk.actor,
        action=audit.Action.CASE_VIEWED,
        object_type="case",
        object_id=case.id,
    )
    return CaseFile(
        case=case,
        fingerprints=fingerprints,
        photos=photo_counts(session, case_ids=[case.id]).get(case.id, PhotoCount(0, 0)),
        derived=derived or 0,
        reports=reports,
        matches=matches,
        images=images,
        takedowns=takedowns,
        timeline=_timeline(case, reports, images, videos, takedowns, answers),
        videos=videos,
        check_answers=check_answers,
    )


def _timeline(
    case: Case,
    reports: list[Report],
    images: list[ImageFound],
    videos: list[FoundVideo],
    takedowns: list[Takedown],
    answers: list[tuple[PlatformOutcome, str]],
) -> list[Moment]:
    moments = [Moment(case.created_at, "case_opened")]
    if case.withdrawn_at:
        moments.append(Moment(case.withdrawn_at, "case_withdrawn"))
    for report in reports:
        moments.append(Moment(report.created_at, "report_received", {"urls": len(report.items)}))
    for image in images:
        match, review, url = image.first, image.review, image.item.url
        host = (url.split("/")[2] if "//" in url else url)[:80]
        moments.append(Moment(match.created_at, "match_found", {"id": match.id, "host": host}))
        if review is not None:
            moments.append(Moment(review.decided_at, f"match_{review.decision}", {"id": match.id}))
    for video in videos:
        said: dict[str, str | int] = {"id": video.match.id, "number": video.number}
        host = host_of(video.item.url) or ""
        moments.append(Moment(video.match.created_at, "video_found", {**said, "host": host}))
        if video.review is not None:
            moments.append(Moment(video.review.decided_at, f"video_{video.review.decision}", said))
    for takedown in takedowns:
        for status in TakedownStatus:
            at = getattr(takedown, LIFECYCLE[status].stamp or "created_at")
            if at is not None:
                moments.append(
                    Moment(
                        at,
                        f"takedown_{status.value}",
                        {"reference": takedown.reference, "platform": takedown.platform},
                    )
                )
        if takedown.reported_removed_at is not None:
            moments.append(
                Moment(
                    takedown.reported_removed_at,
                    "takedown_reported_removed",
                    {"reference": takedown.reference, "platform": takedown.platform},
                )
            )
    for answer, platform in answers:
        moments.append(
            Moment(
                answer.created_at,
                f"platform_{answer.outcome}",
                {"platform": platform, "reference": answer.takedown_reference or ""},
            )
        )
    return sorted(moments, key=lambda moment: moment.at)


def flag_under_18(session: Session, *, desk: Desk, case: Case, under_18: bool) -> Case:
    """Set or clear the under-18 flag; set, it closes every adult notice route."""
    case.under_18 = under_18
    session.flush()
    audit.record(
        session,
        actor=desk.actor,
        action=audit.Action.CASE_FLAGGED,
        object_type="case",
        object_id=case.id,
        details={"under_18": under_18},
    )
    return case
