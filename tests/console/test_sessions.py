"""Logging in and out: argon2id, server-side sessions, cookies, timeouts, CSRF and Origin."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.db import utcnow
from casework.models import AuditEvent, Caseworker, ConsoleSession
from casework.runtime import Runtime
from casework.settings import Settings
from service.console.sessions import (
    PLAIN_HTTP_COOKIE,
    PLAIN_HTTP_LOGIN_COOKIE,
    SECURE_COOKIE,
    SECURE_LOGIN_COOKIE,
)
from tests.personas import ORIGIN, PASSWORD, Console, World, csrf_of


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No login budgets, so that the account lockout is what refuses here; the budgets have
    tests of their own (test_login_limits.py)."""
    return settings.model_copy(
        update={
            "console_logins_per_client_per_minute": 0,
            "console_login_failures_per_account_per_minute": 0,
        }
    )


def test_login_starts_a_new_session_and_stores_only_its_digest(
    app: FastAPI, world: World, runtime: Runtime
) -> None:
    with TestClient(app) as client:
        client.get("/console/login")
        visitor = client.cookies[PLAIN_HTTP_LOGIN_COOKIE]
        Console(client).login("carol@voorbeeld.example")
        token = client.cookies[PLAIN_HTTP_COOKIE]
        assert PLAIN_HTTP_LOGIN_COOKIE not in client.cookies
    assert visitor.partition(".")[2] not in token
    assert len(token) >= 43  # 256 bits, URL-safe base64
    with runtime.sessions() as session:
        rows = session.query(ConsoleSession).all()
        assert [row.token_digest for row in rows] == [hashlib.sha256(token.encode()).digest()]
        assert session.get_one(Caseworker, rows[0].caseworker_id).password_hash.startswith(
            "$argon2id$"
        )


def test_the_cookie_is_host_prefixed_secure_and_strict_over_https(
    app: FastAPI, world: World
) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/console/login")
        login = client.post(
            "/console/login",
            data={"csrf_token": csrf_of(page.text), "email": "carol@voorbeeld.example"}
            | {"password": PASSWORD},
            headers={"Origin": "https://testserver"},
            follow_redirects=False,
        )
    assert login.status_code == 303
    session_cookie = next(
        c for c in login.headers.get_list("set-cookie") if c.startswith(SECURE_COOKIE)
    )
    for cookie in (page.headers["set-cookie"], session_cookie):
        assert cookie.startswith((f"{SECURE_COOKIE}=", f"{SECURE_LOGIN_COOKIE}="))
        for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/"):
            assert attribute.lower() in cookie.lower()
        assert "domain" not in cookie.lower()
    assert page.headers["set-cookie"].startswith(f"{SECURE_LOGIN_COOKIE}=")


def test_a_wrong_password_is_refused_with_one_message_and_audited(
    app: FastAPI, world: World, runtime: Runtime
) -> None:
    with TestClient(app) as client:
        page = client.get("/console/login")
        responses = [
            client.post(
                "/console/login",
                data={
                    "csrf_token": csrf_of(page.text),
                    "email": email,
                    "password": "wrong-1234567",
                },
                headers={"Origin": ORIGIN},
            )
            for email in ("carol@voorbeeld.example", "nobody@voorbeeld.example")
        ]
    assert [r.status_code for r in responses] == [401, 401]
    assert "do not match an active account" in responses[0].text
    assert responses[0].text.count("do not match") == responses[1].text.count("do not match")
    with runtime.sessions() as session:
        assert session.query(AuditEvent).filter_by(action="login_failed").count() == 2


def test_logout_ends_the_session(carol: Console, runtime: Runtime) -> None:
    assert carol.post("/console/logout").status_code == 303
    assert carol.get("/console/queue").headers["location"] == "/console/login"
    with runtime.sessions() as session:
        assert (
            session.query(ConsoleSession).filter(ConsoleSession.caseworker_id.isnot(None)).count()
            == 0
        )


