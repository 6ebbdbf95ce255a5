"""Shared fixtures: real databases (SQLite and PostgreSQL), settings, runtime, app and servers.

Database tests run once per backend. PostgreSQL is the production path and must be reachable
at TAKEDOWN_TEST_POSTGRES (default: 127.0.0.1:5432, trust auth, as .ci/run provides);
TAKEDOWN_TEST_BACKENDS=sqlite narrows a local run to SQLite explicitly.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import text

from casework.db import Base, migrate
from casework.runtime import Runtime
from casework.settings import Environment, Settings, get_settings
from service.app import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

pytest_plugins = [
    "tests.battery",
    "tests.skips",
    "tests.harness",
    "tests.netguard",
    "tests.jobs",
    "tests.personas",
    "tests.platformkeys",
    "tests.sharedmemory",
]

NO_DATA_DIR = Path(__file__).resolve().parent / "no-data-folder"
POSTGRES_ADMIN_URL = os.environ.get(
    "TAKEDOWN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# A `make run` in this checkout leaves takedown-data/settings.env, which every takedown process
# started from here would read: tests and their subprocesses look for a data folder elsewhere.
os.environ["TAKEDOWN_DATA_DIR"] = str(NO_DATA_DIR)


def worker_redis_url(base: str, worker: str | None) -> str:
    """The Redis database of one pytest-xdist worker: gwN uses the base database's number + N.

    Each test flushes its database, so concurrent sessions, and the workers of one session,
    need different ones: `make test` on the default database 9 with 3 workers uses 9, 10, 11.
    """
    if not worker:
        return base
    parts = urlsplit(base)
    database = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    if database > 15:
        raise RuntimeError(
            f"pytest-xdist worker {worker} would use Redis database {database} (from {base}): "
            "Redis has 0-15; set TAKEDOWN_TEST_REDIS to a lower database or run fewer workers"
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


# Each test flushes this database: point concurrent test sessions at different ones.
TEST_REDIS_URL = worker_redis_url(
    os.environ.get("TAKEDOWN_TEST_REDIS", "redis://127.0.0.1:6379/9"),
    os.environ.get("PYTEST_XDIST_WORKER"),
)
BACKENDS = os.environ.get("TAKEDOWN_TEST_BACKENDS", "sqlite,postgresql").split(",")
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CHROMIUM = os.environ.get("TAKEDOWN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked slow run first: spread over xdist workers, none is left running alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once keeps the suite fast)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped afterwards."""
    name = f"takedown_test_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    yield url
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "takedown.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_url")
    yield url
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        connection.execute("INSERT INTO bank_checkpoint (id, version) VALUES (1, 0)")


def make_settings(database_url: str, redis_url: str = TEST_REDIS_URL) -> Settings:
    """Settings for a test: a random secret and cheap argon2 parameters."""
    return Settings(
        environment=Environment.TEST,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=secrets.token_urlsafe(48),
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        index_refresh_seconds=0.05,
    )


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Test settings on the machine's Redis, database 9 (or TAKEDOWN_TEST_REDIS), per worker."""
    return make_settings(database_url)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The objects one process holds."""
    built = Runtime.build(settings)
    yield built
    built.bank.release()
    built.engine.dispose()


@pytest.fixture
def redis(settings: Settings) -> Iterator[Redis]:
    """The test Redis database (real Redis on 127.0.0.1), empty before and after."""
    connection = Redis.from_url(settings.redis_url)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def app(runtime: Runtime, redis: Redis) -> FastAPI:
    """The application over the test runtime, enqueueing on the test Redis database."""
    return create_app(runtime=runtime, redis=redis)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An in-process client; the lifespan (index loading) runs."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def cli_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The `takedown` command, run in this process, finds the test's database, Redis and secret.

    Only these come from the environment: other TAKEDOWN_ variables are removed, except the
    data folder, which stays the empty one set above.
    """
    for name in list(os.environ):
        if name.startswith("TAKEDOWN_") and name != "TAKEDOWN_DATA_DIR":
            monkeypatch.delenv(name)
    monkeypatch.setenv("TAKEDOWN_ENVIRONMENT", "test")
    monkeypatch.setenv("TAKEDOWN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TAKEDOWN_REDIS_URL", settings.redis_url)
    monkeypatch.setenv("TAKEDOWN_SECRET_KEY", settings.secret_key.get_secret_value())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def free_port() -> int:
    """A TCP port that was free a moment ago on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def live_server(app: FastAPI, runtime: Runtime) -> Iterator[str]:
    """The app served by uvicorn over real HTTP on loopback, in this process."""
    with serving(app, runtime) as url:
        yield url


@contextmanager
def serving(app: FastAPI, runtime: Runtime) -> Iterator[str]:
    """Serve an app with uvicorn on a free loopback port until the block ends; yields its URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not (server.started and runtime.bank.loaded):
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def table_counts(runtime: Runtime) -> dict[str, int]:
    """Rows per table, to prove what a failed request did not store."""
    with runtime.engine.connect() as connection:
        return {
            table.name: connection.execute(
                text(f'SELECT COUNT(*) FROM "{table.name}"')
            ).scalar_one()
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright driver per test process (the sync API cannot run two at once)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Debian Chromium for the session; never a downloaded browser build."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()
