"""Reports of leaked URLs: stored first, then queued by id for the worker."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, status
from sqlalchemy.orm import Session

from casework.models import Report
from casework.reports import progress, reports
from hashing.translations import translation
from service.api.schemas import ReportIn, ReportItemOut, ReportOut, ReportsOut
from service.api.sentences import ClientLocale
from service.deps import CurrentReporter, QueueDep, RateLimiterDep, RuntimeDep, SessionDep
from service.errors import error_responses
from workers.queues import schedule_items

router = APIRouter(prefix="/v1", tags=["reports"])

#: How many of a reporter's newest reports GET /v1/reports lists.
RECENT_REPORTS = 5


@router.post(
    "/reports",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(401, 403, 409, 413, 422, 429, 503),
)
def create_report(
    body: ReportIn,
    reporter: CurrentReporter,
    locale: ClientLocale,
    session: SessionDep,
    runtime: RuntimeDep,
    redis: QueueDep,
    limiter: RateLimiterDep,
    background: BackgroundTasks,
) -> ReportOut:
    """Report URLs where images leaked; each is fetched, hashed in memory and matched.

    A trusted flagger's key spends its report and URL budgets first; past either it gets 429
    with Retry-After and nothing is stored.
    """
    if reporter.api_key is not None:
        settings = runtime.settings
        limiter.spend(
            key=reporter.api_key.key_id,
            bucket="flagger-reports",
            per_minute=settings.flagger_reports_per_minute,
        )
        limiter.spend(
            key=reporter.api_key.key_id,
            bucket="flagger-urls",
            per_minute=settings.flagger_urls_per_minute,
            cost=len(body.urls),
        )
    report = reports.create_report(
        session, reporter=reporter, urls=body.urls, note=body.note, vault=runtime.vault
    )
    # Runs after the response, so after the commit.
    background.add_task(schedule_items, redis, [item.id for item in report.items])
    return _report_out(session, report, reporter, locale)


@router.get("/reports", responses=error_responses(401, 403, 429, 503))
def list_reports(
    reporter: CurrentReporter, locale: ClientLocale, session: SessionDep
) -> ReportsOut:
    """Your newest reports (at most five) and the state of each of their URLs."""
    found = reports.list_reports(session, reporter=reporter, limit=RECENT_REPORTS)
    return ReportsOut(reports=[_report_out(session, report, reporter, locale) for report in found])


@router.get("/reports/{report_id}", responses=error_responses(401, 403, 404, 429, 503))
def read_report(
    report_id: str, reporter: CurrentReporter, locale: ClientLocale, session: SessionDep
) -> ReportOut:
    """The state of each URL of a report you made."""
    report = reports.require_report(session, public_id=report_id, reporter=reporter)
    return _report_out(session, report, reporter, locale)


def _report_out(
    session: Session, report: Report, reporter: reports.Reporter, locale: str
) -> ReportOut:
    # A victim sees matches with their own case only; a flagger sees that something matched.
    case_id = reporter.case.id if reporter.case is not None else None
    matching = progress.images_matching(session, items=report.items, case_id=case_id)
    videos = progress.videos_matching(session, items=report.items, case_id=case_id)
    language = translation(locale)
    items = []
    for item in report.items:
        said = progress.item_progress(
            item, matching=matching.get(item.id, 0), videos=videos.get(item.id, 0)
        )
        items.append(
            ReportItemOut(
                url=item.url,
                state=item.status,
                reason=item.reason,
                message=item.reason_message,
                attempts=item.attempts,
                images_found=item.images_found,
                images_checked=item.images_hashed,
                matches=matching.get(item.id, 0),
                videos=videos.get(item.id, 0),
                progress=said.kind.value,
                finished=said.finished,
                text=said.tell(language),
            )
        )
    return ReportOut(report_id=report.public_id, created_at=report.created_at, items=items)
