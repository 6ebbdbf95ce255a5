"""The worker process: its own log, and background loops that outlive any error."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import update

from casework.db import transaction, utcnow
from casework.models import ReportItem
from casework.reports.reports import Reporter, ReporterKind, create_report
from casework.runtime import Runtime
from casework.settings import Settings
from workers import worker
from workers.context import WorkerContext
from workers.fetcher import FetchPolicy
from workers.queues import enqueue_items, job_id, make_queue
from workers.reports import reconcile_reports
from workers.worker import background_loops, run_worker


@pytest.fixture
def rq_worker_log() -> Iterator[list[str]]:
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("rq.worker")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def test_the_worker_logs_its_jobs_but_not_cleaning_registries(
    settings: Settings, redis: Redis, rq_worker_log: list[str]
) -> None:
    enqueue_items(redis, [424242])
    run_worker(settings, burst=True)
    assert any("workers.reports.fetch_and_match(424242)" in line for line in rq_worker_log)
    assert not [line for line in rq_worker_log if "registries" in line]


def lost_item(runtime: Runtime) -> int:
    """A queued report item whose job Redis no longer holds, past the reconciler's grace."""
    with transaction(runtime.sessions) as session:
        made = create_report(
            session,
            reporter=Reporter(ReporterKind.FLAGGER),
            urls=["https://images.example/leak.png"],
            note=None,
            vault=runtime.vault,
        )
        [item] = made.items
        session.flush()
        session.execute(
            update(ReportItem)
            .where(ReportItem.id == item.id)
            .values(enqueued_at=utcnow() - timedelta(minutes=5))
        )
        return item.id


def test_the_reports_loop_goes_on_after_an_unexpected_error_and_requeues_a_lost_item(
    runtime: Runtime, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id = lost_item(runtime)
    rounds: list[int] = []

    def fail_first(context: WorkerContext) -> int:
        rounds.append(1)
        if len(rounds) == 1:
            raise RuntimeError("injected: not a database or Redis error")
        return reconcile_reports(context)

    monkeypatch.setattr(worker, "reconcile_reports", fail_first)
    monkeypatch.setattr(worker, "RECONCILE_INTERVAL_SECONDS", 0.05)
    context = WorkerContext(runtime=runtime, policy=FetchPolicy(), redis=redis)
    [loop] = [loop for loop in background_loops(context) if loop.name == "reports"]
    loop.start()
    try:
        deadline = time.monotonic() + 15
        while job_id(item_id) not in make_queue("reports", redis).job_ids:
            assert time.monotonic() < deadline, "the lost item was not re-enqueued"
            time.sleep(0.02)
    finally:
        loop.stop(join_seconds=10)
    report = loop.report()
    assert len(rounds) >= 2
    assert report.error_type == "RuntimeError"
    assert report.last_success is not None and report.last_error is not None
    assert report.last_success > report.last_error
