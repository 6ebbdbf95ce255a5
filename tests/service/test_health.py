"""/readyz follows the index refresher: it survives any error; a stale index is not ready."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from casework.loop import STALE_INTERVALS
from casework.runtime import Runtime
from tests.factories import image_set, wire

#: Generous next to the test refresh interval (0.05 s), for a loaded shared machine.
PATIENCE_SECONDS = 15


def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {PATIENCE_SECONDS} s: {what}")
        time.sleep(0.02)


def failing_refresh(runtime: Runtime, monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """Make the index's next ``times`` refreshes raise an error no one expects; returns them."""
    refresh = runtime.bank.refresh
    failed: list[int] = []

    def refresh_or_fail(session: Session) -> None:
        if len(failed) < times:
            failed.append(1)
            raise RuntimeError("injected: not a database or Redis error")
        refresh(session)

    monkeypatch.setattr(runtime.bank, "refresh", refresh_or_fail)
    return failed


def test_the_refresher_goes_on_after_an_unexpected_error_so_a_withdrawal_still_stops_matching(
    client: TestClient, app: FastAPI, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    fingerprints = image_set(random.Random(21), 2)
    opened = client.post("/v1/cases", json=wire(fingerprints)).json()
    eventually(lambda: all(runtime.bank.match(fp) for fp in fingerprints), "the case matches")

    failed = failing_refresh(runtime, monkeypatch, times=2)
    eventually(lambda: len(failed) == 2, "the refresher meets both errors")
    assert app.state.index_refresher.report().error_type == "RuntimeError"

    withdrawn = client.post("/v1/case/withdraw", auth=(opened["case_id"], opened["pin"]))
    assert withdrawn.status_code == 200
    eventually(
        lambda: not any(runtime.bank.match(fp) for fp in fingerprints),
        "the withdrawn case stops matching",
    )
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert (
        ready.json()["index_age_seconds"] < STALE_INTERVALS * runtime.settings.index_refresh_seconds
    )


def test_readiness_fails_while_the_index_is_older_than_its_bound_and_returns_with_it(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    eventually(lambda: client.get("/readyz").status_code == 200, "ready")
    bound = STALE_INTERVALS * runtime.settings.index_refresh_seconds
    failing_refresh(runtime, monkeypatch, times=10**9)

    eventually(lambda: client.get("/readyz").status_code == 503, "not ready")
    stale = client.get("/readyz").json()
    assert stale["status"] == "unavailable"
    assert stale["reason"] == "index stale"
    assert stale["index_age_seconds"] > bound
    assert stale["index_version"] == runtime.bank.version

    monkeypatch.undo()
    eventually(lambda: client.get("/readyz").status_code == 200, "ready again")
    assert client.get("/readyz").json()["index_age_seconds"] < bound


def test_readiness_answers_ready_with_the_index_version_and_age(
    client: TestClient, runtime: Runtime
) -> None:
    eventually(lambda: client.get("/readyz").status_code == 200, "ready")
    body = client.get("/readyz").json()
    assert set(body) == {"status", "index_version", "index_age_seconds"}
    assert body["index_version"] == runtime.bank.version
    assert 0 <= body["index_age_seconds"]
