"""The platform's journey: the operator issues a key with the CLI; the platform checks at once."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

from hashing.algorithms import hash_file
from tests.journeys.conftest import Installation

IMAGE = Path(__file__).resolve().parents[1] / "vectors" / "pdq" / "images" / "aaa-orig.jpg"


def check(installation: Installation, key: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(  # noqa: S310
        installation.url + "/v1/check",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        answer: dict[str, object] = json.loads(response.read())
        return answer


def test_a_key_issued_by_the_cli_checks_uploads_on_the_running_api_at_once(
    installation: Installation,
) -> None:
    installation.takedown("submit", str(IMAGE), "--save", "platform-case.json")
    installation.takedown("platforms", "add", "example", "--domain", "example.com")
    issued = installation.takedown("keys", "issue", "example", "--scope", "check").stdout
    key = re.search(r"td_\S+", issued)
    assert key is not None, issued
    pdq = next(fp for fp in hash_file(IMAGE.read_bytes()).fingerprints if fp.algorithm == "pdq")
    answer = check(
        installation, key.group(0), {"fingerprints": [{"algorithm": "pdq", "value": pdq.hex}]}
    )
    results = answer["results"]
    assert isinstance(results, list)
    assert results[0]["verdict"] == "match"


def test_a_flagger_key_issued_by_the_cli_reports_urls_on_the_running_api_at_once(
    installation: Installation,
) -> None:
    issued = installation.takedown("flaggers", "issue", "Helpline NL").stdout
    token = issued.splitlines()[-1]
    request = urllib.request.Request(  # noqa: S310
        installation.url + "/v1/reports",
        data=json.dumps({"urls": ["https://leak.example/page"]}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status in (200, 201, 202)
        report = json.loads(response.read())
    assert [item["url"] for item in report["items"]] == ["https://leak.example/page"]
