"""The worker process's own log: job lines stay, RQ's maintenance chatter does not."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from redis import Redis

from casework.settings import Settings
from workers.queues import enqueue_items
from workers.worker import run_worker


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
