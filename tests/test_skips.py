"""A run that skipped tests says so loudly at the end, and `make test` installs Chromium first."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.harness import run_pytest_on

SAMPLE = """
import pytest

def test_runs():
    pass

@pytest.mark.skip(reason="no chromium here")
def test_marked():
    pass

def test_called():
    pytest.skip("no chromium here")

def test_other():
    pytest.skip("no database")
"""


@pytest.mark.parametrize("workers", ["0", "2"])
def test_skipped_tests_end_the_run_with_a_banner_of_reasons_and_counts(
    tmp_path: Path, workers: str
) -> None:
    out = run_pytest_on(tmp_path, SAMPLE, "-p", "tests.skips", "-n", workers)
    banner = out[out.index("3 TESTS WERE SKIPPED: NOT A FULL RUN") :]
    assert "    2 skipped: no chromium here\n" in banner
    assert "    1 skipped: no database\n" in banner
    assert banner.index("no chromium here") < banner.index("no database")


def test_a_run_without_skips_prints_no_banner(tmp_path: Path) -> None:
    out = run_pytest_on(tmp_path, "def test_runs():\n    pass\n", "-p", "tests.skips")
    assert "1 passed" in out and "SKIPPED" not in out


def test_make_test_installs_chromium_before_running_pytest() -> None:
    plan = subprocess.run(
        ["make", "-n", "test"], capture_output=True, text=True, timeout=60, cwd=REPO
    ).stdout.splitlines()
    assert plan.index("bash .ci/chromium") < next(
        i for i, line in enumerate(plan) if "-m pytest" in line
    )


def test_without_chromium_a_user_who_cannot_install_it_is_told_loudly(tmp_path: Path) -> None:
    missing = tmp_path / "chromium"
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    as_root = os.geteuid() == 0
    result = subprocess.run(
        [*(nobody if as_root else []), "bash", str(REPO / ".ci" / "chromium")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TAKEDOWN_CHROMIUM": str(missing)},
    )
    assert result.returncode == 0
    assert f"{missing} is missing" in result.stderr
    assert "will be SKIPPED" in result.stderr


def test_with_chromium_present_the_step_says_nothing(tmp_path: Path) -> None:
    present = tmp_path / "chromium"
    present.write_text("#!/bin/sh\n")
    present.chmod(0o755)
    result = subprocess.run(
        ["bash", str(REPO / ".ci" / "chromium")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TAKEDOWN_CHROMIUM": str(present)},
    )
    assert result.returncode == 0 and result.stdout == result.stderr == ""
