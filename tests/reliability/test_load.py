"""Bounded load on loopback: /v1/check and /v1/reports while a worker drains the reports.

The API runs in its own process (uvicorn), the load comes from threads here. Nothing asserts
speed: the test fails on errors and on reports that never finish; the figures are printed.
TAKEDOWN_LOAD_SECONDS sets the duration (CI runs a short burst; `make battery` a longer one).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from casework.db import transaction
from casework.models import ReportItem
from casework.platforms.apikeys import KeyKind, Scope, issue_key
from casework.platforms.platforms import create_platform, issue_platform_key
from casework.runtime import Runtime
from casework.settings import Settings
from casework.victims import cases
from hashing.fingerprint import Algorithm
from tests.conftest import free_port
from tests.factories import leak, random_fingerprint, submitted
from tests.harness import TAKEDOWN, ContentServer, WorkerProcess, encode, worker_environment

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

LOAD_SECONDS = float(os.environ.get("TAKEDOWN_LOAD_SECONDS", "8"))
CLIENTS = 4
CHECK_BATCH = 100
BANK_CASES = 4
SETTLE_SECONDS = 180


@pytest.fixture
def api_process(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """`takedown api` in its own process, with platform and flagger budgets above what the test
    spends (a faster machine sends more requests in the same seconds)."""
    port = free_port()
    env = {
        **worker_environment(settings),
        "TAKEDOWN_PLATFORM_REQUESTS_PER_MINUTE": "100000000",
        "TAKEDOWN_PLATFORM_CHECKS_PER_MINUTE": "100000000",
        "TAKEDOWN_FLAGGER_REPORTS_PER_MINUTE": "100000000",
        "TAKEDOWN_FLAGGER_URLS_PER_MINUTE": "100000000",
    }
    with (tmp_path / "api.log").open("ab") as log:
        process = subprocess.Popen(
            [TAKEDOWN, "api", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("the API did not become ready")
    yield url
    process.terminate()
    process.wait(timeout=30)


def seed(runtime: Runtime) -> tuple[str, str, list[str]]:
    """A bank of fingerprints, a platform key and a flagger key; returns pdq hexes to query."""
    rng = random.Random(5)
    stored: list[str] = []
    for _ in range(BANK_CASES):
        batch = [random_fingerprint(Algorithm.PDQ, rng) for _ in range(runtime.limits.per_request)]
        stored += [fp.hex for fp in batch]
        with transaction(runtime.sessions) as session:
            cases.open_case(
                session,
                fingerprints=[submitted(fp) for fp in batch],
                limits=runtime.limits,
                vault=runtime.vault,
                pins=runtime.pins,
            )
    with transaction(runtime.sessions) as session:
        platform = create_platform(session, name="loadtest", domains=[], algorithms=[])
        check_key = issue_platform_key(
            session, vault=runtime.vault, platform=platform, scopes=[Scope.CHECK]
        ).token
        report_key = issue_key(
            session, vault=runtime.vault, kind=KeyKind.FLAGGER, name="load", scopes=[Scope.REPORT]
        ).token
    return check_key, report_key, stored


@pytest.mark.battery("L1", "L3")
def test_check_and_report_load_is_served_without_errors_or_lost_reports(
    runtime: Runtime,
    api_process: str,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
    lost: Callable[[str, int], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    check_key, report_key, stored = seed(runtime)
    image_url = content_server.add("/leak.png", "image/png", leak(runtime))
    content_server.add(
        "/other.png",
        "image/png",
        encode(Image.effect_noise((256, 256), 50).convert("RGB"), "PNG"),
    )
    start_worker()
    latencies: dict[str, list[float]] = {"check": [], "report": []}
    errors: list[str] = []
    accepted = 0
    lock = threading.Lock()
    deadline = time.monotonic() + LOAD_SECONDS

    def client_loop(seed_: int) -> None:
        nonlocal accepted
        rng = random.Random(seed_)
        with httpx.Client(base_url=api_process, timeout=30) as http:
            while time.monotonic() < deadline:
                if rng.random() < 0.8:
                    kind = "check"
                    batch = [{"algorithm": "pdq", "value": rng.choice(stored)} for _ in range(10)]
                    batch += [
                        {"algorithm": "pdq", "value": random_fingerprint(Algorithm.PDQ, rng).hex}
                        for _ in range(CHECK_BATCH - 10)
                    ]
                    started = time.perf_counter()
                    response = http.post(
                        "/v1/check",
                        json={"fingerprints": batch},
                        headers={"Authorization": f"Bearer {check_key}"},
                    )
                else:
                    kind = "report"
                    target = image_url if rng.random() < 0.5 else content_server.base + "/other.png"
                    started = time.perf_counter()
                    response = http.post(
                        "/v1/reports",
                        json={"urls": [f"{target}?n={rng.random()}"]},
                        headers={"Authorization": f"Bearer {report_key}"},
                    )
                elapsed = time.perf_counter() - started
                with lock:
                    latencies[kind].append(elapsed)
                    if response.status_code >= 400:
                        errors.append(f"{kind} {response.status_code}")
                    elif kind == "report":
                        accepted += 1

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    settle_deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < settle_deadline:
        with runtime.sessions() as session:
            pending = session.scalar(
                select(func.count())
                .select_from(ReportItem)
                .where(ReportItem.status.not_in(["done", "failed"]))
            )
            stored_items = session.scalar(select(func.count()).select_from(ReportItem)) or 0
        if not pending:
            break
        time.sleep(0.5)
    summary: dict[str, object] = {
        kind: {
            "requests": len(values),
            "per_second": round(len(values) / LOAD_SECONDS, 1),
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p99_ms": round(statistics.quantiles(values, n=100)[98] * 1000, 1),
        }
        for kind, values in latencies.items()
        if len(values) > 1
    }
    summary["errors"] = len(errors)
    with capsys.disabled():
        print(f"\nload over {LOAD_SECONDS:.0f} s with {CLIENTS} clients: {json.dumps(summary)}")
    lost("reports", accepted - stored_items)
    lost("unfinished report items", pending or 0)
    assert errors == []
    assert stored_items == accepted
    assert pending == 0
