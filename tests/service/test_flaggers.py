"""Trusted flaggers: keys from the operator's command, and each key's report and URL budgets."""

from __future__ import annotations

import math
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from redis import Redis

from casework.db import transaction
from casework.platforms.apikeys import issue_flagger_key
from casework.reports.reports import MAX_URLS_PER_REPORT
from casework.runtime import Runtime
from casework.settings import Settings
from tests.conftest import table_counts
from tests.harness import takedown

LEAK = "https://leaks.example/album"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def flagger(runtime: Runtime, name: str = "Helpline") -> str:
    with transaction(runtime.sessions) as session:
        return issue_flagger_key(session, vault=runtime.vault, name=name).token


def test_an_operator_issues_lists_and_revokes_a_flaggers_key_with_the_command(
    settings: Settings, client: TestClient, redis: Redis
) -> None:
    issued = takedown(settings, "flaggers", "issue", "Helpline NL")
    assert issued.returncode == 0, issued.stderr
    said, token = issued.stdout.splitlines()
    key_id = token.split("_")[1]
    assert said == f"key {key_id} (report) for Helpline NL, shown once:"
    reported = client.post("/v1/reports", json={"urls": [LEAK]}, headers=bearer(token))
    assert reported.status_code == 202
    # A flagger's key reports; it is not a platform's and checks nothing.
    check = {"fingerprints": [{"algorithm": "md5", "value": "ab" * 16}]}
    assert client.post("/v1/check", json=check, headers=bearer(token)).status_code == 403
    listed = takedown(settings, "flaggers", "list")
    assert listed.returncode == 0
    [line] = listed.stdout.splitlines()
    assert line.startswith(f"key {key_id}\tHelpline NL\tactive\tlast used 20")
    assert token.split("_", 2)[2] not in listed.stdout
    revoked = takedown(settings, "flaggers", "revoke", key_id)
    assert revoked.returncode == 0 and revoked.stdout == f"key {key_id} of Helpline NL revoked\n"
    refused = client.post("/v1/reports", json={"urls": [LEAK]}, headers=bearer(token))
    assert refused.status_code == 401
    assert "\trevoked " in takedown(settings, "flaggers", "list").stdout


def test_revoking_an_unknown_flagger_key_says_so(settings: Settings) -> None:
    revoked = takedown(settings, "flaggers", "revoke", "000000000000")
    assert revoked.returncode != 0
    assert "no flagger key has the id '000000000000'" in revoked.stderr


def report_until_refused(
    client: TestClient, token: str, urls_per_report: int
) -> tuple[int, float, httpx.Response]:
    """Reports sent back to back until one is refused: (accepted, seconds taken, the refusal)."""
    started = time.monotonic()
    for n in range(10_000):
        body = {"urls": [f"{LEAK}/{n}/{u}" for u in range(urls_per_report)]}
        answer = client.post("/v1/reports", json=body, headers=bearer(token))
        if answer.status_code != 202:
            return n, time.monotonic() - started, answer
    raise AssertionError("no report was refused")


def stored_reports(runtime: Runtime) -> tuple[int, int]:
    """Reports and report items in the database."""
    counts = table_counts(runtime)
    return counts["reports"], counts["report_items"]


@pytest.mark.battery("A26")
def test_a26_a_flaggers_key_is_refused_past_150_reports_a_minute_and_the_refusal_stores_nothing(
    client: TestClient, runtime: Runtime, redis: Redis
) -> None:
    assert runtime.settings.flagger_reports_per_minute == 150
    token = flagger(runtime)
    accepted, seconds, refused = report_until_refused(client, token, 1)
    # A minute's worth at once, plus what the budget refilled (150 a minute) while they were sent.
    assert 150 <= accepted <= 150 + math.ceil(seconds * 150 / 60)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert stored_reports(runtime) == (accepted, accepted)
    # The budget is the key's: another flagger reports on.
    other = client.post("/v1/reports", json={"urls": [LEAK]}, headers=bearer(flagger(runtime)))
    assert other.status_code == 202


@pytest.mark.battery("A26")
def test_a_flaggers_key_is_refused_past_1500_urls_a_minute_and_the_refusal_stores_nothing(
    client: TestClient, runtime: Runtime, redis: Redis
) -> None:
    assert runtime.settings.flagger_urls_per_minute == 1500
    token = flagger(runtime)
    accepted, seconds, refused = report_until_refused(client, token, MAX_URLS_PER_REPORT)
    urls = accepted * MAX_URLS_PER_REPORT
    assert 1500 <= urls <= 1500 + math.ceil(seconds * 1500 / 60)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert stored_reports(runtime) == (accepted, urls)
