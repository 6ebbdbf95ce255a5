"""Platforms answering notices through the API, quarantine review, and the allow-list in checks.

The notice in these tests is alice's, to Video Site (www.video-site.example); the platform
account "video" holds video-site.example, "other" holds other.example.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta

from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import select

from casework.bank import quarantine
from casework.bank.bank import BankIndex
from casework.db import transaction, utcnow
from casework.models import (
    AuditEvent,
    CheckOutcome,
    FingerprintQuarantine,
    Match,
    PlatformOutcome,
    Takedown,
    TakedownStatus,
)
from casework.notices import rechecks, removal
from casework.platforms import platforms
from casework.platforms.apikeys import Scope
from casework.runtime import Runtime
from hashing.fingerprint import Algorithm, Fingerprint
from tests.factories import confirmed_draft, flip
from tests.personas import Console, World
from tests.platformkeys import refresh_index

NOT_INTIMATE = {"outcome": "not_violating", "reason": "not_intimate_imagery"}


def platform_key(runtime: Runtime, name: str, domain: str) -> dict[str, str]:
    """A platform account with one domain and a key for every scope, as a header."""
    with transaction(runtime.sessions) as session:
        account = platforms.create_platform(
            session, name=name, domains=[domain], algorithms=platforms.parse_algorithms(None)
        )
        issued = platforms.issue_platform_key(
            session,
            vault=runtime.vault,
            platform=account,
            scopes=[Scope.CHECK, Scope.FEED, Scope.OUTCOMES],
        )
        return {"Authorization": f"Bearer {issued.token}"}


def move(carol: Console, takedown_id: int, *statuses: str) -> None:
    for status in statuses:
        response = carol.post(f"/console/takedowns/{takedown_id}/status", {"status": status})
        assert response.status_code == 303, status


def sent_notice(carol: Console, world: World, runtime: Runtime) -> tuple[int, str]:
    """alice's notice to Video Site, approved and sent: its id and reference."""
    takedown_id = confirmed_draft(carol, world, runtime)
    move(carol, takedown_id, "approved", "sent")
    with runtime.sessions() as session:
        return takedown_id, session.get_one(Takedown, takedown_id).reference


def answer(carol: Console, key: dict[str, str], **item: str) -> object:
    return carol.client.post("/v1/outcomes", json={"outcomes": [item]}, headers=key)


def check(carol: Console, key: dict[str, str], fingerprint: Fingerprint) -> dict[str, object]:
    item = {"algorithm": fingerprint.algorithm.value, "value": fingerprint.hex}
    response = carol.client.post("/v1/check", json={"fingerprints": [item]}, headers=key)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()["results"][0]
    return result


def record_check(
    runtime: Runtime, takedown_id: int, outcome: CheckOutcome, http_status: int
) -> removal.CheckResult | None:
    """A removal check of the notice that found every URL in the same state."""
    with transaction(runtime.sessions) as session:
        target = removal.removal_urls(session, takedown_id=takedown_id)
        assert target is not None
        return removal.record_removal_check(
            session,
            takedown_id=takedown_id,
            probes=[
                rechecks.Probe(url=url, http_status=http_status, outcome=outcome)
                for url in target[1]
            ],
            vault=runtime.vault,
            watch_after=timedelta(hours=24),
        )


def status_of(runtime: Runtime, takedown_id: int) -> str:
    with runtime.sessions() as session:
        return session.get_one(Takedown, takedown_id).status


def test_a_platform_saying_removed_acknowledges_its_notice_and_has_it_checked_at_once(
    carol: Console, world: World, runtime: Runtime, redis: Redis
) -> None:
    takedown_id, reference = sent_notice(carol, world, runtime)
    video = platform_key(runtime, "video", "video-site.example")
    # Ticketing systems lowercase things; the reference still names the notice.
    response = answer(carol, video, takedown_reference=reference.lower(), outcome="removed")
    assert response.status_code == 201, response.text
    assert response.json()["outcomes"][0]["takedown_reference"] == reference
    with runtime.sessions() as session:
        takedown = session.get_one(Takedown, takedown_id)
        assert takedown.status == TakedownStatus.ACKNOWLEDGED
        assert takedown.acknowledged_at is not None and takedown.removed_at is None
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "takedown_answered")
        ).scalar_one()
        assert (event.actor_type, event.object_id) == ("platform", str(takedown_id))
    job = Job.fetch(f"removal-{takedown_id}-answered", connection=redis, serializer=JSONSerializer)
    assert job.func_name == "workers.followup.check_removal" and list(job.args) == [takedown_id]
    page = carol.client.get(f"/console/takedowns/{takedown_id}").text
    assert re.search(r"<td>video</td><td>Removed</td>", page), "the answer is not on the notice"
    timeline = carol.client.get(f"/console/cases/{world.case_id}").text
    assert f"video answered notice {reference}: removed" in timeline
    # The platform's word is not proof: the check that finds every URL gone marks it removed.
    result = record_check(runtime, takedown_id, CheckOutcome.GONE, 404)
    assert result is not None and result.status is TakedownStatus.REMOVED


