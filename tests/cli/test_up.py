"""`takedown up`: one command runs API, worker, embedded Redis and SQLite; Ctrl-C stops it all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from redis import Redis
from rq import Worker

from tests.conftest import free_port
from tests.harness import ctrl_c_works

TAKEDOWN = str(Path(sys.executable).parent / "takedown")
STARTUP_SECONDS = 90
IMAGE = Path(__file__).parents[1] / "vectors" / "pdq" / "images" / "aaa-orig.jpg"


def wait_ready(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"takedown up exited early: {process.communicate()}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError("takedown up did not become ready")


def test_up_serves_the_api_and_a_worker_then_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAKEDOWN_")}
    process = subprocess.Popen(
        [TAKEDOWN, "up", "--data-dir", str(data), "--port", str(port)],
        env=env,
        preexec_fn=ctrl_c_works,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        assert (data / "takedown.db").exists()
        assert (data / "secret.key").stat().st_mode & 0o777 == 0o600
        redis = Redis(unix_socket_path=str(data / "redis.sock"))
        deadline = time.monotonic() + 30
        while not Worker.all(connection=redis) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(Worker.all(connection=redis)) == 1
        redis.close()
        submitted = subprocess.run(
            [
                TAKEDOWN,
                "submit",
                str(IMAGE),
                "--server",
                url,
                "--save",
                str(tmp_path / "case.json"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert "PIN:" in submitted.stdout
        case = json.loads((tmp_path / "case.json").read_text())
        status = subprocess.run(
            [TAKEDOWN, "status", "--credentials", str(tmp_path / "case.json")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert case["case_id"] in status.stdout and "active" in status.stdout
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "stopped" in out
    children = subprocess.run(["pgrep", "-f", str(data)], capture_output=True, text=True)
    assert children.stdout.strip() == ""
