"""Line breaks where a header is made: the language switch's `next` and an organisation's name."""

from __future__ import annotations

import email
import email.policy

import httpx
import pytest

from casework.db import transaction
from casework.models import Organisation
from casework.runtime import Runtime
from tests.factories import confirmed_draft
from tests.personas import Console, World


@pytest.mark.battery("H15")
@pytest.mark.parametrize(
    "back",
    [
        "/console/queue\r\nSet-Cookie: planted=1",
        "/console/queue\nX-Planted: 1",
        "/console/\x00",
        "/console/caf\u20ac",
    ],
)
def test_a_line_break_or_a_non_ascii_character_in_next_of_the_language_switch_goes_home(
    live_server: str, world: World, back: str
) -> None:
    # Over uvicorn, whose HTTP layer is where a header with a line break used to fail.
    with httpx.Client(base_url=live_server, headers={"Host": "testserver"}) as client:
        carol = Console(client).login("carol@voorbeeld.example")  # type: ignore[arg-type]
        response = carol.post("/console/language", {"lang": "nl", "next": back})
        assert response.status_code == 303  # type: ignore[attr-defined]
        assert response.headers["location"] == "/console/"  # type: ignore[attr-defined]
        assert "planted" not in response.headers  # type: ignore[attr-defined]
        kept = carol.post("/console/language", {"lang": "en", "next": "/console/queue"})
        assert kept.headers["location"] == "/console/queue"  # type: ignore[attr-defined]


@pytest.mark.battery("H16")
def test_an_organisation_name_with_a_line_break_still_exports_as_one_from_line(
    carol: Console, world: World, runtime: Runtime
) -> None:
    with transaction(runtime.sessions) as session:
        home = session.get_one(Organisation, world.organisation_id)
        home.name = "Stichting\r\nBcc: someone@elsewhere.example\nVoorbeeld"
    takedown_id = confirmed_draft(carol, world, runtime)
    approved = carol.post(f"/console/takedowns/{takedown_id}/status", {"status": "approved"})
    assert approved.status_code == 303  # type: ignore[attr-defined]
    eml = carol.post(f"/console/takedowns/{takedown_id}/export", {"format": "eml"})
    assert eml.status_code == 200  # type: ignore[attr-defined]
    message = email.message_from_bytes(eml.content, policy=email.policy.default)  # type: ignore[attr-defined]
    sender = message["From"].addresses[0]
    assert sender.display_name == "Stichting Bcc: someone@elsewhere.example Voorbeeld"
    assert sender.addr_spec == "notices@voorbeeld.example"
    assert message["Bcc"] is None