def test_a_platform_saying_not_violating_refuses_the_notice_and_opens_the_next_steps(
    carol: Console, world: World, runtime: Runtime, redis: Redis
) -> None:
    takedown_id, reference = sent_notice(carol, world, runtime)
    video = platform_key(runtime, "video", "video-site.example")
    response = answer(
        carol, video, takedown_reference=reference, outcome="not_violating", reason="other"
    )
    assert response.status_code == 201
    assert status_of(runtime, takedown_id) == TakedownStatus.REFUSED
    assert not redis.exists(f"rq:job:removal-{takedown_id}-answered")
    page = carol.client.get(f"/console/takedowns/{takedown_id}").text
    assert "<td>video</td><td>Not violating its rules (another reason)</td>" in page
    assert "Next steps" in page


def test_only_the_platform_a_sent_notice_names_may_answer_it(
    carol: Console, world: World, runtime: Runtime
) -> None:
    takedown_id = confirmed_draft(carol, world, runtime)
    with runtime.sessions() as session:
        reference = session.get_one(Takedown, takedown_id).reference
    video = platform_key(runtime, "video", "video-site.example")
    other = platform_key(runtime, "other", "other.example")
    # A draft's reference has not left the organisation.
    assert answer(carol, video, takedown_reference=reference, outcome="removed").status_code == 404
    move(carol, takedown_id, "approved", "sent")
    stolen = answer(carol, other, takedown_reference=reference, outcome="removed")
    unknown = answer(carol, other, takedown_reference="TD-ZZZZZZZZ", outcome="removed")
    assert stolen.status_code == unknown.status_code == 404
    assert stolen.json() == unknown.json()
    assert status_of(runtime, takedown_id) == TakedownStatus.SENT
    with runtime.sessions() as session:
        assert session.query(PlatformOutcome).count() == 0
    assert answer(carol, video, takedown_reference=reference, outcome="removed").status_code == 201


def quarantine_through_a_notice(
    carol: Console, world: World, runtime: Runtime
) -> tuple[int, str, dict[str, str]]:
    """video calls the notice not intimate imagery, other says so of a hit: quarantined."""
    _takedown_id, reference = sent_notice(carol, world, runtime)
    video = platform_key(runtime, "video", "video-site.example")
    other = platform_key(runtime, "other", "other.example")
    assert answer(carol, video, takedown_reference=reference, **NOT_INTIMATE).status_code == 201
    with runtime.sessions() as session:
        assert quarantine.list_quarantines(session) == []
    refresh_index(runtime)
    banked = Fingerprint.parse("pdq", world.fingerprint_hexes[0])
    token = check(carol, other, banked)["match_token"]
    assert answer(carol, other, match_token=str(token), **NOT_INTIMATE).status_code == 201
    with runtime.sessions() as session:
        held = quarantine.list_quarantines(session)
        near = session.get_one(Match, world.match_ids[0])
        assert [(q.fingerprint_id, q.platforms) for q in held] == [(near.fingerprint_id, 2)]
        return held[0].id, reference, other


def test_not_intimate_imagery_said_of_a_notice_counts_towards_quarantine(
    carol: Console, world: World, runtime: Runtime
) -> None:
    _quarantine_id, _reference, other = quarantine_through_a_notice(carol, world, runtime)
    banked = Fingerprint.parse("pdq", world.fingerprint_hexes[0])
    assert check(carol, other, banked)["verdict"] == "no_match"


def test_caseworkers_review_a_quarantine_without_ever_seeing_the_hash(
    carol: Console, mallory: Console, world: World, runtime: Runtime
) -> None:
    quarantine_id, reference, _other = quarantine_through_a_notice(carol, world, runtime)
    page = carol.client.get("/console/quarantine").text
    card = page[page.index(f'id="quarantine-{quarantine_id}"') :]
    assert f'href="/console/cases/{world.case_id}"' in card
    assert "pdq" in card and "Awaiting review" in card
    assert "<td>video</td><td>Not violating its rules (not intimate imagery)</td>" in card
    assert f"Notice {reference}" in card and "a hit in an upload check" in card
    assert "https://cdn.video-site.example/i/123.jpg" in card
    assert not any(value[:12] in page for value in world.fingerprint_hexes)
    assert f'id="quarantine-{quarantine_id}"' not in mallory.client.get("/console/quarantine").text
    assert mallory.post(f"/console/quarantine/{quarantine_id}/release").status_code == 404
    assert mallory.post(f"/console/quarantine/{quarantine_id}/remove").status_code == 404


def feed_after(carol: Console, key: dict[str, str], cursor: str | None) -> tuple[list, str]:
    params = {"cursor": cursor} if cursor else {}
    page = carol.client.get("/v1/feed", params=params, headers=key).json()
    return page["entries"], page["cursor"]


