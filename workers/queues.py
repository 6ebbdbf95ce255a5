"""Queue names, connections and enqueueing. Jobs take ids only and travel as JSON, never pickle.

Jobs are queued by dotted name, so the API, which enqueues, never imports a job module (they
bring the fetcher and the HTML parser): this module imports only redis and rq.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import cast

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

logger = logging.getLogger(__name__)

#: Named by purpose, most urgent first: a worker drains them in this order.
QUEUE_NAMES = ("reports", "webhooks", "maintenance")
#: Attempts per reported URL; transient failures (timeouts, 5xx) retry after these intervals.
REPORT_ATTEMPTS = 3
REPORT_RETRY_INTERVALS_SECONDS = [10, 30]
#: RQ's timeout is a backstop; the job's own report deadline is the mechanism.
REPORT_JOB_TIMEOUT_SECONDS = 180
#: Failed jobs keep ids only, and not for long (RQ's default is a year).
FAILURE_TTL_SECONDS = 7 * 24 * 3600

#: The job functions, by the dotted name a worker imports them by; each takes one id.
FETCH_AND_MATCH = "workers.reports.fetch_and_match"
DELIVER_WEBHOOK = "workers.webhooks.deliver_webhook"
CHECK_REMOVAL = "workers.followup.check_removal"
CHECK_WATCHED = "workers.followup.check_watched"
NOTIFY_VICTIM = "workers.notifications.notify_victim"
JOB_FUNCTIONS = (FETCH_AND_MATCH, DELIVER_WEBHOOK, CHECK_REMOVAL, CHECK_WATCHED, NOTIFY_VICTIM)


def connect(redis_url: str) -> Redis:
    """A Redis connection from a redis:// or unix:// URL."""
    return Redis.from_url(redis_url, health_check_interval=30, socket_connect_timeout=5)


