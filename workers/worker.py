"""Run an RQ worker over the named queues with the JSON serializer."""

from __future__ import annotations

from rq import Worker
from rq.serializers import JSONSerializer

from casework.settings import Settings
from workers.queues import QUEUE_NAMES, connect, make_queue

#: A dead worker's job is picked up again about a minute later (RQ's defaults take 7+ minutes).
WORKER_TTL_SECONDS = 30
JOB_MONITORING_INTERVAL_SECONDS = 5
MAINTENANCE_INTERVAL_SECONDS = 5


def run_worker(settings: Settings, *, burst: bool = False) -> bool:
    """Serve jobs until stopped (or until the queues are empty, with burst)."""
    connection = connect(settings.redis_url)
    worker = Worker(
        [make_queue(name, connection) for name in QUEUE_NAMES],
        connection=connection,
        serializer=JSONSerializer,
        worker_ttl=WORKER_TTL_SECONDS,
        job_monitoring_interval=JOB_MONITORING_INTERVAL_SECONDS,
        maintenance_interval=MAINTENANCE_INTERVAL_SECONDS,
    )
    return bool(worker.work(burst=burst, logging_level=settings.log_level))
