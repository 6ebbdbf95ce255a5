"""Pulled banks: another instance's feed (resumable, tombstones applied) and threatexchange URLs.

The last test runs two instances, each with its own database and API server on loopback: B
pulls A's /v1/feed for real through the worker's safe fetcher (loopback allowed, as in every
fetcher test), and a victim's withdrawal at A leaves nothing of the case in B's database.
"""

from __future__ import annotations

import io
import json
import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import psycopg
import pytest
from redis import Redis
from sqlalchemy import select

from casework.bank import banks
from casework.bank.models import BankPolicy, BankSource
from casework.db import migrate, transaction, utcnow
from casework.models import Bank, CaseFingerprint, MatchToken
from casework.platforms import platforms
from casework.platforms.apikeys import Scope
from casework.runtime import Runtime
from hashing.fingerprint import Algorithm, Fingerprint
from service.app import create_app
from service.cli import main
from tests.conftest import POSTGRES_ADMIN_URL, make_settings, serving, table_counts
from tests.factories import image_set, random_fingerprint, wire
from tests.harness import ContentServer
from tests.platformkeys import refresh_index
from workers.banks import pull_bank, pull_banks
from workers.context import WorkerContext
from workers.worker import background_loops

FEED = "/v1/feed"


def add_bank(runtime: Runtime, source: BankSource, url: str, key: str | None = None) -> int:
    with transaction(runtime.sessions) as session:
        bank = banks.create_bank(
            session,
            vault=runtime.vault,
            name="remote",
            owner="Helpline A",
            source=source,
            policy=BankPolicy.REVIEW,
            url=url,
            key=key,
        )
        return bank.id


def page(entries: list[dict[str, object]], cursor: str, more: bool) -> bytes:
    return json.dumps({"entries": entries, "cursor": cursor, "more": more}).encode()


def add(remote_id: str, fingerprint: Fingerprint) -> dict[str, object]:
    return {
        "op": "add",
        "id": remote_id,
        "algorithm": fingerprint.algorithm.value,
        "value": fingerprint.hex,
    }


def remove(remote_id: str, fingerprint: Fingerprint) -> dict[str, object]:
    return {"op": "remove", "id": remote_id, "algorithm": fingerprint.algorithm.value}


def held(runtime: Runtime, bank_id: int) -> dict[str, bytes]:
    """The bank's rows by remote id: the MAC of each value."""
    with runtime.sessions() as session:
        return {
            remote_id: mac
            for remote_id, mac in session.execute(
                select(CaseFingerprint.remote_id, CaseFingerprint.value_mac).where(
                    CaseFingerprint.bank_id == bank_id
                )
            ).all()
            if remote_id is not None
        }


def bank_row(runtime: Runtime, bank_id: int) -> Bank:
    with runtime.sessions() as session:
        return session.get_one(Bank, bank_id)


def test_a_federation_pull_killed_between_pages_resumes_from_its_cursor(
    runtime: Runtime, loopback_context: WorkerContext, content_server: ContentServer
) -> None:
    one, two, three = (random_fingerprint(Algorithm.PDQ, random.Random(i)) for i in (1, 2, 3))
    content_server.add(
        f"{FEED}?limit=1000",
        "application/json",
        page([add("a1", one), add("a2", two)], "f1-2", more=True),
    )
    bank_id = add_bank(runtime, BankSource.FEDERATION, content_server.base, key="td_x_y")
    # The second page is not there yet: the pull stops after the first, which stays applied.
    result = pull_bank(loopback_context, bank_id)
    assert result == "failed: http_error (HTTP 404)"
    assert set(held(runtime, bank_id)) == {"a1", "a2"}
    assert bank_row(runtime, bank_id).cursor == "f1-2"
    content_server.add(
        f"{FEED}?limit=1000&cursor=f1-2",
        "application/json",
        page([remove("a1", one), add("a3", three), add("a2", two)], "f1-5", more=False),
    )
    result = pull_bank(loopback_context, bank_id)
    assert result == "ok: +1 -1 in 1 page(s)"
    # The resumed pull asked from the cursor: the first page was not read again.
    assert content_server.requests == [
        f"{FEED}?limit=1000",
        f"{FEED}?limit=1000&cursor=f1-2",
        f"{FEED}?limit=1000&cursor=f1-2",
    ]
    assert held(runtime, bank_id) == {
        "a2": runtime.vault.mac(two),
        "a3": runtime.vault.mac(three),
    }
    refresh_index(runtime)
    assert not runtime.bank.match(one) and runtime.bank.match(three)
    row = bank_row(runtime, bank_id)
    assert (row.cursor, row.pull_result) == ("f1-5", "ok: +1 -1 in 1 page(s)")


