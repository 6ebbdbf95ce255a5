"""`takedown worker --check`, the compose health check, against real worker processes and Redis."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime

from redis import Redis
from rq import Worker

from casework.settings import Settings
from tests.harness import TAKEDOWN, WorkerProcess, worker_environment
from workers.health import HEARTBEAT_SILENCE, live_worker


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
