"""The victim API tells a case's timeline and a report's progress in the client's language."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import open_case

DUTCH = {"accept-language": "nl-NL,nl;q=0.9,en;q=0.5"}


def test_the_timeline_is_told_in_the_language_the_client_prefers(client: TestClient) -> None:
    opened = open_case(client)
    auth = (opened["case_id"], opened["pin"])
    english = client.get("/v1/case", auth=auth).json()["timeline"]
    dutch = client.get("/v1/case", auth=auth, headers=DUTCH).json()["timeline"]
    assert [(e["kind"], e["params"]) for e in dutch] == [(e["kind"], e["params"]) for e in english]
    assert [e["text"] for e in english] == [
        "You opened this case.",
        "8 fingerprints are in the hash bank.",
    ]
    assert [e["text"] for e in dutch] == [
        "Je hebt deze zaak gestart.",
        "8 vingerafdrukken staan in de hashbank.",
    ]


def test_a_reports_progress_is_told_in_the_language_the_client_prefers(
    client: TestClient,
) -> None:
    opened = open_case(client, seed=5)
    auth = (opened["case_id"], opened["pin"])
    urls = {"urls": ["https://leaks.example/a.jpg"]}
    report = client.post("/v1/reports", json=urls, auth=auth, headers=DUTCH).json()
    assert [(i["progress"], i["text"]) for i in report["items"]] == [
        ("queued", "Wacht op controle.")
    ]
    again = client.get(f"/v1/reports/{report['report_id']}", auth=auth).json()
    assert [i["text"] for i in again["items"]] == ["Waiting to be checked."]
