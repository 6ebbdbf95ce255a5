"""Each benchmark script runs end to end on tiny inputs (`--smoke`); no timing is asserted.

The smoke runs check what does not depend on the machine: the scripts still run against the
current code, every index agrees with brute force, and each writes its result files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_ADMIN_URL, TEST_REDIS_URL

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "benchmarks" / "results"


def run_smoke(module: str) -> dict[str, object]:
    # The service benchmark uses this test session's PostgreSQL server and Redis database.
    env = {
        **os.environ,
        "TAKEDOWN_BENCH_POSTGRES": POSTGRES_ADMIN_URL,
        "TAKEDOWN_BENCH_REDIS": TEST_REDIS_URL,
    }
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", "--smoke"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert (RESULTS / f"{module}.smoke.md").read_text().strip()
    result: dict[str, object] = json.loads((RESULTS / f"{module}.smoke.json").read_text())
    return result


def test_index_speed_smoke_agrees_with_brute_force() -> None:
    rows = run_smoke("index_speed")["rows"]
    assert isinstance(rows, list) and rows
    assert all(row["exact"] for row in rows)
    assert {row["method"] for row in rows} >= {"HammingIndex (ours)", "faiss MultiHash 16x16"}


def test_robustness_smoke_finds_re_encoded_copies_and_no_false_match() -> None:
    result = run_smoke("robustness")
    by_leak = {row[0]: row for row in result["rows"]}  # type: ignore[union-attr]
    assert by_leak["jpeg_q50"][1] == "100.0"
    assert by_leak["original"][5].startswith("0 /")
    assert result["summary"]["false_matches"] == 0  # type: ignore[index]


def test_faint_pdq_smoke_finds_no_impostor_within_the_radius() -> None:
    sweep = run_smoke("faint_pdq")["sweep"]
    assert isinstance(sweep, list) and sweep
    assert all(impostors == 0 for radius, impostors, *_ in sweep if radius <= 20)


def test_hashing_speed_smoke_measures_every_path() -> None:
    result = run_smoke("hashing_speed")
    assert all(len(paths) == 4 for paths in result["speed_s"].values())  # type: ignore[union-attr]


@pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)
def test_service_speed_smoke_serves_checks_and_hashes_reports() -> None:
    result = run_smoke("service_speed")
    const, batch, upload = result["http"]  # type: ignore[misc]
    assert batch[0].startswith("POST /v1/check") and upload[0].startswith("POST /v1/check")
    assert const[-1] == batch[-1] == upload[-1] == 0
    assert result["costs"]["lookup_cpu_ms_per_batch"] > 0  # type: ignore[index]
    assert result["worker"]
