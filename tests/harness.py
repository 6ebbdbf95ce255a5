"""Test harness (a pytest plugin): a real RQ worker process, a loopback image server, helpers."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from redis import Redis

from casework.settings import Settings

TAKEDOWN = str(Path(sys.executable).parent / "takedown")
REPO = Path(__file__).resolve().parent.parent
API_START_SECONDS = 60


def ctrl_c_works() -> None:
    """Popen's preexec_fn for a command a test stops with Ctrl-C: SIGINT as in a terminal.

    A suite started in the background by a non-interactive shell ignores SIGINT, and children
    inherit that, so without this such a test would hang instead of testing anything.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_api(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """`takedown api` on a port, stdout and stderr appended to log, once /readyz answers."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [TAKEDOWN, "api", "--port", str(port)], env=env, stdout=output, stderr=output
        )
    deadline = time.monotonic() + API_START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(  # noqa: S310 - loopback
                f"http://127.0.0.1:{port}/readyz", timeout=2
            ):
                return process
        except OSError:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)


def run_pytest_on(
    tmp_path: Path, source: str, *options: str, env: dict[str, str] | None = None
) -> str:
    """pytest on one sample test module, with only the plugins named in options; its output.

    It runs from the checkout (its plugins import tests.*), with no configuration file, so the
    sample sees none of the suite's settings or plugins.
    """
    (tmp_path / "test_sample.py").write_text(source)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *options]
        + ["-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path / "test_sample.py")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, **(env or {}), "PYTHONPATH": str(REPO)},
    )
    return result.stdout


def worker_environment(settings: Settings) -> dict[str, str]:
    """TAKEDOWN_* variables that point a worker process at the test's database and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAKEDOWN_")}
    env.update(
        TAKEDOWN_ENVIRONMENT="test",
        TAKEDOWN_DATABASE_URL=settings.database_url,
        TAKEDOWN_REDIS_URL=settings.redis_url,
        TAKEDOWN_SECRET_KEY=settings.secret_key.get_secret_value(),
        TAKEDOWN_FETCH_ALLOW_LOOPBACK="true",
        TAKEDOWN_LOG_LEVEL="INFO",
        TAKEDOWN_WORKER_JOB_MEMORY_MB=str(settings.worker_job_memory_mb),
    )
    return env


def takedown(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """`takedown ARGS` as the operator runs it, against the test database."""
    return subprocess.run(
        [TAKEDOWN, *args],
        env=worker_environment(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def descendants(pid: int) -> list[int]:
    """Every live process below pid, read from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, frontier = [], [pid]
    while frontier:
        children = parents.get(frontier.pop(), [])
        found.extend(children)
        frontier.extend(children)
    return found


class WorkerProcess:
    """`takedown worker` in its own process group, so a test can kill it like an operator."""

    def __init__(self, settings: Settings, log: Path, tmpdir: Path) -> None:
        self.log = log
        self.tmpdir = tmpdir
        tmpdir.mkdir(exist_ok=True)
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [TAKEDOWN, "worker"],
                env={**worker_environment(settings), "TMPDIR": str(tmpdir)},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL to the worker and everything it forked (RQ's work horse starts a session)."""
        for pid in [self.process.pid, *descendants(self.process.pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not finish in time."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(
    settings: Settings, redis: Redis, tmp_path: Path
) -> Iterator[Callable[[], WorkerProcess]]:
    """Start worker processes on demand; all are stopped at the end of the test."""
    started: list[WorkerProcess] = []

    def start() -> WorkerProcess:
        worker = WorkerProcess(
            settings, tmp_path / f"worker{len(started)}.log", tmp_path / "worker-tmp"
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


class ContentServer:
    """Serves bodies held in memory at paths set by the test; can delay responses."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.redirects: dict[str, str] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.delay_seconds = 0.0
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server.requests.append(self.path)
                if server.delay_seconds:
                    time.sleep(server.delay_seconds)
                if self.path in server.redirects:
                    self.send_response(302)
                    self.send_header("Location", server.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                content_type, body = route
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in server.headers.get(self.path, {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def add(self, path: str, content_type: str, body: bytes) -> str:
        """Serve body at path; returns the full URL."""
        self.routes[path] = (content_type, body)
        return self.base + path

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def content_server() -> Iterator[ContentServer]:
    """A loopback HTTP server for images and pages."""
    server = ContentServer()
    yield server
    server.close()


def encode(image: object, format_name: str, **options: object) -> bytes:
    """An image's file bytes, made in memory."""
    buffer = io.BytesIO()
    image.save(buffer, format_name, **options)  # type: ignore[attr-defined]
    return buffer.getvalue()
