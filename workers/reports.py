"""Jobs for reported URLs: fetch safely, hash in memory, match, record; and the reconciler."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from casework.bank.matching import find_matches
from casework.db import transaction
from casework.models import ReportItem
from casework.reports import reports
from casework.reports.videos import record_video_matches
from casework.runtime import Runtime
from hashing.images import ImageRejected
from workers.collection import FoundImage, collect_images
from workers.context import WorkerContext, current
from workers.fetcher import FetchFailed
from workers.queues import (
    REPORT_ATTEMPTS,
    count_outcome,
    enqueue_items,
    forget_job,
    job_alive,
    job_id,
)

logger = logging.getLogger(__name__)

#: Attempts per URL before a transient failure (timeouts, 5xx) becomes final.
MAX_ATTEMPTS = REPORT_ATTEMPTS


#: Item reasons for images that were fetched but cannot be hashed safely.
IMAGE_REASONS = {
    "too_large": "image_too_large",
    "decode_error": "decode_error",
    "unsupported_format": "not_an_image",
    "too_small": "image_too_small",
}


class RetryLater(Exception):
    """A transient failure: RQ retries the job after an interval."""


def fetch_and_match(item_id: int) -> None:
    """Process one reported URL. Safe to run twice: finished items are skipped, matches unique."""
    context = current()
    runtime = context.runtime
    with transaction(runtime.sessions) as session:
        item = reports.claim_item(session, item_id=item_id, max_attempts=MAX_ATTEMPTS)
        if item is None:
            count_outcome(context.redis, job="report", outcome="skipped", reason="not_claimable")
            return
        url, attempts = item.url, item.attempts
    try:
        found, images_seen = collect_images(context, url)
    except ImageRejected as rejection:
        with transaction(runtime.sessions) as session:
            reports.fail_item(
                session,
                item=session.get_one(ReportItem, item_id),
                reason=IMAGE_REASONS[rejection.reason],
                message=str(rejection),
                final=True,
            )
        count_outcome(
            context.redis, job="report", outcome="failed", reason=IMAGE_REASONS[rejection.reason]
        )
        return
    except FetchFailed as failure:
        final = not failure.transient or attempts >= MAX_ATTEMPTS
        with transaction(runtime.sessions) as session:
            reports.fail_item(
                session,
                item=session.get_one(ReportItem, item_id),
                reason=failure.reason.value,
                message=failure.message,
                final=final,
            )
        outcome = "failed" if final else "retrying"
        count_outcome(context.redis, job="report", outcome=outcome, reason=failure.reason.value)
        if not final:
            raise RetryLater(failure.reason.value) from None
        return
    matched = False
    with transaction(runtime.sessions) as session:
        runtime.bank.refresh(session)
        item = session.get_one(ReportItem, item_id)
        for image in found:
            matches = find_matches(
                session,
                bank=runtime.bank,
                image_url=image.url,
                fingerprints=image.fingerprints,
                reporting_case_id=item.report.case_id,
                faint=image.faint,
            )
            matched = matched or bool(matches)
            reports.record_matches(session, item=item, found=matches, vault=runtime.vault)
            if image.videos:
                matched = match_video(runtime, session, item=item, found=image) or matched
        reports.finish_item(session, item=item, images_found=images_seen, images_hashed=len(found))
    reason = "matched" if matched else "no_match"
    count_outcome(context.redis, job="report", outcome="done", reason=reason)


def match_video(runtime: Runtime, session: Session, *, item: ReportItem, found: FoundImage) -> bool:
    """Match a found video against the banked videos and record each hit; True if any."""
    runtime.videos.refresh(session)
    hits = runtime.videos.match_any(found.videos)
    record_video_matches(session, item=item, video_url=found.url, hits=hits)
    return bool(hits)


def reconcile_reports(context: WorkerContext) -> int:
    """Re-enqueue items whose job was lost (a Redis restart, a failed enqueue, a dead worker)."""
    runtime = context.runtime
    with transaction(runtime.sessions) as session:
        stale = [
            item
            for item in reports.stale_items(session)
            if not job_alive(context.redis, job_id(item.id))
        ]
        if not stale:
            return 0
        reports.mark_enqueued(session, items=stale)
        ids = [item.id for item in stale]
    for item_id in ids:
        forget_job(context.redis, job_id(item_id))
    enqueue_items(context.redis, ids)
    logger.info("reconciler re-enqueued %d report items", len(ids))
    return len(ids)
