"""Jobs that follow a sent notice through: the removal check and the re-upload watch.

Both fetch through `collect_images` (the report job's safe fetcher and in-memory hashing) and
match through `find_matches`, so a URL counts as still serving the image exactly when a fresh
report of it would have matched.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from datetime import timedelta

from casework.bank.matching import find_matches
from casework.db import transaction, utcnow
from casework.hosts import host_of
from casework.models import WatchedUrl
from casework.notices import rechecks, removal, watches
from casework.notices.rechecks import Probe
from casework.reports.reports import FoundMatch
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.images import ImageRejected
from workers.collection import collect_images
from workers.context import WorkerContext, current
from workers.fetcher import Fetched, FetchFailed, MediaType
from workers.pages import extract_page_links
from workers.queues import (
    FOLLOWUP_JOB_TIMEOUT_SECONDS,
    enqueue_removal_check,
    enqueue_watch_check,
    job_alive,
    removal_job_id,
    watch_job_id,
)
from workers.reports import IMAGE_REASONS

logger = logging.getLogger(__name__)

#: Links taken from each page of a site watch; the crawl's page limit bounds the total.
MAX_LINKS_PER_PAGE = 200
#: A site watch stops following links after this long, well inside the job's timeout.
CRAWL_BUDGET_SECONDS = FOLLOWUP_JOB_TIMEOUT_SECONDS // 2


def probe(
    context: WorkerContext, url: str, *, case_id: int, links: list[str] | None = None
) -> Probe:
    """Fetch one URL, hash what it serves in memory, and judge it against the case.

    With `links`, a page's links are added to it, for a site watch to follow.
    """
    landing: list[Fetched] = []

    def landed(fetched: Fetched) -> None:
        landing.append(fetched)
        if links is not None and fetched.media_type is MediaType.HTML:
            links.extend(extract_page_links(fetched.body, fetched.final_url, MAX_LINKS_PER_PAGE))

    try:
        found, images_seen = collect_images(context, url, landed=landed)
    except FetchFailed as failure:
        return rechecks.failed(url=url, reason=failure.reason.value, http_status=failure.status)
    except ImageRejected as rejection:
        status = landing[0].status if landing else None
        return rechecks.failed(url=url, reason=IMAGE_REASONS[rejection.reason], http_status=status)
    first = landing[0]
    runtime = context.runtime
    with transaction(runtime.sessions) as session:
        runtime.bank.refresh(session)
        hashed: list[tuple[list[FoundMatch], Fingerprint | None]] = [
            (
                find_matches(
                    session,
                    bank=runtime.bank,
                    image_url=image.url,
                    fingerprints=image.fingerprints,
                    faint=image.faint,
                ),
                next((f for f in image.fingerprints if f.algorithm is Algorithm.SHA256), None),
            )
            for image in found
        ]
        runtime.videos.refresh(session)
    # A video still serving the case's video under vPDQ's rule is still there, as a fresh
    # report of it would have matched.
    videos = []
    for image in found:
        hits = tuple(
            hit for hit in runtime.videos.match_any(image.videos) if hit.case_id == case_id
        )
        if hits:
            videos.append((image.url, hits))
    return rechecks.judge(
        url=url,
        http_status=first.status,
        headers=first.headers,
        images_seen=images_seen,
        found=hashed,
        case_id=case_id,
        videos=videos,
        videos_seen=sum(1 for image in found if image.videos),
    )


def check_removal(takedown_id: int) -> None:
    """Re-fetch every URL a sent notice named and record what each shows (idempotent)."""
    context = current()
    runtime = context.runtime
    with transaction(runtime.sessions) as session:
        target = removal.removal_urls(session, takedown_id=takedown_id)
        if target is None:
            return
        takedown, urls = target
        case_id = takedown.case_id
    probes = [probe(context, url, case_id=case_id) for url in urls]
    with transaction(runtime.sessions) as session:
        result = removal.record_removal_check(
            session,
            takedown_id=takedown_id,
            probes=probes,
            vault=runtime.vault,
            watch_after=timedelta(hours=runtime.settings.watch_interval_hours),
        )
    if result is not None:
        logger.info(
            "removal check of takedown %d: %s%s",
            takedown_id,
            result.status.value,
            " (overdue)" if result.overdue else "",
        )
    for watched_id, at in result.watched if result is not None else []:
        enqueue_watch_check(context.redis, watched_id, at=at)


def crawl(context: WorkerContext, seed: str, *, case_id: int, pages: int) -> list[Probe]:
    """Probe the seed and, breadth first, the pages of its host it links to, up to `pages`.

    One host only (links elsewhere are not followed), each page once, and a pause between
    fetches so a watch never hammers a site; stops early at the job's time budget.
    """
    host = host_of(seed)
    deadline = time.monotonic() + CRAWL_BUDGET_SECONDS
    queue, seen = deque([seed]), {seed}
    probes: list[Probe] = []
    while queue and len(probes) < pages and time.monotonic() < deadline:
        if probes:
            time.sleep(context.runtime.settings.watch_site_pause_seconds)
        links: list[str] = []
        probes.append(probe(context, queue.popleft(), case_id=case_id, links=links))
        for link in links:
            if link not in seen and host_of(link) == host:
                seen.add(link)
                queue.append(link)
    return probes


def check_watched(watched_id: int) -> None:
    """Re-check one watched URL for a re-upload, then schedule its next check."""
    context = current()
    runtime = context.runtime
    settings = runtime.settings
    spacing = timedelta(seconds=settings.watch_host_spacing_seconds)
    with transaction(runtime.sessions) as session:
        watched = session.get(WatchedUrl, watched_id)
        if watched is None:
            return
        url, host, case_id, scope = watched.url, watched.host, watched.case_id, watched.scope
    # Per-host limit across every worker: whoever takes the host's slot checks, others wait.
    slot = context.redis.set(
        f"watch-host:{host}", "1", nx=True, px=int(spacing.total_seconds() * 1000) or 1
    )
    if not slot:
        with transaction(runtime.sessions) as session:
            watched = session.get_one(WatchedUrl, watched_id)
            later = watches.schedule_next(
                session,
                watched=watched,
                interval=spacing,
                jitter=spacing,
                host_spacing=spacing,
            )
        enqueue_watch_check(context.redis, watched_id, at=later)
        return
    if scope == watches.WatchScope.SITE:
        probes = crawl(context, url, case_id=case_id, pages=settings.watch_site_pages)
    else:
        probes = [probe(context, url, case_id=case_id)]
    with transaction(runtime.sessions) as session:
        matches = watches.record_watch_check(
            session, watched_id=watched_id, probes=probes, vault=runtime.vault
        )
        watched = session.get_one(WatchedUrl, watched_id)
        later = watches.schedule_next(
            session,
            watched=watched,
            interval=timedelta(hours=settings.watch_interval_hours),
            jitter=timedelta(minutes=settings.watch_jitter_minutes),
            host_spacing=spacing,
        )
    for match in matches:
        logger.info("re-upload found by watch %d: match %d", watched_id, match.id)
    enqueue_watch_check(context.redis, watched_id, at=later)


def reconcile_followup(context: WorkerContext) -> int:
    """Re-queue removal checks and watch checks whose jobs were lost; returns how many."""
    runtime = context.runtime
    grace = timedelta(minutes=runtime.settings.removal_check_grace_minutes)
    with transaction(runtime.sessions) as session:
        takedown_ids = removal.unchecked_takedowns(session, grace=grace)
        watch_ids = watches.due_watches(session, now=utcnow() - grace)
    queued = 0
    for takedown_id in takedown_ids:
        if not job_alive(context.redis, removal_job_id(takedown_id, "reconciled")):
            enqueue_removal_check(context.redis, takedown_id, when="reconciled")
            queued += 1
    for watched_id in watch_ids:
        if not job_alive(context.redis, watch_job_id(watched_id)):
            enqueue_watch_check(context.redis, watched_id, at=None)
            queued += 1
    if queued:
        logger.info("follow-up reconciler queued %d checks", queued)
    return queued
