"""Fingerprints grouped by photo: validated by position, numbered per case, counted once."""

from __future__ import annotations

import random
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.models import Case, CaseFingerprint
from casework.runtime import Runtime
from hashing.fingerprint import Algorithm, Fingerprint
from tests.conftest import table_counts
from tests.factories import image_set, random_fingerprint, wire


def photo_entries(rng: random.Random, photo: int, crops: int = 2) -> list[dict[str, Any]]:
    """What a client sends for one photo: its 4 own fingerprints, then crops' PDQ and pHash."""
    own = wire(image_set(rng, 1))["fingerprints"]
    derived = [
        random_fingerprint(algorithm, rng)
        for _ in range(crops)
        for algorithm in (Algorithm.PDQ, Algorithm.PHASH)
    ]
    return [{**entry, "photo": photo} for entry in own] + [
        {"algorithm": fp.algorithm.value, "value": fp.hex, "photo": photo, "derived": True}
        for fp in derived
    ]


def stored_photos(runtime: Runtime, case_id: str) -> list[tuple[int | None, bool]]:
    public_id = case_id.replace("-", "").upper()
    with runtime.sessions() as session:
        return [
            (photo, derived)
            for photo, derived in session.execute(
                select(CaseFingerprint.photo, CaseFingerprint.derived)
                .join(Case, Case.id == CaseFingerprint.case_id)
                .where(Case.public_id == public_id)
                .order_by(CaseFingerprint.id)
            )
        ]


def test_photos_are_counted_once_with_their_crops_and_numbered_on_across_adds(
    client: TestClient, runtime: Runtime
) -> None:
    rng = random.Random(41)
    first, second = photo_entries(rng, 0), photo_entries(rng, 1)
    opened = client.post("/v1/cases", json={"fingerprints": first + second}).json()
    assert (opened["added"], opened["photos_added"]) == (16, 2)
    auth = (opened["case_id"], opened["pin"])

    # A new photo, and the first one again with one crop fingerprint the case lacks.
    extra_crop = random_fingerprint(Algorithm.PDQ, rng)
    again = [{**entry, "photo": 1} for entry in first] + [
        {"algorithm": "pdq", "value": extra_crop.hex, "photo": 1, "derived": True}
    ]
    added = client.post(
        "/v1/case/fingerprints", json={"fingerprints": photo_entries(rng, 0) + again}, auth=auth
    ).json()
    assert added == {"added": 9, "duplicates": 8, "photos_added": 1}

    status = client.get("/v1/case", auth=auth).json()
    assert status["photos"] == 3 and status["ungrouped_fingerprints"] == 0
    assert sum(status["fingerprints"].values()) == 25
    [event] = [e for e in status["timeline"] if e["kind"] == "photos"]
    assert event["text"] == "Fingerprints of 3 photos are in the hash bank."
    rows = stored_photos(runtime, opened["case_id"])
    assert [photo for photo, _derived in rows] == [1] * 8 + [2] * 8 + [3] * 8 + [1]
    assert rows[-1] == (1, True)
    assert sum(derived for _photo, derived in rows) == 4 + 4 + 4 + 1


def test_an_older_client_without_photos_is_accepted_and_told_in_fingerprints(
    client: TestClient, runtime: Runtime
) -> None:
    opened = client.post("/v1/cases", json=wire(image_set(random.Random(42), 2))).json()
    assert (opened["added"], opened["photos_added"]) == (8, 0)
    status = client.get("/v1/case", auth=(opened["case_id"], opened["pin"])).json()
    assert status["photos"] == 0 and status["ungrouped_fingerprints"] == 8
    told = {e["kind"]: e["text"] for e in status["timeline"]}
    assert told["fingerprints"] == "8 fingerprints are in the hash bank."
    assert "photos" not in told
    assert {photo for photo, _derived in stored_photos(runtime, opened["case_id"])} == {None}


def test_bad_grouping_is_refused_item_by_item_and_nothing_is_stored(
    client: TestClient, runtime: Runtime
) -> None:
    rng = random.Random(43)
    good = photo_entries(rng, 0, crops=0)

    def fresh(algorithm: Algorithm) -> dict[str, Any]:
        fp: Fingerprint = random_fingerprint(algorithm, rng)
        return {"algorithm": fp.algorithm.value, "value": fp.hex}

    entries = [
        *good,  # 0-3: a photo's own fingerprints
        fresh(Algorithm.PHASH),  # 4: no photo in a request that groups
        {**fresh(Algorithm.PDQ), "derived": True},  # 5: derived, no photo
        {**fresh(Algorithm.PDQ), "photo": 1, "derived": True},  # 6: photo 1 has no own entry
        {**fresh(Algorithm.PHASH), "photo": 99},  # 7: out of range
        {**fresh(Algorithm.MD5), "photo": 0, "derived": True},  # 8: a derived exact digest
    ]
    response = client.post("/v1/cases", json={"fingerprints": entries})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_fingerprints"
    reasons = {d["index"]: d["reason"] for d in error["details"]}
    assert sorted(reasons) == [4, 5, 6, 7, 8]
    assert "photo missing" in reasons[4]
    assert "needs its photo" in reasons[5]
    assert "only derived" in reasons[6]
    assert "from 0 to 8" in reasons[7]
    assert "pdq or phash" in reasons[8]
    assert table_counts(runtime)["cases"] == 0


def test_a_photo_given_as_text_is_refused_by_the_schema(client: TestClient) -> None:
    entries = [{**entry, "photo": "0"} for entry in photo_entries(random.Random(44), 0)]
    response = client.post("/v1/cases", json={"fingerprints": entries})
    assert response.status_code == 422


def test_more_photos_than_one_request_may_group_answer_413_with_the_photo_limit(
    client: TestClient, runtime: Runtime
) -> None:
    rng = random.Random(45)
    limit = runtime.limits.photos_per_request
    entries = [
        {**entry, "photo": photo}
        for photo in range(limit + 1)
        for entry in wire([random_fingerprint(Algorithm.PHASH, rng)])["fingerprints"]
    ]
    response = client.post("/v1/cases", json={"fingerprints": entries})
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["photos_per_request"] == limit and f"limit is {limit}" in error["message"]
    assert table_counts(runtime)["cases"] == 0
