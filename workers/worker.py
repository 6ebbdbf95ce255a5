"""Run an RQ worker over the named queues with the JSON serializer, plus its background loops."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Sequence
from typing import Any

from redis import Redis
from redis.client import Pipeline
from rq import Queue, Worker
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy.exc import SQLAlchemyError

from casework.loop import Loop, LoopReport
from casework.memory import limit_address_space
from casework.settings import Settings
from workers.banks import PULL_SCAN_SECONDS, pull_banks
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
#: Where a worker publishes its loops' reports with each heartbeat, for `takedown worker --check`.
LOOPS_KEY = "takedown:worker-loops:{name}"


def run_worker(settings: Settings, *, burst: bool = False) -> bool:
    """Serve jobs until stopped (or until the queues are empty, with burst)."""
    logging.getLogger("rq.worker").addFilter(quiet_maintenance)
    context = configure(settings)
    loops = [] if burst else background_loops(context)
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
        loops=loops,
    )
    for loop in loops:
        loop.start()
    try:
        return bool(worker.work(burst=burst, logging_level=settings.log_level, with_scheduler=True))
    finally:
        for loop in loops:
            loop.stop()
        # The last process to let go of the shared bank snapshot removes it.
        context.runtime.bank.release()


def background_loops(context: WorkerContext) -> list[Loop]:
    """The worker's loops beside its jobs, one per concern, so one failing spares the others."""
    # Jitter keeps several workers from reconciling in lockstep. News is gathered for an hour
    # per note: the reconciler's cadence is soon enough, and each round reads every subscribed
    # case's timeline.
    return [
        Loop(
            "reports",
            lambda: reconcile_reports(context),
            interval_seconds=RECONCILE_INTERVAL_SECONDS,
            jitter=0.5,
        ),
        Loop(
            "followup",
            lambda: reconcile_followup(context),
            interval_seconds=RECONCILE_INTERVAL_SECONDS,
            jitter=0.5,
        ),
        Loop(
            "notifications",
            lambda: dispatch_notifications(context),
            interval_seconds=RECONCILE_INTERVAL_SECONDS,
            jitter=0.5,
        ),
        Loop(
            "webhooks",
            lambda: dispatch_webhooks(context),
            interval_seconds=WEBHOOK_SCAN_SECONDS,
            jitter=0.2,
        ),
        Loop(
            "banks",
            lambda: pull_banks(context),
            interval_seconds=PULL_SCAN_SECONDS,
            jitter=0.5,
        ),
    ]


def publish_loops(
    connection: Redis | Pipeline, worker_name: str, reports: Sequence[LoopReport], ttl: int
) -> None:
    """Store the loops' reports under the worker's name, expiring with its registration."""
    if not reports:
        return
    key = LOOPS_KEY.format(name=worker_name)
    connection.hset(key, mapping={report.name: report.to_json() for report in reports})
    connection.expire(key, ttl)


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

    def __init__(
        self,
        *args: Any,
        job_memory_bytes: int = 0,
        loops: Sequence[Loop] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.job_memory_bytes = job_memory_bytes
        self.loops = loops

    def register_birth(self) -> None:
        # Before the registration, so that a check which finds this worker finds its loops.
        self._publish_loops(self.connection, self.worker_ttl + 60)
        super().register_birth()  # type: ignore[no-untyped-call]

    def heartbeat(self, timeout: int | None = None, pipeline: Pipeline | None = None) -> None:
        super().heartbeat(timeout, pipeline)
        if not self.is_horse:  # a horse has a copy of the loops frozen at its fork
            self._publish_loops(
                self.connection if pipeline is None else pipeline, timeout or self.worker_ttl + 60
            )

    def _publish_loops(self, connection: Redis | Pipeline, ttl: int) -> None:
        # The check reads the loops' health beside the heartbeat it already trusts.
        publish_loops(connection, self.name, [loop.report() for loop in self.loops], ttl)

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