def test_a_page_applied_by_another_pull_meanwhile_is_not_applied_again(
    runtime: Runtime, loopback_context: WorkerContext
) -> None:
    one = random_fingerprint(Algorithm.PDQ, random.Random(4))
    bank_id = add_bank(runtime, BankSource.FEDERATION, "https://a.example", key="td_x_y")
    with transaction(runtime.sessions) as session:
        bank = session.get_one(Bank, bank_id)
        entries, cursor, _more = banks.parse_feed_page(page([add("a1", one)], "f1-1", True))
        banks.apply_feed_page(
            session, vault=runtime.vault, bank=bank, after=None, entries=entries, cursor=cursor
        )
        entries, cursor, _more = banks.parse_feed_page(page([remove("a1", one)], "f1-2", False))
        banks.apply_feed_page(
            session, vault=runtime.vault, bank=bank, after="f1-1", entries=entries, cursor=cursor
        )
        # A slower pull that read the first page too would add a1 back after its tombstone.
        entries, cursor, _more = banks.parse_feed_page(page([add("a1", one)], "f1-1", True))
        stale = banks.apply_feed_page(
            session, vault=runtime.vault, bank=bank, after=None, entries=entries, cursor=cursor
        )
    assert stale is None
    assert held(runtime, bank_id) == {}
    assert bank_row(runtime, bank_id).cursor == "f1-2"


def test_a_malformed_feed_page_is_refused_and_changes_nothing(
    runtime: Runtime, loopback_context: WorkerContext, content_server: ContentServer
) -> None:
    content_server.add(f"{FEED}?limit=1000", "application/json", b'{"entries": [{"op": "add"}]}')
    bank_id = add_bank(runtime, BankSource.FEDERATION, content_server.base, key="td_x_y")
    before = table_counts(runtime)
    result = pull_bank(loopback_context, bank_id)
    assert result.startswith("refused: the feed page")
    after = table_counts(runtime)
    assert after == before
    assert bank_row(runtime, bank_id).cursor is None


def test_a_threatexchange_url_bank_follows_its_list_through_the_safe_fetcher(
    runtime: Runtime,
    loopback_context: WorkerContext,
    production_context: WorkerContext,
    content_server: ContentServer,
) -> None:
    rng = random.Random(5)
    one, two, three = (random_fingerprint(Algorithm.PDQ, rng) for _ in range(3))
    url = content_server.add("/list.txt", "text/plain", f"pdq {one.hex}\npdq {two.hex}\n".encode())
    bank_id = add_bank(runtime, BankSource.THREATEXCHANGE_URL, url)
    assert pull_bank(loopback_context, bank_id) == "ok: +2 -0"
    content_server.add("/list.txt", "text/plain", f"pdq {two.hex}\npdq {three.hex}\n".encode())
    assert pull_bank(loopback_context, bank_id) == "ok: +1 -1"
    refresh_index(runtime)
    assert not runtime.bank.match(one) and runtime.bank.match(two) and runtime.bank.match(three)
    content_server.add("/list.txt", "text/plain", f"pdq {one.hex}\npdq nothex\n".encode())
    result = pull_bank(loopback_context, bank_id)
    assert result.startswith("refused: 1 line(s) cannot be imported, so nothing was: line 2:")
    with runtime.sessions() as session:
        macs = set(
            session.execute(
                select(CaseFingerprint.value_mac).where(CaseFingerprint.bank_id == bank_id)
            ).scalars()
        )
    assert macs == {runtime.vault.mac(two), runtime.vault.mac(three)}
    # The production policy refuses loopback, as it refuses every non-public address.
    assert pull_bank(production_context, bank_id) == "failed: blocked_port"
    with transaction(runtime.sessions) as session:
        session.get_one(Bank, bank_id).source_url = "http://127.0.0.1/list.txt"
    assert pull_bank(production_context, bank_id) == "failed: blocked_address"
    # A redirect is not followed (a feed's key must not follow one to another host).
    content_server.redirects["/moved.txt"] = url
    with transaction(runtime.sessions) as session:
        session.get_one(Bank, bank_id).source_url = content_server.base + "/moved.txt"
    assert pull_bank(loopback_context, bank_id) == "failed: http_error (HTTP 302)"


@contextmanager
def other_instance(redis: Redis) -> Iterator[Runtime]:
    """A second installation: its own PostgreSQL database, migrated, and its own runtime."""
    name = f"takedown_b_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrate(url)
        runtime = Runtime.build(make_settings(url))
        try:
            yield runtime
        finally:
            runtime.engine.dispose()
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def issue(runtime: Runtime, platform: str, scopes: list[Scope]) -> str:
    with transaction(runtime.sessions) as session:
        account = platforms.create_platform(
            session, name=platform, domains=[], algorithms=platforms.parse_algorithms(None)
        )
        return platforms.issue_platform_key(
            session, vault=runtime.vault, platform=account, scopes=scopes
        ).token


