"""Reports of URLs where images leaked, and the lifecycle of each reported URL."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from casework import audit
from casework.db import utcnow
from casework.errors import CaseWithdrawn, InvalidInput, InvalidUrls, ItemProblem, NotFound
from casework.platforms.models import ApiKey
from casework.reports.models import ItemStatus, Match, Report, ReportItem
from casework.vault import Vault
from casework.victims.models import Case, CaseStatus
from hashing.fingerprint import Fingerprint

MAX_URLS_PER_REPORT = 100
MAX_URL_CHARS = 2048
MAX_NOTE_CHARS = 2000
#: An item queued this long without a live job is re-enqueued by the reconciler.
QUEUED_GRACE_SECONDS = 60
#: An item fetching this long is presumed orphaned (longer than any job may run).
FETCHING_GRACE_SECONDS = 300


class ReporterKind(StrEnum):
    """Who may report URLs."""

    VICTIM = "victim"
    FLAGGER = "flagger"
    CASEWORKER = "caseworker"


@dataclass(frozen=True)
class Reporter:
    """The authenticated author of a report: a victim's case or a key."""

    kind: ReporterKind
    case: Case | None = None
    api_key: ApiKey | None = None


@dataclass(frozen=True)
class FoundMatch:
    """A bank fingerprint close to a hash of an image found at a reported URL."""

    image_url: str
    fingerprint_id: int
    case_id: int
    found: Fingerprint
    distance: int


class ReportNotFound(NotFound):
    """No report with this ID is visible to this reporter."""

    code = "report_not_found"

    def __init__(self) -> None:
        super().__init__("no report with this ID is visible to you")


def url_problem(url: str) -> str | None:
    """Why a reported URL cannot be fetched at all, or None; network rules apply later."""
    if len(url) > MAX_URL_CHARS:
        return f"URLs are limited to {MAX_URL_CHARS} characters"
    if any(ord(c) < 0x21 or c == "\x7f" for c in url):
        return "the URL contains spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "the URL is malformed"
    if parts.scheme not in ("http", "https"):
        return "only http and https URLs can be checked"
    if not parts.hostname:
        return "the URL has no host"
    if parts.username is not None or parts.password is not None:
        return "URLs with a user name or password are not accepted"
    return None


def create_report(
    session: Session, *, reporter: Reporter, urls: Sequence[str], note: str | None, vault: Vault
) -> Report:
    """Store a report with one queued item per distinct URL; the caller enqueues after commit."""
    if not urls:
        raise InvalidInput("report at least one URL")
    if len(urls) > MAX_URLS_PER_REPORT:
        raise InvalidInput(f"{len(urls)} URLs in one report; the limit is {MAX_URLS_PER_REPORT}")
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"notes are limited to {MAX_NOTE_CHARS} characters")
    if reporter.case is not None and reporter.case.status != CaseStatus.ACTIVE:
        raise CaseWithdrawn()
    problems = [
        ItemProblem(index, problem)
        for index, url in enumerate(urls)
        if (problem := url_problem(url)) is not None
    ]
    if problems:
        raise InvalidUrls(problems)
    now = utcnow()
    report = Report(
        public_id=secrets.token_hex(12),
        case_id=reporter.case.id if reporter.case else None,
        api_key_id=reporter.api_key.id if reporter.api_key else None,
        reporter_kind=reporter.kind.value,
        note_sealed=vault.seal_text(note) if note else None,
    )
    report.items = [ReportItem(url=url, enqueued_at=now) for url in dict.fromkeys(urls)]
    session.add(report)
    session.flush()
    return report


def add_case_report(
    session: Session, *, case: Case, urls: Sequence[str], actor: audit.Actor, vault: Vault
) -> Report:
    """URLs a caseworker adds to a case: stored and queued as a victim's report, and audited."""
    report = create_report(
        session,
        reporter=Reporter(ReporterKind.CASEWORKER, case=case),
        urls=urls,
        note=None,
        vault=vault,
    )
    audit.record(
        session,
        actor=actor,
        action=audit.Action.REPORT_ADDED,
        object_type="case",
        object_id=case.id,
        details={"report": report.id, "urls": len(report.items)},
    )
    return report


def open_report_note(
    session: Session, *, case: Case, report_id: int, actor: audit.Actor, vault: Vault
) -> str:
    """The note of one of the case's reports, once its opening is in the audit log."""
    report = session.execute(
        select(Report).where(Report.id == report_id, Report.case_id == case.id)
    ).scalar_one_or_none()
    if report is None or report.note_sealed is None:
        raise NotFound("This case has no report with a note by that number.")
    audit.record(
        session,
        actor=actor,
        action=audit.Action.REPORT_NOTE_OPENED,
        object_type="report",
        object_id=report.id,
        details={"case_id": case.id},
    )
    return vault.open_text(report.note_sealed)


