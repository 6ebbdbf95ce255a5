"""PostgreSQL outages: the API answers 503 with Retry-After, writes nothing half-way, recovers."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest

from casework.db import migrate
from casework.models import ItemStatus, ReportItem
from casework.runtime import Runtime
from tests.factories import image_set, leak, report, wire
from tests.harness import ContentServer, WorkerProcess
from tests.servers import OwnPostgres
from workers.queues import enqueue_items


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    """A PostgreSQL cluster this test may stop."""
    server = OwnPostgres()
    yield server
    server.close()


@pytest.fixture
def database_url(own_postgres: OwnPostgres) -> str:
    """A migrated database on the test's own cluster."""
    with psycopg.connect(own_postgres.url, autocommit=True) as admin:
        admin.execute("CREATE DATABASE takedown")
    url = own_postgres.url.rsplit("/", 1)[0] + "/takedown"
    migrate(url)
    return url


def row_count(url: str, table: str) -> int:
    with psycopg.connect(url) as connection:
        return int(connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])  # type: ignore[index]


@pytest.mark.battery("F7", "F8")
def test_f7_a_database_outage_answers_503_stores_nothing_and_recovers(
    live_server: str,
    database_url: str,
    own_postgres: OwnPostgres,
    lost: Callable[[str, int], None],
) -> None:
    with httpx.Client(base_url=live_server, timeout=30) as api:
        first = api.post("/v1/cases", json=wire(image_set(random.Random(1), 1)))
        assert first.status_code == 201
        auth = (first.json()["case_id"], first.json()["pin"])

        own_postgres.stop()
        during = api.post("/v1/cases", json=wire(image_set(random.Random(2), 1)))
        assert during.status_code == 503
        assert int(during.headers["retry-after"]) > 0
        assert during.json()["error"]["code"] == "unavailable"
        assert api.get("/v1/case", auth=auth).status_code == 503
        assert api.get("/readyz").status_code == 503

        own_postgres.start()
        after = api.post("/v1/cases", json=wire(image_set(random.Random(3), 1)))
        assert after.status_code == 201
        assert api.get("/v1/case", auth=auth).json()["status"] == "active"
    cases = row_count(database_url, "cases")
    lost("cases", 2 - cases)
    assert cases == 2
    assert row_count(database_url, "case_fingerprints") == 8


@pytest.mark.battery("F9")
def test_f9_a_job_that_meets_a_database_outage_is_retried_and_completes(
    runtime: Runtime,
    redis: object,
    own_postgres: OwnPostgres,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
    lost: Callable[[str, int], None],
) -> None:
    [item_id] = report(runtime, [content_server.add("/leak.png", "image/png", leak(runtime))])
    runtime.engine.dispose()
    own_postgres.stop()
    enqueue_items(redis, [item_id])  # type: ignore[arg-type]
    start_worker()
    time.sleep(4)  # the job runs into the outage and is scheduled for a retry
    own_postgres.start()
    deadline = time.monotonic() + 90
    status = None
    while time.monotonic() < deadline:
        with runtime.sessions() as session:
            status = session.get_one(ReportItem, item_id).status
        if status in (ItemStatus.DONE, ItemStatus.FAILED):
            break
        time.sleep(0.5)
    lost("report items", 0 if status == ItemStatus.DONE else 1)
    assert status == ItemStatus.DONE
