"""An e-mail address may hold an account in each organisation, so adding one tells an admin
nothing about accounts elsewhere."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.personas import PASSWORD, Console, World


def add_account(olga: Console, email: str, name: str) -> tuple[int, str, str]:
    """Status, the page with the address, name and first password masked, and the password."""
    page = olga.post("/console/admin/accounts", {"name": name, "email": email, "role": "admin"})
    text: str = page.text  # type: ignore[attr-defined]
    found = re.search(r'<code class="secret">([^<]+)</code>', text)
    password = found.group(1) if found else ""
    for secret in (email, name, password):
        text = text.replace(secret, "*") if secret else text
    return page.status_code, text, password  # type: ignore[attr-defined]


@pytest.mark.battery("A17")
def test_a17_adding_an_address_that_has_an_account_elsewhere_answers_as_for_a_new_one(
    app: FastAPI, world: World, olga: Console
) -> None:
    # olga's page lists her own organisation's accounts, so compare the answers with the
    # account tables removed: mallory (another organisation's admin) is listed in neither.
    new = add_account(olga, "bob@voorbeeld.example", "Bob Visser")
    elsewhere = add_account(olga, "mallory@elsewhere.example", "Mal Lory")
    assert new[0] == elsewhere[0] == 200
    assert re.sub(r"<tbody>.*?</tbody>", "", new[1], flags=re.S) == re.sub(
        r"<tbody>.*?</tbody>", "", elsewhere[1], flags=re.S
    )
    # Each account is reached with its own password; the other organisation's is untouched.
    with TestClient(app) as here, TestClient(app) as there:
        home = Console(here).login("mallory@elsewhere.example", elsewhere[2])
        assert "Stichting Voorbeeld" in home.client.get("/console/queue").text
        away = Console(there).login("mallory@elsewhere.example", PASSWORD)
        assert "Elsewhere Support" in away.client.get("/console/queue").text


def test_an_address_already_in_the_admins_own_organisation_is_refused(olga: Console) -> None:
    assert add_account(olga, "bob@voorbeeld.example", "Bob Visser")[0] == 200
    again = olga.post(
        "/console/admin/accounts",
        {"name": "Bob Again", "email": "BOB@voorbeeld.example", "role": "caseworker"},
    )
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "exists already" in again.text  # type: ignore[attr-defined]