def test_a_withdrawal_at_one_instance_reaches_a_platform_at_another_through_federation(
    runtime: Runtime, redis: Redis, live_server: str, loopback_context: WorkerContext
) -> None:
    # Instance A: the test's runtime and app, served on loopback; the victim opens a case there.
    fingerprints = image_set(random.Random(17), images=2)
    with httpx.Client(base_url=live_server, timeout=30) as a:
        opened = a.post("/v1/cases", json=wire(fingerprints))
        assert opened.status_code == 201, opened.text
        auth = (opened.json()["case_id"], opened.json()["pin"])
        a_feed_key = issue(runtime, "helpline-b", [Scope.FEED])
        with (
            other_instance(redis) as b_runtime,
            serving(create_app(runtime=b_runtime, redis=redis), b_runtime) as b_url,
        ):
            b_context = WorkerContext(
                runtime=b_runtime, policy=loopback_context.policy, redis=redis
            )
            bank_id = add_bank(b_runtime, BankSource.FEDERATION, live_server, key=a_feed_key)
            assert pull_bank(b_context, bank_id) == "ok: +8 -0 in 1 page(s)"
            b_check_key = issue(b_runtime, "upload-site", [Scope.CHECK])
            refresh_index(b_runtime)
            pdq = next(fp for fp in fingerprints if fp.algorithm is Algorithm.PDQ)
            body = {"fingerprints": [{"algorithm": "pdq", "value": pdq.hex}]}
            headers = {"Authorization": f"Bearer {b_check_key}"}
            with httpx.Client(base_url=b_url, timeout=30) as b:
                answer = b.post("/v1/check", json=body, headers=headers).json()["results"][0]
                assert (answer["verdict"], answer["policy"]) == ("match", "review")
                assert table_counts(b_runtime)["match_tokens"] == 1

                withdrawn = a.post("/v1/case/withdraw", auth=auth)
                assert withdrawn.status_code == 200, withdrawn.text
                assert pull_bank(b_context, bank_id) == "ok: +0 -8 in 1 page(s)"
                refresh_index(b_runtime)
                answer = b.post("/v1/check", json=body, headers=headers).json()["results"][0]
                assert answer["verdict"] == "no_match"
            counts = table_counts(b_runtime)
            assert counts["case_fingerprints"] == 0
            assert counts["match_tokens"] == 0
            assert counts["cases"] == 0
            with b_runtime.sessions() as session:
                assert session.execute(select(MatchToken)).first() is None
                values = {b_runtime.vault.mac(fp) for fp in fingerprints}
                stored = set(session.execute(select(CaseFingerprint.value_mac)).scalars())
                assert not values & stored


def test_the_workers_banks_loop_pulls_each_bank_once_per_interval(
    runtime: Runtime, loopback_context: WorkerContext, content_server: ContentServer
) -> None:
    [loop] = [loop for loop in background_loops(loopback_context) if loop.name == "banks"]
    one = random_fingerprint(Algorithm.PDQ, random.Random(6))
    url = content_server.add("/list.txt", "text/plain", f"pdq {one.hex}\n".encode())
    bank_id = add_bank(runtime, BankSource.THREATEXCHANGE_URL, url)
    assert loop.run_once()
    assert bank_row(runtime, bank_id).pull_result == "ok: +1 -0"
    # Pulled a moment ago: not due again until TAKEDOWN_BANK_PULL_MINUTES have passed.
    assert pull_banks(loopback_context) == 0
    assert content_server.requests == ["/list.txt"]
    with transaction(runtime.sessions) as session:
        session.get_one(Bank, bank_id).pulled_at = utcnow() - timedelta(minutes=11)
    assert pull_banks(loopback_context) == 1
    # A disabled bank is not pulled.
    with transaction(runtime.sessions) as session:
        banks.set_enabled(session, bank=session.get_one(Bank, bank_id), enabled=False)
        session.get_one(Bank, bank_id).pulled_at = None
    assert pull_banks(loopback_context) == 0
    assert content_server.requests == ["/list.txt", "/list.txt"]


def test_an_operator_adds_a_federation_bank_with_the_key_on_stdin_and_pulls_it_now(
    cli_settings: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    runtime: Runtime,
    content_server: ContentServer,
) -> None:
    one = random_fingerprint(Algorithm.PDQ, random.Random(7))
    content_server.add(
        f"{FEED}?limit=1000", "application/json", page([add("a1", one)], "f1-1", more=False)
    )
    monkeypatch.setenv("TAKEDOWN_FETCH_ALLOW_LOOPBACK", "true")
    monkeypatch.setattr("sys.stdin", io.StringIO("td_abc_secretkeyvalue\n"))
    command = ["banks", "add", "helpline-a", "--owner", "Helpline A", "--source", "federation"]
    assert main([*command, "--url", content_server.base]) == 0
    assert main(["banks", "pull", "helpline-a"]) == 0
    assert main(["banks", "list"]) == 0
    out = capsys.readouterr().out
    assert "bank helpline-a: ok: +1 -0 in 1 page(s)" in out
    assert "helpline-a\tenabled\treview\tfederation\t1 fingerprint(s)\tHelpline A\tpulled " in out
    assert "secretkeyvalue" not in out
    with runtime.sessions() as session:
        sealed = session.execute(select(Bank.key_sealed)).scalar_one()
    assert sealed is not None and b"secretkeyvalue" not in sealed
    assert runtime.vault.open_text(sealed) == "td_abc_secretkeyvalue"
