"""The feed's tombstones and cursors, outcomes kept per platform, and quarantine."""

from __future__ import annotations

import random

import pytest
from fastapi.testclient import TestClient

from casework import audit
from casework.bank import quarantine
from casework.db import transaction
from casework.runtime import Runtime
from hashing.fingerprint import Algorithm, Fingerprint
from tests.conftest import table_counts
from tests.factories import random_fingerprint
from tests.platformkeys import PlatformKeys, bank_case, bearer, read_all, refresh_index, withdraw


def mirror_of(entries: list[dict[str, str]], mirror: dict[str, str] | None = None):
    mirror = dict(mirror or {})
    for entry in entries:
        if entry["op"] == "add":
            mirror[entry["id"]] = f"{entry['algorithm']} {entry['value']}"
        else:
            mirror.pop(entry["id"], None)
    return mirror


def test_the_feed_carries_values_then_a_tombstone_after_withdrawal(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    rng = random.Random(10)
    kept = [random_fingerprint(a, rng) for a in Algorithm]
    gone = [random_fingerprint(a, rng) for a in Algorithm]
    bank_case(runtime, kept)
    case = bank_case(runtime, gone)
    entries, cursor = read_all(client, keys.alpha, limit=3)
    mirror = mirror_of(entries)
    assert sorted(mirror.values()) == sorted(f"{fp.algorithm} {fp.hex}" for fp in kept + gone)
    withdraw(runtime, case)
    delta, cursor = read_all(client, keys.alpha, cursor)
    assert [e["op"] for e in delta] == ["remove"] * 4
    assert all("value" not in e or e["value"] is None for e in delta)
    mirror = mirror_of(delta, mirror)
    assert sorted(mirror.values()) == sorted(f"{fp.algorithm} {fp.hex}" for fp in kept)
    # The cursor is stable: asking again with it gives nothing new.
    assert read_all(client, keys.alpha, cursor)[0] == []


def test_feed_ids_differ_between_platforms(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    bank_case(runtime, [random_fingerprint(Algorithm.PDQ, random.Random(11))])
    alpha = read_all(client, keys.alpha)[0]
    beta = read_all(client, keys.beta)[0]
    assert alpha[0]["value"] == beta[0]["value"] and alpha[0]["id"] != beta[0]["id"]


def test_a_cursor_from_the_future_means_nothing_new(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    bank_case(runtime, [random_fingerprint(Algorithm.MD5, random.Random(15))])
    _entries, cursor = read_all(client, keys.alpha)
    far = client.get("/v1/feed", params={"cursor": "f1-" + "9" * 18}, headers=bearer(keys.alpha))
    assert far.status_code == 200 and far.json() == {"entries": [], "cursor": cursor, "more": False}


def test_a_forged_cursor_is_refused(client: TestClient, keys: PlatformKeys) -> None:
    for forged in ("bm9wZQ", "f1-", "f1-12a", "f1-" + "9" * 19):
        response = client.get("/v1/feed", params={"cursor": forged}, headers=bearer(keys.alpha))
        assert response.status_code == 422, forged


def test_an_outcome_id_that_is_not_one_is_refused(client: TestClient, keys: PlatformKeys) -> None:
    for forged in ("\x00" + "a" * 23, "b8ad\u00e8", "A" * 24, "a" * 25):
        response = client.get("/v1/outcomes", params={"after": forged}, headers=bearer(keys.alpha))
        assert response.status_code == 422, forged


def test_the_threatexchange_export_lists_distinct_pdq_signals_only(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    rng = random.Random(12)
    shared = [random_fingerprint(a, rng) for a in Algorithm]
    bank_case(runtime, shared)
    bank_case(runtime, shared)
    response = client.get("/v1/feed/threatexchange", headers=bearer(keys.alpha))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    by_algorithm = {fp.algorithm: fp.hex for fp in shared}
    # threatexchange's digest types are for videos and it has no pHash type: see feed.py.
    assert response.text.splitlines() == [f"pdq {by_algorithm[Algorithm.PDQ]}"]


def hit_token(client: TestClient, token: str, fingerprint: Fingerprint) -> str:
    item = {"algorithm": fingerprint.algorithm.value, "value": fingerprint.hex}
    result = client.post("/v1/check", json={"fingerprints": [item]}, headers=bearer(token))
    answer = result.json()["results"][0]
    assert answer["verdict"] == "match", answer
    return str(answer["match_token"])


def report(client: TestClient, token: str, items: list[dict[str, object]]):
    return client.post("/v1/outcomes", json={"outcomes": items}, headers=bearer(token))


def test_a_platform_never_sees_or_uses_another_platforms_tokens_or_outcomes(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    banked = random_fingerprint(Algorithm.PDQ, random.Random(13))
    bank_case(runtime, [banked])
    refresh_index(runtime)
    alpha_token = hit_token(client, keys.alpha, banked)
    beta_token = hit_token(client, keys.beta, banked)
    assert alpha_token != beta_token
    stolen = report(client, keys.beta, [{"outcome": "removed", "match_token": alpha_token}])
    unknown = report(client, keys.beta, [{"outcome": "removed", "match_token": "mt_" + "x" * 32}])
    assert stolen.status_code == unknown.status_code == 404
    assert stolen.json()["error"]["code"] == unknown.json()["error"]["code"]
    mine = report(client, keys.alpha, [{"outcome": "removed", "match_token": alpha_token}])
    assert mine.status_code == 201
    outcome_id = mine.json()["outcomes"][0]["id"]
    beta_view = client.get("/v1/outcomes", headers=bearer(keys.beta)).json()["outcomes"]
    assert beta_view == []
    alpha_view = client.get("/v1/outcomes", headers=bearer(keys.alpha)).json()["outcomes"]
    assert [o["id"] for o in alpha_view] == [outcome_id]
    assert alpha_token not in str(alpha_view)
    paged = client.get("/v1/outcomes", params={"after": outcome_id}, headers=bearer(keys.beta))
    assert paged.status_code == 404


def test_a_notice_reference_that_names_no_notice_of_yours_stores_nothing(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    response = report(
        client, keys.alpha, [{"outcome": "not_found", "takedown_reference": "TD-7QX2"}]
    )
    assert response.status_code == 404
    assert response.json()["error"]["details"] == [
        {"index": 0, "reason": "unknown takedown reference"}
    ]
    assert table_counts(runtime)["platform_outcomes"] == 0
    both = report(
        client,
        keys.alpha,
        [{"outcome": "removed", "takedown_reference": "TD-7QX2", "match_token": "mt_abc"}],
    )
    assert both.status_code == 422


@pytest.mark.battery("A8")
def test_two_platforms_saying_not_intimate_imagery_quarantine_until_release(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    poisoned = random_fingerprint(Algorithm.PDQ, random.Random(14))
    bank_case(runtime, [poisoned])
    refresh_index(runtime)
    verdict = {"outcome": "not_violating", "reason": "not_intimate_imagery"}
    assert (
        report(
            client,
            keys.alpha,
            [{**verdict, "match_token": hit_token(client, keys.alpha, poisoned)}],
        ).status_code
        == 201
    )
    # One platform is not enough; the same platform again is still one.
    assert (
        report(
            client,
            keys.alpha,
            [{**verdict, "match_token": hit_token(client, keys.alpha, poisoned)}],
        ).status_code
        == 201
    )
    entries, cursor = read_all(client, keys.alpha)
    assert (
        report(
            client, keys.beta, [{**verdict, "match_token": hit_token(client, keys.beta, poisoned)}]
        ).status_code
        == 201
    )
    item = {"algorithm": "pdq", "value": poisoned.hex}
    answer = client.post("/v1/check", json={"fingerprints": [item]}, headers=bearer(keys.alpha))
    assert answer.json()["results"][0]["verdict"] == "no_match"
    delta, cursor = read_all(client, keys.alpha, cursor)
    assert [e["op"] for e in delta] == ["remove"]
    with transaction(runtime.sessions) as session:
        held = quarantine.list_quarantines(session)
        assert [q.platforms for q in held] == [2]
        quarantine.release_quarantine(session, quarantine_id=held[0].id, actor=audit.OPERATOR)
    refresh_index(runtime)
    assert hit_token(client, keys.alpha, poisoned).startswith("mt_")
    delta, _ = read_all(client, keys.alpha, cursor)
    assert [e["op"] for e in delta] == ["add"] and delta[0]["value"] == poisoned.hex


def test_withdrawal_deletes_the_tokens_and_outcomes_platforms_left_for_the_case(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    fingerprint = random_fingerprint(Algorithm.PDQ, random.Random(16))
    case = bank_case(runtime, [fingerprint])
    refresh_index(runtime)
    token = hit_token(client, keys.alpha, fingerprint)
    assert (
        report(client, keys.alpha, [{"outcome": "removed", "match_token": token}]).status_code
        == 201
    )
    withdraw(runtime, case)
    counts = table_counts(runtime)
    assert counts["match_tokens"] == counts["platform_outcomes"] == 0
    assert counts["case_fingerprints"] == 0
    assert (
        report(client, keys.alpha, [{"outcome": "removed", "match_token": token}]).status_code
        == 404
    )
