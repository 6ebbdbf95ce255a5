"""Reports of leaked URLs: stored first, then queued by id for the worker."""

from __future__ import annotations

import logging

from fastapi import APIRouter, BackgroundTasks, status
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework import reports
from casework.models import Match, Report
from service.api.schemas import ReportIn, ReportItemOut, ReportOut
from service.deps import CurrentReporter, QueueDep, RuntimeDep, SessionDep
from service.errors import error_responses
from workers.queues import enqueue_items

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["reports"])


def _enqueue_after_commit(redis: Redis, item_ids: list[int]) -> None:
    # Runs after the response, so after the commit; if Redis is down the reconciler re-enqueues.
    try:
        enqueue_items(redis, item_ids)
    except RedisError as error:
        logger.warning("enqueue failed, left to the reconciler: %s", type(error).__name__)


@router.post(
    "/reports",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(401, 403, 409, 413, 422, 429, 503),
)
def create_report(
    body: ReportIn,
    reporter: CurrentReporter,
    session: SessionDep,
    runtime: RuntimeDep,
    redis: QueueDep,
    background: BackgroundTasks,
) -> ReportOut:
    """Report URLs where images leaked; each is fetched, hashed in memory and matched."""
    report = reports.create_report(
        session, reporter=reporter, urls=body.urls, note=body.note, vault=runtime.vault
    )
    background.add_task(_enqueue_after_commit, redis, [item.id for item in report.items])
    return _report_out(session, report, reporter)


@router.get("/reports/{report_id}", responses=error_responses(401, 403, 404, 429, 503))
def read_report(report_id: str, reporter: CurrentReporter, session: SessionDep) -> ReportOut:
    """The state of each URL of a report you made."""
    report = reports.require_report(session, public_id=report_id, reporter=reporter)
    return _report_out(session, report, reporter)


def _report_out(session: Session, report: Report, reporter: reports.Reporter) -> ReportOut:
    # A victim sees matches with their own case only; a flagger sees that something matched.
    query = select(Match.item_id, func.count()).where(
        Match.item_id.in_([item.id for item in report.items])
    )
    if reporter.case is not None:
        query = query.where(Match.case_id == reporter.case.id)
    counts = dict(session.execute(query.group_by(Match.item_id)).all())
    return ReportOut(
        report_id=report.public_id,
        created_at=report.created_at,
        items=[
            ReportItemOut(
                url=item.url,
                state=item.status,
                reason=item.reason,
                message=item.reason_message,
                attempts=item.attempts,
                images_found=item.images_found,
                images_checked=item.images_hashed,
                matches=counts.get(item.id, 0),
            )
            for item in report.items
        ],
    )
