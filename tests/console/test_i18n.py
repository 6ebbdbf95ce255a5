"""The console speaks the catalogue's Dutch, down to the texts it shows from casework."""

from __future__ import annotations

from fastapi.testclient import TestClient

from casework.errors import (
    AdultRouteBlocked,
    CredentialChecksBusy,
    LoginFailed,
    RequestForgery,
)
from casework.notices.regimes import FIELDS, SPECS
from hashing.translations import translation
from tests.personas import Console


def shown_domain_texts() -> set[str]:
    """Texts from casework that the console shows: regimes, fields and errors."""
    texts = {spec.title for spec in SPECS.values()} | {spec.warning for spec in SPECS.values()}
    texts |= {field.label for field in FIELDS.values()}
    texts |= {str(LoginFailed()), str(RequestForgery()), str(AdultRouteBlocked())}
    texts.add(str(CredentialChecksBusy()))
    return texts - {""}


def test_every_casework_text_the_console_shows_has_a_dutch_translation() -> None:
    dutch = translation("nl")
    texts = shown_domain_texts()
    assert len(texts) > 20
    assert sorted(text for text in texts if dutch.gettext(text) == text) == []


def test_a_dutch_browser_gets_the_console_in_dutch_and_an_english_one_in_english(
    client: TestClient,
) -> None:
    dutch = client.get("/console/login", headers={"accept-language": "nl-NL,nl;q=0.9"}).text
    client.cookies.clear()  # the first visit left a session that remembers Dutch
    english = client.get("/console/login", headers={"accept-language": "en-GB"}).text
    assert '<html lang="nl">' in dutch and "Inloggen" in dutch and "Log in" not in dutch
    assert '<html lang="en">' in english and "Log in" in english


def test_in_dutch_the_console_calls_notices_what_the_glossary_calls_them(carol: Console) -> None:
    carol.post("/console/language", {"lang": "nl", "next": "/console/takedowns"})
    page = carol.client.get("/console/takedowns").text
    assert 'aria-current="page">Verwijderverzoeken</a>' in page
    assert "<h1>Verwijderverzoeken</h1>" in page and "Meldingen" not in page
    assert ">Zaken</a>" in page
