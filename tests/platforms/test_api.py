"""The platform API over a real app: check, feed, outcomes, keys, limits and quarantine."""

from __future__ import annotations

import random

import pytest
from fastapi.testclient import TestClient

from casework.bank.bank import FAINT_PDQ_RADIUS_BITS
from casework.db import transaction
from casework.platforms import platforms
from casework.runtime import Runtime
from hashing.algorithms import PDQ_QUALITY_MIN
from hashing.fingerprint import Algorithm, Fingerprint
from tests.factories import flip, random_fingerprint
from tests.platformkeys import PlatformKeys, bank_case, bearer, refresh_index, withdraw


def check(client: TestClient, token: str, fingerprints: list[Fingerprint], **extra: object):
    items = [{"algorithm": fp.algorithm.value, "value": fp.hex, **extra} for fp in fingerprints]
    return client.post("/v1/check", json={"fingerprints": items}, headers=bearer(token))


def test_a_near_copy_matches_with_distance_and_token_and_nothing_about_the_case(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    rng = random.Random(1)
    banked = random_fingerprint(Algorithm.PDQ, rng)
    case = bank_case(runtime, [banked, random_fingerprint(Algorithm.MD5, rng)])
    refresh_index(runtime)
    stranger = random_fingerprint(Algorithm.PDQ, rng)
    response = check(client, keys.alpha, [flip(banked, 12, rng), stranger])
    assert response.status_code == 200, response.text
    hit, miss = response.json()["results"]
    assert hit["verdict"] == "match" and hit["distance"] == 12 and hit["algorithm"] == "pdq"
    assert hit["match_token"].startswith("mt_")
    assert miss == {
        "index": 1,
        "verdict": "no_match",
        "algorithm": "pdq",
        "distance": None,
        "match_token": None,
        "reason": None,
        "policy": None,
        "bank": None,
        "photo": None,
    }
    assert (hit["policy"], hit["bank"]) == ("act", None)
    assert hit["photo"] == 1 and response.json()["photos_matched"] == 1
    assert case.public_id not in response.text and banked.hex not in response.text


def test_exact_digests_match_only_exactly(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    rng = random.Random(2)
    digest = random_fingerprint(Algorithm.SHA256, rng)
    bank_case(runtime, [digest])
    refresh_index(runtime)
    results = check(client, keys.alpha, [digest, flip(digest, 1, rng)]).json()["results"]
    assert [r["verdict"] for r in results] == ["match", "no_match"]
    assert results[0]["distance"] == 0


def test_a_low_quality_pdq_matches_only_within_the_workers_tight_radius(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    rng = random.Random(3)
    banked = random_fingerprint(Algorithm.PDQ, rng)
    bank_case(runtime, [banked])
    refresh_index(runtime)
    near = flip(banked, FAINT_PDQ_RADIUS_BITS, rng)
    far = flip(banked, FAINT_PDQ_RADIUS_BITS + 1, rng)

    faint = check(client, keys.alpha, [near, far], quality=PDQ_QUALITY_MIN - 1).json()
    usable = check(client, keys.alpha, [far], quality=PDQ_QUALITY_MIN).json()

    assert [(r["verdict"], r["distance"]) for r in faint["results"]] == [
        ("match", FAINT_PDQ_RADIUS_BITS),
        ("no_match", None),
    ]
    assert usable["results"][0]["verdict"] == "match"


def test_degenerate_queries_are_unusable_not_matches(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    bank_case(runtime, [random_fingerprint(Algorithm.PDQ, random.Random(3))])
    refresh_index(runtime)
    blank = Fingerprint(Algorithm.PHASH, 0)
    flat = check(client, keys.alpha, [blank]).json()["results"][0]
    assert flat["verdict"] == "unusable" and "blank" in flat["reason"]


def test_malformed_fingerprints_refuse_the_batch_with_per_item_reasons(
    client: TestClient, keys: PlatformKeys
) -> None:
    body = {
        "fingerprints": [{"algorithm": "pdq", "value": "XYZ"}, {"algorithm": "nope", "value": "00"}]
    }
    response = client.post("/v1/check", json=body, headers=bearer(keys.alpha))
    assert response.status_code == 422
    locations = [d["location"] for d in response.json()["error"]["details"]]
    assert locations[0].startswith("body.fingerprints.0") and "XYZ" not in response.text


def test_more_than_a_thousand_fingerprints_are_refused(
    client: TestClient, keys: PlatformKeys
) -> None:
    rng = random.Random(4)
    many = [random_fingerprint(Algorithm.MD5, rng) for _ in range(1001)]
    assert check(client, keys.alpha, many).status_code == 422
    assert check(client, keys.alpha, many[:1000]).status_code == 200


def test_a_withdrawn_fingerprint_stops_matching(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    rng = random.Random(5)
    banked = random_fingerprint(Algorithm.PDQ, rng)
    case = bank_case(runtime, [banked])
    refresh_index(runtime)
    withdraw(runtime, case)
    # Even before this process's index catches up, the database has the last word.
    assert check(client, keys.alpha, [banked]).json()["results"][0]["verdict"] == "no_match"


@pytest.mark.battery("A3")
def test_a_key_without_the_scope_gets_403_and_no_key_gets_401(
    client: TestClient, keys: PlatformKeys
) -> None:
    assert client.get("/v1/feed", headers=bearer(keys.alpha_check_only)).status_code == 403
    outcome = {"outcomes": [{"outcome": "removed", "takedown_reference": "TD-1234"}]}
    assert (
        client.post("/v1/outcomes", json=outcome, headers=bearer(keys.alpha_check_only)).status_code
        == 403
    )
    assert check(client, keys.gamma_feed_only, []).status_code in (403, 422)
    body = {"fingerprints": [{"algorithm": "md5", "value": "ab" * 16}]}
    assert (
        client.post("/v1/check", json=body, headers=bearer(keys.gamma_feed_only)).status_code == 403
    )
    assert client.post("/v1/check", json=body).status_code == 401
    assert (
        client.get("/v1/feed/threatexchange", headers=bearer(keys.alpha_check_only)).status_code
        == 403
    )


@pytest.mark.battery("A3")
def test_a_wrong_or_revoked_key_is_refused(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    body = {"fingerprints": [{"algorithm": "md5", "value": "ab" * 16}]}
    forged = keys.alpha[:-4] + "AAAA"
    refused = client.post("/v1/check", json=body, headers=bearer(forged))
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    key_id = keys.alpha.split("_")[1]
    with transaction(runtime.sessions) as session:
        platforms.revoke_platform_key(session, key_id=key_id)
    revoked = client.post("/v1/check", json=body, headers=bearer(keys.alpha))
    assert revoked.status_code == 401 and revoked.json() == refused.json()


def test_rotation_keeps_two_keys_working_and_refuses_a_third(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    from casework.errors import Conflict

    body = {"fingerprints": [{"algorithm": "md5", "value": "ab" * 16}]}
    with transaction(runtime.sessions) as session:
        beta = platforms.require_platform(session, name="beta")
        new = platforms.rotate_platform_key(session, vault=runtime.vault, platform=beta)
    for token in (keys.beta, new.token):
        assert client.post("/v1/check", json=body, headers=bearer(token)).status_code == 200
    with pytest.raises(Conflict), transaction(runtime.sessions) as session:
        beta = platforms.require_platform(session, name="beta")
        platforms.rotate_platform_key(session, vault=runtime.vault, platform=beta)
    with transaction(runtime.sessions) as session:
        platforms.revoke_platform_key(session, key_id=keys.beta.split("_")[1])
    assert client.post("/v1/check", json=body, headers=bearer(keys.beta)).status_code == 401
    assert client.post("/v1/check", json=body, headers=bearer(new.token)).status_code == 200


@pytest.mark.battery("A9")
def test_over_the_request_budget_answers_429_with_retry_after(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    runtime.settings.platform_requests_per_minute = 3
    body = {"fingerprints": [{"algorithm": "md5", "value": "ab" * 16}]}
    statuses = [
        client.post("/v1/check", json=body, headers=bearer(keys.alpha)).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = client.post("/v1/check", json=body, headers=bearer(keys.alpha))
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    # Budgets are per key: beta is unaffected.
    assert client.post("/v1/check", json=body, headers=bearer(keys.beta)).status_code == 200


def test_the_check_budget_counts_fingerprints(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    runtime.settings.platform_checks_per_minute = 10
    rng = random.Random(6)
    batch = [random_fingerprint(Algorithm.MD5, rng) for _ in range(6)]
    assert check(client, keys.alpha, batch).status_code == 200
    assert check(client, keys.alpha, batch).status_code == 429
