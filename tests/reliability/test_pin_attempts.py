"""Wrong PINs are counted when they arrive together, and a stalled database is no oracle."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from casework.db import transaction, utcnow
from casework.models import Case
from casework.runtime import Runtime
from casework.settings import Settings
from casework.victims import cases
from tests.factories import image_set, submitted, wire

TOGETHER = 12


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Production argon2 costs with a slot per request (each check takes tens of milliseconds, as
    in production); per-client budgets off, as for a guesser with many addresses; a short wait for
    database locks; a rarely refreshed index, so its reads are not among a request's statements."""
    return settings.model_copy(
        update={
            "argon2_memory_kib": 19456,
            "argon2_time_cost": 2,
            "argon2_concurrency": TOGETHER,
            "argon2_wait_seconds": 30.0,
            "victim_requests_per_minute": 0,
            "pin_failures_per_client_per_minute": 0,
            "database_lock_wait_seconds": 0.5,
            "index_refresh_seconds": 3600.0,
        }
    )


def open_case(runtime: Runtime) -> tuple[str, str]:
    with transaction(runtime.sessions) as session:
        opened = cases.open_case(
            session,
            fingerprints=[submitted(fp) for fp in image_set(random.Random(15), 1)],
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        )
        return opened.case.public_id, opened.pin


def open_case_with_codes(client: TestClient) -> tuple[str, list[str]]:
    opened = client.post("/v1/cases", json=wire(image_set(random.Random(16), 1))).json()
    return opened["case_id"], opened["recovery_codes"]


def stored(runtime: Runtime, case_id: str) -> Case:
    with runtime.sessions() as session:
        return session.scalars(select(Case).where(Case.public_id == case_id)).one()


@pytest.mark.battery("A13")
def test_a13_wrong_pins_sent_together_are_each_counted_and_pause_the_case(
    live_server: str, runtime: Runtime
) -> None:
    case_id, pin = open_case(runtime)
    start = threading.Barrier(TOGETHER)

    def wrong_pin(guess: int) -> httpx.Response:
        with httpx.Client(base_url=live_server, timeout=60) as client:
            start.wait()
            return client.get("/v1/case", auth=(case_id, f"{guess:08d}"))

    with ThreadPoolExecutor(TOGETHER) as pool:
        answers = list(pool.map(wrong_pin, range(TOGETHER)))

    assert [a.status_code for a in answers] == [401] * TOGETHER
    case = stored(runtime, case_id)
    # The attempt that reached the limit paused the case; the ones after it were not checked.
    assert case.failed_attempts == runtime.lockout.failures
    assert case.locked_until is not None and case.locked_until > utcnow()
    with httpx.Client(base_url=live_server, timeout=60) as client:
        assert client.get("/v1/case", auth=(case_id, pin)).status_code == 401


@contextmanager
def write_stall(runtime: Runtime, case_id: str) -> Iterator[None]:
    """Another connection holds what a PIN attempt must write: SQLite's write lock, or the case
    row on PostgreSQL."""
    url = runtime.settings.database_url
    if url.startswith("sqlite"):
        with runtime.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert raw is not None
            raw.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                raw.execute("ROLLBACK")
        return
    with psycopg.connect(url) as holder:
        holder.execute("SELECT id FROM cases WHERE public_id = %s FOR UPDATE", (case_id,))
        yield
        holder.rollback()


@pytest.mark.battery("A14")
def test_a14_during_a_write_stall_the_right_and_a_wrong_pin_get_the_same_answer(
    client: TestClient, runtime: Runtime
) -> None:
    case_id, pin = open_case(runtime)
    with write_stall(runtime, case_id):
        right = client.get("/v1/case", auth=(case_id, pin))
        wrong = client.get("/v1/case", auth=(case_id, "00000000"))

    assert (right.status_code, right.json()) == (wrong.status_code, wrong.json())
    assert right.status_code == 503 and right.headers["retry-after"] == wrong.headers["retry-after"]
    assert "try again" in right.json()["error"]["message"]
    # Neither attempt was checked, so neither was counted; the right PIN works once writes do.
    assert stored(runtime, case_id).failed_attempts == 0
    assert client.get("/v1/case", auth=(case_id, pin)).status_code == 200
    assert client.get("/v1/case", auth=(case_id, "00000000")).status_code == 401
    assert stored(runtime, case_id).failed_attempts == 1


@pytest.mark.battery("A14")
def test_a14_during_a_write_stall_a_right_and_a_wrong_recovery_code_get_the_same_answer(
    client: TestClient, runtime: Runtime
) -> None:
    case_id, codes = open_case_with_codes(client)
    public_id = case_id.replace("-", "")
    with write_stall(runtime, public_id):
        right = client.post(
            "/v1/case/recover", json={"case_id": case_id, "recovery_code": codes[0]}
        )
        wrong = client.post(
            "/v1/case/recover", json={"case_id": case_id, "recovery_code": "0000-0000-0000-0000"}
        )
    assert (right.status_code, right.json()) == (wrong.status_code, wrong.json())
    assert right.status_code == 503
    assert stored(runtime, public_id).failed_attempts == 0
    answer = client.post("/v1/case/recover", json={"case_id": case_id, "recovery_code": codes[0]})
    assert answer.status_code == 200


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    """The SQL the block sends, without its parameters."""
    sent: list[str] = []

    def record(*args: object) -> None:
        sent.append(str(args[2]))

    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)


class CountingHasher:
    """argon2, noting each run."""

    def __init__(self, hasher: PasswordHasher, runs: list[str]) -> None:
        self.hasher = hasher
        self.runs = runs

    def hash(self, secret: str) -> str:
        self.runs.append("hash")
        return self.hasher.hash(secret)

    def verify(self, stored: str, secret: str) -> bool:
        self.runs.append("verify")
        return self.hasher.verify(stored, secret)


@pytest.mark.battery("A2", "A16")
def test_a16_an_unknown_case_does_the_same_work_as_a_real_one_with_a_wrong_secret(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id, _pin = open_case(runtime)
    runs: list[str] = []
    argon2 = CountingHasher(runtime.pins._hasher, runs)  # noqa: SLF001 - it still does the work
    monkeypatch.setattr(runtime.pins, "_hasher", argon2)
    unknown_id = "ZZZZ-ZZZZ-ZZZZ"

    def recover(case: str) -> tuple[int, list[str], list[str]]:
        runs.clear()
        body = {"case_id": case, "recovery_code": "0000-0000-0000-0000"}
        with statements(runtime) as sent:
            answer = client.post("/v1/case/recover", json=body)
        return answer.status_code, sent, list(runs)

    def check(case: str) -> tuple[int, list[str], list[str]]:
        runs.clear()
        with statements(runtime) as sent:
            answer = client.get("/v1/case", auth=(case, "00000000"))
        return answer.status_code, sent, list(runs)

    assert recover(unknown_id) == recover(case_id)
    assert recover(unknown_id)[0] == 401
    assert check(unknown_id) == check(case_id)
    assert check(unknown_id)[2] == ["verify"]