def require_report(session: Session, *, public_id: str, reporter: Reporter) -> Report:
    """The report, if this reporter made it; ReportNotFound otherwise."""
    report = session.execute(
        select(Report).where(Report.public_id == public_id)
    ).scalar_one_or_none()
    if report is None:
        raise ReportNotFound()
    own = (reporter.case is not None and report.case_id == reporter.case.id) or (
        reporter.api_key is not None and report.api_key_id == reporter.api_key.id
    )
    if not own:
        raise ReportNotFound()
    return report


def list_reports(session: Session, *, reporter: Reporter, limit: int) -> list[Report]:
    """The reporter's own newest reports, newest first."""
    query = select(Report).order_by(Report.id.desc()).limit(limit)
    if reporter.case is not None:
        return list(session.scalars(query.where(Report.case_id == reporter.case.id)))
    if reporter.api_key is not None:
        return list(session.scalars(query.where(Report.api_key_id == reporter.api_key.id)))
    return []


def claim_item(session: Session, *, item_id: int, max_attempts: int) -> ReportItem | None:
    """Mark an item as being fetched, or None if there is nothing to fetch.

    None for a finished item (a repeated job), and for one that has had max_attempts attempts
    already: every attempt records its outcome, so those ended with their process (a crash, a
    memory limit) and another would too. That item fails here instead of cycling for ever.
    """
    item = session.get(ReportItem, item_id, with_for_update=True)
    if item is None or item.status in (ItemStatus.DONE, ItemStatus.FAILED):
        return None
    if item.attempts >= max_attempts:
        fail_item(
            session,
            item=item,
            reason="worker_crashed",
            message=(
                f"processing this URL stopped without a result {item.attempts} times (a crash "
                "or a memory limit); it is not tried again"
            ),
            final=True,
        )
        return None
    item.status = ItemStatus.FETCHING
    item.attempts += 1
    item.started_at = utcnow()
    session.flush()
    return item


def finish_item(
    session: Session, *, item: ReportItem, images_found: int, images_hashed: int
) -> None:
    """Record that an item was processed."""
    item.status = ItemStatus.DONE
    item.images_found = images_found
    item.images_hashed = images_hashed
    item.reason = None
    item.reason_message = None
    item.finished_at = utcnow()
    session.flush()


def fail_item(
    session: Session, *, item: ReportItem, reason: str, message: str, final: bool
) -> None:
    """Record a failure: final ones end the item, others leave it waiting for a retry."""
    item.status = ItemStatus.FAILED if final else ItemStatus.RETRYING
    item.reason = reason
    item.reason_message = message[:500]
    item.finished_at = utcnow() if final else None
    session.flush()


def record_matches(
    session: Session, *, item: ReportItem, found: Sequence[FoundMatch], vault: Vault
) -> int:
    """Store matches once each, however often the job runs; returns how many were new."""
    if not found:
        return 0
    rows = [
        {
            "item_id": item.id,
            "case_id": match.case_id,
            "fingerprint_id": match.fingerprint_id,
            "image_url": match.image_url[:MAX_URL_CHARS],
            "image_url_digest": hashlib.sha256(match.image_url.encode()).digest(),
            "algorithm": match.found.algorithm.value,
            "distance": match.distance,
            "found_sealed": vault.seal(match.found),
            "status": "pending",
            "created_at": utcnow(),
        }
        for match in found
    ]
    insert = postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(Match)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["item_id", "image_url_digest", "fingerprint_id"])
    )
    result = session.execute(statement)
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def stale_items(
    session: Session, *, now: datetime | None = None, limit: int = 500
) -> list[ReportItem]:
    """Items whose job may have been lost: queued or retrying too long, or fetching too long."""
    now = now or utcnow()
    queued_before = now - timedelta(seconds=QUEUED_GRACE_SECONDS)
    fetching_before = now - timedelta(seconds=FETCHING_GRACE_SECONDS)
    return list(
        session.execute(
            select(ReportItem)
            .where(
                or_(
                    ReportItem.status.in_([ItemStatus.QUEUED, ItemStatus.RETRYING])
                    & (ReportItem.enqueued_at < queued_before),
                    (ReportItem.status == ItemStatus.FETCHING)
                    & (ReportItem.started_at < fetching_before),
                )
            )
            .order_by(ReportItem.id)
            .limit(limit)
        ).scalars()
    )


def mark_enqueued(session: Session, *, items: Sequence[ReportItem]) -> None:
    """Stamp items as (re-)enqueued now."""
    now = utcnow()
    for item in items:
        if item.status == ItemStatus.FETCHING:
            item.status = ItemStatus.QUEUED
        item.enqueued_at = now
    session.flush()
