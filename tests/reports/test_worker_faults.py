"""Faults of the queue: a worker killed mid-job, and jobs lost from Redis."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import numpy as np
import pytest
from PIL import Image
from redis import Redis
from sqlalchemy import func, select, update

from casework import cases
from casework.db import transaction, utcnow
from casework.models import ItemStatus, Match, ReportItem
from casework.runtime import Runtime
from hashing.algorithms import hash_file
from tests.factories import submitted
from tests.harness import ContentServer, WorkerProcess, encode
from tests.reports.test_report_jobs import report
from workers.queues import enqueue_items

#: RQ notices a dead worker after its heartbeat TTL (job monitoring 5 s + 60 s) and a maintenance
#: round; the retry then waits its first interval (10 s).
RECOVERY_SECONDS = 180


def leak(runtime: Runtime) -> bytes:
    """A photo-like image whose fingerprints are in a victim's case."""
    rng = np.random.default_rng(7)
    small = rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
    body = encode(Image.fromarray(small).resize((640, 480), Image.Resampling.BICUBIC), "PNG")
    hashed = hash_file(body)
    with transaction(runtime.sessions) as session:
        cases.open_case(
            session,
            fingerprints=[
                submitted(fp, hashed.pdq_quality if fp.algorithm.value == "pdq" else None)
                for fp in hashed.fingerprints
            ],
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        )
    return body


def wait_for(runtime: Runtime, item_id: int, states: set[str], seconds: float) -> ReportItem:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with runtime.sessions() as session:
            item = session.get_one(ReportItem, item_id)
            if item.status in states:
                return item
        time.sleep(0.2)
    raise AssertionError(f"item {item_id} never reached {states}")


def match_count(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Match)) or 0


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
