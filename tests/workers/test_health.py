"""`takedown worker --check`, the compose health check, against real worker processes and Redis."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Worker

from casework.loop import LoopReport
from casework.settings import Settings
from tests.harness import TAKEDOWN, WorkerProcess, start_worker, worker_environment
from workers.health import HEARTBEAT_SILENCE, live_worker
from workers.worker import publish_loops

__all__ = ["start_worker"]


def check(settings: Settings, **overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TAKEDOWN, "worker", "--check"],
        env={**worker_environment(settings), **overrides},
        capture_output=True,
        text=True,
        timeout=60,
    )


def wait_until_healthy(settings: Settings) -> subprocess.CompletedProcess[str]:
    deadline = time.monotonic() + 30
    while True:
        answer = check(settings)
        if answer.returncode == 0 or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def test_the_check_fails_without_a_worker_and_passes_while_one_serves(
    settings: Settings, redis: Redis, start_worker: Callable[[], WorkerProcess]
) -> None:
    idle = check(settings)
    assert idle.returncode == 1
    assert "no worker serves on this host" in idle.stderr

    worker = start_worker()
    serving = wait_until_healthy(settings)
    assert serving.returncode == 0, serving.stderr
    assert f"process {worker.process.pid}," in serving.stdout
    for name in ("reports", "followup", "notifications", "webhooks"):
        assert f"  {name} loop: " in serving.stdout


def test_the_check_fails_while_a_workers_loop_has_not_succeeded_within_its_bound(
    settings: Settings, redis: Redis, start_worker: Callable[[], WorkerProcess]
) -> None:
    start_worker()
    assert wait_until_healthy(settings).returncode == 0
    found = live_worker(redis)
    assert found is not None and not found.stale_loops(datetime.now(UTC))
    [registered] = Worker.all(connection=redis)
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    stuck = LoopReport(
        name="stuck",
        started_at=long_ago,
        last_success=long_ago,
        last_error=datetime.now(UTC),
        error_type="RuntimeError",
        stale_after=timedelta(minutes=5),
    )
    publish_loops(redis, registered.name, [stuck], ttl=60)

    answer = check(settings)
    assert answer.returncode == 1
    assert "a loop has not succeeded for too long" in answer.stderr
    assert re.search(
        r"stuck loop: last success 36\d\d s ago, failing \(RuntimeError\)", answer.stderr
    )


def test_a_killed_workers_registration_does_not_pass_the_check(
    settings: Settings, redis: Redis, start_worker: Callable[[], WorkerProcess]
) -> None:
    worker = start_worker()
    assert wait_until_healthy(settings).returncode == 0

    worker.kill()
    assert [w.pid for w in Worker.all(connection=redis)] == [worker.process.pid]
    assert check(settings).returncode == 1


def test_a_worker_silent_for_twice_its_ttl_is_not_live(
    settings: Settings, redis: Redis, start_worker: Callable[[], WorkerProcess]
) -> None:
    worker = start_worker()
    assert wait_until_healthy(settings).returncode == 0

    found = live_worker(redis)
    assert found is not None and found.pid == worker.process.pid
    later = datetime.now(UTC) + HEARTBEAT_SILENCE + found.heartbeat_age
    assert live_worker(redis, now=later) is None


def test_the_check_fails_when_redis_cannot_be_reached(settings: Settings) -> None:
    answer = check(settings, TAKEDOWN_REDIS_URL="redis://127.0.0.1:1/0")
    assert answer.returncode == 1
    assert "Redis cannot be reached" in answer.stderr
