"""Redis and PostgreSQL servers owned by one test, so it can kill and restart them.

The machine's shared servers are never stopped: a fault test starts its own on a free loopback
port in a temporary folder, and removes it afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from redis import Redis
from redis.exceptions import RedisError

from tests.conftest import free_port

START_SECONDS = 30


def _wait(check: object, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start")


class OwnRedis:
    """redis-server on a free port, with or without the append-only file."""

    def __init__(self, folder: Path, *, aof: bool) -> None:
        self.folder = folder
        self.port = free_port()
        self.aof = aof
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        self.start()

    def _alive(self) -> bool:
        try:
            with Redis(port=self.port, socket_connect_timeout=0.2) as probe:
                return bool(probe.ping())
        except RedisError:
            return False

    def start(self) -> None:
        """Start (again) on the same port and folder."""
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "yes" if self.aof else "no",
                "--appendfsync",
                "everysec",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(self._alive, "redis-server")

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def close(self) -> None:
        """Stop for good."""
        self.kill()


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(
            "PostgreSQL server binaries are not installed (apt-get install postgresql)"
        )
    return found[-1]


class OwnPostgres:
    """A throwaway PostgreSQL cluster (trust auth, loopback only) run as the postgres user."""

    def __init__(self) -> None:
        # Not under pytest's tmp_path: its parents are private to root, and the server runs as
        # the postgres user.
        self.folder = Path(tempfile.mkdtemp(prefix="takedown-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        shutil.chown(self.folder, "postgres", "postgres")
        os.chmod(self.folder, 0o700)
        self._as_postgres(
            _postgres_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        self.start()

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def _alive(self) -> bool:
        try:
            with psycopg.connect(self.url, connect_timeout=1):
                return True
        except psycopg.OperationalError:
            return False

    def start(self) -> None:
        """Start the cluster and wait until it accepts connections."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._as_postgres(
            _postgres_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
        )
        _wait(self._alive, "postgres")

    def stop(self, mode: str = "immediate") -> None:
        """Stop the cluster; immediate mode is a crash for clients."""
        self._as_postgres(_postgres_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def close(self) -> None:
        """Stop if running, and delete the cluster."""
        if self._alive():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
