"""A notice's life: draft, approve, export, send, the 48-hour clock, escalation, under-18."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

from casework.db import transaction, utcnow
from casework.models import Case, Takedown
from casework.runtime import Runtime
from tests.factories import confirmed_draft
from tests.personas import Console, World


def test_a_registered_platform_gets_its_regime_and_channel(
    carol: Console, world: World, runtime: Runtime
) -> None:
    takedown_id = confirmed_draft(carol, world, runtime)
    with runtime.sessions() as session:
        takedown = session.get_one(Takedown, takedown_id)
        assert (takedown.platform, takedown.regime, takedown.deadline_hours) == (
            "Video Site",
            "take_it_down",
            48,
        )
        assert takedown.channel == "notices@video-site.example"


def test_exports_are_refused_before_approval(
    carol: Console, world: World, runtime: Runtime
) -> None:
    takedown_id = confirmed_draft(carol, world, runtime)
    response = carol.post(f"/console/takedowns/{takedown_id}/export", {"format": "pdf"})
    assert response.status_code == 409


def test_an_approved_notice_exports_as_text_eml_and_pdf(
    carol: Console, world: World, runtime: Runtime
) -> None:
    takedown_id = confirmed_draft(carol, world, runtime)
    assert (
        carol.post(f"/console/takedowns/{takedown_id}/status", {"status": "approved"}).status_code
        == 303
    )
    text = carol.post(f"/console/takedowns/{takedown_id}/export", {"format": "txt"})
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text.startswith("Subject: TAKE IT DOWN Act removal request")
    eml = carol.post(f"/console/takedowns/{takedown_id}/export", {"format": "eml"})
    assert eml.headers["content-disposition"].endswith('.eml"')
    message = email.message_from_bytes(eml.content, policy=email.policy.default)
    assert message["To"] == "notices@video-site.example"
    assert message["From"].addresses[0].addr_spec == "notices@voorbeeld.example"
    assert message["Date"] and message["Message-ID"]
    body = message.get_body().get_content()
    assert "https://cdn.video-site.example/i/123.jpg" in body
    assert "authorised agent" in body
    pdf = carol.post(f"/console/takedowns/{takedown_id}/export", {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF-") and pdf.headers["content-type"] == "application/pdf"
    with runtime.sessions() as session:
        from casework.models import AuditEvent

        assert session.query(AuditEvent).filter_by(action="takedown_exported").count() == 3


def test_sending_starts_the_48_hour_clock_and_an_overdue_notice_is_highlighted(
    carol: Console, world: World, runtime: Runtime
) -> None:
    takedown_id = confirmed_draft(carol, world, runtime)
    for status in ("approved", "sent"):
        assert (
            carol.post(f"/console/takedowns/{takedown_id}/status", {"status": status}).status_code
            == 303
        )
    with transaction(runtime.sessions) as session:
        takedown = session.get_one(Takedown, takedown_id)
        assert takedown.deadline_at - takedown.sent_at == timedelta(hours=48)
        assert takedown.approved_at and takedown.sent_at
        takedown.sent_at -= timedelta(hours=49)
        takedown.deadline_at = utcnow() - timedelta(hours=1)
    listing = carol.client.get("/console/takedowns").text
    assert 'class="overdue"' in listing
    page = carol.client.get(f"/console/takedowns/{takedown_id}").text
    assert "overdue" in page and "Next steps" in page and "Federal Trade Commission" in page
    follow = carol.post(f"/console/takedowns/{takedown_id}/follow-up")
    assert follow.status_code == 303
    with runtime.sessions() as session:
        hosting = session.query(Takedown).filter(Takedown.id != takedown_id).one()
        assert hosting.regime == "generic" and hosting.platform.startswith("Hosting provider")


def test_a_refused_notice_suggests_next_steps(
    carol: Console, world: World, runtime: Runtime
) -> None:
    takedown_id = confirmed_draft(carol, world, runtime)
    for status in ("approved", "sent", "refused"):
        assert (
            carol.post(f"/console/takedowns/{takedown_id}/status", {"status": status}).status_code
            == 303
        )
    page = carol.client.get(f"/console/takedowns/{takedown_id}").text
    assert "Search engines" in page and "Hosting provider" in page
    with runtime.sessions() as session:
        assert session.get_one(Takedown, takedown_id).refused_at is not None


def test_statuses_only_move_forward_along_the_allowed_paths(
    carol: Console, world: World, runtime: Runtime
) -> None:
    takedown_id = confirmed_draft(carol, world, runtime)
    assert (
        carol.post(f"/console/takedowns/{takedown_id}/status", {"status": "sent"}).status_code
        == 409
    )
    assert (
        carol.post(f"/console/takedowns/{takedown_id}/status", {"status": "nonsense"}).status_code
        == 422
    )


def test_an_under_18_case_blocks_the_adult_route_and_shows_child_protection_channels(
    carol: Console, world: World, runtime: Runtime
) -> None:
    takedown_id = confirmed_draft(carol, world, runtime)
    assert (
        carol.post(f"/console/cases/{world.case_id}/under-18", {"under_18": "yes"}).status_code
        == 303
    )
    with runtime.sessions() as session:
        assert session.get_one(Case, world.case_id).under_18
    refused = carol.post(f"/console/takedowns/{takedown_id}/status", {"status": "approved"})
    assert refused.status_code == 409 and "under 18" in refused.text
    page = carol.client.get(f"/console/cases/{world.case_id}").text
    for channel in ("NCMEC Take It Down", "NCMEC CyberTipline", "Internet Watch Foundation"):
        assert channel in page
    for dutch in ("Meldpunt Kinderporno", "offlimits.nl", "helpwanted.nl", "kindertelefoon.nl"):
        assert dutch in page
    assert carol.post(f"/console/matches/{world.match_ids[1]}/confirm").status_code == 303
    assert carol.post(f"/console/cases/{world.case_id}/takedowns").status_code == 409
