"""The browser hashers (service/static/hasher/pdq.js, phash.js) must equal Python bit for bit.

Runs the node:test suite in web/ (the same as `npm test` there) with this interpreter
providing the reference hashes, so pytest alone guards the Python/JS contract. The corpus
part is sampled here (PDQ_CORPUS_LIMIT, default 60 files); `npm test` runs all of it.
Skipped when node is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
NODE = shutil.which("node")
# The files `npm test` runs ("node --test FILE ...").
NODE_TEST_FILES = json.loads((WEB / "package.json").read_text())["scripts"]["test"].split()[2:]
CORPUS_SAMPLE_FILES = 60


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_browser_pdq_and_phash_hashers_match_python_bit_for_bit() -> None:
    assert NODE is not None
    assert "test/phash-parity.test.js" in NODE_TEST_FILES
    env = {
        **os.environ,
        "TAKEDOWN_PYTHON": sys.executable,
        "PDQ_CORPUS_LIMIT": os.environ.get("PDQ_CORPUS_LIMIT", str(CORPUS_SAMPLE_FILES)),
    }
    result = subprocess.run(
        [NODE, "--test", *NODE_TEST_FILES],
        cwd=WEB,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    report = result.stdout[-8000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert "# fail 0" in result.stdout, report
