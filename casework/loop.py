"""Loop: a background step run every interval that no exception can end, and its health."""

from __future__ import annotations

import json
import logging
import random
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

logger = logging.getLogger(__name__)

#: After a failed step the next waits twice as long as the last, up to this many intervals.
BACKOFF_INTERVALS = 8
#: A loop without a success for this many intervals is stale: its readers should not trust it.
#: Well above the backoff, so a loop retrying an outage recovers before it counts as stale.
STALE_INTERVALS = 30


@dataclass(frozen=True)
class LoopReport:
    """What a loop last managed: the times of its last success and failure, and its bound."""

    name: str
    started_at: datetime | None
    last_success: datetime | None
    last_error: datetime | None
    #: The exception type of the last failure; never its message, which may quote data.
    error_type: str | None
    stale_after: timedelta

    def age(self, now: datetime) -> timedelta | None:
        """Time since the last success (since the start before the first); None if not started."""
        since = self.last_success or self.started_at
        return None if since is None else now - since

    def stale(self, now: datetime) -> bool:
        """True when the loop runs but has not succeeded within its bound."""
        age = self.age(now)
        return age is not None and age > self.stale_after

    def to_json(self) -> str:
        """This report as JSON, for a process that checks another's health."""
        return json.dumps(
            {
                "name": self.name,
                "started_at": _moment(self.started_at),
                "last_success": _moment(self.last_success),
                "last_error": _moment(self.last_error),
                "error_type": self.error_type,
                "stale_after_seconds": self.stale_after.total_seconds(),
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> LoopReport:
        """The report to_json wrote."""
        fields = json.loads(text)
        return cls(
            name=fields["name"],
            started_at=_parse_moment(fields["started_at"]),
            last_success=_parse_moment(fields["last_success"]),
            last_error=_parse_moment(fields["last_error"]),
            error_type=fields["error_type"],
            stale_after=timedelta(seconds=fields["stale_after_seconds"]),
        )


class Loop:
    """Runs ``step`` on a daemon thread every ``interval_seconds`` until stopped.

    Any exception from the step is logged by type and where it was raised, and the loop goes
    on after a backoff that doubles per consecutive failure, up to BACKOFF_INTERVALS intervals.
    ``jitter`` (0 to 1) shortens each wait by up to that fraction, so that several processes do
    not run in lockstep.
    """

    def __init__(
        self,
        name: str,
        step: Callable[[], object],
        *,
        interval_seconds: float,
        jitter: float = 0.0,
    ) -> None:
        self.name = name
        self._step = step
        self._interval = interval_seconds
        self._jitter = jitter
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._holders = 0
        self._holders_lock = threading.Lock()
        self._backoff = 1
        # Its own generator: drawing from the global one in a thread would disturb seeded tests.
        self._random = random.Random()  # noqa: S311 (jitter, not a secret)
        self._started_at: datetime | None = None
        self._last_success: datetime | None = None
        self._last_error: datetime | None = None
        self._error_type: str | None = None

    def start(self) -> None:
        """Start the thread unless it runs already; the first step runs at once.

        Starts are counted and the thread ends at the matching last stop: one app served by two
        clients at once enters its lifespan twice, and a second thread would outlive both.
        """
        with self._holders_lock:
            self._holders += 1
            if self._holders > 1:
                return
            self._started_at = datetime.now(UTC)
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), name=self.name, daemon=True
            )
            self._thread.start()

    def stop(self, *, join_seconds: float = 0.0) -> None:
        """Release one start; at the last, end the loop after its current step.

        With ``join_seconds``, wait up to that long for the thread to end.
        """
        with self._holders_lock:
            self._holders = max(self._holders - 1, 0)
            if self._holders:
                return
            self._stop.set()
            thread = self._thread
        if thread is not None and join_seconds:
            thread.join(timeout=join_seconds)

    def report(self) -> LoopReport:
        """A snapshot of this loop's health."""
        return LoopReport(
            name=self.name,
            started_at=self._started_at,
            last_success=self._last_success,
            last_error=self._last_error,
            error_type=self._error_type,
            stale_after=timedelta(seconds=STALE_INTERVALS * self._interval),
        )

    def run_once(self) -> bool:
        """Run the step once, recording and logging the outcome; True if it succeeded."""
        try:
            self._step()
        except Exception as error:
            self._backoff = min(self._backoff * 2, BACKOFF_INTERVALS)
            self._last_error = datetime.now(UTC)
            self._error_type = type(error).__name__
            logger.warning(
                "%s loop failed (%s at %s); retrying in up to %.1f s",
                self.name,
                self._error_type,
                _raised_at(error),
                self._backoff_seconds(),
            )
            return False
        self._backoff = 1
        self._last_success = datetime.now(UTC)
        return True

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.run_once()
            stop.wait(self._pause())

    def _backoff_seconds(self) -> float:
        return self._interval * self._backoff

    def _pause(self) -> float:
        return self._backoff_seconds() * self._random.uniform(1 - self._jitter, 1.0)


def _raised_at(error: BaseException) -> str:
    """The file and line that raised: enough to find the bug, with none of the error's data."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown"
    innermost = frames[-1]
    return f"{Path(innermost.filename).name}:{innermost.lineno}"


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_moment(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)
