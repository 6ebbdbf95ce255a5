"""A caseworker adds URLs to a case (queued as a victim's report is) and opens victims' notes,
each written to the audit log; another organisation's caseworker can do neither."""

from __future__ import annotations

import json

from redis import Redis
from sqlalchemy import select

from casework.db import transaction
from casework.models import AuditEvent, Case, Report
from casework.reports.reports import Reporter, ReporterKind, create_report
from casework.runtime import Runtime
from tests.personas import ORIGIN, Console, World
from workers.queues import job_id, make_queue

NOTE = "My ex posted these; the second site copies the first.\nPlease hurry."
LEAKS = ["https://forum.eu.example/t/10", "https://cdn.video-site.example/i/77.jpg"]


def audit_events(runtime: Runtime, action: str) -> list[AuditEvent]:
    with runtime.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def victim_report_with_note(runtime: Runtime, world: World) -> int:
    with transaction(runtime.sessions) as session:
        case = session.get_one(Case, world.case_id)
        report = create_report(
            session,
            reporter=Reporter(ReporterKind.VICTIM, case=case),
            urls=["https://leaks.example/album/1"],
            note=NOTE,
            vault=runtime.vault,
        )
        return report.id


def test_carol_adds_urls_that_are_queued_like_a_victims_report_and_audited(
    carol: Console, world: World, runtime: Runtime, redis: Redis
) -> None:
    response = carol.post(
        f"/console/cases/{world.case_id}/reports", {"urls": "\n".join(["", *LEAKS, " "])}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/cases/{world.case_id}#reports"

    with runtime.sessions() as session:
        report = session.scalars(select(Report).where(Report.reporter_kind == "caseworker")).one()
        assert report.case_id == world.case_id and report.note_sealed is None
        items = [(item.url, item.status) for item in report.items]
        ids = [item.id for item in report.items]
    assert items == [(url, "queued") for url in LEAKS]
    jobs = make_queue("reports", redis).get_jobs()
    assert sorted(job.id for job in jobs) == sorted(job_id(item_id) for item_id in ids)
    assert {job.func_name for job in jobs} == {"workers.reports.fetch_and_match"}
    [event] = audit_events(runtime, "report_added")
    assert (event.object_type, event.object_id) == ("case", str(world.case_id))
    assert json.loads(event.details_json) == {"report": report.id, "urls": 2}
    assert "example" not in event.details_json

    page = carol.client.get(f"/console/cases/{world.case_id}").text
    assert "Add URLs to check for this case (one a line, at most 100)" in page
    for url in LEAKS:
        assert url in page


def test_mallory_cannot_add_urls_and_a_form_without_its_token_is_refused(
    carol: Console, mallory: Console, world: World, runtime: Runtime
) -> None:
    assert (
        mallory.post(f"/console/cases/{world.case_id}/reports", {"urls": LEAKS[0]}).status_code
        == 404
    )
    forged = carol.client.post(
        f"/console/cases/{world.case_id}/reports",
        data={"urls": LEAKS[0]},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    refused = carol.post(f"/console/cases/{world.case_id}/reports", {"urls": "ftp://x.example/1"})
    assert refused.status_code == 422
    with runtime.sessions() as session:
        assert (
            session.scalars(select(Report).where(Report.reporter_kind == "caseworker")).all() == []
        )
    assert audit_events(runtime, "report_added") == []


def test_a_victims_note_is_shown_only_after_its_opening_is_audited(
    carol: Console, world: World, runtime: Runtime
) -> None:
    report_id = victim_report_with_note(runtime, world)
    case_page = carol.client.get(f"/console/cases/{world.case_id}").text
    assert "Open note" in case_page and "My ex" not in case_page
    assert audit_events(runtime, "report_note_opened") == []

    opened = carol.post(f"/console/cases/{world.case_id}/reports/{report_id}/note")
    assert opened.status_code == 200
    assert "My ex posted these; the second site copies the first.\nPlease hurry." in opened.text
    assert opened.headers["cache-control"] == "no-store"
    [event] = audit_events(runtime, "report_note_opened")
    assert (event.object_type, event.object_id) == ("report", str(report_id))
    assert json.loads(event.details_json) == {"case_id": world.case_id}
    with runtime.sessions() as session:
        carol_id = (
            session.execute(
                select(AuditEvent.actor_id)
                .where(AuditEvent.action == "login")
                .order_by(AuditEvent.id)
            )
            .scalars()
            .first()
        )
    assert event.actor_type == "caseworker" and event.actor_id == carol_id


def test_mallory_cannot_open_the_note_and_nothing_is_audited_for_her(
    mallory: Console, carol: Console, world: World, runtime: Runtime
) -> None:
    report_id = victim_report_with_note(runtime, world)
    assert (
        mallory.post(f"/console/cases/{world.case_id}/reports/{report_id}/note").status_code == 404
    )
    # A report without a note, or one of another case, has nothing to open.
    with runtime.sessions() as session:
        without_note = session.scalars(
            select(Report.id).where(Report.note_sealed.is_(None))
        ).first()
    assert (
        carol.post(f"/console/cases/{world.case_id}/reports/{without_note}/note").status_code == 404
    )
    assert audit_events(runtime, "report_note_opened") == []
