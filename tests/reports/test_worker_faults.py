"""Faults of the queue: a worker killed mid-job, and jobs lost from Redis."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import update

from casework.db import transaction, utcnow
from casework.models import ItemStatus, ReportItem
from casework.runtime import Runtime
from tests.factories import leak, report
from tests.harness import ContentServer, WorkerProcess
from tests.jobs import match_count, wait_for
from workers.queues import enqueue_items

#: RQ notices a dead worker after its heartbeat TTL (job monitoring 5 s + 60 s) and a maintenance
#: round; the retry then waits its first interval (10 s).
RECOVERY_SECONDS = 180


@pytest.mark.slow
@pytest.mark.battery("F2")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_job_whose_worker_is_killed_runs_again_and_completes_once(
    runtime: Runtime,
    redis: Redis,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
) -> None:
    url = content_server.add("/slow.png", "image/png", leak(runtime))
    content_server.delay_seconds = 4
    [item_id] = report(runtime, [url])
    enqueue_items(redis, [item_id])
    first = start_worker()
    wait_for(runtime, item_id, {ItemStatus.FETCHING}, 60)
    first.kill()
    content_server.delay_seconds = 0
    start_worker()
    item = wait_for(runtime, item_id, {ItemStatus.DONE, ItemStatus.FAILED}, RECOVERY_SECONDS)
    assert (item.status, item.attempts) == (ItemStatus.DONE, 2)
    assert match_count(runtime) == 4


@pytest.mark.battery("F4")
def test_items_whose_jobs_were_lost_are_reconciled_and_processed(
    runtime: Runtime,
    redis: Redis,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
) -> None:
    body = leak(runtime)
    ids = report(runtime, [content_server.add(f"/{n}.png", "image/png", body) for n in range(3)])
    enqueue_items(redis, ids)
    redis.flushdb()  # what a Redis restart without persistence does to queued jobs
    with transaction(runtime.sessions) as session:
        session.execute(update(ReportItem).values(enqueued_at=utcnow() - timedelta(minutes=5)))
    start_worker()
    for item_id in ids:
        assert wait_for(runtime, item_id, {ItemStatus.DONE, ItemStatus.FAILED}, 60).status == "done"
    assert match_count(runtime) == 3 * 4
