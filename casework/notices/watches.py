"""The watch list: URLs re-checked on a schedule for re-uploads, and what a check finds.

A URL comes on it when a removal is proven, or when a caseworker adds a page or a site;
a watch check that finds the case's image again opens a pending match on a report of
its own.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import audit
from casework.db import utcnow
from casework.errors import InvalidInput, NotFound
from casework.hosts import host_of
from casework.notices.locations import named_urls, open_of_case
from casework.notices.models import (
    CheckOutcome,
    Takedown,
    TakedownCheck,
    WatchedUrl,
)
from casework.notices.rechecks import SYSTEM, Probe, Purpose, evidence_row
from casework.reports.models import (
    ItemStatus,
    Match,
    MatchStatus,
    Report,
    ReportItem,
    VideoMatch,
)
from casework.reports.reports import FoundMatch, record_matches, url_problem
from casework.reports.videos import record_video_matches
from casework.reports.videos import url_digest as video_url_digest
from casework.vault import Vault
from casework.victims.models import Case, CaseStatus


class WatchSource:
    """How a URL came onto a case's watch list."""

    REMOVED = "removed"
    CASEWORKER = "caseworker"


class WatchScope:
    """What a watch re-checks: the URL itself, or the pages of its host reachable from it."""

    PAGE = "page"
    SITE = "site"


def url_digest(url: str) -> bytes:
    """The uniqueness key of a watched URL (URLs are too long to index on every backend)."""
    return hashlib.sha256(url.encode("utf-8")).digest()


def watch_url(
    session: Session,
    *,
    case_id: int,
    url: str,
    source: str,
    takedown_id: int | None = None,
    first_check_at: datetime | None = None,
    scope: str = WatchScope.PAGE,
) -> WatchedUrl:
    """Put a URL on a case's watch list once; a later takedown link or a site scope widens it."""
    digest = url_digest(url)
    existing = session.execute(
        select(WatchedUrl).where(WatchedUrl.case_id == case_id, WatchedUrl.url_digest == digest)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.takedown_id is None and takedown_id is not None:
            existing.takedown_id = takedown_id
        if scope == WatchScope.SITE:
            existing.scope = scope
        session.flush()
        return existing
    watched = WatchedUrl(
        case_id=case_id,
        takedown_id=takedown_id,
        url=url[:2048],
        url_digest=digest,
        host=(host_of(url) or "")[:255],
        source=source,
        next_check_at=first_check_at or utcnow(),
        scope=scope,
    )
    session.add(watched)
    session.flush()
    return watched


def add_watch(
    session: Session,
    *,
    case: Case,
    url: str,
    scope: str,
    actor: audit.Actor,
    takedown_reference: str | None = None,
) -> WatchedUrl:
    """A caseworker's (or operator's) watch on a page or a whole site, checked from now on."""
    problem = url_problem(url)
    if problem is not None:
        raise InvalidInput(problem)
    if scope not in (WatchScope.PAGE, WatchScope.SITE):
        raise InvalidInput("Watch a page or a whole site.")
    if case.status != CaseStatus.ACTIVE:
        raise InvalidInput("A withdrawn case is not watched.")
    takedown_id = None
    if takedown_reference:
        takedown_id = session.scalars(
            select(Takedown.id).where(
                Takedown.reference == takedown_reference, Takedown.case_id == case.id
            )
        ).one_or_none()
        if takedown_id is None:
            raise InvalidInput("This case has no notice with that reference.")
    watched = watch_url(
        session,
        case_id=case.id,
        url=url,
        source=WatchSource.CASEWORKER,
        takedown_id=takedown_id,
        scope=scope,
    )
    audit.record(
        session,
        actor=actor,
        action=audit.Action.WATCH_ADDED,
        object_type="case",
        object_id=case.id,
        details={"watch": watched.id, "scope": watched.scope, "host": watched.host},
    )
    return watched


def remove_watch(session: Session, *, case: Case, watched_id: int, actor: audit.Actor) -> None:
    """Stop watching; the evidence of earlier checks stays with the case."""
    watched = session.get(WatchedUrl, watched_id)
    if watched is None or watched.case_id != case.id:
        raise NotFound("No such watch on this case.")
    session.delete(watched)
    audit.record(
        session,
        actor=actor,
        action=audit.Action.WATCH_REMOVED,
        object_type="case",
        object_id=case.id,
        details={"watch": watched_id, "host": watched.host},
    )
    session.flush()


def watches_of_case(session: Session, *, case_id: int) -> list[WatchedUrl]:
    """A case's watch list, oldest first."""
    return list(
        session.scalars(
            select(WatchedUrl).where(WatchedUrl.case_id == case_id).order_by(WatchedUrl.id)
        )
    )


def due_watches(session: Session, *, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Ids of watched URLs whose next check is due."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(WatchedUrl.id)
            .where(WatchedUrl.next_check_at <= now)
            .order_by(WatchedUrl.next_check_at)
            .limit(limit)
        )
    )


