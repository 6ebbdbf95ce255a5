"""A check without a hit touches no database and makes one Redis call; revocations still bite."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import event, func, select

from casework.db import transaction
from casework.platforms import platforms
from casework.platforms.models import MatchToken
from casework.runtime import Runtime
from casework.settings import Settings
from hashing.fingerprint import Algorithm, Fingerprint
from service.app import create_app
from tests.conftest import free_port
from tests.factories import random_fingerprint
from tests.harness import start_api, takedown, worker_environment
from tests.platformkeys import PlatformKeys, bank_case, bearer, refresh_index

MISS = {"fingerprints": [{"algorithm": "md5", "value": "ab" * 16}]}


#: The app's index refresher reads the bank's checkpoint on its own schedule, not per request.
REFRESHER_THREAD = "bank-index"


@contextmanager
def counting_statements(runtime: Runtime) -> Iterator[list[str]]:
    """Statements the engine runs, and connections taken from its pool, for requests meanwhile."""
    seen: list[str] = []

    def statement(*args: Any) -> None:
        if threading.current_thread().name != REFRESHER_THREAD:
            seen.append(str(args[2]))

    def checkout(*_args: Any) -> None:
        if threading.current_thread().name != REFRESHER_THREAD:
            seen.append("(connection checked out)")

    event.listen(runtime.engine, "before_cursor_execute", statement)
    event.listen(runtime.engine.pool, "checkout", checkout)
    try:
        yield seen
    finally:
        event.remove(runtime.engine, "before_cursor_execute", statement)
        event.remove(runtime.engine.pool, "checkout", checkout)


@contextmanager
def counting_redis_commands(settings: Settings) -> Iterator[list[str]]:
    """Commands sent meanwhile by clients of the test's Redis database, seen by MONITOR.

    The Redis server is shared: only clients whose selected database is the test's count, and
    MONITOR and its end marker use a client of their own, which does not count. Commands that
    scripts run inside Redis are not calls. The list is complete when the block ends.
    """
    redis = Redis.from_url(settings.redis_url, single_connection_client=True)
    watching = Redis.from_url(settings.redis_url)
    database = redis.connection_pool.connection_kwargs.get("db", 0)
    own = redis.client_info()["addr"]
    marker = "counting-done"
    seen: list[tuple[str, str]] = []
    mine = {own}
    listening = threading.Event()

    def listen() -> None:
        with watching.monitor() as monitor:
            # Its own connection's setup may be echoed: that is not a client of the test's.
            host, port = monitor.connection._sock.getsockname()[:2]  # type: ignore[union-attr]
            mine.add(f"{host}:{port}")
            listening.set()
            for entry in monitor.listen():
                command = str(entry["command"])
                if marker in command:
                    return
                if entry.get("client_type") != "lua":
                    seen.append((f"{entry['client_address']}:{entry['client_port']}", command))

    watcher = threading.Thread(target=listen, daemon=True)
    watcher.start()
    listening.wait(5)
    commands: list[str] = []
    try:
        yield commands
    finally:
        redis.echo(marker)
        watcher.join(10)
        ours = {
            client["addr"]
            for client in redis.client_list()
            if int(client["db"]) == database and client["addr"] not in mine
        }
        redis.close()
        watching.close()
        commands += [command for address, command in seen if address in ours]


def check(client: TestClient, token: str, fingerprints: list[Fingerprint]) -> Any:
    items = [{"algorithm": fp.algorithm.value, "value": fp.hex} for fp in fingerprints]
    return client.post("/v1/check", json={"fingerprints": items}, headers=bearer(token))


def test_a_check_without_a_hit_runs_no_sql_and_one_redis_call_after_warm_up(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    for _ in range(2):
        assert client.post("/v1/check", json=MISS, headers=bearer(keys.alpha)).status_code == 200
    counted = counting_redis_commands(runtime.settings)
    with counting_statements(runtime) as statements, counted as commands:
        answer = client.post("/v1/check", json=MISS, headers=bearer(keys.alpha))
    assert answer.status_code == 200
    assert answer.json()["results"][0]["verdict"] == "no_match"
    assert statements == []
    assert len(commands) == 1 and "EVALSHA" in commands[0].upper(), commands


def test_a_hit_still_records_its_token_in_the_database(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    banked = random_fingerprint(Algorithm.PDQ, random.Random(19))
    bank_case(runtime, [banked])
    refresh_index(runtime)
    assert client.post("/v1/check", json=MISS, headers=bearer(keys.alpha)).status_code == 200
    with counting_statements(runtime) as statements:
        answer = check(client, keys.alpha, [banked])
    assert answer.json()["results"][0]["verdict"] == "match"
    assert statements
    with runtime.sessions() as session:
        assert session.execute(select(func.count()).select_from(MatchToken)).scalar_one() == 1


def test_a_key_this_process_trusts_is_refused_as_soon_as_it_is_revoked(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    for _ in range(2):
        assert client.post("/v1/check", json=MISS, headers=bearer(keys.alpha)).status_code == 200
    key_id = keys.alpha.split("_")[1]
    revoke = takedown(runtime.settings, "keys", "revoke", key_id)
    assert revoke.returncode == 0, revoke.stderr
    refused = client.post("/v1/check", json=MISS, headers=bearer(keys.alpha))
    assert refused.status_code == 401
    # The other key of the same platform is verified again too, and still works.
    assert client.post("/v1/check", json=MISS, headers=bearer(keys.alpha_check_only)).is_success


def test_a_key_revoked_while_two_api_processes_trust_it_is_refused_by_both_at_once(
    settings: Settings, keys: PlatformKeys, tmp_path: Path
) -> None:
    env = worker_environment(settings)
    ports = [free_port(), free_port()]
    processes = [start_api(env, port, tmp_path / f"api{port}.log") for port in ports]
    try:
        urls = [f"http://127.0.0.1:{port}/v1/check" for port in ports]
        for url in urls * 2:
            assert httpx.post(url, json=MISS, headers=bearer(keys.alpha)).status_code == 200
        revoke = takedown(settings, "keys", "revoke", keys.alpha.split("_")[1])
        assert revoke.returncode == 0, revoke.stderr
        statuses = [
            httpx.post(url, json=MISS, headers=bearer(keys.alpha)).status_code for url in urls
        ]
        assert statuses == [401, 401]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)


def test_without_redis_every_check_is_verified_so_a_revocation_still_bites_at_once(
    runtime: Runtime, keys: PlatformKeys
) -> None:
    unreachable = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    with TestClient(create_app(runtime=runtime, redis=unreachable)) as offline:
        for _ in range(2):
            assert offline.post("/v1/check", json=MISS, headers=bearer(keys.alpha)).is_success
        with transaction(runtime.sessions) as session:
            platforms.revoke_platform_key(session, key_id=keys.alpha.split("_")[1])
        assert offline.post("/v1/check", json=MISS, headers=bearer(keys.alpha)).status_code == 401
