"""Webhook jobs: deliver one signed event through the safe fetcher; find and queue new events.

``dispatch_webhooks`` runs in the worker's dispatcher thread every few seconds: it turns new
matches and feed changes into deliveries (casework/platforms/webhooks.py), queues them after the
commit, and re-queues pending deliveries whose job was lost. ``deliver_webhook`` is the job; RQ
retries it with backoff while the receiver fails, up to DELIVERY_ATTEMPTS.
"""

from __future__ import annotations

import logging

from casework.db import transaction, utcnow
from casework.platforms import webhooks
from workers.context import WorkerContext, current
from workers.fetcher import Fetcher, FetchFailed
from workers.queues import enqueue_deliveries, forget_job, job_alive, webhook_job_id

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The receiver did not take the event; RQ retries the job after an interval."""


def deliver_webhook(delivery_id: int) -> None:
    """Send one delivery. Safe to run twice: a delivered or failed delivery is skipped."""
    context = current()
    runtime = context.runtime
    with transaction(runtime.sessions) as session:
        prepared = webhooks.prepare(session, vault=runtime.vault, delivery_id=delivery_id)
    if prepared is None:
        return
    status: int | None = None
    error: str | None = None
    try:
        with Fetcher(context.policy) as fetcher:
            status = fetcher.post(prepared.url, body=prepared.body, headers=prepared.headers)
    except FetchFailed as failure:
        error = failure.reason.value
    if status is not None and not 200 <= status < 300:
        error = f"http_{status}"
    with transaction(runtime.sessions) as session:
        retry = webhooks.record_result(session, delivery_id=delivery_id, status=status, error=error)
    if retry:
        # No URL or body in the message: RQ keeps exception text in its failed-job records.
        raise DeliveryFailed(error or "failed")


def dispatch_webhooks(context: WorkerContext) -> int:
    """Create deliveries for new events and queue them, plus any whose job was lost."""
    runtime = context.runtime
    with transaction(runtime.sessions) as session:
        created = webhooks.scan(session, vault=runtime.vault)
    lost: list[int] = []
    with transaction(runtime.sessions) as session:
        for delivery in webhooks.stale_deliveries(session):
            if delivery.id in created or job_alive(context.redis, webhook_job_id(delivery.id)):
                continue
            delivery.enqueued_at = utcnow()
            lost.append(delivery.id)
    queued = created + lost
    for delivery_id in lost:
        forget_job(context.redis, webhook_job_id(delivery_id))
    if queued:
        enqueue_deliveries(
            context.redis,
            queued,
            attempts=webhooks.DELIVERY_ATTEMPTS,
            intervals=webhooks.RETRY_INTERVALS_SECONDS,
        )
        logger.info("queued %d webhook deliveries (%d re-queued)", len(queued), len(lost))
    return len(queued)
