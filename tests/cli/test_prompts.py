"""Ctrl-D, or no input at all, at a prompt of the CLI ends it with one line and status 1."""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path

from casework.runtime import Runtime
from casework.settings import Settings
from tests.conftest import table_counts
from tests.harness import TAKEDOWN, worker_environment

MESSAGE = "takedown: the input ended before an answer; stopped there"
# Nothing listens here: the CLI must stop at its prompt before it calls any server.
NO_SERVER = "http://127.0.0.1:9"


def run_with_empty_stdin(
    args: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # A new session has no controlling terminal, so getpass reads the (empty) standard input.
    return subprocess.run(
        [TAKEDOWN, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )


def run_on_a_terminal_pressing_ctrl_d(args: list[str], prompt: str) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal, press Ctrl-D at ``prompt``; its status and screen."""
    main_fd, terminal_fd = os.openpty()
    process = subprocess.Popen(
        [TAKEDOWN, *args],
        stdin=terminal_fd,
        stdout=terminal_fd,
        stderr=terminal_fd,
        start_new_session=True,
    )
    os.close(terminal_fd)
    screen = b""
    deadline = time.monotonic() + 60
    pressed = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main_fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main_fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        if not pressed and prompt.encode() in screen:
            os.write(main_fd, b"\x04")
            pressed = True
        if process.poll() is not None and not ready:
            break
    os.close(main_fd)
    return process.wait(timeout=10), screen.decode(errors="replace")


def test_an_empty_stdin_at_the_pin_prompt_ends_with_one_line() -> None:
    result = run_with_empty_stdin(["status", "--case", "TD-ABCD-EFGH", "--server", NO_SERVER])
    assert result.returncode == 1
    assert MESSAGE in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_ctrl_d_at_the_pin_prompt_on_a_terminal_ends_with_one_line() -> None:
    status, screen = run_on_a_terminal_pressing_ctrl_d(
        ["status", "--case", "TD-ABCD-EFGH", "--server", NO_SERVER], "PIN: "
    )
    assert status == 1
    assert MESSAGE in screen
    assert "Traceback" not in screen


def test_ctrl_d_at_the_withdraw_question_ends_with_one_line(
    tmp_path: Path,
) -> None:
    saved = tmp_path / "case.json"
    saved.write_text(json.dumps({"server": NO_SERVER, "case_id": "TD-ABCD-EFGH", "pin": "1"}))
    status, screen = run_on_a_terminal_pressing_ctrl_d(
        ["withdraw", "--credentials", str(saved)], "[y/N] "
    )
    assert status == 1
    assert MESSAGE in screen
    assert "Traceback" not in screen


def test_an_empty_stdin_at_the_admin_password_prompt_creates_nobody(
    settings: Settings, runtime: Runtime
) -> None:
    args = ["admin", "create", "--organisation", "Stichting Voorbeeld"]
    args += ["--contact-email", "notices@example.org", "--email", "carol@example.org"]
    args += ["--name", "Carol"]
    result = run_with_empty_stdin(args, worker_environment(settings))
    assert result.returncode == 1
    assert MESSAGE in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert table_counts(runtime)["caseworkers"] == 0
