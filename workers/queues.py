"""Queue names, connections and enqueueing. Jobs take ids only and travel as JSON, never pickle."""

from __future__ import annotations

from redis import Redis
from rq import Queue, Retry
from rq.serializers import JSONSerializer

#: Named by purpose, most urgent first: a worker drains them in this order.
QUEUE_NAMES = ("reports", "webhooks", "maintenance")
#: Attempts per reported URL; transient failures (timeouts, 5xx) retry after these intervals.
REPORT_ATTEMPTS = 3
REPORT_RETRY_INTERVALS_SECONDS = [10, 30]
#: RQ's timeout is a backstop; the job's own report deadline is the mechanism.
REPORT_JOB_TIMEOUT_SECONDS = 180
#: Failed jobs keep ids only, and not for long (RQ's default is a year).
FAILURE_TTL_SECONDS = 7 * 24 * 3600


def connect(redis_url: str) -> Redis:
    """A Redis connection from a redis:// or unix:// URL."""
    return Redis.from_url(redis_url, health_check_interval=30, socket_connect_timeout=5)


def make_queue(name: str, connection: Redis) -> Queue:
    """A queue that serialises job arguments as JSON."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=connection, serializer=JSONSerializer)


def job_id(item_id: int) -> str:
    """One job id per report item, so an item is never queued twice at once."""
    return f"fetch-{item_id}"


def enqueue_items(connection: Redis, item_ids: list[int]) -> None:
    """Queue a fetch job per report item, by dotted name, with its id as the only argument."""
    queue = make_queue("reports", connection)
    for item_id in item_ids:
        queue.enqueue_call(
            "workers.reports.fetch_and_match",
            args=(item_id,),
            job_id=job_id(item_id),
            timeout=REPORT_JOB_TIMEOUT_SECONDS,
            result_ttl=0,
            failure_ttl=FAILURE_TTL_SECONDS,
            retry=Retry(max=REPORT_ATTEMPTS - 1, interval=REPORT_RETRY_INTERVALS_SECONDS),
        )


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
        queue.enqueue_call(
            "workers.webhooks.deliver_webhook",
            args=(delivery_id,),
            job_id=webhook_job_id(delivery_id),
            timeout=WEBHOOK_JOB_TIMEOUT_SECONDS,
            result_ttl=0,
            failure_ttl=FAILURE_TTL_SECONDS,
            retry=Retry(max=attempts - 1, interval=intervals),
        )
