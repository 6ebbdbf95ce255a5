"""Whether a queue worker serves on this host: what a container's health check asks."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Worker

from casework.loop import LoopReport
from workers.worker import LOOPS_KEY, WORKER_TTL_SECONDS

#: A serving worker writes its heartbeat at least every WORKER_TTL_SECONDS - 15 s while idle
#: and every few seconds while a job runs; twice the TTL of silence means it is stuck.
HEARTBEAT_SILENCE = timedelta(seconds=2 * WORKER_TTL_SECONDS)


@dataclass(frozen=True)
class LiveWorker:
    pid: int
    heartbeat_age: timedelta
    #: Its background loops as of its last heartbeat, by name (none in burst mode).
    loops: tuple[LoopReport, ...] = ()

    def stale_loops(self, now: datetime) -> list[LoopReport]:
        """The loops that have not succeeded within their bound."""
        return [loop for loop in self.loops if loop.stale(now)]


def live_worker(redis: Redis, *, now: datetime | None = None) -> LiveWorker | None:
    """A worker registered in Redis from this host whose process runs here and beats recently.

    A killed worker's registration outlives it by up to its TTL plus a minute, so the record
    alone proves nothing: its process must still exist in this PID namespace (a container's
    health check runs in the worker's own).
    """
    moment = now or datetime.now(UTC)
    hostname = socket.gethostname()
    for worker in Worker.all(connection=redis):
        if worker.hostname != hostname or worker.pid is None or worker.last_heartbeat is None:
            continue
        if not _process_exists(worker.pid):
            continue
        age = moment - worker.last_heartbeat
        if age <= HEARTBEAT_SILENCE:
            return LiveWorker(
                pid=worker.pid, heartbeat_age=age, loops=read_loops(redis, worker.name)
            )
    return None


def read_loops(redis: Redis, worker_name: str) -> tuple[LoopReport, ...]:
    """The reports of a worker's loops, as its last heartbeat published them."""
    stored: dict[bytes, bytes] = redis.hgetall(LOOPS_KEY.format(name=worker_name))  # type: ignore[assignment]
    return tuple(sorted((LoopReport.from_json(v) for v in stored.values()), key=lambda r: r.name))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        # PermissionError: another user's process has that number now, not our worker.
        return False
    return True
