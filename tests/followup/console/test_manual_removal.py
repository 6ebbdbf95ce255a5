"""A caseworker's "Mark as removed" is her word until a removal check finds every URL gone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from redis import Redis
from sqlalchemy import select

from casework.db import utcnow
from casework.desk.evidence import build_bundle
from casework.models import AuditEvent, Case, Takedown, WatchedUrl
from casework.notices.removal import unchecked_takedowns
from casework.runtime import Runtime
from casework.victims.timeline import case_timeline
from tests.followup.conftest import Leak
from tests.harness import ContentServer
from tests.personas import Console, World
from workers.followup import check_removal
from workers.queues import make_queue, removal_job_id

MakeLeak = Callable[..., Leak]


def takedown_of(runtime: Runtime, takedown_id: int) -> Takedown:
    with runtime.sessions() as session:
        return session.get_one(Takedown, takedown_id)


def victim_sentences(runtime: Runtime, case_id: int) -> list[tuple[str, str]]:
    with runtime.sessions() as session:
        case = session.get_one(Case, case_id)
        return [(event.kind, event.text) for event in case_timeline(session, case=case)]


def notice_status_in_bundle(runtime: Runtime, leak: Leak) -> tuple[dict[str, object], list[str]]:
    with runtime.sessions() as session:
        case = session.get_one(Case, leak.case_id)
        bundle = build_bundle(session, case=case, vault=runtime.vault)
    [notice] = bundle["notices"]
    return notice, [check["outcome"] for check in bundle["checks"]]


def mark_removed(carol: Console, leak: Leak) -> None:
    response = carol.post(f"/console/takedowns/{leak.takedown_id}/status", {"status": "removed"})
    assert response.status_code == 303, response.text


def test_marking_removed_records_the_caseworkers_word_and_queues_a_check_at_once(
    carol: Console, world: World, runtime: Runtime, redis: Redis, make_leak: MakeLeak
) -> None:
    leak = make_leak()
    mark_removed(carol, leak)
    takedown = takedown_of(runtime, leak.takedown_id)
    assert takedown.status == "sent" and takedown.removed_at is None
    assert takedown.reported_removed_at is not None and takedown.reported_removed_by is not None
    queued = make_queue("maintenance", redis).job_ids
    assert removal_job_id(leak.takedown_id, "reported") in queued
    page = carol.client.get(f"/console/takedowns/{leak.takedown_id}").text
    assert "Carol Jansen reported the content removed on" in page
    assert "a removal check is queued or running" in page
    told = victim_sentences(runtime, leak.case_id)
    assert (
        "reported_removed",
        "A caseworker reported that 127.0.0.1 removed the image; we are checking that it is gone.",
    ) in told
    assert not any(kind == "removed" for kind, _ in told)
    with runtime.sessions() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == str(leak.takedown_id))
        ).all()
    assert "takedown_reported_removed" in actions and "takedown_status" not in actions


def test_marking_removed_with_the_image_still_there_stays_reported_and_is_never_removed(
    carol: Console, world: World, runtime: Runtime, make_leak: MakeLeak
) -> None:
    leak = make_leak()
    mark_removed(carol, leak)
    check_removal(leak.takedown_id)
    takedown = takedown_of(runtime, leak.takedown_id)
    assert takedown.status == "sent" and takedown.removed_at is None
    page = carol.client.get(f"/console/takedowns/{leak.takedown_id}").text
    assert "but the check after it found it still there: the notice is not removed" in page
    listed = carol.client.get("/console/takedowns").text
    assert "reported removed by a caseworker, not proven by a check" in listed
    assert page.count('<tr class="check still_there">') == 2
    told = victim_sentences(runtime, leak.case_id)
    assert ("checked", "We checked 127.0.0.1: the image is still there.") in told
    assert not any(kind == "removed" or "we checked that it is gone" in text for kind, text in told)
    notice, outcomes = notice_status_in_bundle(runtime, leak)
    assert notice["status"] == "sent" and notice["reported_removed"] is not None
    assert outcomes == ["still_there", "still_there"]
    with runtime.sessions() as session:
        assert session.scalars(select(WatchedUrl)).all() == []


def test_marking_removed_with_the_image_gone_becomes_removed_after_the_check_and_is_watched(
    carol: Console,
    world: World,
    runtime: Runtime,
    make_leak: MakeLeak,
    content_server: ContentServer,
) -> None:
    leak = make_leak()
    del content_server.routes[leak.image_path]
    del content_server.routes[leak.page_path]
    mark_removed(carol, leak)
    assert takedown_of(runtime, leak.takedown_id).status == "sent"
    check_removal(leak.takedown_id)
    takedown = takedown_of(runtime, leak.takedown_id)
    assert takedown.status == "removed" and takedown.removed_at is not None
    with runtime.sessions() as session:
        watched = session.scalars(select(WatchedUrl).order_by(WatchedUrl.id)).all()
    assert sorted(w.url for w in watched) == sorted(
        content_server.base + path for path in (leak.page_path, leak.image_path)
    )
    assert {(w.source, w.takedown_id) for w in watched} == {("removed", leak.takedown_id)}
    page = carol.client.get(f"/console/takedowns/{leak.takedown_id}").text
    assert "a check then found every URL gone" in page
    assert "not proven by a check" not in carol.client.get("/console/takedowns").text
    kinds = [kind for kind, _ in victim_sentences(runtime, leak.case_id)]
    assert kinds.index("reported_removed") < kinds.index("checked") <= kinds.index("removed")
    notice, outcomes = notice_status_in_bundle(runtime, leak)
    assert notice["status"] == "removed" and outcomes == ["gone", "gone"]


def test_the_notice_page_lists_its_evidence_rows_in_english_and_dutch(
    carol: Console,
    world: World,
    runtime: Runtime,
    make_leak: MakeLeak,
    content_server: ContentServer,
) -> None:
    leak = make_leak()
    del content_server.routes[leak.image_path]
    content_server.add(leak.page_path, "text/html", b"<html><body>gone</body></html>")
    check_removal(leak.takedown_id)
    english = carol.client.get(f"/console/takedowns/{leak.takedown_id}").text
    assert '<td class="nowrap">404</td>' in english
    assert '<td class="nowrap">200</td>' in english
    assert "gone: the page no longer shows a matching image or video" in english
    assert "removal check" in english
    assert carol.post("/console/language", {"lang": "nl"}).status_code == 303
    dutch = carol.client.get(f"/console/takedowns/{leak.takedown_id}").text
    assert "weg: de pagina toont geen overeenkomende afbeelding of video meer" in dutch
    assert "verwijdercontrole" in dutch and "no_matching_image" not in dutch


def test_a_reported_removal_whose_check_job_was_lost_is_queued_again_by_the_reconciler(
    carol: Console, world: World, runtime: Runtime, make_leak: MakeLeak
) -> None:
    leak = make_leak()
    check_removal(leak.takedown_id)
    grace = timedelta(minutes=runtime.settings.removal_check_grace_minutes)
    later = utcnow() + grace * 2
    with runtime.sessions() as session:
        assert unchecked_takedowns(session, grace=grace, now=later) == []
    mark_removed(carol, leak)
    with runtime.sessions() as session:
        assert unchecked_takedowns(session, grace=grace, now=later) == [leak.takedown_id]
