"""Follow-through on sent notices: prove removal with evidence, flag overdue ones, watch URLs.

The worker fetches and hashes; this module decides what a fetch proves and records it. A notice
becomes `removed` only when every URL it named was checked and found gone (404/410, or the page
no longer holds an image matching the case). Evidence rows keep status, a few headers, the
distance and sealed digests of what was found: never a fetched byte.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework import audit, lifecycle
from casework.db import utcnow
from casework.errors import InvalidInput, NotFound
from casework.hosts import host_of
from casework.models import (
    Case,
    CaseStatus,
    CheckOutcome,
    ItemStatus,
    Match,
    MatchStatus,
    OutcomeKind,
    PlatformOutcome,
    Report,
    ReportItem,
    Takedown,
    TakedownCheck,
    TakedownItem,
    TakedownStatus,
    WatchedUrl,
)
from casework.reports import FoundMatch, record_matches, url_problem
from casework.vault import Vault
from hashing.fingerprint import Fingerprint

#: Answers that say the content is gone for good, not that the host is struggling.
GONE_STATUSES = frozenset({404, 410})
#: Response headers worth keeping as evidence: they date and identify what answered, and none
#: of them carries content.
EVIDENCE_HEADERS = (
    "content-type",
    "content-length",
    "date",
    "last-modified",
    "etag",
    "server",
    "location",
    "cache-control",
    "age",
    "x-cache",
    "cf-ray",
)
#: Platform answers saying a notice's content is gone; a check must prove it (casework/outcomes.py).
CLAIMS_GONE = (OutcomeKind.REMOVED.value, OutcomeKind.NOT_FOUND.value)
SYSTEM = audit.Actor(audit.ActorType.SYSTEM)


class Purpose:
    """Why a URL was checked."""

    REMOVAL = "removal"
    WATCH = "watch"


class WatchSource:
    """How a URL came onto a case's watch list."""

    REMOVED = "removed"
    CASEWORKER = "caseworker"


class WatchScope:
    """What a watch re-checks: the URL itself, or the pages of its host reachable from it."""

    PAGE = "page"
    SITE = "site"


