"""The operator's commands: platforms, keys (issue, rotate, revoke), quarantine, export."""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.bank import quarantine
from casework.db import transaction
from casework.models import AuditEvent, CaseFingerprint
from casework.notices import outcomes
from casework.platforms import checks, platforms
from casework.runtime import Runtime
from hashing.fingerprint import Algorithm
from service.cli import main
from tests.factories import random_fingerprint
from tests.harness import TAKEDOWN
from tests.platformkeys import bank_case, bearer


@pytest.fixture
def takedown(
    cli_settings: None, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run `takedown ...` in process against the test database; returns (status, out, err)."""

    def run(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def test_an_operator_onboards_a_platform_and_rotates_its_key(
    takedown: Callable[..., tuple[int, str, str]], client: TestClient
) -> None:
    status, out, _ = takedown(
        "platforms", "add", "example-video", "--domain", "Video.Example.", "--algorithms", "pdq,md5"
    )
    assert status == 0 and "keys issue" in out
    status, out, _ = takedown(
        "keys", "issue", "example-video", "--scope", "check", "--scope", "feed"
    )
    first = out.splitlines()[-1]
    assert status == 0 and first.startswith("td_")
    body = {"fingerprints": [{"algorithm": "md5", "value": "ab" * 16}]}
    assert client.post("/v1/check", json=body, headers=bearer(first)).status_code == 200
    status, out, _ = takedown("keys", "rotate", "example-video")
    second = out.splitlines()[1]
    assert status == 0 and "takedown keys revoke" in out
    assert client.post("/v1/check", json=body, headers=bearer(second)).status_code == 200
    status, _, err = takedown("keys", "rotate", "example-video")
    assert status == 1 and "2 active keys" in err
    status, out, _ = takedown("keys", "revoke", first.split("_")[1])
    assert status == 0
    assert client.post("/v1/check", json=body, headers=bearer(first)).status_code == 401
    status, out, _ = takedown("keys", "list", "example-video")
    assert out.count("revoked") == 1 and out.count("active") == 1
    assert first.split("_", 2)[2] not in out and second.split("_", 2)[2] not in out
    status, out, _ = takedown("platforms", "show", "example-video")
    assert "domains: video.example" in out and "algorithms: pdq,md5" in out


def test_commands_explain_refusals(takedown: Callable[..., tuple[int, str, str]]) -> None:
    assert takedown("keys", "issue", "nobody", "--scope", "check")[0] == 1
    status, _, err = takedown("platforms", "add", "x", "--domain", "not a domain")
    assert status == 1 and "host name" in err
    takedown("platforms", "add", "one", "--domain", "shared.example")
    status, _, err = takedown("platforms", "add", "two", "--domain", "shared.example")
    assert status == 1 and "another platform" in err
    status, out, _ = takedown("quarantine", "list")
    assert status == 0 and out == ""


def test_a_webhook_secret_is_shown_once_and_webhooks_can_be_turned_off(
    takedown: Callable[..., tuple[int, str, str]],
) -> None:
    takedown("platforms", "add", "hooked", "--domain", "hooked.example")
    status, out, _ = takedown("platforms", "webhook", "hooked", "https://hooks.hooked.example/td")
    assert status == 0 and "whsec_" in out
    status, out, _ = takedown("platforms", "show", "hooked")
    assert "whsec_" not in out and "https://hooks.hooked.example/td" in out
    assert takedown("platforms", "webhook", "hooked", "--off")[0] == 0
    status, out, _ = takedown("platforms", "disable", "hooked")
    assert status == 0 and "disabled" in out


def test_an_operator_confirms_a_quarantine_and_can_still_release_it(
    takedown: Callable[..., tuple[int, str, str]], runtime: Runtime
) -> None:
    fingerprint = random_fingerprint(Algorithm.PDQ, random.Random(21))
    case = bank_case(runtime, [fingerprint])
    with transaction(runtime.sessions) as session:
        platform = platforms.create_platform(
            session, name="solo", domains=[], algorithms=platforms.parse_algorithms(None)
        )
        stored = session.execute(
            select(CaseFingerprint.id).where(CaseFingerprint.case_id == case.id)
        ).scalar_one()
        token, _row = checks.issue_token(
            session,
            platform_id=platform.id,
            fingerprint_id=stored,
            algorithm=Algorithm.PDQ,
            distance=0,
        )
        session.flush()
        outcomes.record_outcomes(
            session,
            platform_id=platform.id,
            outcomes=[
                outcomes.SubmittedOutcome(
                    "not_violating", match_token=token, reason="not_intimate_imagery"
                )
            ],
            quarantine_threshold=1,
        )
        quarantine_id = quarantine.list_quarantines(session)[0].id
    status, out, _ = takedown("quarantine", "list")
    assert status == 0 and out.startswith(f"{quarantine_id}\theld\t1 platform(s)")
    status, out, _ = takedown("quarantine", "remove", str(quarantine_id))
    assert status == 0 and "stays out of the bank" in out
    assert takedown("quarantine", "list")[1] == ""
    assert f"{quarantine_id}\tremoved " in takedown("quarantine", "list", "--all")[1]
    status, out, _ = takedown("quarantine", "release", str(quarantine_id))
    assert status == 0 and "back in the bank" in out
    with runtime.sessions() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_type == "operator")
        ).all()
        assert actions == ["quarantine_removed", "quarantine_released"]


def test_an_operator_command_without_a_database_says_what_to_do_in_one_line(
    tmp_path: Path,
) -> None:
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "TAKEDOWN_DATABASE_URL": f"sqlite:///{tmp_path}/no-such-folder/takedown.db",
    }
    done = subprocess.run(
        [TAKEDOWN, "platforms", "list"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "takedown: cannot open the database: run this command in the folder where "
        "`takedown up` runs, or set TAKEDOWN_DATABASE_URL"
    ]