def schedule_next(
    session: Session,
    *,
    watched: WatchedUrl,
    interval: timedelta,
    jitter: timedelta,
    host_spacing: timedelta,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """The next check: an interval plus jitter, and never within host_spacing of the host's next.

    Jitter spreads checks so a host never sees them arrive in lockstep; the spacing keeps a
    single host's checks apart even when a caseworker watches many of its pages.
    """
    now = now or utcnow()
    rng = rng or random.SystemRandom()
    candidate = now + interval + timedelta(seconds=rng.uniform(0, jitter.total_seconds()))
    busy = sorted(
        session.scalars(
            select(WatchedUrl.next_check_at).where(
                WatchedUrl.host == watched.host,
                WatchedUrl.id != watched.id,
                WatchedUrl.next_check_at > now,
            )
        )
    )
    for taken in busy:
        if abs((taken - candidate).total_seconds()) < host_spacing.total_seconds():
            candidate = taken + host_spacing
    watched.next_check_at = candidate
    session.flush()
    return candidate


def record_watch_check(
    session: Session,
    *,
    watched_id: int,
    probes: Sequence[Probe],
    vault: Vault,
    now: datetime | None = None,
) -> list[Match]:
    """Store a watch check (one probe per page); each matching page opens a pending match.

    The new matches are linked to the watch's notice through their evidence rows. A copy found
    on a page an open notice of the case already names is evidence for that notice, and one
    whose image already waits for review is linked to that match: neither opens a duplicate
    review item.
    """
    now = now or utcnow()
    watched = session.get(WatchedUrl, watched_id)
    if watched is None:
        return []
    watched.last_checked_at = now
    outcomes = {probe.outcome for probe in probes}
    watched.last_outcome = (
        CheckOutcome.STILL_THERE
        if CheckOutcome.STILL_THERE in outcomes
        else CheckOutcome.GONE
        if CheckOutcome.GONE in outcomes
        else CheckOutcome.ERROR
    )
    found: list[Match] = []
    for number, probe in enumerate(probes):
        row = evidence_row(
            probe,
            case_id=watched.case_id,
            takedown_id=watched.takedown_id,
            purpose=Purpose.WATCH,
            vault=vault,
            now=now,
        )
        row.watched_id = watched.id
        session.add(row)
        session.flush()
        if probe.match is None and not probe.videos:
            continue
        # Only the page where it was found counts: a new page showing a notified image is a
        # new place to notify, so it is reviewed.
        notice_id = open_notice_naming(session, case_id=watched.case_id, url=probe.url)
        if notice_id is not None:
            row.takedown_id = notice_id
            audit.record(
                session,
                actor=SYSTEM,
                action=audit.Action.REUPLOAD_FOUND,
                object_type="takedown",
                object_id=notice_id,
                details={"case_id": watched.case_id, "check": row.id, "open_notice": True},
            )
            continue
        if probe.videos:
            _open_video_reuploads(session, watched=watched, probe=probe, number=number, now=now)
        if probe.match is None:
            continue
        waiting = _pending_match(session, case_id=watched.case_id, image_url=probe.match.image_url)
        if waiting is not None:
            row.match_id = waiting.id
            continue
        match = _open_reupload(
            session,
            watched=watched,
            found=probe.image_matches or (probe.match,),
            page_url=probe.url,
            vault=vault,
            number=number,
            now=now,
        )
        row.match_id = match.id
        found.append(match)
    session.flush()
    return found


def open_notice_naming(session: Session, *, case_id: int, url: str) -> int | None:
    """The case's newest notice not yet removed that names this URL (as a page, an image or a
    video)."""
    naming = [
        named.takedown_id
        for named in named_urls(session, where=open_of_case(case_id))
        if url in (named.page, named.url)
    ]
    return max(naming, default=None)


def _pending_match(session: Session, *, case_id: int, image_url: str) -> Match | None:
    """A re-upload of the case at this image URL an earlier watch check found, still waiting
    for review."""
    found_by_watch = select(TakedownCheck.match_id).where(
        TakedownCheck.case_id == case_id,
        TakedownCheck.purpose == Purpose.WATCH,
        TakedownCheck.match_id.is_not(None),
    )
    return session.scalars(
        select(Match)
        .where(
            Match.case_id == case_id,
            Match.image_url_digest == url_digest(image_url),
            Match.status == MatchStatus.PENDING.value,
            Match.id.in_(found_by_watch),
        )
        .order_by(Match.id)
        .limit(1)
    ).first()


def _reupload_item(
    session: Session,
    *,
    watched: WatchedUrl,
    page_url: str,
    number: int,
    now: datetime,
    kind: str = "image",
) -> ReportItem:
    """A finished report item of its own (no case, so no 'you reported') for a re-upload."""
    key = f"{watched.id}:{number}:{now.isoformat()}" + ("" if kind == "image" else f":{kind}")
    stamp = hashlib.sha256(key.encode()).hexdigest()
    report = Report(public_id=f"watch-{stamp[:26]}", case_id=None, reporter_kind="caseworker")
    report.items = [ReportItem(url=page_url, status=ItemStatus.DONE, finished_at=now)]
    session.add(report)
    session.flush()
    return report.items[0]


def _open_video_reuploads(
    session: Session,
    *,
    watched: WatchedUrl,
    probe: Probe,
    number: int,
    now: datetime,
) -> None:
    """Pending video matches for videos a watch found again, unless one already waits or a
    caseworker rejected that video URL for that video."""
    settled = {
        (digest, video_id)
        for digest, video_id in session.execute(
            select(VideoMatch.video_url_digest, VideoMatch.video_id).where(
                VideoMatch.case_id == watched.case_id,
                VideoMatch.status.in_([MatchStatus.PENDING.value, MatchStatus.REJECTED.value]),
            )
        )
    }
    item: ReportItem | None = None
    for video_url, hits in probe.videos:
        new = [hit for hit in hits if (video_url_digest(video_url), hit.video_id) not in settled]
        if not new:
            continue
        # One item per page for its videos: the item's matches tell the videos apart.
        item = item or _reupload_item(
            session, watched=watched, page_url=probe.url, number=number, now=now, kind="video"
        )
        record_video_matches(session, item=item, video_url=video_url, hits=new)
    if item is None:
        return
    for match_id in session.scalars(select(VideoMatch.id).where(VideoMatch.item_id == item.id)):
        audit.record(
            session,
            actor=SYSTEM,
            action=audit.Action.REUPLOAD_FOUND,
            object_type="video_match",
            object_id=match_id,
            details={"case_id": watched.case_id, "takedown_id": watched.takedown_id},
        )


def _open_reupload(
    session: Session,
    *,
    watched: WatchedUrl,
    found: Sequence[FoundMatch],
    page_url: str,
    vault: Vault,
    number: int,
    now: datetime,
) -> Match:
    """A pending match for a re-upload, on a report of its own (no case, so no 'you reported')."""
    item = _reupload_item(session, watched=watched, page_url=page_url, number=number, now=now)
    record_matches(session, item=item, found=list(found), vault=vault)
    match = session.execute(
        select(Match).where(Match.item_id == item.id).order_by(Match.distance).limit(1)
    ).scalar_one()
    audit.record(
        session,
        actor=SYSTEM,
        action=audit.Action.REUPLOAD_FOUND,
        object_type="match",
        object_id=match.id,
        details={"case_id": watched.case_id, "takedown_id": watched.takedown_id},
    )
    return match
