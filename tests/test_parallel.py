"""`make test` spreads the suite over xdist workers: what a run reports and leaves is the same.

Each worker has a Redis database of its own; the battery table adds up every worker's cases;
and a run, serial or parallel, leaves no bank snapshot in /dev/shm (tests/sharedmemory.py).
"""

from __future__ import annotations

import os
import secrets
import signal
from pathlib import Path

import pytest

from casework.bank.snapshot import SHARED_MEMORY, SnapshotStore
from tests.conftest import TEST_REDIS_URL, worker_redis_url
from tests.harness import run_pytest_on
from tests.sharedmemory import stores_in

BATTERY_SAMPLE = """
import pytest

@pytest.mark.battery("F4")
def test_one_fault(lost):
    lost("reports", 2)

def test_f4_another_fault(lost):
    lost("reports", 1)
    lost("duplicates", 1)

def test_h6_hostile_input():
    pass

def test_h6_refused():
    assert False
"""

SNAPSHOT_SAMPLE = """
import os
import subprocess
import sys

from casework.bank.snapshot import SnapshotStore
from hashing.fingerprint import Algorithm
from hashing.index import HammingIndex

HOLD = (
    "import fcntl, sys, time; f = open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_SH); "
    "print(flush=True); time.sleep(600)"
)


def publish(key):
    index = HammingIndex(Algorithm.PDQ.bits)
    index.add(1, 12345)
    store = SnapshotStore(key).within("0")
    with store.locked():
        return store.publish(1, {Algorithm.PDQ: index})


def test_a_killed_process_leaves_its_snapshot_behind():
    assert publish(os.environ["SAMPLE_LEFT"]).exists()


def test_a_process_that_outlives_the_run_still_maps_its_snapshot():
    path = publish(os.environ["SAMPLE_HELD"])
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert holder.stdout.readline() == "\\n"
    with open(os.environ["SAMPLE_HOLDER"], "w") as pid:
        pid.write(str(holder.pid))
"""


def test_each_xdist_worker_uses_the_next_redis_database() -> None:
    base = "redis://127.0.0.1:6379/9"
    assert worker_redis_url(base, None) == base
    assert [worker_redis_url(base, f"gw{n}") for n in range(3)] == [
        "redis://127.0.0.1:6379/9",
        "redis://127.0.0.1:6379/10",
        "redis://127.0.0.1:6379/11",
    ]
    with pytest.raises(RuntimeError, match="Redis has 0-15"):
        worker_redis_url(base, "gw7")


def test_this_worker_flushes_only_its_own_redis_database() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base = os.environ.get("TAKEDOWN_TEST_REDIS", "redis://127.0.0.1:6379/9")
    assert TEST_REDIS_URL == worker_redis_url(base, worker)


def battery_rows(out: str) -> dict[str, list[str]]:
    table = out[out.index("Reliability battery") :].splitlines()[2:]
    return {row.split()[0]: row.split() for row in table if row[:1] in "FH" and "n/a" not in row}


@pytest.mark.parametrize("workers", ["0", "2"])
def test_the_battery_table_adds_up_the_cases_and_losses_of_every_worker(
    tmp_path: Path, workers: str
) -> None:
    out = run_pytest_on(tmp_path, BATTERY_SAMPLE, "-p", "tests.battery", "-n", workers)
    rows = battery_rows(out)
    # case, group (two words for H), tests, passed, failed, skipped, lost
    assert rows["F4"][2:] == ["2", "2", "0", "0", "4"]
    assert rows["H6"][3:] == ["2", "1", "1", "0", "0"]
    assert "2 cases tried, 1 refused or survived, 1 not applicable, lost 4" in out


@pytest.mark.skipif(not SnapshotStore.available(), reason="no writable /dev/shm")
@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_run_removes_the_snapshots_it_left_and_only_those_no_process_holds(
    tmp_path: Path, workers: str
) -> None:
    left, held = secrets.token_hex(8), secrets.token_hex(8)
    holder = tmp_path / "holder.pid"
    environment = {"SAMPLE_LEFT": left, "SAMPLE_HELD": held, "SAMPLE_HOLDER": str(holder)}
    try:
        out = run_pytest_on(
            tmp_path, SNAPSHOT_SAMPLE, "-p", "tests.sharedmemory", "-n", workers, env=environment
        )
        assert "2 passed" in out, out
        assert left not in stores_in(SHARED_MEMORY)
        assert held in stores_in(SHARED_MEMORY)
    finally:
        if holder.exists():
            os.kill(int(holder.read_text()), signal.SIGKILL)
        for path in SHARED_MEMORY.glob(f"takedown-bank-{held}-*"):
            path.unlink()
