"""Redis crashes: queued work survives with AOF, and the reconciler recovers it without."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from casework.db import transaction, utcnow
from casework.models import Match, ReportItem
from casework.platforms.apikeys import KeyKind, Scope, issue_key
from casework.runtime import Runtime
from tests.factories import leak
from tests.harness import ContentServer, WorkerProcess
from tests.servers import OwnRedis
from workers.queues import connect, make_queue

# Redis faults do not depend on the database backend: run them on the production one.
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

SETTLE_SECONDS = 90
URLS = 10


def report_urls(api: httpx.Client, content_server: ContentServer, body: bytes) -> str:
    urls = [content_server.add(f"/leak/{n}.png", "image/png", body) for n in range(URLS)]
    response = api.post("/v1/reports", json={"urls": urls})
    assert response.status_code == 202, response.text
    return str(response.json()["report_id"])


def settled(runtime: Runtime) -> dict[str, int]:
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        with runtime.sessions() as session:
            states = dict(
                session.execute(
                    select(ReportItem.status, func.count()).group_by(ReportItem.status)
                ).all()
            )
        if set(states) <= {"done", "failed"} or time.monotonic() > deadline:
            return {str(k): int(v) for k, v in states.items()}
        time.sleep(0.3)


def matches(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Match)) or 0


@pytest.fixture
def api(live_server: str, runtime: Runtime) -> Iterator[httpx.Client]:
    """A client for the live API, carrying a trusted flagger's key."""
    with transaction(runtime.sessions) as session:
        issued = issue_key(
            session, vault=runtime.vault, kind=KeyKind.FLAGGER, name="flag", scopes=[Scope.REPORT]
        )
    headers = {"Authorization": f"Bearer {issued.token}"}
    with httpx.Client(base_url=live_server, timeout=30, headers=headers) as client:
        yield client


def queued(url: str) -> int:
    with connect(url) as redis:
        return int(make_queue("reports", redis).count)


def age_items(runtime: Runtime) -> None:
    """Make queued items look older than the reconciler's grace period."""
    with transaction(runtime.sessions) as session:
        session.execute(update(ReportItem).values(enqueued_at=utcnow() - timedelta(minutes=5)))


@pytest.mark.battery("F5")
def test_f5_queued_jobs_survive_a_redis_crash_with_aof(
    api: httpx.Client,
    runtime: Runtime,
    own_redis: OwnRedis,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
    lost: Callable[[str, int], None],
) -> None:
    report_urls(api, content_server, leak(runtime))
    time.sleep(1.5)  # appendfsync everysec: what was acknowledged a second ago is on disk
    own_redis.kill()
    own_redis.start()
    assert queued(own_redis.url) == URLS
    start_worker()
    states = settled(runtime)
    lost("report items", URLS - states.get("done", 0))
    lost("duplicate matches", matches(runtime) - URLS * 4)
    assert states == {"done": URLS}
    assert matches(runtime) == URLS * 4


@pytest.mark.battery("F4")
def test_f4_without_persistence_the_reconciler_requeues_everything(
    api: httpx.Client,
    runtime: Runtime,
    own_redis: OwnRedis,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
    lost: Callable[[str, int], None],
) -> None:
    report_urls(api, content_server, leak(runtime))
    own_redis.kill()
    own_redis.aof = False
    shutil.rmtree(own_redis.folder / "appendonlydir", ignore_errors=True)
    own_redis.start()
    assert queued(own_redis.url) == 0
    age_items(runtime)
    start_worker()
    states = settled(runtime)
    lost("report items", URLS - states.get("done", 0))
    assert states == {"done": URLS}
    assert matches(runtime) == URLS * 4


@pytest.mark.battery("F6")
def test_f6_reports_are_accepted_while_redis_is_down_and_processed_after(
    api: httpx.Client,
    runtime: Runtime,
    own_redis: OwnRedis,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
    lost: Callable[[str, int], None],
) -> None:
    body = leak(runtime)
    own_redis.kill()
    report_urls(api, content_server, body)
    own_redis.start()
    age_items(runtime)
    start_worker()
    states = settled(runtime)
    lost("report items", URLS - states.get("done", 0))
    assert states == {"done": URLS}
