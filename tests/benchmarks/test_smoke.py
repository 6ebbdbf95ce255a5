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

from hashing.images import MIN_QUERY_SIDE
from tests.conftest import CHROMIUM, POSTGRES_ADMIN_URL, TEST_REDIS_URL

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "benchmarks" / "results"
# As long as run_smoke waits for a script: they take minutes while xdist workers share the cores.
pytestmark = pytest.mark.timeout(900)


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
    # The saved hashes let phash_rule sweep rules without hashing again.
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.phash_rule", "--name", "robustness.smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    pairs = json.loads((RESULTS / "robustness.smoke.pairs.json").read_text())
    assert {p["kind"] for p in pairs if p["same"]} == {"original", "jpeg_q50", "mirror", "crop_5"}


def test_small_images_smoke_matches_thumbnails_at_the_query_floor_and_no_tiny_crop() -> None:
    sizes = run_smoke("small_images")["sizes"]
    floor = MIN_QUERY_SIDE
    assert sizes[f"thumb_jpeg75/{floor}"]["recall"] == 1.0  # type: ignore[index]
    hashed = [v for k, v in sizes.items() if int(k.split("/")[1]) >= floor]  # type: ignore[union-attr]
    assert hashed and all(size["false_pairs"] == 0 for size in hashed)


def test_faint_pdq_smoke_finds_no_impostor_within_the_radius() -> None:
    sweep = run_smoke("faint_pdq")["sweep"]
    assert isinstance(sweep, list) and sweep
    assert all(impostors == 0 for radius, impostors, *_ in sweep if radius <= 20)


def test_crop_variants_smoke_keeps_crops_found_and_times_every_bank() -> None:
    result = run_smoke("crop_variants")
    rows = result["recall"]["rows"]  # type: ignore[index]
    assert rows["crop_10"]["with crops"]["recall"] == 1.0
    assert rows["crop_10"]["without crops"]["recall"] < 1.0
    assert all(v["false"] == 0 for by_variant in rows.values() for v in by_variant.values())
    timed = {row["bank"] for row in result["upload"] if "bank" in row}  # type: ignore[union-attr]
    assert timed == set(rows["original"])


def test_hashing_speed_smoke_measures_every_path() -> None:
    result = run_smoke("hashing_speed")
    assert all(len(paths) == 4 for paths in result["speed_s"].values())  # type: ignore[union-attr]


def test_worker_cpu_smoke_times_both_trees_on_every_leak() -> None:
    result = run_smoke("worker_cpu")
    assert result["leaks"] == 3 * 4
    assert all(seconds > 0 for seconds in result["median"].values())  # type: ignore[union-attr]
    assert [row[0] for row in result["rows"]] == [  # type: ignore[union-attr]
        "original",
        "jpeg_q80",
        "phone_screenshot",
        "crop_caption_jpeg",
    ]


@pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)
def test_service_speed_smoke_serves_checks_and_hashes_reports() -> None:
    result = run_smoke("service_speed")
    const, batch, ceiling, upload = result["http"]  # type: ignore[misc]
    assert ceiling[0].startswith("index lookups alone")
    assert batch[0].startswith("POST /v1/check") and upload[0].startswith("POST /v1/check")
    assert const[-1] == batch[-1] == upload[-1] == 0
    assert result["costs"]["lookup_cpu_ms_per_batch"] > 0  # type: ignore[index]
    assert result["worker"]


def test_bank_cost_smoke_counts_the_crops_in_fingerprints_bytes_and_index() -> None:
    result = run_smoke("bank_cost")
    rows = result["corpus"]["rows"]  # type: ignore[index]
    assert max(row["own"] for row in rows) == 4
    assert sum(row["derived"] for row in rows) > 5 * len(rows)
    stored = result["db"]  # type: ignore[index]
    assert stored["with crops"]["rows"] > 2 * stored["without crops"]["rows"]
    index = {(row["bits"], row["bank"]): row["entries"] for row in result["index"]}  # type: ignore[index]
    assert index[(256, "with crops")] > 5 * index[(256, "1 a photo")]


@pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)
def test_scale_smoke_starts_every_process_serves_checks_and_sees_the_withdrawal() -> None:
    result = run_smoke("scale")
    processes = result["processes"]
    assert [p["role"] for p in processes] == ["api", "api", "worker"]  # type: ignore[union-attr]
    assert all(p["ready_s"] and p["rss_mb"]["VmRSS"] > 0 for p in processes)  # type: ignore[union-attr]
    assert all(stop is not None for stop in result["withdrawal_s"])  # type: ignore[union-attr]
    rounds = result["http"]
    assert isinstance(rounds, list) and len(rounds) == 2
    assert all(r[k]["rps"] > 0 and r[k]["non_2xx"] == 0 for r in rounds for k in r)
    assert result["first_build_index_load_s"] and result["first_build_cpu_s"]


@pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)
def test_api_process_smoke_measures_checks_beside_healthz_and_a_further_start() -> None:
    result = run_smoke("api_process")
    [rounds] = result["checks"].values()  # type: ignore[union-attr]
    assert len(rounds) == 2
    assert all(
        r["check_rps"] > 0 and r["healthz_cpu_ms"] > 0 and r["check_cpu_ms"] > 0 for r in rounds
    )
    [starts] = result["startup"].values()  # type: ignore[union-attr]
    assert all(s["further_ready_s"] > 0 and s["api_import_cpu_s"] > 0 for s in starts)


def test_video_smoke_finds_re_encoded_and_cropped_copies_and_no_false_match() -> None:
    result = run_smoke("videos")
    recall = result["recall"]
    assert isinstance(recall, dict)
    ours = recall["ours (48 bits + crops)"]
    assert ours["source"] == ours["reencoded_vp8_low_bitrate"] == ours["cropped_5_per_edge"] == 1.0
    assert recall["vPDQ (31 bits)"]["cropped_5_per_edge"] == 0.0
    assert result["false_matches"] == {rule: 0 for rule in recall}
    assert result["worker_memory"]


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed")
def test_page_video_smoke_samples_the_cli_s_frames_and_finds_re_encoded_and_cropped_copies() -> (
    None
):
    result = run_smoke("page_videos")
    agreement = result["agreement"]
    assert isinstance(agreement, dict)
    assert result["refused"] == {} and agreement["aligned"] == agreement["files"]
    assert agreement["share_31"] >= 0.9
    recall = result["recall_page_bank"]
    assert isinstance(recall, dict)
    assert recall["source"] == recall["reencoded_vp8_low_bitrate"] == 1.0
    # The page's bank carries its crops: a leak cropped 5 % per edge is found as by the CLI's.
    assert recall["cropped_5_per_edge"] == result["recall_cli_bank"]["cropped_5_per_edge"] == 1.0
    crops = result["crop_agreement"]
    assert isinstance(crops, dict) and crops["aligned"] == crops["files"] > 0
    assert crops["share_31"] >= 0.9
    assert result["false_matches"] == 0
