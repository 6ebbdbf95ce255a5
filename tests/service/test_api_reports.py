"""POST/GET /v1/reports: who may report, what is stored, what is queued."""

from __future__ import annotations

import json
import random
import zlib

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from casework.db import transaction
from casework.platforms.apikeys import KeyKind, Scope, issue_key
from casework.reports.reports import MAX_URLS_PER_REPORT
from casework.runtime import Runtime
from tests.conftest import table_counts
from tests.factories import image_set, wire
from workers.queues import make_queue

LEAK = "https://leaks.example/album/123"


def open_case(client: TestClient, seed: int) -> tuple[str, str]:
    body = client.post("/v1/cases", json=wire(image_set(random.Random(seed), 1))).json()
    return body["case_id"], body["pin"]


def flagger_key(runtime: Runtime, scopes: list[Scope]) -> str:
    with transaction(runtime.sessions) as session:
        return issue_key(
            session, vault=runtime.vault, kind=KeyKind.FLAGGER, name="Helpline", scopes=scopes
        ).token


def test_a_victim_reports_urls_and_sees_each_queued(client: TestClient, redis: Redis) -> None:
    auth = open_case(client, 1)
    response = client.post(
        "/v1/reports",
        json={"urls": [LEAK, LEAK, LEAK + "/2"], "note": "my ex posted these"},
        auth=auth,
    )
    assert response.status_code == 202
    report = response.json()
    assert [item["url"] for item in report["items"]] == [LEAK, LEAK + "/2"]
    assert {item["state"] for item in report["items"]} == {"queued"}
    again = client.get(f"/v1/reports/{report['report_id']}", auth=auth).json()
    assert again["items"] == report["items"]


def test_jobs_carry_only_the_item_id_as_json(client: TestClient, redis: Redis) -> None:
    auth = open_case(client, 2)
    client.post("/v1/reports", json={"urls": [LEAK]}, auth=auth)
    queue = make_queue("reports", redis)
    [job] = queue.get_jobs()
    assert job.func_name == "workers.reports.fetch_and_match"
    data = json.loads(zlib.decompress(redis.hget(job.key, "data") or b""))
    assert data == ["workers.reports.fetch_and_match", None, [1], {}]


@pytest.mark.battery("A5")
def test_another_case_cannot_see_a_report(client: TestClient, redis: Redis) -> None:
    alice = open_case(client, 3)
    mallory = open_case(client, 4)
    report_id = client.post("/v1/reports", json={"urls": [LEAK]}, auth=alice).json()["report_id"]
    response = client.get(f"/v1/reports/{report_id}", auth=mallory)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "report_not_found"


def test_a_trusted_flagger_reports_with_an_api_key(
    client: TestClient, runtime: Runtime, redis: Redis
) -> None:
    headers = {"Authorization": f"Bearer {flagger_key(runtime, [Scope.REPORT])}"}
    response = client.post("/v1/reports", json={"urls": [LEAK]}, headers=headers)
    assert response.status_code == 202
    report_id = response.json()["report_id"]
    assert client.get(f"/v1/reports/{report_id}", headers=headers).status_code == 200


@pytest.mark.battery("A3")
def test_a_key_without_the_report_scope_gets_403(client: TestClient, runtime: Runtime) -> None:
    headers = {"Authorization": f"Bearer {flagger_key(runtime, [Scope.CHECK])}"}
    response = client.post("/v1/reports", json={"urls": [LEAK]}, headers=headers)
    assert response.status_code == 403
    assert table_counts(runtime)["reports"] == 0


def test_a_wrong_key_and_missing_credentials_are_refused(client: TestClient) -> None:
    wrong = client.post(
        "/v1/reports", json={"urls": [LEAK]}, headers={"Authorization": "Bearer td_0000_nope"}
    )
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    missing = client.post("/v1/reports", json={"urls": [LEAK]})
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "not_authenticated"


def test_unusable_urls_are_refused_per_item_and_nothing_is_stored(
    client: TestClient, runtime: Runtime
) -> None:
    auth = open_case(client, 5)
    urls = [
        LEAK,
        "ftp://files.example/x.jpg",
        "javascript:alert(1)",
        "https://",
        "http://u:p@h.example/",
    ]
    response = client.post("/v1/reports", json={"urls": urls}, auth=auth)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_urls"
    assert [detail["index"] for detail in error["details"]] == [1, 2, 3, 4]
    assert table_counts(runtime)["reports"] == 0


def test_a_withdrawn_case_cannot_report(client: TestClient) -> None:
    auth = open_case(client, 6)
    client.post("/v1/case/withdraw", auth=auth)
    assert client.post("/v1/reports", json={"urls": [LEAK]}, auth=auth).status_code == 409


def test_the_openapi_url_limit_is_the_one_the_server_enforces(
    client: TestClient, runtime: Runtime
) -> None:
    report_in = client.get("/openapi.json").json()["components"]["schemas"]["ReportIn"]
    assert report_in["properties"]["urls"]["maxItems"] == MAX_URLS_PER_REPORT
    auth = open_case(client, 7)
    too_many = [f"{LEAK}/{n}" for n in range(MAX_URLS_PER_REPORT + 1)]
    assert client.post("/v1/reports", json={"urls": too_many}, auth=auth).status_code == 422
    assert table_counts(runtime)["reports"] == 0
    at_limit = too_many[:MAX_URLS_PER_REPORT]
    assert client.post("/v1/reports", json={"urls": at_limit}, auth=auth).status_code == 202


def test_a_report_id_with_a_nul_byte_is_a_client_error_not_an_outage(
    client: TestClient, redis: Redis
) -> None:
    alice = open_case(client, 5)
    response = client.get("/v1/reports/ab%00cd", auth=alice)
    # PostgreSQL refuses NUL in a text value (DataError): the caller's input, not a database down.
    assert response.status_code in (404, 422), response.text
    assert "Retry-After" not in response.headers
