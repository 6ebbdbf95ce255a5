"""`takedown init`: the secrets docker-compose.yml reads, written once, readable by their owner."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from casework.settings import Environment, Settings

TAKEDOWN = str(Path(sys.executable).parent / "takedown")
NAMES = {"takedown_secret_key", "takedown_database_url", "postgres_password"}


def init(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAKEDOWN_")}
    return subprocess.run(
        [TAKEDOWN, "init", "--dir", str(folder), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_writes_three_secrets_only_their_owner_can_read(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    answer = init(folder)
    assert answer.returncode == 0, answer.stderr
    assert {path.name for path in folder.iterdir()} == NAMES
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
        assert path.read_text() not in answer.stdout


def test_the_service_reads_the_secret_key_and_a_database_url_with_postgres_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "secrets"
    assert init(folder).returncode == 0
    monkeypatch.setenv("TAKEDOWN_SECRET_KEY_FILE", str(folder / "takedown_secret_key"))
    monkeypatch.setenv("TAKEDOWN_DATABASE_URL_FILE", str(folder / "takedown_database_url"))
    settings = Settings(environment=Environment.PRODUCTION)
    assert len(settings.secret_key.get_secret_value()) >= 40
    url = make_url(settings.database_url)
    assert (url.username, url.host, url.port, url.database) == (
        "takedown",
        "postgres",
        5432,
        "takedown",
    )
    assert url.password == (folder / "postgres_password").read_text().strip()


def test_it_refuses_to_replace_any_secret_and_writes_nothing_then(tmp_path: Path) -> None:
    folder = tmp_path / "secrets"
    assert init(folder).returncode == 0
    before = {path.name: path.read_text() for path in folder.iterdir()}
    again = init(folder)
    assert again.returncode == 1
    assert "nothing was written" in again.stderr
    assert {path.name: path.read_text() for path in folder.iterdir()} == before

    (folder / "takedown_secret_key").unlink()
    (folder / "takedown_database_url").unlink()
    partial = init(folder)
    assert partial.returncode == 1
    assert str(folder / "postgres_password") in partial.stderr
    assert [path.name for path in folder.iterdir()] == ["postgres_password"]


def test_owner_gives_the_containers_user_its_secrets_and_keeps_postgres_password(
    tmp_path: Path,
) -> None:
    if os.geteuid() != 0:
        pytest.skip("takedown init --owner needs root, and this test does not run as root")
    folder = tmp_path / "secrets"
    assert init(folder, "--owner", "10001").returncode == 0
    owners = {path.name: path.stat().st_uid for path in folder.iterdir()}
    assert owners == {
        "takedown_secret_key": 10001,
        "takedown_database_url": 10001,
        "postgres_password": 0,
    }
