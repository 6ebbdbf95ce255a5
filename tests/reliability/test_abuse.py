"""Abuse from one client: PIN guessing across cases, case and fingerprint floods; responses."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from casework.runtime import Runtime
from casework.settings import Settings
from hashing.fingerprint import Algorithm
from tests.conftest import table_counts
from tests.factories import image_set, random_fingerprint, wire

SECRET_FIELDS = {"pin_hash", "secret_digest", "value_sealed", "found_sealed", "password", "note"}
VICTIM_PATHS = ("/v1/cases", "/v1/case", "/v1/case/fingerprints", "/v1/case/withdraw")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The fingerprint budget at its former 2,000 a minute in requests of 500: the flood test
    counts the requests a budget allows, and the budget refills while they are stored, so five
    times the fingerprints (today's defaults) would let one more request through on a slow run.
    """
    return settings.model_copy(
        update={"fingerprints_per_client_per_minute": 2000, "max_fingerprints_per_request": 500}
    )


@pytest.mark.battery("A1")
def test_a1_guessing_pins_across_many_cases_from_one_client_is_throttled(
    client: TestClient, runtime: Runtime
) -> None:
    budget = runtime.settings.pin_failures_per_client_per_minute
    answers = [
        client.get("/v1/case", auth=(f"ABCD-EFGH-{n:04d}", "12345678")).status_code
        for n in range(budget + 3)
    ]
    assert answers[:budget] == [401] * budget
    assert answers[budget:] == [429] * 3
    limited = client.get("/v1/case", auth=("ABCD-EFGH-0000", "12345678"))
    assert int(limited.headers["retry-after"]) > 0


def test_a_victim_checking_often_is_not_throttled_by_the_failure_budget(
    client: TestClient, runtime: Runtime
) -> None:
    opened = client.post("/v1/cases", json=wire(image_set(random.Random(3), 1))).json()
    auth = (opened["case_id"], opened["pin"])
    checks = runtime.settings.pin_failures_per_client_per_minute * 2
    assert {client.get("/v1/case", auth=auth).status_code for _ in range(checks)} == {200}


@pytest.mark.battery("A1")
def test_a_flood_of_new_cases_from_one_client_is_throttled(
    client: TestClient, runtime: Runtime
) -> None:
    budget = runtime.settings.cases_per_client_per_minute
    answers = [
        client.post("/v1/cases", json=wire(image_set(random.Random(n), 1))).status_code
        for n in range(budget + 2)
    ]
    assert answers == [201] * budget + [429] * 2
    assert table_counts(runtime)["cases"] == budget


def test_a_fingerprint_flood_from_one_client_is_throttled(
    client: TestClient, runtime: Runtime
) -> None:
    rng = random.Random(9)
    per_request = runtime.limits.per_request
    opened = client.post(
        "/v1/cases",
        json=wire([random_fingerprint(Algorithm.PHASH, rng) for _ in range(per_request)]),
    ).json()
    auth = (opened["case_id"], opened["pin"])
    answers = []
    for _ in range(runtime.settings.fingerprints_per_client_per_minute // per_request + 1):
        batch = [random_fingerprint(Algorithm.PHASH, rng) for _ in range(per_request)]
        answers.append(
            client.post("/v1/case/fingerprints", json=wire(batch), auth=auth).status_code
        )
    assert answers[-1] == 429
    assert (
        answers.count(200) == runtime.settings.fingerprints_per_client_per_minute // per_request - 1
    )


def walk(schema: Any) -> Iterator[str]:
    """Every property name anywhere in a JSON schema."""
    if isinstance(schema, dict):
        for name, value in schema.get("properties", {}).items():
            yield name
            yield from walk(value)
        for key, value in schema.items():
            if key != "properties":
                yield from walk(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from walk(value)


@pytest.mark.battery("A12")
def test_a12_no_response_schema_carries_secrets_and_victim_responses_carry_no_hash_values(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    components = spec.get("components", {}).get("schemas", {})

    def response_fields(path: str) -> set[str]:
        names: set[str] = set()
        for operation in spec["paths"].get(path, {}).values():
            for response in operation.get("responses", {}).values():
                for content in response.get("content", {}).values():
                    schema = content.get("schema", {})
                    ref = schema.get("$ref", "")
                    names |= set(walk(components.get(ref.rsplit("/", 1)[-1], schema)))
        return names

    every = set().union(*(response_fields(path) for path in spec["paths"]))
    assert every & SECRET_FIELDS == set()
    for path in VICTIM_PATHS:
        assert response_fields(path) & {"value", "hash", "fingerprint_values"} == set(), path
