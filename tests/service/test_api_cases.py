"""The victim JSON API over a real app (in-process ASGI), on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.runtime import Runtime
from hashing.algorithms import md5_of, sha256_of
from hashing.fingerprint import Algorithm
from hashing.videos import hash_video
from tests import videos
from tests.conftest import table_counts
from tests.factories import image_set, open_case, random_fingerprint, wire


def test_it_opens_a_case_and_shows_its_status(client: TestClient) -> None:
    opened = open_case(client)
    assert opened["status"] == "active" and opened["added"] == 8
    status = client.get("/v1/case", auth=(opened["case_id"], opened["pin"]))
    assert status.status_code == 200
    assert status.json()["fingerprints"] == {"md5": 2, "pdq": 2, "phash": 2, "sha256": 2}
    assert "pin" not in status.json()


def test_it_adds_fingerprints_and_counts_duplicates(client: TestClient) -> None:
    opened = open_case(client, seed=2, images=1)
    more = wire(image_set(random.Random(2), 2))
    response = client.post(
        "/v1/case/fingerprints", json=more, auth=(opened["case_id"], opened["pin"])
    )
    # Sent without photos (as an older client does): stored ungrouped, no photo added.
    assert response.json() == {"added": 4, "duplicates": 4, "photos_added": 0}


def test_withdrawal_deletes_fingerprints_and_is_visible_in_status(
    client: TestClient, runtime: Runtime
) -> None:
    opened = open_case(client, seed=3)
    auth = (opened["case_id"], opened["pin"])
    response = client.post("/v1/case/withdraw", auth=auth)
    # Sent without photos (as an older client does): counted as fingerprints, not as photos.
    assert response.json() == {
        "case_id": opened["case_id"],
        "status": "withdrawn",
        "photos_deleted": 0,
        "videos_deleted": 0,
        "ungrouped_deleted": 8,
        "fingerprints_deleted": 8,
    }
    assert client.get("/v1/case", auth=auth).json()["status"] == "withdrawn"
    assert table_counts(runtime)["case_fingerprints"] == 0
    refused = client.post(
        "/v1/case/fingerprints", json=wire(image_set(random.Random(4), 1)), auth=auth
    )
    assert refused.status_code == 409


def test_withdrawal_answers_in_photos_and_videos_each_counted_once(client: TestClient) -> None:
    rng = random.Random(31)
    photos = [
        [*image_set(rng, 1), *(random_fingerprint(Algorithm.PDQ, rng) for _ in range(5))]
        for _ in range(2)
    ]
    film = videos.source_video(0)
    film_digests = [md5_of(film), sha256_of(film)]
    items = [
        {**item, "photo": number, "derived": position >= 4}
        for number, group in enumerate([*photos, film_digests])
        for position, item in enumerate(wire(group)["fingerprints"])
    ]
    opened = client.post("/v1/cases", json={"fingerprints": items}).json()
    auth = (opened["case_id"], opened["pin"])
    text = hash_video(film).to_vpdq()
    added = client.post(
        "/v1/case/videos", json={"vpdq": text, "sha256": film_digests[1].hex}, auth=auth
    )
    assert added.status_code == 201, added.text
    assert client.get("/v1/case", auth=auth).json()["photos"] == 2

    response = client.post("/v1/case/withdraw", auth=auth)

    assert response.json() | {"case_id": None} == {
        "case_id": None,
        "status": "withdrawn",
        "photos_deleted": 2,
        "videos_deleted": 1,
        "ungrouped_deleted": 0,
        "fingerprints_deleted": 2 * 9 + 2,
    }


@pytest.mark.battery("A2")
def test_a_wrong_pin_and_an_unknown_case_answer_the_same_401(client: TestClient) -> None:
    opened = open_case(client, seed=5)
    wrong_pin = client.get("/v1/case", auth=(opened["case_id"], "11111111"))
    unknown = client.get("/v1/case", auth=("ABCDEFGHJKMN", opened["pin"]))
    assert wrong_pin.status_code == unknown.status_code == 401
    assert wrong_pin.json() == unknown.json()
    assert wrong_pin.headers["www-authenticate"] == unknown.headers["www-authenticate"]


def test_a_paused_case_answers_exactly_like_an_unknown_one_and_names_a_time(
    client: TestClient, runtime: Runtime
) -> None:
    opened = open_case(client, seed=9)
    for _ in range(runtime.lockout.failures):
        client.get("/v1/case", auth=(opened["case_id"], "99999999"))
    paused = client.get("/v1/case", auth=(opened["case_id"], opened["pin"]))
    unknown = client.get("/v1/case", auth=("ABCDEFGHJKMN", opened["pin"]))
    assert paused.status_code == unknown.status_code == 401
    assert paused.json() == unknown.json()
    error = paused.json()["error"]
    retry_at = datetime.fromisoformat(error["retry_at"])
    assert retry_at >= datetime.now(UTC) + timedelta(minutes=runtime.lockout.minutes)
    assert error["message"] == (
        "No case matches this case ID and PIN, or the case is paused after too many wrong PINs. "
        f"Check both; if it is paused, try again after {retry_at:%H:%M} UTC."
    )


def test_missing_credentials_ask_for_basic_auth(client: TestClient) -> None:
    response = client.get("/v1/case")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.battery("A1")
def test_repeated_wrong_pins_lock_the_case_out(client: TestClient, runtime: Runtime) -> None:
    opened = open_case(client, seed=6)
    for _ in range(runtime.lockout.failures):
        assert client.get("/v1/case", auth=(opened["case_id"], "99999999")).status_code == 401
    assert client.get("/v1/case", auth=(opened["case_id"], opened["pin"])).status_code == 401


def test_a_pin_typed_in_groups_opens_the_case_and_wrong_ones_still_pause_it(
    client: TestClient, runtime: Runtime
) -> None:
    opened = open_case(client, seed=16)
    case_id, pin = opened["case_id"], opened["pin"]
    for _ in range(runtime.lockout.failures):
        assert client.get("/v1/case", auth=(case_id, f"{pin[:4]} {pin[4:]}")).status_code == 200
        assert client.get("/v1/case", auth=(case_id, f"{pin[:4]}-{pin[4:]}")).status_code == 200
    for _ in range(runtime.lockout.failures):
        assert client.get("/v1/case", auth=(case_id, "9999 9999")).status_code == 401
    assert client.get("/v1/case", auth=(case_id, pin)).status_code == 401


@pytest.mark.battery("A7")
def test_malformed_fingerprints_get_per_item_reasons_and_store_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    good = random_fingerprint(Algorithm.PDQ, random.Random(7))
    body = {
        "fingerprints": [
            {"algorithm": "pdq", "value": good.hex, "quality": 90},
            {"algorithm": "pdq", "value": good.hex.upper(), "quality": 90},
            {"algorithm": "phash", "value": "abc"},
            {"algorithm": "dhash", "value": "0" * 16},
            {"algorithm": "phash", "value": "8000000000000000"},
        ]
    }
    response = client.post("/v1/cases", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_fingerprints"
    assert [detail["index"] for detail in error["details"]] == [1, 2, 3, 4]
    assert "nothing was stored" in error["message"]
    assert table_counts(runtime)["cases"] == 0


def test_a_body_of_the_wrong_shape_is_refused_without_echoing_it(client: TestClient) -> None:
    secret_like = "f" * 64
    response = client.post(
        "/v1/cases", json={"fingerprints": [{"algo": "pdq", "hash": secret_like}]}
    )
    assert response.status_code == 422
    assert secret_like not in response.text


@pytest.mark.battery("A11")
def test_too_many_fingerprints_in_one_request_answer_413(
    client: TestClient, runtime: Runtime
) -> None:
    rng = random.Random(8)
    limit = runtime.limits.per_request
    fingerprints = [random_fingerprint(Algorithm.PHASH, rng) for _ in range(limit + 1)]
    response = client.post("/v1/cases", json=wire(fingerprints))
    assert response.status_code == 413
    assert f"limit is {limit}" in response.json()["error"]["message"]
    assert response.json()["error"]["per_request"] == limit
    assert response.json()["error"]["photos_per_request"] == runtime.limits.photos_per_request
    assert table_counts(runtime)["cases"] == 0


@pytest.mark.battery("A11")
def test_an_oversized_body_is_refused_before_parsing(client: TestClient) -> None:
    response = client.post(
        "/v1/cases",
        content=b"{" + b" " * (3 * 1024 * 1024) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


@pytest.mark.battery("A12")
def test_responses_never_contain_fingerprint_values(client: TestClient) -> None:
    fingerprints = image_set(random.Random(9), 2)
    opened = client.post("/v1/cases", json=wire(fingerprints))
    auth = (opened.json()["case_id"], opened.json()["pin"])
    status = client.get("/v1/case", auth=auth)
    withdrawn = client.post("/v1/case/withdraw", auth=auth)
    assert [opened.status_code, status.status_code, withdrawn.status_code] == [201, 200, 200]
    texts = [opened.text, status.text, withdrawn.text]
    for fingerprint in fingerprints:
        assert not any(fingerprint.hex in text for text in texts)


def test_readiness_waits_for_the_index_to_load(app: FastAPI, runtime: Runtime) -> None:
    without_lifespan = TestClient(app)
    assert without_lifespan.get("/healthz").json() == {"status": "ok"}
    assert without_lifespan.get("/readyz").status_code == 503
    with TestClient(app) as started:
        deadline = time.monotonic() + 10
        while not runtime.bank.loaded and time.monotonic() < deadline:
            time.sleep(0.02)
        assert started.get("/readyz").status_code == 200


def test_openapi_documents_the_case_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/cases", "/v1/case", "/v1/case/fingerprints", "/v1/case/withdraw"} <= set(paths)
    assert client.get("/docs").status_code == 200
