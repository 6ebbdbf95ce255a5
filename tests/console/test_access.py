"""A caseworker sees only their organisation's cases: everything else is 404, not 403."""

from __future__ import annotations

from casework.db import transaction
from casework.models import Case
from casework.runtime import Runtime
from tests.personas import Console, World


def test_a_caseworker_of_another_organisation_gets_404_for_the_case(
    mallory: Console, world: World
) -> None:
    assert mallory.get(f"/console/cases/{world.case_id}").status_code == 404
    assert mallory.get("/console/cases/999999").status_code == 404


def test_mallory_can_neither_see_nor_decide_alices_matches(mallory: Console, world: World) -> None:
    assert f"match-{world.match_ids[0]}" not in mallory.client.get("/console/queue").text
    assert mallory.post(f"/console/matches/{world.match_ids[0]}/confirm").status_code == 404
    assert mallory.get(f"/console/matches/{world.match_ids[0]}/open").status_code == 404
    assert mallory.post(f"/console/cases/{world.case_id}/takedowns").status_code == 404


def test_carol_sees_the_unassigned_case_of_the_default_organisation(
    carol: Console, world: World
) -> None:
    page = carol.get(f"/console/cases/{world.case_id}")
    assert page.status_code == 200
    assert "Fingerprints" in page.text
    for value in world.fingerprint_hexes:
        assert value not in page.text


def test_an_assigned_case_moves_to_the_other_organisation(
    olga: Console, mallory: Console, carol: Console, world: World, runtime: Runtime
) -> None:
    response = olga.post(f"/console/cases/{world.case_id}/assign", {"slug": "elsewhere-support"})
    assert response.status_code == 303
    with runtime.sessions() as session:
        assert session.get_one(Case, world.case_id).organisation_id == world.other_organisation_id
    assert carol.get(f"/console/cases/{world.case_id}").status_code == 404
    assert mallory.get(f"/console/cases/{world.case_id}").status_code == 200


def test_only_admins_manage_accounts(carol: Console, olga: Console, world: World) -> None:
    assert carol.get("/console/admin/accounts").status_code == 403
    assign = f"/console/cases/{world.case_id}/assign"
    assert carol.post(assign, {"slug": "elsewhere-support"}).status_code == 403
    created = olga.post(
        "/console/admin/accounts",
        {"name": "Bob Visser", "email": "bob@voorbeeld.example", "role": "caseworker"},
    )
    assert created.status_code == 200
    assert "bob@voorbeeld.example" in created.text and "shown only now" in created.text


def test_a_case_assigned_elsewhere_is_not_in_the_default_organisations_queue(
    carol: Console, world: World, runtime: Runtime
) -> None:
    with transaction(runtime.sessions) as session:
        session.get_one(Case, world.case_id).organisation_id = world.other_organisation_id
    assert "match-" not in carol.client.get("/console/queue").text
