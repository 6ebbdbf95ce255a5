"""The login page stores nothing for a visitor, and login attempts have budgets per client and
per account (in the Redis limiter the API uses)."""

from __future__ import annotations

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.models import AuditEvent, ConsoleSession
from casework.runtime import Runtime
from casework.settings import Settings
from service.console.sessions import PLAIN_HTTP_LOGIN_COOKIE
from tests.personas import ORIGIN, PASSWORD, Console, World, csrf_of

PER_CLIENT = 4
PER_ACCOUNT = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Small login budgets, so that a test reaches them in a few attempts."""
    return settings.model_copy(
        update={
            "console_logins_per_client_per_minute": PER_CLIENT,
            "console_login_failures_per_account_per_minute": PER_ACCOUNT,
        }
    )


def sessions_stored(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(ConsoleSession)) or 0)


def failures_audited(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "login_failed")
            )
            or 0
        )


def attempt(
    client: TestClient, email: str, password: str, token: str | None = None
) -> httpx2.Response:
    token = token if token is not None else csrf_of(client.get("/console/login").text)
    return client.post(
        "/console/login",
        data={"csrf_token": token, "email": email, "password": password},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )


def from_address(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))


@pytest.mark.battery("A15")
def test_a15_visitors_of_the_login_page_store_no_session_and_its_form_works(
    app: FastAPI, world: World, runtime: Runtime
) -> None:
    with TestClient(app) as client:
        for _ in range(5):
            assert client.get("/console/login").status_code == 200
        assert client.get("/console/").status_code == 200
        switched = client.post(
            "/console/language",
            data={
                "csrf_token": csrf_of(client.get("/console/login").text),
                "lang": "nl",
                "next": "/console/login",
            },
            headers={"Origin": ORIGIN},
        )
        assert '<html lang="nl">' in switched.text
        assert sessions_stored(runtime) == 0
        Console(client).login("carol@voorbeeld.example")
        assert '<html lang="nl">' in client.get("/console/queue").text
    assert sessions_stored(runtime) == 1


def test_a_login_form_is_refused_without_the_cookie_its_token_came_with(
    app: FastAPI, world: World, runtime: Runtime
) -> None:
    with TestClient(app) as alice_browser, TestClient(app) as mallory:
        token = csrf_of(alice_browser.get("/console/login").text)
        assert attempt(mallory, "carol@voorbeeld.example", PASSWORD, token).status_code == 403
        nonce = token.partition(".")[0]
        mallory.cookies.set(PLAIN_HTTP_LOGIN_COOKIE, f"en.{nonce}.{'0' * 32}")
        forged = f"{nonce}.{'0' * 32}"
        assert attempt(mallory, "carol@voorbeeld.example", PASSWORD, forged).status_code == 403
        assert attempt(alice_browser, "carol@voorbeeld.example", PASSWORD, token).status_code == 303
    assert sessions_stored(runtime) == 1


@pytest.mark.battery("A15")
def test_a15_login_attempts_from_one_client_are_limited_in_the_pages_language(
    app: FastAPI, world: World, runtime: Runtime
) -> None:
    with TestClient(app, headers={"Accept-Language": "nl"}) as client:
        answers = [
            attempt(client, f"guess{n}@voorbeeld.example", "wrong password!")
            for n in range(PER_CLIENT + 1)
        ]
    assert [a.status_code for a in answers] == [401] * PER_CLIENT + [429]
    limited = answers[-1]
    assert int(limited.headers["retry-after"]) > 0
    assert "Te veel pogingen in korte tijd" in limited.text
    assert 'name="csrf_token"' in limited.text
    # The refused attempt checked no password and wrote nothing.
    assert failures_audited(runtime) == PER_CLIENT
    with from_address(app, "192.0.2.7") as colleague:
        Console(colleague).login("olga@voorbeeld.example")


@pytest.mark.battery("A15")
@pytest.mark.parametrize("email", ["carol@voorbeeld.example", "nobody@voorbeeld.example"])
def test_a15_failed_logins_for_one_account_are_limited_across_clients(
    app: FastAPI, world: World, runtime: Runtime, email: str
) -> None:
    for n in range(PER_ACCOUNT):
        with from_address(app, f"192.0.2.{n + 1}") as client:
            assert attempt(client, email.upper(), "wrong password!").status_code == 401
    with from_address(app, "198.51.100.1") as client:
        refused = attempt(client, email, PASSWORD)
        assert refused.status_code == 429
        assert "Too many attempts in a short time" in refused.text
        assert failures_audited(runtime) == PER_ACCOUNT
        Console(client).login("olga@voorbeeld.example")
