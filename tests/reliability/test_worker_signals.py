"""Signals to the worker: SIGTERM finishes the job in hand; a killed work horse is retried."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from redis import Redis

from casework.models import ItemStatus
from casework.runtime import Runtime
from tests.factories import leak, report
from tests.harness import ContentServer, WorkerProcess, descendants
from tests.jobs import match_count, wait_for
from workers.queues import enqueue_items

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def start_slow_job(
    runtime: Runtime,
    redis: Redis,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
) -> tuple[int, WorkerProcess]:
    url = content_server.add("/slow.png", "image/png", leak(runtime))
    content_server.delay_seconds = 3
    [item_id] = report(runtime, [url])
    enqueue_items(redis, [item_id])
    worker = start_worker()
    wait_for(runtime, item_id, {ItemStatus.FETCHING}, 60)
    return item_id, worker


@pytest.mark.battery("F12")
def test_f12_sigterm_lets_the_job_in_hand_finish_then_the_worker_exits_cleanly(
    runtime: Runtime,
    redis: Redis,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
    lost: Callable[[str, int], None],
) -> None:
    item_id, worker = start_slow_job(runtime, redis, content_server, start_worker)
    worker.process.send_signal(signal.SIGTERM)
    assert worker.process.wait(timeout=60) == 0
    item = wait_for(runtime, item_id, {ItemStatus.DONE, ItemStatus.FAILED}, 5)
    lost("report items", 0 if item.status == ItemStatus.DONE else 1)
    assert (item.status, item.attempts) == (ItemStatus.DONE, 1)
    assert match_count(runtime) == 4


@pytest.mark.battery("F1")
def test_f1_a_killed_work_horse_is_retried_and_its_matches_recorded_once(
    runtime: Runtime,
    redis: Redis,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
    lost: Callable[[str, int], None],
) -> None:
    item_id, worker = start_slow_job(runtime, redis, content_server, start_worker)
    horses = [pid for pid in descendants(worker.process.pid) if is_work_horse(pid)]
    assert horses, "no work horse found"
    for pid in horses:
        os.kill(pid, signal.SIGKILL)
    content_server.delay_seconds = 0
    item = wait_for(runtime, item_id, {ItemStatus.DONE, ItemStatus.FAILED}, 90)
    lost("duplicate matches", match_count(runtime) - 4)
    assert item.status == ItemStatus.DONE and item.attempts == 2
    assert match_count(runtime) == 4
    assert worker.process.poll() is None  # the worker itself survived


def is_work_horse(pid: int) -> bool:
    """RQ's horse leads a process group of its own; the scheduler child does not."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return int(fields[2]) == pid


@pytest.mark.battery("F3")
def test_f3_killing_only_the_worker_parent_lets_the_orphaned_horse_finish(
    runtime: Runtime,
    redis: Redis,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
    lost: Callable[[str, int], None],
) -> None:
    item_id, worker = start_slow_job(runtime, redis, content_server, start_worker)
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)
    item = wait_for(runtime, item_id, {ItemStatus.DONE, ItemStatus.FAILED}, 60)
    time.sleep(1)
    lost("duplicate matches", match_count(runtime) - 4)
    assert item.status == ItemStatus.DONE
    assert match_count(runtime) == 4
