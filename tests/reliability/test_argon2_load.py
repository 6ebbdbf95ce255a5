"""L2: a burst of wrong-PIN status checks is held to a few argon2 operations at a time.

Each check costs an argon2id verification holding its memory; past the bound a request is told
"busy, retry later" (503 + Retry-After) at once instead of queueing, and is counted as nothing.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from casework.db import transaction
from casework.models import Case
from casework.runtime import Runtime
from casework.settings import Settings
from casework.victims import cases
from tests.factories import image_set, submitted

ARGON2_MEMORY_MIB = 64
ARGON2_SLOTS = 2
BURST = 24


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Production-like argon2 costs and two slots; per-client budgets off, as for many clients."""
    return settings.model_copy(
        update={
            "argon2_memory_kib": ARGON2_MEMORY_MIB * 1024,
            "argon2_time_cost": 2,
            "argon2_concurrency": ARGON2_SLOTS,
            "argon2_wait_seconds": 0.05,
            "victim_requests_per_minute": 0,
            "pin_failures_per_client_per_minute": 0,
        }
    )


def open_cases(runtime: Runtime, count: int) -> list[tuple[str, str]]:
    """(case ID, PIN) of new cases."""
    rng = random.Random(8)
    opened = []
    with transaction(runtime.sessions) as session:
        for _ in range(count):
            case = cases.open_case(
                session,
                fingerprints=[submitted(fp) for fp in image_set(rng, 1)],
                limits=runtime.limits,
                vault=runtime.vault,
                pins=runtime.pins,
            )
            opened.append((case.case.public_id, case.pin))
    return opened


def memory_mib(field: str) -> int:
    """A VmRSS/VmHWM figure of this process (the server runs in it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    raise LookupError(field)


@pytest.mark.battery("L2")
def test_l2_a_burst_of_wrong_pins_gets_busy_answers_not_timeouts_and_counts_only_real_checks(
    live_server: str, runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    opened = open_cases(runtime, BURST)
    start = threading.Barrier(BURST)

    def wrong_pin(case_id: str) -> httpx.Response:
        with httpx.Client(base_url=live_server, timeout=60) as client:
            start.wait()
            return client.get("/v1/case", auth=(case_id, "00000000"))

    Path("/proc/self/clear_refs").write_text("5")  # the peak RSS restarts from here
    before = memory_mib("VmRSS")
    with ThreadPoolExecutor(BURST) as pool:
        answers = list(pool.map(wrong_pin, [case_id for case_id, _ in opened]))
    peak = memory_mib("VmHWM") - before

    codes = [answer.json()["error"]["code"] for answer in answers]
    assert {(a.status_code, code) for a, code in zip(answers, codes, strict=True)} <= {
        (401, "case_not_found"),
        (503, "busy"),
    }
    busy = [a for a in answers if a.status_code == 503]
    with capsys.disabled():
        print(f"\nargon2 burst: {len(busy)} of {BURST} busy, peak RSS +{peak} MiB")
    assert busy and len(busy) < BURST
    assert all(int(a.headers["retry-after"]) > 0 for a in busy)
    # Every argon2 run holds its memory; unbounded, the burst would take BURST times as much.
    assert peak < (ARGON2_SLOTS + 2) * ARGON2_MEMORY_MIB
    with runtime.sessions() as session:
        counted = {case.public_id: case.failed_attempts for case in session.query(Case).all()}
    assert [counted[case_id] for case_id, _ in opened] == [
        int(a.status_code == 401) for a in answers
    ]
    with httpx.Client(base_url=live_server, timeout=60) as client:
        for case_id, pin in opened:
            assert client.get("/v1/case", auth=(case_id, pin)).status_code == 200
