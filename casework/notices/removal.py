"""Proving a sent notice's removal: what to re-check, what the checks prove, overdue
notices, escalation, and caseworkers' word that content is gone.

A notice becomes `removed` only when every URL it named was checked and found gone
(404/410, or the page no longer holds an image matching the case).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework import audit
from casework.db import utcnow
from casework.notices import lifecycle
from casework.notices.locations import named_urls, of_notices
from casework.notices.models import (
    CheckOutcome,
    OutcomeKind,
    PlatformOutcome,
    Takedown,
    TakedownCheck,
    TakedownStatus,
)
from casework.notices.rechecks import SYSTEM, Probe, Purpose, checks_of_takedown, evidence_row
from casework.notices.watches import WatchSource, watch_url
from casework.vault import Vault

#: Platform answers saying a notice's content is gone; a check must prove it
#: (casework/notices/outcomes.py).
CLAIMS_GONE = (OutcomeKind.REMOVED.value, OutcomeKind.NOT_FOUND.value)


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


def removal_urls(session: Session, *, takedown_id: int) -> tuple[Takedown, list[str]] | None:
    """A checkable notice and the URLs it named (pages and images, each once); None if done."""
    takedown = session.get(Takedown, takedown_id)
    if takedown is None or TakedownStatus(takedown.status) not in lifecycle.CHECKABLE:
        return None
    urls: list[str] = []
    for named in named_urls(session, where=of_notices([takedown_id])):
        for url in (named.page, named.url):
            if url not in urls:
                urls.append(url)
    return takedown, urls


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
        evidence_row(
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
