"""Run an RQ worker over the named queues with the JSON serializer, plus the reconciler."""

from __future__ import annotations

import logging
import os
import random
import secrets
import threading
from typing import Any

from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy.exc import SQLAlchemyError

from casework.memory import limit_address_space
from casework.settings import Settings
from workers.context import WorkerContext, configure, current
from workers.followup import reconcile_followup
from workers.notifications import dispatch_notifications
from workers.queues import QUEUE_NAMES, make_queue
from workers.reports import reconcile_reports
from workers.webhooks import dispatch_webhooks

logger = logging.getLogger(__name__)

#: A dead worker's job is picked up again about a minute later (RQ's defaults take 7+ minutes).
WORKER_TTL_SECONDS = 30
JOB_MONITORING_INTERVAL_SECONDS = 5
MAINTENANCE_INTERVAL_SECONDS = 5
RECONCILE_INTERVAL_SECONDS = 30
#: New matches and feed changes reach platforms' webhooks within about this long.
WEBHOOK_SCAN_SECONDS = 5


def run_worker(settings: Settings, *, burst: bool = False) -> bool:
    """Serve jobs until stopped (or until the queues are empty, with burst)."""
    logging.getLogger("rq.worker").addFilter(quiet_maintenance)
    context = configure(settings)
    worker = MatchingWorker(
        [make_queue(name, context.redis) for name in QUEUE_NAMES],
        # RQ's default name is a 32-digit hex UUID, in every line it logs; a log must hold no
        # run of hex a hash could hide in. The random part keeps a restarted PID 1 unique.
        name=f"worker-{os.getpid()}-{secrets.token_hex(4)}",
        connection=context.redis,
        serializer=JSONSerializer,
        worker_ttl=WORKER_TTL_SECONDS,
        job_monitoring_interval=JOB_MONITORING_INTERVAL_SECONDS,
        maintenance_interval=MAINTENANCE_INTERVAL_SECONDS,
        job_memory_bytes=settings.worker_job_memory_mb * 2**20,
    )
    stop = threading.Event()
    if not burst:
        threading.Thread(
            target=_reconcile_until, args=(context, stop), name="reconciler", daemon=True
        ).start()
        threading.Thread(
            target=_dispatch_until, args=(context, stop), name="webhooks", daemon=True
        ).start()
    try:
        return bool(worker.work(burst=burst, logging_level=settings.log_level, with_scheduler=True))
    finally:
        stop.set()


def quiet_maintenance(record: logging.LogRecord) -> bool:
    """Keep RQ's "cleaning registries" lines out of the log unless it is at debug level."""
    # RQ logs them at INFO after every idle dequeue (15 s here), with the job lines; they say
    # nothing an operator needs, and would bury the lines that do.
    if "registries" in str(record.msg):
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
    return True


class MatchingWorker(Worker):
    """RQ's forking worker, refreshing the bank index in the parent before each fork.

    A work horse per job costs ~18 ms, small next to fetching and hashing, and buys two things:
    a decoder crash or memory blow-up ends one job, not the worker; and the horse's heartbeat
    lets RQ re-run the job about a minute after the whole worker is killed (a non-forking
    worker's job stays claimed for its timeout plus a minute). The horse inherits the warm index
    copy-on-write and only applies changes since this refresh.

    Each horse may grow by at most ``job_memory_bytes`` of address space (RLIMIT_AS; 0 for no
    limit): an image that needs more raises MemoryError in that horse, not the OOM killer's
    choice of process on the machine.
    """

    def __init__(self, *args: Any, job_memory_bytes: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job_memory_bytes = job_memory_bytes

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        limit_address_space(self.job_memory_bytes)
        super().main_work_horse(job, queue)

    def execute_job(self, job: Job, queue: Queue) -> None:
        runtime = current().runtime
        try:
            with runtime.sessions() as session:
                runtime.bank.refresh(session)
        except SQLAlchemyError as error:
            # The horse refreshes again and reports the database error as the job's own failure.
            logger.warning("index refresh before job failed: %s", type(error).__name__)
        super().execute_job(job, queue)


def _reconcile_until(context: WorkerContext, stop: threading.Event) -> None:
    while True:
        try:
            reconcile_reports(context)
            reconcile_followup(context)
            # News is gathered for an hour per note: this cadence is soon enough, and each round
            # reads every subscribed case's timeline.
            dispatch_notifications(context)
        except (RedisError, SQLAlchemyError) as error:
            logger.warning("reconciler round failed: %s", type(error).__name__)
        # Jitter keeps several workers from reconciling in lockstep.
        if stop.wait(RECONCILE_INTERVAL_SECONDS * random.uniform(0.5, 1.0)):  # noqa: S311
            return


def _dispatch_until(context: WorkerContext, stop: threading.Event) -> None:
    while True:
        try:
            dispatch_webhooks(context)
        except (RedisError, SQLAlchemyError) as error:
            logger.warning("webhook dispatch round failed: %s", type(error).__name__)
        if stop.wait(WEBHOOK_SCAN_SECONDS * random.uniform(0.8, 1.0)):  # noqa: S311
            return
