"""A Loop outlives any exception from its step, backs off, and reports when it last succeeded."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from casework.loop import STALE_INTERVALS, Loop, LoopReport

SECRET = "f" * 64


class Step:
    """A step that fails while ``failing`` is set, counting its runs."""

    def __init__(self) -> None:
        self.failing = True
        self.runs = 0
        self.ran = threading.Event()

    def __call__(self) -> None:
        self.runs += 1
        self.ran.set()
        if self.failing:
            raise KeyError(SECRET)


def test_a_failure_is_logged_by_type_and_place_never_by_its_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = Loop("probe", Step(), interval_seconds=1.0)
    with caplog.at_level(logging.WARNING, logger="casework.loop"):
        assert loop.run_once() is False
    [line] = caplog.messages
    assert line.startswith("probe loop failed (KeyError at test_loop.py:")
    assert SECRET not in caplog.text
    assert loop.report().error_type == "KeyError"


def test_the_wait_doubles_per_failure_up_to_its_bound_and_resets_after_a_success(
    caplog: pytest.LogCaptureFixture,
) -> None:
    step = Step()
    loop = Loop("probe", step, interval_seconds=1.0)
    with caplog.at_level(logging.WARNING, logger="casework.loop"):
        for _ in range(5):
            loop.run_once()
        step.failing = False
        assert loop.run_once() is True
        step.failing = True
        loop.run_once()
    waits = [line.rsplit("up to ", 1)[1] for line in caplog.messages]
    assert waits == ["2.0 s", "4.0 s", "8.0 s", "8.0 s", "8.0 s", "2.0 s"]


def test_a_running_loop_survives_errors_and_reports_its_last_success() -> None:
    step = Step()
    loop = Loop("probe", step, interval_seconds=0.01)
    loop.start()
    try:
        assert step.ran.wait(10)
        deadline = time.monotonic() + 10
        while loop.report().last_error is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert loop.report().last_success is None
        step.failing = False
        while loop.report().last_success is None and time.monotonic() < deadline:
            time.sleep(0.01)
        recovered = loop.report()
        assert recovered.last_success is not None and recovered.error_type == "KeyError"
        assert not recovered.stale(datetime.now(UTC))
    finally:
        loop.stop(join_seconds=10)
    assert step.runs >= 2


def test_a_loop_is_stale_after_its_bound_without_a_success_and_survives_json() -> None:
    started = datetime(2026, 1, 1, tzinfo=UTC)
    report = LoopReport(
        name="probe",
        started_at=started,
        last_success=None,
        last_error=started + timedelta(seconds=1),
        error_type="KeyError",
        stale_after=timedelta(seconds=STALE_INTERVALS * 2.0),
    )
    assert not report.stale(started + timedelta(seconds=STALE_INTERVALS * 2.0))
    assert report.stale(started + timedelta(seconds=STALE_INTERVALS * 2.0 + 1))
    assert LoopReport.from_json(report.to_json()) == report
    assert not Loop("idle", Step(), interval_seconds=1.0).report().stale(started)


def test_a_loop_started_twice_runs_one_thread_that_ends_at_the_second_stop() -> None:
    step = Step()
    step.failing = False
    loop = Loop("twice", step, interval_seconds=0.01)
    loop.start()
    loop.start()
    try:
        threads = [t for t in threading.enumerate() if t.name == "twice"]
        assert len(threads) == 1
        loop.stop(join_seconds=10)
        assert threads[0].is_alive(), "the first stop ended a loop still started once"
    finally:
        loop.stop(join_seconds=10)
    assert not threads[0].is_alive()
