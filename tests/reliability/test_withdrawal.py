"""Withdrawal deletes what a case left: fingerprints, reports, matches, notices, evidence."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import select

from casework.db import transaction
from casework.models import (
    BankChange,
    Case,
    CaseFingerprint,
    CaseNotification,
    Match,
    Report,
    ReportItem,
    Takedown,
    TakedownCheck,
    TakedownItem,
    WatchedUrl,
)
from casework.runtime import Runtime
from hashing.fingerprint import Algorithm
from tests.conftest import table_counts
from tests.factories import image_set, wire
from tests.reports.evidence import redis_bytes


def leave_traces(runtime: Runtime, case_id: int) -> None:
    """A report with a match and a drafted notice, as the worker and a caseworker would leave."""
    with transaction(runtime.sessions) as session:
        fingerprint = session.scalars(
            select(CaseFingerprint).where(CaseFingerprint.case_id == case_id)
        ).first()
        assert fingerprint is not None
        report = Report(public_id="r" * 24, case_id=case_id, reporter_kind="victim")
        item = ReportItem(url="https://leaks.example/1", status="done")
        report.items = [item]
        session.add(report)
        session.flush()
        found = runtime.vault.open(Algorithm(fingerprint.algorithm), fingerprint.value_sealed)
        match = Match(
            item_id=item.id,
            case_id=case_id,
            fingerprint_id=fingerprint.id,
            image_url="https://leaks.example/1.jpg",
            image_url_digest=b"d" * 32,
            algorithm=fingerprint.algorithm,
            distance=0,
            found_sealed=runtime.vault.seal(found),
        )
        session.add(match)
        session.flush()
        takedown = Takedown(
            reference="TD-TEST",
            case_id=case_id,
            platform="example",
            host="leaks.example",
            regime="generic",
            fields_json="{}",
        )
        takedown.items = [TakedownItem(match_id=match.id)]
        session.add(takedown)
        session.flush()
        watched = WatchedUrl(
            case_id=case_id,
            takedown_id=takedown.id,
            url="https://leaks.example/1",
            url_digest=b"u" * 32,
            host="leaks.example",
            source="removed",
        )
        # A re-upload found by the watch: its own caseless report, a match and the evidence.
        watch_report = Report(public_id="w" * 24, case_id=None, reporter_kind="caseworker")
        watch_report.items = [ReportItem(url="https://leaks.example/1", status="done")]
        session.add_all([watched, watch_report])
        session.flush()
        reupload = Match(
            item_id=watch_report.items[0].id,
            case_id=case_id,
            fingerprint_id=fingerprint.id,
            image_url="https://leaks.example/1.jpg",
            image_url_digest=b"e" * 32,
            algorithm=fingerprint.algorithm,
            distance=0,
            found_sealed=runtime.vault.seal(found),
        )
        session.add(reupload)
        session.flush()
        session.add_all(
            [
                TakedownCheck(
                    takedown_id=takedown.id,
                    case_id=case_id,
                    purpose="watch",
                    url=watched.url,
                    outcome="still_there",
                    match_id=reupload.id,
                    watched_id=watched.id,
                ),
                CaseNotification(
                    case_id=case_id,
                    channel="email",
                    address_sealed=runtime.vault.seal_text("victim@example.org"),
                ),
            ]
        )


@pytest.mark.battery("F10")
def test_f10_withdrawal_leaves_no_row_or_key_that_refers_to_the_case(
    client: TestClient,
    runtime: Runtime,
    redis: Redis,
    lost: Callable[[str, int], None],
) -> None:
    fingerprints = image_set(random.Random(1), 2)
    opened = client.post("/v1/cases", json=wire(fingerprints)).json()
    auth = (opened["case_id"], opened["pin"])
    with runtime.sessions() as session:
        case_id = session.scalars(select(Case.id)).one()
    leave_traces(runtime, case_id)
    assert table_counts(runtime)["takedown_items"] == 1

    assert client.post("/v1/case/withdraw", auth=auth).status_code == 200

    counts = table_counts(runtime)
    leftovers = {
        table: counts[table]
        for table in (
            "case_fingerprints",
            "reports",
            "report_items",
            "matches",
            "takedowns",
            "takedown_items",
            "takedown_checks",
            "watched_urls",
            "case_notifications",
        )
    }
    lost("rows left behind", sum(leftovers.values()))
    assert leftovers == dict.fromkeys(leftovers, 0)
    with runtime.sessions() as session:
        ops = session.scalars(select(BankChange.op)).all()
    assert sorted(ops) == ["add"] * 8 + ["withdraw"] * 8
    keys_and_values = redis_bytes(redis)
    assert opened["case_id"].encode() not in keys_and_values
    assert not any(fp.hex.encode() in keys_and_values for fp in fingerprints)
    assert client.get("/v1/case", auth=auth).json()["status"] == "withdrawn"
