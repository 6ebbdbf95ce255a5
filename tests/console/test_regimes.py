"""One test per regime: the draft carries every required field, and approval names a missing one."""

from __future__ import annotations

import json

import pytest

from casework.db import transaction
from casework.models import Match, Takedown
from casework.notices.regimes import FIELDS, SPECS, Regime
from casework.runtime import Runtime
from tests.personas import Console, World

#: What a caseworker must add by hand for each regime (nothing else is left empty).
FILLED_BY_HAND = {Regime.DMCA: {"copyrighted_work": "Photographs taken by the person depicted."}}


def draft_under(carol: Console, world: World, runtime: Runtime, regime: Regime) -> int:
    near = world.match_ids[0]
    assert carol.post(f"/console/matches/{near}/confirm").status_code == 303
    response = carol.post(f"/console/cases/{world.case_id}/takedowns", {"regime": regime.value})
    assert response.status_code == 303, response.text
    with runtime.sessions() as session:
        return session.query(Takedown).one().id


@pytest.mark.parametrize("regime", list(Regime))
def test_the_draft_carries_every_required_field_of_its_regime(
    carol: Console, world: World, runtime: Runtime, regime: Regime
) -> None:
    takedown_id = draft_under(carol, world, runtime, regime)
    if regime in FILLED_BY_HAND:
        fields = {"regime": regime.value, **FILLED_BY_HAND[regime]}
        assert carol.post(f"/console/takedowns/{takedown_id}/edit", fields).status_code == 303
    with runtime.sessions() as session:
        takedown = session.get_one(Takedown, takedown_id)
        fields = json.loads(takedown.fields_json)
        match = session.get_one(Match, world.match_ids[0])
    page = carol.client.get(f"/console/takedowns/{takedown_id}").text
    letter = page.split('<pre class="letter">')[1]
    for name in SPECS[regime].required:
        assert fields[name].strip(), name
        first_line = fields[name].splitlines()[0]
        assert first_line.replace("'", "&#39;") in letter, name
    assert match.image_url in letter
    assert "Carol Jansen, for Stichting Voorbeeld, authorised agent" in fields["signature"]
    approved = carol.post(f"/console/takedowns/{takedown_id}/status", {"status": "approved"})
    assert approved.status_code == 303, approved.text


@pytest.mark.parametrize(
    ("regime", "field"),
    [
        (regime, SPECS[regime].required[index % len(SPECS[regime].required)])
        for index, regime in enumerate(Regime)
    ],
)
def test_approval_is_refused_with_a_message_naming_the_missing_field(
    carol: Console, world: World, runtime: Runtime, regime: Regime, field: str
) -> None:
    takedown_id = draft_under(carol, world, runtime, regime)
    edits = {"regime": regime.value, **FILLED_BY_HAND.get(regime, {}), field: "  "}
    assert carol.post(f"/console/takedowns/{takedown_id}/edit", edits).status_code == 303
    refused = carol.post(f"/console/takedowns/{takedown_id}/status", {"status": "approved"})
    assert refused.status_code == 422
    assert "cannot be approved" in refused.text
    assert f"\u201c{FIELDS[field].label}\u201d" in refused.text
    assert SPECS[regime].citation.split(" (")[0] in refused.text
    with runtime.sessions() as session:
        assert session.get_one(Takedown, takedown_id).status == "draft"


def test_an_organisation_without_contact_details_cannot_approve_until_it_adds_them(
    carol: Console, olga: Console, world: World, runtime: Runtime
) -> None:
    with transaction(runtime.sessions) as session:
        from casework.models import Organisation

        home = session.get_one(Organisation, world.organisation_id)
        home.contact_email, home.postal_address = "", ""
    takedown_id = draft_under(carol, world, runtime, Regime.TAKE_IT_DOWN)
    refused = carol.post(f"/console/takedowns/{takedown_id}/status", {"status": "approved"})
    assert refused.status_code == 422 and "Contact information" in refused.text


def test_the_dmca_regime_warns_that_it_may_expose_the_requester(
    carol: Console, world: World, runtime: Runtime
) -> None:
    takedown_id = draft_under(carol, world, runtime, Regime.DMCA)
    page = carol.client.get(f"/console/takedowns/{takedown_id}").text
    assert "may expose the requester" in page