@pytest.mark.parametrize(
    ("column", "age"),
    [("last_seen_at", timedelta(minutes=31)), ("created_at", timedelta(hours=13))],
)
def test_sessions_end_after_the_idle_and_the_absolute_timeout(
    carol: Console, runtime: Runtime, column: str, age: timedelta
) -> None:
    with runtime.sessions() as session:
        row = session.query(ConsoleSession).filter(ConsoleSession.caseworker_id.isnot(None)).one()
        setattr(row, column, utcnow() - age)
        if column == "created_at":
            row.last_seen_at = utcnow()
        session.commit()
    assert carol.get("/console/queue").headers["location"] == "/console/login"


@pytest.mark.battery("A4")
def test_a_form_post_without_its_csrf_token_is_refused(carol: Console, world: World) -> None:
    response = carol.client.post(
        f"/console/matches/{world.match_ids[0]}/confirm",
        data={},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "security token" in response.text


def test_a_form_post_with_a_wrong_csrf_token_is_refused(carol: Console, world: World) -> None:
    response = carol.client.post(
        f"/console/matches/{world.match_ids[0]}/confirm",
        data={"csrf_token": "x" * 43},
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 403


@pytest.mark.battery("A4")
@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Origin": "null"}, {}, {"Sec-Fetch-Site": "cross-site"}],
)
def test_a_form_post_from_another_origin_is_refused_even_with_the_token(
    carol: Console, world: World, runtime: Runtime, headers: dict[str, str]
) -> None:
    response = carol.client.post(
        f"/console/matches/{world.match_ids[0]}/confirm",
        data={"csrf_token": carol.csrf},
        headers=headers,
    )
    assert response.status_code == 403
    with runtime.sessions() as session:
        assert session.query(AuditEvent).filter_by(action="match_confirmed").count() == 0


def test_same_origin_fetch_metadata_is_accepted_without_an_origin_header(
    carol: Console, world: World
) -> None:
    response = carol.client.post(
        f"/console/matches/{world.match_ids[0]}/confirm",
        data={"csrf_token": carol.csrf},
        headers={"Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_console_pages_forbid_scripts_images_and_framing(carol: Console) -> None:
    page = carol.client.get("/console/queue")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "img-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "same-origin"


def test_the_console_speaks_dutch(carol: Console) -> None:
    response = carol.post("/console/language", {"lang": "nl", "next": "/console/queue"})
    assert response.headers["location"] == "/console/queue"
    page = carol.client.get("/console/queue")
    assert '<html lang="nl">' in page.text
    assert "Beoordelen" in page.text


def test_an_anonymous_visitor_is_sent_to_the_login_page(app: FastAPI, world: World) -> None:
    with TestClient(app) as client:
        response = client.get(f"/console/cases/{world.case_id}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/console/login"
    assert PASSWORD  # the persona password is only used through the form


def test_expired_sessions_are_purged_when_someone_logs_in(
    app: FastAPI, world: World, runtime: Runtime
) -> None:
    with TestClient(app) as first:
        Console(first).login("carol@voorbeeld.example")
    with runtime.sessions() as session:
        session.query(ConsoleSession).update({"last_seen_at": utcnow() - timedelta(hours=1)})
        session.commit()
    with TestClient(app) as second:
        Console(second).login("olga@voorbeeld.example")
    with runtime.sessions() as session:
        assert session.query(ConsoleSession).count() == 1


def test_ten_failed_logins_lock_the_account_for_a_while_even_with_the_right_password(
    app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(app) as client:
        token = csrf_of(client.get("/console/login").text)

        def attempt(password: str) -> int:
            return client.post(
                "/console/login",
                data={
                    "csrf_token": token,
                    "email": "carol@voorbeeld.example",
                    "password": password,
                },
                headers={"Origin": ORIGIN},
                follow_redirects=False,
            ).status_code

        assert [attempt("wrong password!") for _ in range(10)] == [401] * 10
        assert attempt(PASSWORD) == 401
        with TestClient(app) as colleague:
            Console(colleague).login("olga@voorbeeld.example")
        later = utcnow() + timedelta(minutes=16)
        monkeypatch.setattr("casework.desk.accounts.utcnow", lambda: later)
        assert attempt(PASSWORD) == 303
