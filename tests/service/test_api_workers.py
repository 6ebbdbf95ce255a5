"""`takedown api --workers 2`: two processes, one shared bank index, one change log."""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from casework.bank.snapshot import SHARED_MEMORY, SnapshotStore, store_key
from casework.runtime import Runtime
from casework.settings import Settings
from hashing.fingerprint import Algorithm, Fingerprint
from tests.conftest import free_port
from tests.factories import flip, random_fingerprint
from tests.platformkeys import PlatformKeys, bank_case, bearer, withdraw


@contextlib.contextmanager
def two_workers(settings: Settings) -> Iterator[tuple[str, int]]:
    """`takedown api --workers 2` on a free port: its URL and the supervisor's pid."""
    port = free_port()
    environment = {
        **os.environ,
        "TAKEDOWN_ENVIRONMENT": "test",
        "TAKEDOWN_DATABASE_URL": settings.database_url,
        "TAKEDOWN_REDIS_URL": settings.redis_url,
        "TAKEDOWN_SECRET_KEY": settings.secret_key.get_secret_value(),
        "TAKEDOWN_INDEX_REFRESH_SECONDS": "0.05",
    }
    command = [sys.executable, "-m", "service", "api", "--workers", "2", "--port", str(port)]
    server = subprocess.Popen(command, env=environment)
    try:
        deadline = time.monotonic() + 60
        while len(ready_workers(server.pid)) < 2:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("takedown api --workers 2 did not start")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def ready_workers(parent: int) -> list[int]:
    """Worker processes of the server that have mapped a bank snapshot."""
    children = Path(f"/proc/{parent}/task/{parent}/children")
    pids = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    return [pid for pid in pids if mapped_snapshots(pid)]


def mapped_snapshots(pid: int) -> set[str]:
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except FileNotFoundError:
        return set()
    return {line.split()[-1] for line in maps.splitlines() if "takedown-bank-" in line}


def verdicts(url: str, token: str, query: Fingerprint, times: int) -> set[str]:
    """The verdicts of several checks, each on a new connection (so either worker answers)."""
    found = set()
    for _ in range(times):
        body = {"fingerprints": [{"algorithm": query.algorithm.value, "value": query.hex}]}
        response = httpx.post(f"{url}/v1/check", json=body, headers=bearer(token))
        assert response.status_code == 200, response.text
        found.add(response.json()["results"][0]["verdict"])
    return found


def test_two_api_workers_map_one_snapshot_and_a_withdrawal_stops_matching_in_both(
    settings: Settings, runtime: Runtime, keys: PlatformKeys
) -> None:
    rng = random.Random(1)
    banked = random_fingerprint(Algorithm.PDQ, rng)
    case = bank_case(runtime, [banked])
    query = flip(banked, 10, rng)
    store = SnapshotStore(store_key(settings.database_url, runtime.vault.key_id))
    with two_workers(settings) as (url, supervisor):
        workers = ready_workers(supervisor)
        assert len(workers) == 2
        assert len({frozenset(mapped_snapshots(pid)) for pid in workers}) == 1
        assert [path.parent for path in store.files()] == [SHARED_MEMORY]
        assert verdicts(url, keys.alpha, query, 20) == {"match"}
        withdraw(runtime, case)
        deadline = time.monotonic() + 30
        while verdicts(url, keys.alpha, query, 1) != {"no_match"}:
            assert time.monotonic() < deadline, "the withdrawn case kept matching"
        # Both workers follow the change log every 0.05 s: a second on, neither matches it.
        time.sleep(1)
        assert verdicts(url, keys.alpha, query, 20) == {"no_match"}
    # The last worker to exit removed the snapshot.
    assert store.files() == []
