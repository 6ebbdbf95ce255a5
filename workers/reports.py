"""Jobs for reported URLs: fetch safely, hash in memory, match, record; and the reconciler."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from casework import reports
from casework.db import transaction
from casework.matching import find_matches
from casework.models import ReportItem
from hashing.algorithms import hash_query_image, md5_of, sha256_of
from hashing.fastpath import decode_query_frames
from hashing.fingerprint import Fingerprint
from hashing.images import ImageRejected
from workers.context import WorkerContext, current
from workers.fetcher import Fetched, Fetcher, FetchFailed, MediaType
from workers.pages import extract_image_urls
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
REPORT_DEADLINE_SECONDS = 120
MAX_IMAGES_PER_PAGE = 50


#: Item reasons for images that were fetched but cannot be hashed safely.
IMAGE_REASONS = {
    "too_large": "image_too_large",
    "decode_error": "decode_error",
    "unsupported_format": "not_an_image",
    "too_small": "image_too_small",
}


class RetryLater(Exception):
    """A transient failure: RQ retries the job after an interval."""


@dataclass
class FoundImage:
    """Fingerprints of one image found at a URL; its bytes are gone once this exists."""

    url: str
    fingerprints: list[Fingerprint]


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
        found, images_seen = _collect(context, url)
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
                session, bank=runtime.bank, image_url=image.url, fingerprints=image.fingerprints
            )
            matched = matched or bool(matches)
            reports.record_matches(session, item=item, found=matches, vault=runtime.vault)
        reports.finish_item(session, item=item, images_found=images_seen, images_hashed=len(found))
    reason = "matched" if matched else "no_match"
    count_outcome(context.redis, job="report", outcome="done", reason=reason)


def _collect(
    context: WorkerContext, url: str, *, landed: Callable[[Fetched], None] | None = None
) -> tuple[list[FoundImage], int]:
    """Fetch the URL and, for a page, its images; hash each in memory.

    `landed` sees the URL's own response first: removal checks keep its status and headers.
    """
    deadline = time.monotonic() + REPORT_DEADLINE_SECONDS
    with Fetcher(context.policy, context.resolver) as fetcher:
        fetched = fetcher.fetch(url, kind="any")
        if landed is not None:
            landed(fetched)
        if fetched.media_type is not MediaType.HTML:
            return [_hash(fetched.final_url, fetched.body)], 1
        candidates = extract_image_urls(fetched.body, fetched.final_url, MAX_IMAGES_PER_PAGE)
        del fetched
        found: list[FoundImage] = []
        for image_url in candidates:
            if time.monotonic() > deadline:
                logger.info("report deadline reached after %d images", len(found))
                break
            try:
                found.append(_hash(image_url, fetcher.fetch(image_url, kind="image").body))
            except (FetchFailed, ImageRejected) as failure:
                logger.debug("page image skipped: %s", failure.reason)
        return found, len(candidates)


def _hash(url: str, body: bytes) -> FoundImage:
    """Every query hash of one image body, or ImageRejected if it does not decode safely.

    An image within the pixel caps can still need more memory than the work horse may take
    (MatchingWorker's limit); that MemoryError is this image's rejection, not the job's crash.
    """
    fingerprints = [md5_of(body), sha256_of(body)]
    try:
        for frame in decode_query_frames(body):
            fingerprints.extend(hash_query_image(frame))
    except MemoryError:
        raise ImageRejected(
            "too_large", "decoding and hashing this image needs more memory than a job may use"
        ) from None
    return FoundImage(url=url, fingerprints=fingerprints)


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
