"""The review queue: order, decisions, the allow-list, no hash or image ever on a page."""

from __future__ import annotations

import pytest

from casework.bank.bank import BankIndex
from casework.bank.matching import find_matches
from casework.models import AllowedMatch, AuditEvent, Match, MatchStatus
from casework.runtime import Runtime
from hashing.fingerprint import Algorithm
from tests.factories import add_video_match
from tests.personas import Console, World


def test_queue_lists_pending_matches_closest_first_as_text(carol: Console, world: World) -> None:
    page = carol.client.get("/console/queue")
    assert page.status_code == 200
    html = page.text
    near, far = world.match_ids
    assert html.index(f'id="match-{near}"') < html.index(f'id="match-{far}"')
    assert "https://cdn.video-site.example/i/123.jpg" in html
    assert "Video Site" in html and "not in the registry" not in html.split(f"match-{far}")[0]
    assert "<img" not in html and '<a href="https://cdn' not in html
    for value in world.fingerprint_hexes:
        assert value not in html


def test_confirming_a_match_takes_it_off_the_queue(
    carol: Console, world: World, runtime: Runtime
) -> None:
    near = world.match_ids[0]
    response = carol.post(f"/console/matches/{near}/confirm")
    assert response.status_code == 303
    with runtime.sessions() as session:
        assert session.get_one(Match, near).status == MatchStatus.CONFIRMED
    assert f'id="match-{near}"' not in carol.client.get("/console/queue").text


def test_a_rejected_match_goes_on_the_allow_list_and_does_not_come_back(
    carol: Console, world: World, runtime: Runtime
) -> None:
    far = world.match_ids[1]
    response = carol.post(f"/console/matches/{far}/reject", {"reason": "different_image"})
    assert response.status_code == 303
    with runtime.sessions() as session:
        match = session.get_one(Match, far)
        assert match.status == MatchStatus.REJECTED
        assert session.query(AllowedMatch).filter_by(fingerprint_id=match.fingerprint_id).count()
        found = runtime.vault.open(Algorithm(match.algorithm), match.found_sealed)
        bank = BankIndex(runtime.vault)
        bank.refresh(session)
        assert bank.match(found), "the bank still holds the fingerprint"
        assert (
            find_matches(
                session, bank=bank, image_url="https://x.example/a.png", fingerprints=[found]
            )
            == []
        )


def test_rejecting_needs_a_reason(carol: Console, world: World) -> None:
    response = carol.post(f"/console/matches/{world.match_ids[1]}/reject", {"reason": ""})
    assert response.status_code == 422
    assert "Choose why" in response.text


@pytest.mark.parametrize("kind", ["matches", "video-matches"])
def test_a_failed_decision_on_an_image_or_a_video_goes_back_to_the_queue(
    carol: Console, world: World, runtime: Runtime, kind: str
) -> None:
    # The video copy of the handlers once sent the caseworker back to /console/video-matches/<id>,
    # a page that does not exist, and a missing video match back to the dashboard.
    match_id = world.match_ids[1]
    if kind == "video-matches":
        match_id = add_video_match(
            runtime,
            case_id=world.case_id,
            page_url="https://www.video-site.example/watch/9",
            video_url="https://cdn.video-site.example/v/9.mp4",
        )

    unreasoned = carol.post(f"/console/{kind}/{match_id}/reject", {"reason": ""})
    missing = carol.client.get(f"/console/{kind}/{match_id + 1000}/open")

    assert unreasoned.status_code == 422
    assert missing.status_code == 404
    for page in (unreasoned, missing):
        assert '<a href="/console/queue">' in page.text


def test_opening_a_url_warns_first_and_is_audited(
    carol: Console, world: World, runtime: Runtime
) -> None:
    near = world.match_ids[0]
    warning = carol.client.get(f"/console/matches/{near}/open")
    assert "may show intimate images" in warning.text
    opened = carol.post(f"/console/matches/{near}/open", {"which": "page"})
    assert opened.status_code == 303
    assert opened.headers["location"] == "https://www.video-site.example/watch/123"
    with runtime.sessions() as session:
        assert session.query(AuditEvent).filter_by(action="match_url_opened").count() == 1
