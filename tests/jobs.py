"""Report jobs run in this process: worker contexts for the fetcher, a runner, and probes.

A pytest plugin (tests/conftest.py registers it): ``loopback_context`` lets the fetcher reach
the loopback content server, ``production_context`` keeps the production policy.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from redis import Redis
from sqlalchemy import func, select

from casework.models import Match, ReportItem
from casework.runtime import Runtime
from workers import context as worker_context
from workers.context import WorkerContext
from workers.fetcher import FetchPolicy
from workers.reports import fetch_and_match

STUB_DNS = {
    "metadata.test": ["169.254.169.254"],
    "intranet.test": ["10.0.0.1"],
    "mixed.test": ["93.184.216.34", "127.0.0.1"],
}


def stub_resolver(host: str, port: int) -> list[str]:
    """Names resolve from a table, numeric forms (2130706433, 0x7f000001) as the OS parses them."""
    if host in STUB_DNS:
        return STUB_DNS[host]
    answers = socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST)
    return [str(answer[4][0]) for answer in answers]


def install_context(runtime: Runtime, redis: Redis, policy: FetchPolicy) -> WorkerContext:
    return worker_context.install(
        WorkerContext(runtime=runtime, policy=policy, redis=redis, resolver=stub_resolver)
    )


@pytest.fixture
def loopback_context(runtime: Runtime, redis: Redis) -> Iterator[WorkerContext]:
    """A worker context whose fetcher may reach the loopback test server (tests only)."""
    yield install_context(
        runtime, redis, FetchPolicy(allow_loopback=True, extra_ports=frozenset(range(1024, 65536)))
    )
    worker_context._current = None


@pytest.fixture
def production_context(runtime: Runtime, redis: Redis) -> Iterator[WorkerContext]:
    """A worker context with the production policy: public addresses, ports 80 and 443 only."""
    yield install_context(runtime, redis, FetchPolicy(deadline_seconds=3))
    worker_context._current = None


def run_jobs(runtime: Runtime) -> None:
    """Process every queued item in this process, as the worker's job does."""
    with runtime.sessions() as session:
        ids = list(session.scalars(select(ReportItem.id).where(ReportItem.status == "queued")))
    for item_id in ids:
        fetch_and_match(item_id)


def item_state(runtime: Runtime, item_id: int) -> tuple[str, str | None]:
    with runtime.sessions() as session:
        item = session.get_one(ReportItem, item_id)
        return item.status, item.reason


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
