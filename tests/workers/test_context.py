"""The worker context: jobs run in the process that installed it keep its pooled connections."""

from __future__ import annotations

import pytest
from redis import Redis

from casework.runtime import Runtime
from workers import context as worker_context
from workers.fetcher import FetchPolicy


def test_a_job_in_the_process_that_installed_its_context_keeps_the_pooled_connection(
    runtime: Runtime, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in a process that has not installed a context before, whatever earlier tests did here.
    monkeypatch.setattr(worker_context, "_owner_pid", 0)
    monkeypatch.setattr(worker_context, "_current", None)
    with runtime.engine.connect() as connection:
        pooled = connection.connection.dbapi_connection
    installed = worker_context.install(
        worker_context.WorkerContext(runtime=runtime, policy=FetchPolicy(), redis=redis)
    )

    assert worker_context.current() is installed
    # The pool was neither replaced nor emptied: its connection was not left open for the
    # garbage collector, which would warn (ResourceWarning) in whatever test runs then.
    with runtime.engine.connect() as connection:
        assert connection.connection.dbapi_connection is pooled