#: A job in one of these states will still run: the reconcilers leave it alone.
_WILL_RUN = frozenset(
    {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
)


def job_alive(connection: Redis, job_id: str) -> bool:
    """True while the job is queued, scheduled, deferred or running."""
    job = _fetch(connection, job_id)
    return job is not None and job.get_status(refresh=False) in _WILL_RUN


def forget_job(connection: Redis, job_id: str) -> None:
    """Delete the job's record, if any: RQ will not enqueue a job id it still holds."""
    job = _fetch(connection, job_id)
    if job is not None:
        job.delete()


def _fetch(connection: Redis, job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
    except NoSuchJobError:
        return None


def make_queue(name: str, connection: Redis) -> Queue:
    """A queue that serialises job arguments as JSON."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=connection, serializer=JSONSerializer)


def _enqueue(
    queue: Queue,
    function: str,
    object_id: int,
    *,
    job_id: str,
    timeout: int,
    retry: Retry | None = None,
    at: datetime | None = None,
) -> None:
    """Queue one job by dotted name with an id as its only argument (now, or at a time).

    Results are never kept, and failed jobs only for FAILURE_TTL_SECONDS.
    """
    if at is None:
        queue.enqueue_call(
            function,
            args=(object_id,),
            job_id=job_id,
            timeout=timeout,
            result_ttl=0,
            failure_ttl=FAILURE_TTL_SECONDS,
            retry=retry,
        )
        return
    # The scheduler of any worker (they run with_scheduler=True) moves it to the queue.
    queue.enqueue_at(
        at,
        function,
        object_id,
        job_id=job_id,
        job_timeout=timeout,
        result_ttl=0,
        failure_ttl=FAILURE_TTL_SECONDS,
        retry=retry,
    )


def job_id(item_id: int) -> str:
    """One job id per report item, so an item is never queued twice at once."""
    return f"fetch-{item_id}"


def enqueue_items(connection: Redis, item_ids: list[int]) -> None:
    """Queue a fetch job per report item, retried on transient failures."""
    queue = make_queue("reports", connection)
    retry = Retry(max=REPORT_ATTEMPTS - 1, interval=REPORT_RETRY_INTERVALS_SECONDS)
    for item_id in item_ids:
        _enqueue(
            queue,
            FETCH_AND_MATCH,
            item_id,
            job_id=job_id(item_id),
            timeout=REPORT_JOB_TIMEOUT_SECONDS,
            retry=retry,
        )


def schedule_items(redis: Redis, item_ids: list[int]) -> None:
    """Queue committed report items; if Redis is away, the reconciler queues them later."""
    try:
        enqueue_items(redis, item_ids)
    except RedisError as error:
        logger.warning("enqueue failed, left to the reconciler: %s", type(error).__name__)


#: RQ's backstop for one webhook attempt; the fetcher's own deadline is 20 s.
WEBHOOK_JOB_TIMEOUT_SECONDS = 60


def webhook_job_id(delivery_id: int) -> str:
    """One job id per delivery, so a delivery is never queued twice at once."""
    return f"webhook-{delivery_id}"


def enqueue_deliveries(
    connection: Redis, delivery_ids: list[int], *, attempts: int, intervals: list[int]
) -> None:
    """Queue a job per webhook delivery, retried by RQ with backoff after each failure."""
    queue = make_queue("webhooks", connection)
    for delivery_id in delivery_ids:
        _enqueue(
            queue,
            DELIVER_WEBHOOK,
            delivery_id,
            job_id=webhook_job_id(delivery_id),
            timeout=WEBHOOK_JOB_TIMEOUT_SECONDS,
            retry=Retry(max=attempts - 1, interval=intervals),
        )


#: A removal check fetches a few URLs and their pages' images; RQ's backstop per check.
FOLLOWUP_JOB_TIMEOUT_SECONDS = 600


def removal_job_id(takedown_id: int, when: str) -> str:
    """One job per notice and moment ("sent", "deadline", "answered" by its platform,
    "reported" removed by a caseworker, or "reconciled"), so none is queued twice."""
    return f"removal-{takedown_id}-{when}"


def enqueue_removal_checks(
    connection: Redis, takedown_id: int, *, deadline_at: datetime | None, grace: timedelta
) -> None:
    """Check a sent notice's URLs now, and again just after its deadline if it has one."""
    queue = make_queue("maintenance", connection)
    moments: list[tuple[str, datetime | None]] = [("sent", None)]
    if deadline_at is not None:
        moments.append(("deadline", deadline_at + grace))
    for when, at in moments:
        _enqueue(
            queue,
            CHECK_REMOVAL,
            takedown_id,
            job_id=removal_job_id(takedown_id, when),
            timeout=FOLLOWUP_JOB_TIMEOUT_SECONDS,
            at=at,
        )


def enqueue_removal_check(connection: Redis, takedown_id: int, *, when: str) -> None:
    """Check a notice's URLs now, for a reason that names the job (see removal_job_id)."""
    _enqueue(
        make_queue("maintenance", connection),
        CHECK_REMOVAL,
        takedown_id,
        job_id=removal_job_id(takedown_id, when),
        timeout=FOLLOWUP_JOB_TIMEOUT_SECONDS,
    )


def schedule_removal_checks(
    redis: Redis, *, takedown_id: int, deadline_at: datetime | None, grace_minutes: int
) -> None:
    """Queue a sent notice's removal checks; a Redis outage is logged, not raised to the user."""
    try:
        enqueue_removal_checks(
            redis, takedown_id, deadline_at=deadline_at, grace=timedelta(minutes=grace_minutes)
        )
    except RedisError as error:
        logger.warning("removal checks of takedown %d not queued: %s", takedown_id, error)


def request_removal_check(redis: Redis, *, takedown_id: int, when: str = "answered") -> None:
    """Check a notice's URLs now because its platform answered (or a caseworker reported it
    removed); the reconciler covers an outage."""
    try:
        enqueue_removal_check(redis, takedown_id, when=when)
    except RedisError as error:
        logger.warning("removal check of takedown %d not queued: %s", takedown_id, error)


def watch_job_id(watched_id: int) -> str:
    """One pending check per watched URL."""
    return f"watch-{watched_id}"


def enqueue_watch_check(connection: Redis, watched_id: int, *, at: datetime | None) -> None:
    """Check a watched URL at a time (now when None)."""
    _enqueue(
        make_queue("maintenance", connection),
        CHECK_WATCHED,
        watched_id,
        job_id=watch_job_id(watched_id),
        timeout=FOLLOWUP_JOB_TIMEOUT_SECONDS,
        at=at,
    )


def schedule_watch_check(redis: Redis, *, watched_id: int) -> None:
    """Check a newly watched URL now; the reconciler queues it if Redis is away."""
    try:
        enqueue_watch_check(redis, watched_id, at=None)
    except RedisError as error:
        logger.warning("first check of watch %d not queued: %s", watched_id, error)


#: RQ's backstop for one notification attempt (an SMTP exchange or a webhook POST).
NOTIFY_JOB_TIMEOUT_SECONDS = 60


def notify_job_id(case_id: int) -> str:
    """One pending notification per case: news that arrives meanwhile joins it."""
    return f"notify-{case_id}"


def enqueue_notification(
    connection: Redis, case_id: int, *, attempts: int, intervals: list[int]
) -> None:
    """Queue the note about a case's news, retried by RQ with backoff while delivery fails."""
    _enqueue(
        make_queue("webhooks", connection),
        NOTIFY_VICTIM,
        case_id,
        job_id=notify_job_id(case_id),
        timeout=NOTIFY_JOB_TIMEOUT_SECONDS,
        retry=Retry(max=attempts - 1, interval=intervals),
    )


#: Job outcomes counted by the workers, read by the API's /metrics (service/metrics.py): one
#: hash for every worker process, so one scrape sees them all. Fields are "job:outcome:reason",
#: each a fixed word, never an id or a URL.
OUTCOMES_KEY = "takedown:job-outcomes"


def count_outcome(connection: Redis, *, job: str, outcome: str, reason: str) -> None:
    """Count one job's outcome; a counter lost to a Redis error is not worth failing a job for."""
    try:
        connection.hincrby(OUTCOMES_KEY, f"{job}:{outcome}:{reason}", 1)
    except RedisError as error:
        logger.warning("job outcome not counted: %s", type(error).__name__)


def outcome_counts(connection: Redis) -> dict[tuple[str, str, str], int]:
    """Every counted (job, outcome, reason) and its count since Redis began keeping them."""
    counts = cast(dict[bytes, bytes], connection.hgetall(OUTCOMES_KEY))
    found: dict[tuple[str, str, str], int] = {}
    for field, count in counts.items():
        job, outcome, reason = field.decode().split(":", 2)
        found[job, outcome, reason] = int(count)
    return found


def queue_depths(connection: Redis) -> dict[str, int]:
    """How many jobs wait in each queue, scheduled ones not included."""
    return {name: make_queue(name, connection).count for name in QUEUE_NAMES}