def test_releasing_a_quarantine_puts_the_fingerprint_back_in_the_bank_and_the_feed(
    carol: Console, world: World, runtime: Runtime
) -> None:
    quarantine_id, _reference, other = quarantine_through_a_notice(carol, world, runtime)
    _entries, cursor = feed_after(carol, other, None)
    assert carol.post(f"/console/quarantine/{quarantine_id}/release").status_code == 303
    delta, _cursor = feed_after(carol, other, cursor)
    assert [(e["op"], e["value"]) for e in delta] == [("add", world.fingerprint_hexes[0])]
    refresh_index(runtime)
    banked = Fingerprint.parse("pdq", world.fingerprint_hexes[0])
    assert check(carol, other, banked)["verdict"] == "match"
    with runtime.sessions() as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "quarantine_released")
        ).scalar_one()
        assert (event.actor_type, event.object_id) == ("caseworker", str(quarantine_id))
    page = carol.client.get("/console/quarantine").text
    assert "Nothing is quarantined." in page and "Released: back in the bank" in page


def test_confirming_a_removal_keeps_the_fingerprint_out_for_good(
    carol: Console, world: World, runtime: Runtime
) -> None:
    quarantine_id, _reference, other = quarantine_through_a_notice(carol, world, runtime)
    assert carol.post(f"/console/quarantine/{quarantine_id}/remove").status_code == 303
    with runtime.sessions() as session:
        held = session.get_one(FingerprintQuarantine, quarantine_id)
        assert held.removed_at is not None and held.released_at is None
        assert quarantine.list_quarantines(session) == []
        assert session.query(AuditEvent).filter_by(action="quarantine_removed").count() == 1
    refresh_index(runtime)
    banked = Fingerprint.parse("pdq", world.fingerprint_hexes[0])
    assert check(carol, other, banked)["verdict"] == "no_match"
    # A process that loads the bank from scratch leaves it out too.
    fresh = BankIndex(runtime.vault)
    with runtime.sessions() as session:
        fresh.refresh(session)
    assert fresh.match(banked) == []
    assert "Removal confirmed" in carol.client.get("/console/quarantine").text


def test_a_found_image_a_caseworker_rejected_is_no_match_for_platforms(
    carol: Console, world: World, runtime: Runtime
) -> None:
    other = platform_key(runtime, "other", "other.example")
    far = world.match_ids[1]
    with runtime.sessions() as session:
        match = session.get_one(Match, far)
        found = runtime.vault.open(Algorithm(match.algorithm), match.found_sealed)
    banked = Fingerprint.parse("pdq", world.fingerprint_hexes[4])
    refresh_index(runtime)
    assert check(carol, other, found)["verdict"] == "match"
    rejected = carol.post(f"/console/matches/{far}/reject", {"reason": "common_image"})
    assert rejected.status_code == 303
    assert check(carol, other, found)["verdict"] == "no_match"
    # A re-encoded copy of the rejected image is still that image.
    assert check(carol, other, flip(found, 3, random.Random(5)))["verdict"] == "no_match"
    # The victim's own hash, 25 bits from the rejected one, still matches.
    assert check(carol, other, banked)["verdict"] == "match"


def test_a_check_a_platforms_answer_asked_for_is_found_again_if_its_job_was_lost(
    carol: Console, world: World, runtime: Runtime
) -> None:
    takedown_id, reference = sent_notice(carol, world, runtime)
    video = platform_key(runtime, "video", "video-site.example")
    grace = timedelta(minutes=10)
    record_check(runtime, takedown_id, CheckOutcome.STILL_THERE, 200)
    later = utcnow() + grace * 2
    with runtime.sessions() as session:
        assert removal.unchecked_takedowns(session, grace=grace, now=later) == []
    claim = answer(carol, video, takedown_reference=reference, outcome="not_found")
    assert claim.status_code == 201
    with runtime.sessions() as session:
        assert removal.unchecked_takedowns(session, grace=grace, now=later) == [takedown_id]
    record_check(runtime, takedown_id, CheckOutcome.STILL_THERE, 200)
    with runtime.sessions() as session:
        assert removal.unchecked_takedowns(session, grace=grace, now=later) == []
        assert session.get_one(Takedown, takedown_id).status == TakedownStatus.ACKNOWLEDGED


def test_what_a_platform_did_with_an_upload_check_hit_shows_on_the_case(
    carol: Console, mallory: Console, world: World, runtime: Runtime
) -> None:
    other = platform_key(runtime, "other", "other.example")
    banked = Fingerprint.parse("pdq", world.fingerprint_hexes[0])
    refresh_index(runtime)
    hit = check(carol, other, banked)
    assert hit["verdict"] == "match"
    said = answer(carol, other, match_token=str(hit["match_token"]), outcome="removed")
    assert said.status_code == 201, said.text
    page = carol.client.get(f"/console/cases/{world.case_id}").text
    section = page[page.index('id="upload-checks"') :]
    assert "<td>other</td><td>Removed</td><td>pdq</td><td>0</td>" in section
    assert world.fingerprint_hexes[0][:12] not in page
