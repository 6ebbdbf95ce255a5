"""The operator's journey: `takedown up`, then every operator command from the project folder."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.harness import ContentServer
from tests.journeys.conftest import TAKEDOWN, Installation, user_environment

REPO = Path(__file__).resolve().parents[2]
IMAGE = REPO / "tests" / "vectors" / "pdq" / "images" / "aaa-orig.jpg"


def open_case(installation: Installation, name: str) -> dict[str, str]:
    """A victim's case opened with the CLI from the project folder, no --server given."""
    saved = installation.folder / name
    installation.takedown("submit", str(IMAGE), "--save", str(saved))
    case: dict[str, str] = json.loads(saved.read_text())
    return case


def test_up_says_it_is_running_only_when_the_api_answers_and_tells_how_to_call_the_cli(
    installation: Installation,
) -> None:
    running = next(line for line in installation.output if line.startswith("takedown is running"))
    assert installation.url in running
    assert installation.get("/healthz") == 200
    assert "hash photos/" in "".join(installation.output)
    settings = (installation.folder / "takedown-data" / "settings.env").read_text()
    assert f"TAKEDOWN_PUBLIC_URL={installation.url}" in settings
    assert (installation.folder / "takedown-data" / "settings.env").stat().st_mode & 0o777 == 0o600


def test_a_port_in_use_or_a_second_up_in_the_same_folder_is_refused_with_the_way_out(
    installation: Installation, tmp_path: Path
) -> None:
    elsewhere = subprocess.run(
        [TAKEDOWN, "up", "--port", str(installation.port)],
        cwd=tmp_path,
        env=user_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert elsewhere.returncode == 1
    assert "already in use" in elsewhere.stderr and f"--port {installation.port + 1}" in (
        elsewhere.stderr
    )
    assert "running" not in elsewhere.stdout
    same_folder = installation.takedown("up", "--port", "0", check=False)
    assert same_folder.returncode == 1
    assert "already running" in same_folder.stderr
    assert "Traceback" not in elsewhere.stderr + same_folder.stderr


def test_victim_commands_find_the_local_service_without_a_server_option(
    installation: Installation,
) -> None:
    case = open_case(installation, "victim.json")
    assert case["server"] == installation.url
    status = installation.takedown("status", "--credentials", "victim.json")
    assert case["case_id"] in status.stdout


def test_operator_commands_read_the_same_data_secret_and_redis_as_up(
    installation: Installation, tmp_path: Path
) -> None:
    case = open_case(installation, "operator-case.json")
    created = installation.takedown(
        "admin",
        "create",
        "--organisation",
        "Stichting Voorbeeld",
        "--contact-email",
        "notices@example.org",
        "--email",
        "admin@example.org",
        "--name",
        "Admin",
        "--password-stdin",
        input="a long enough password 123\n",
    )
    assert "admin@example.org created" in created.stdout
    assert "intact" in installation.takedown("audit", "verify").stdout

    bundle = tmp_path / "bundle.json"
    installation.takedown("evidence", "export", case["case_id"], "--out", str(bundle))
    assert (
        "evidence bundle verified"
        in installation.takedown("evidence", "verify", str(bundle)).stdout
    )

    exported = tmp_path / "bank.te"
    installation.takedown("export", "--format", "threatexchange", "--output", str(exported))
    assert "pdq" in exported.read_text()

    leak = ContentServer()
    try:
        url = leak.add("/leak.jpg", "image/jpeg", IMAGE.read_bytes())
        added = installation.takedown("watch", "add", case["case_id"], url)
        assert "watching" in added.stdout
        database = installation.folder / "takedown-data" / "takedown.db"
        deadline = time.monotonic() + 60
        checked = None
        while checked is None and time.monotonic() < deadline:
            with sqlite3.connect(database) as connection:
                checked = connection.execute(
                    "SELECT last_checked_at FROM watched_urls WHERE url = ?", (url,)
                ).fetchone()[0]
            time.sleep(0.5)
        # Queued into up's own Redis, so it is checked now, not at the reconciler's next round.
        assert checked is not None
        assert "/leak.jpg" in leak.requests
    finally:
        leak.close()


def test_a_command_with_another_secret_says_so_in_one_line_and_leaves_the_export_whole(
    installation: Installation, tmp_path: Path
) -> None:
    open_case(installation, "secret-case.json")
    exported = tmp_path / "bank.te"
    installation.takedown("export", "--format", "threatexchange", "--output", str(exported))
    before = exported.read_bytes()
    wrong = subprocess.run(
        [TAKEDOWN, "export", "--format", "threatexchange", "--output", str(exported)],
        cwd=installation.folder,
        env=user_environment() | {"TAKEDOWN_SECRET_KEY": "another-installation-" * 3},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wrong.returncode == 1
    assert "Traceback" not in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1
    assert "another secret key" in wrong.stderr and "TAKEDOWN_SECRET_KEY variable" in wrong.stderr
    assert exported.read_bytes() == before


def test_make_run_passes_its_port_and_installs_only_what_running_needs() -> None:
    planned = subprocess.run(
        ["make", "-n", "-B", "run", "PORT=8080"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "takedown up --port 8080" in planned
    install_line = next(
        line for line in planned.splitlines() if "pip install" in line and "-e" in line
    )
    assert "'.[service]'" in install_line


def test_the_operator_commands_speak_the_terminal_s_language(
    installation: Installation, tmp_path: Path
) -> None:
    dutch = subprocess.run(
        [TAKEDOWN, "up", "--port", str(installation.port)],
        cwd=tmp_path,
        env=user_environment() | {"LANG": "nl_NL.UTF-8"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dutch.returncode == 1
    assert f"poort {installation.port} op 127.0.0.1 is al in gebruik" in dutch.stderr
