"""Victims choose, see and turn off where news of their case is told; off by default."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.models import CaseNotification
from casework.runtime import Runtime
from casework.settings import Settings
from service.app import create_app
from tests.conftest import make_settings
from tests.factories import image_set, wire

Auth = tuple[str, str]


def open_case(client: TestClient) -> Auth:
    opened = client.post("/v1/cases", json=wire(image_set(random.Random(2), 1))).json()
    return opened["case_id"], opened["pin"]


def test_notifications_are_off_until_the_victim_chooses_a_channel(client: TestClient) -> None:
    auth = open_case(client)
    shown = client.get("/v1/case/notifications", auth=auth).json()
    assert shown == {
        "channel": None,
        "address": None,
        "last_sent_at": None,
        "failing": False,
        "email_available": False,
    }


def test_a_webhook_is_set_masked_and_its_secret_shown_once_then_turned_off(
    client: TestClient, runtime: Runtime
) -> None:
    auth = open_case(client)
    url = "https://hooks.example/victim/8f2a"
    chosen = client.put("/v1/case/notifications", json={"webhook": url}, auth=auth)
    assert chosen.status_code == 200
    assert chosen.json()["channel"] == "webhook"
    assert chosen.json()["address"] == "https://hooks.example/•••"
    assert len(chosen.json()["secret"]) >= 32
    shown = client.get("/v1/case/notifications", auth=auth).json()
    assert "secret" not in shown and shown["address"] == "https://hooks.example/•••"
    with runtime.sessions() as session:
        row = session.scalars(select(CaseNotification)).one()
        assert url.encode() not in row.address_sealed
    off = client.delete("/v1/case/notifications", auth=auth)
    assert off.status_code == 200 and off.json()["channel"] is None
    with runtime.sessions() as session:
        assert session.scalars(select(CaseNotification)).all() == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"email": "victim@example.org"}, "this service does not send e-mail"),
        ({"webhook": "http://hooks.example/x"}, "webhooks must use https"),
        ({"webhook": "https://user:pw@hooks.example/x"}, "user name or password"),
        ({}, "either an e-mail address or a webhook URL"),
        ({"email": "a@b.org", "webhook": "https://h.example/"}, "either an e-mail"),
    ],
)
def test_an_unusable_channel_is_refused_with_the_reason_and_nothing_stored(
    client: TestClient, runtime: Runtime, body: dict[str, str], reason: str
) -> None:
    auth = open_case(client)
    refused = client.put("/v1/case/notifications", json=body, auth=auth)
    assert refused.status_code == 422
    assert reason in refused.text
    with runtime.sessions() as session:
        assert session.scalars(select(CaseNotification)).all() == []


def test_notifications_need_the_case_id_and_pin(client: TestClient) -> None:
    auth = open_case(client)
    wrong = (auth[0], "00000000" if auth[1] != "00000000" else "11111111")
    assert client.get("/v1/case/notifications", auth=wrong).status_code == 401
    assert client.get("/v1/case/notifications").status_code == 401


@pytest.fixture
def mailing_app(database_url: str) -> Iterator[FastAPI]:
    settings: Settings = make_settings(database_url).model_copy(
        update={"smtp_host": "mail.example", "mail_from": "cases@takedown.example"}
    )
    runtime = Runtime.build(settings)
    yield create_app(runtime=runtime)
    runtime.engine.dispose()


def test_an_email_address_is_accepted_when_the_service_sends_mail(mailing_app: FastAPI) -> None:
    with TestClient(mailing_app) as client:
        auth = open_case(client)
        bad = client.put("/v1/case/notifications", json={"email": "not-an-address"}, auth=auth)
        assert bad.status_code == 422 and "does not look like an e-mail address" in bad.text
        chosen = client.put(
            "/v1/case/notifications", json={"email": "victim@example.org"}, auth=auth
        ).json()
        assert (chosen["channel"], chosen["address"], chosen["secret"]) == (
            "email",
            "v•••@example.org",
            None,
        )
        assert chosen["email_available"] is True