@dataclass
class Probe:
    """What one fetch of a URL showed, hashed in memory; no byte of the body survives in it."""

    url: str
    http_status: int | None
    outcome: CheckOutcome
    reason: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    images_seen: int = 0
    #: The closest match of the case found at the URL, and the SHA-256 of that image.
    match: FoundMatch | None = None
    sha256: Fingerprint | None = None
    #: Every match of the case for that same image (each algorithm), for a review item that
    #: shows what matched rather than only the closest digest.
    image_matches: tuple[FoundMatch, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    """What a removal check concluded for a notice."""

    takedown_id: int
    status: TakedownStatus
    outcomes: dict[str, CheckOutcome]
    overdue: bool = False
    next_step: lifecycle.Escalation | None = None
    #: URLs put on the watch list because they were removed, with their first check.
    watched: list[tuple[int, datetime]] = field(default_factory=list)


def selected_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The evidence headers present, lowercased and capped in length."""
    lowered = {name.lower(): value for name, value in headers.items()}
    return {name: lowered[name][:500] for name in EVIDENCE_HEADERS if name in lowered}


def judge(
    *,
    url: str,
    http_status: int,
    headers: Mapping[str, str],
    images_seen: int,
    found: Sequence[tuple[list[FoundMatch], Fingerprint | None]],
    case_id: int,
) -> Probe:
    """A successful fetch: still there if any image matches the case, gone otherwise."""
    best: tuple[FoundMatch, Fingerprint | None] | None = None
    for matches, sha256 in found:
        for match in matches:
            if match.case_id != case_id:
                continue
            if best is None or match.distance < best[0].distance:
                best = (match, sha256)
    if best is None:
        return Probe(
            url=url,
            http_status=http_status,
            outcome=CheckOutcome.GONE,
            reason="no_matching_image",
            headers=selected_headers(headers),
            images_seen=images_seen,
        )
    same_image = tuple(
        match
        for matches, _ in found
        for match in matches
        if match.case_id == case_id and match.image_url == best[0].image_url
    )
    return Probe(
        url=url,
        http_status=http_status,
        outcome=CheckOutcome.STILL_THERE,
        headers=selected_headers(headers),
        images_seen=images_seen,
        match=best[0],
        sha256=best[1],
        image_matches=same_image,
    )


def failed(*, url: str, reason: str, http_status: int | None) -> Probe:
    """A fetch that gave no content: gone on 404/410, an error (proving nothing) otherwise."""
    if http_status in GONE_STATUSES:
        return Probe(url=url, http_status=http_status, outcome=CheckOutcome.GONE, reason=reason)
    return Probe(url=url, http_status=http_status, outcome=CheckOutcome.ERROR, reason=reason)


def removal_urls(session: Session, *, takedown_id: int) -> tuple[Takedown, list[str]] | None:
    """A checkable notice and the URLs it named (pages and images, each once); None if done."""
    takedown = session.get(Takedown, takedown_id)
    if takedown is None or TakedownStatus(takedown.status) not in lifecycle.CHECKABLE:
        return None
    urls: list[str] = []
    for page, image in session.execute(
        select(ReportItem.url, Match.image_url)
        .join(Match, Match.item_id == ReportItem.id)
        .join(TakedownItem, TakedownItem.match_id == Match.id)
        .where(TakedownItem.takedown_id == takedown_id)
        .order_by(TakedownItem.id)
    ):
        for url in (page, image):
            if url not in urls:
                urls.append(url)
    return takedown, urls


def _evidence_row(
    probe: Probe,
    *,
    case_id: int,
    takedown_id: int | None,
    purpose: str,
    vault: Vault,
    now: datetime,
) -> TakedownCheck:
    return TakedownCheck(
        takedown_id=takedown_id,
        case_id=case_id,
        purpose=purpose,
        url=probe.url[:2048],
        checked_at=now,
        http_status=probe.http_status,
        outcome=probe.outcome,
        reason=probe.reason,
        headers_json=json.dumps(probe.headers, sort_keys=True),
        images_seen=probe.images_seen,
        algorithm=probe.match.found.algorithm.value if probe.match else None,
        distance=probe.match.distance if probe.match else None,
        found_sealed=vault.seal(probe.match.found) if probe.match else None,
        sha256_sealed=vault.seal(probe.sha256) if probe.sha256 else None,
    )


def record_removal_check(
    session: Session,
    *,
    takedown_id: int,
    probes: Sequence[Probe],
    vault: Vault,
    watch_after: timedelta,
    now: datetime | None = None,
) -> CheckResult | None:
    """Store the evidence; mark the notice removed when every URL is gone, or flag it overdue."""
    now = now or utcnow()
    takedown = session.get(Takedown, takedown_id)
    if takedown is None:
        return None
    current = TakedownStatus(takedown.status)
    rows = [
        _evidence_row(
            probe,
            case_id=takedown.case_id,
            takedown_id=takedown.id,
            purpose=Purpose.REMOVAL,
            vault=vault,
            now=now,
        )
        for probe in probes
    ]
    outcomes = {probe.url: probe.outcome for probe in probes}
    all_gone = bool(probes) and all(p.outcome is CheckOutcome.GONE for p in probes)
    still_there = any(p.outcome is CheckOutcome.STILL_THERE for p in probes)
    overdue = (
        still_there
        and current in lifecycle.AWAITING
        and takedown.deadline_at is not None
        and now > takedown.deadline_at
    )
    for row in rows:
        row.overdue = overdue and row.outcome == CheckOutcome.STILL_THERE
    session.add_all(rows)
    session.flush()
    details: dict[str, str | int | bool | None] = {
        "urls": len(probes),
        "gone": sum(p.outcome is CheckOutcome.GONE for p in probes),
        "still_there": sum(p.outcome is CheckOutcome.STILL_THERE for p in probes),
        "errors": sum(p.outcome is CheckOutcome.ERROR for p in probes),
    }
    next_step = None
    watching: list[tuple[int, datetime]] = []
    if overdue:
        next_step = next_escalation(session, takedown=takedown)
        details.update(overdue=True, next_step=next_step)
    audit.record(
        session,
        actor=SYSTEM,
        action=audit.Action.TAKEDOWN_CHECKED,
        object_type="takedown",
        object_id=takedown.id,
        details=details,
    )
    if all_gone and lifecycle.allows(current, TakedownStatus.REMOVED, SYSTEM.type):
        lifecycle.advance(
            session,
            takedown=takedown,
            to=TakedownStatus.REMOVED,
            actor=SYSTEM,
            details={"by": "check"},
            now=now,
        )
        for probe in probes:
            watched = watch_url(
                session,
                case_id=takedown.case_id,
                url=probe.url,
                source=WatchSource.REMOVED,
                takedown_id=takedown.id,
                first_check_at=now + watch_after,
            )
            watching.append((watched.id, watched.next_check_at))
    return CheckResult(
        takedown_id=takedown.id,
        status=TakedownStatus(takedown.status),
        outcomes=outcomes,
        overdue=overdue,
        next_step=next_step,
        watched=watching,
    )


def next_escalation(session: Session, *, takedown: Takedown) -> lifecycle.Escalation:
    """The first escalation step not yet taken: a hosting-provider notice, then beyond."""
    follow_ups = session.execute(
        select(func.count())
        .select_from(Takedown)
        .where(
            Takedown.case_id == takedown.case_id,
            Takedown.host == takedown.host,
            Takedown.id != takedown.id,
            Takedown.platform.like("Hosting provider of %"),
        )
    ).scalar_one()
    steps = list(lifecycle.Escalation)
    return steps[min(int(follow_ups), len(steps) - 1)]


class Claim(StrEnum):
    """Where a caseworker's report that a notice's content is gone stands."""

    CHECKING = "checking"
    STILL_THERE = "still_there"
    UNREACHABLE = "unreachable"
    PROVEN = "proven"


def claim_state(session: Session, *, takedown: Takedown) -> Claim | None:
    """What removal checks since a caseworker reported the content gone showed; None if never."""
    if takedown.reported_removed_at is None:
        return None
    if takedown.status == TakedownStatus.REMOVED:
        return Claim.PROVEN
    since = [
        check
        for check in checks_of_takedown(session, takedown_id=takedown.id)
        if check.purpose == Purpose.REMOVAL and check.checked_at >= takedown.reported_removed_at
    ]
    if not since:
        return Claim.CHECKING
    latest = [check.outcome for check in since if check.checked_at == since[-1].checked_at]
    if CheckOutcome.STILL_THERE in latest:
        return Claim.STILL_THERE
    return Claim.UNREACHABLE


def checks_of_takedown(session: Session, *, takedown_id: int) -> list[TakedownCheck]:
    """A notice's evidence rows (removal and watch checks), oldest first."""
    return list(
        session.scalars(
            select(TakedownCheck)
            .where(TakedownCheck.takedown_id == takedown_id)
            .order_by(TakedownCheck.checked_at, TakedownCheck.id)
        )
    )


def checks_of_case(session: Session, *, case_id: int) -> list[TakedownCheck]:
    """Every evidence row of a case, oldest first."""
    return list(
        session.scalars(
            select(TakedownCheck)
            .where(TakedownCheck.case_id == case_id)
            .order_by(TakedownCheck.checked_at, TakedownCheck.id)
        )
    )


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
        row = _evidence_row(
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
        if probe.match is None:
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
    """The case's newest notice not yet removed that names this URL (as a page or an image)."""
    for takedown_id, page, image in session.execute(
        select(Takedown.id, ReportItem.url, Match.image_url)
        .join(TakedownItem, TakedownItem.takedown_id == Takedown.id)
        .join(Match, Match.id == TakedownItem.match_id)
        .join(ReportItem, ReportItem.id == Match.item_id)
        .where(Takedown.case_id == case_id, Takedown.status != TakedownStatus.REMOVED.value)
        .order_by(Takedown.id.desc())
    ):
        if url in (page, image):
            return int(takedown_id)
    return None


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
    stamp = hashlib.sha256(f"{watched.id}:{number}:{now.isoformat()}".encode()).hexdigest()
    report = Report(public_id=f"watch-{stamp[:26]}", case_id=None, reporter_kind="caseworker")
    report.items = [ReportItem(url=page_url, status=ItemStatus.DONE, finished_at=now)]
    session.add(report)
    session.flush()
    item = report.items[0]
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


def unchecked_takedowns(
    session: Session, *, grace: timedelta, now: datetime | None = None, limit: int = 200
) -> list[int]:
    """Notices whose removal check is missing: after sending, after the deadline, or after
    their platform or a caseworker said the content is gone.

    The jobs are queued at those moments; this finds the ones a Redis outage lost.
    """
    now = now or utcnow()
    last_check = (
        select(func.max(TakedownCheck.checked_at))
        .where(
            TakedownCheck.takedown_id == Takedown.id,
            TakedownCheck.purpose == Purpose.REMOVAL,
        )
        .scalar_subquery()
    )
    last_claim = (
        select(func.max(PlatformOutcome.created_at))
        .where(
            PlatformOutcome.takedown_id == Takedown.id,
            PlatformOutcome.outcome.in_(CLAIMS_GONE),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Takedown.id,
            Takedown.status,
            Takedown.sent_at,
            Takedown.deadline_at,
            last_check,
            last_claim,
            Takedown.reported_removed_at,
        )
        .where(Takedown.status.in_(lifecycle.CHECKABLE))
        .order_by(Takedown.id)
    ).all()
    due: list[int] = []
    for takedown_id, status, sent_at, deadline_at, checked_at, answered_at, reported_at in rows:
        claims = [at for at in (answered_at, reported_at) if at is not None]
        claimed_at = max(claims) if claims else None
        awaiting = TakedownStatus(status) in lifecycle.AWAITING
        never = awaiting and checked_at is None and sent_at is not None and now > sent_at + grace
        deadline_missed = (
            awaiting
            and deadline_at is not None
            and now > deadline_at + grace * 2
            and (checked_at is None or checked_at < deadline_at)
        )
        claim_unchecked = (
            claimed_at is not None
            and now > claimed_at + grace
            and (checked_at is None or checked_at < claimed_at)
        )
        if never or deadline_missed or claim_unchecked:
            due.append(takedown_id)
    return due[:limit]
