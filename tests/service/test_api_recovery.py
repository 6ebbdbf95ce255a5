"""Recovery codes reset a lost PIN once each; the status shows a plain-language timeline."""

from __future__ import annotations

import random
from datetime import timedelta

from fastapi.testclient import TestClient

from casework.db import transaction
from casework.models import Case, Takedown
from casework.runtime import Runtime
from tests.factories import image_set, wire


def open_case(client: TestClient) -> dict[str, object]:
    response = client.post("/v1/cases", json=wire(image_set(random.Random(1), 1)))
    assert response.status_code == 201
    body: dict[str, object] = response.json()
    return body


def test_a_recovery_code_resets_the_pin_once_and_never_again(client: TestClient) -> None:
    opened = open_case(client)
    codes = opened["recovery_codes"]
    assert isinstance(codes, list) and len(codes) == 6 and len(set(codes)) == 6
    body = {"case_id": opened["case_id"], "recovery_code": codes[0].lower().replace("-", " ")}
    first = client.post("/v1/case/recover", json=body)
    assert first.status_code == 200
    new_pin = first.json()["pin"]
    assert new_pin != opened["pin"] and first.json()["recovery_codes_left"] == 5
    assert client.post("/v1/case/recover", json=body).status_code == 401
    assert client.get("/v1/case", auth=(opened["case_id"], opened["pin"])).status_code == 401
    assert client.get("/v1/case", auth=(opened["case_id"], new_pin)).status_code == 200


def test_a_wrong_recovery_code_counts_like_a_wrong_pin(
    client: TestClient, runtime: Runtime
) -> None:
    opened = open_case(client)
    for _ in range(runtime.lockout.failures):
        wrong = {"case_id": opened["case_id"], "recovery_code": "0000-0000-0000-0000"}
        assert client.post("/v1/case/recover", json=wrong).status_code == 401
    right = {"case_id": opened["case_id"], "recovery_code": opened["recovery_codes"][1]}  # type: ignore[index]
    assert client.post("/v1/case/recover", json=right).status_code == 401


def test_the_timeline_tells_each_event_in_plain_words(client: TestClient, runtime: Runtime) -> None:
    opened = open_case(client)
    auth = (str(opened["case_id"]), str(opened["pin"]))
    client.post("/v1/reports", json={"urls": ["https://leaks.example/a"]}, auth=auth)
    with transaction(runtime.sessions) as session:
        case = session.query(Case).one()
        sent = case.created_at + timedelta(hours=1)
        session.add(
            Takedown(
                reference="TD-1",
                case_id=case.id,
                platform="Example Social",
                host="x.example",
                regime="generic",
                fields_json="{}",
                status="removed",
                sent_at=sent,
                removed_at=sent + timedelta(hours=5),
            )
        )
    timeline = client.get("/v1/case", auth=auth).json()["timeline"]
    kinds = [event["kind"] for event in timeline]
    assert kinds[:3] == ["opened", "fingerprints", "reported"]
    assert "notice_sent" in kinds and "removed" in kinds
    texts = " ".join(event["text"] for event in timeline)
    assert "Example Social removed the image 5 hours after the notice" in texts
    assert "leaks.example/a" not in texts
