"""The signed evidence bundle: what it holds, what it never holds, and that it cannot be edited."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.db import transaction
from casework.desk import evidence
from casework.models import Case, CaseFingerprint, Takedown, TakedownStatus
from casework.runtime import Runtime
from hashing.fingerprint import Algorithm
from service.cli import main
from tests.followup.conftest import Leak
from tests.harness import ContentServer
from workers.followup import check_removal

MakeLeak = Callable[..., Leak]


@pytest.fixture
def removed_leak(runtime: Runtime, make_leak: MakeLeak, content_server: ContentServer) -> Leak:
    """A notice checked once while the image was up, then again after the host removed it."""
    leak = make_leak(page=False)
    check_removal(leak.takedown_id)
    del content_server.routes[leak.image_path]
    check_removal(leak.takedown_id)
    return leak


def public_id(runtime: Runtime, case_id: int) -> str:
    with runtime.sessions() as session:
        return session.get_one(Case, case_id).public_id


def export(runtime: Runtime, leak: Leak) -> bytes:
    secret = runtime.settings.secret_key.get_secret_value()
    with transaction(runtime.sessions) as session:
        return evidence.export_case(
            session,
            case_public_id=public_id(runtime, leak.case_id),
            secret=secret,
            vault=runtime.vault,
        )


def test_the_bundle_verifies_and_records_each_check_without_any_image_or_pdq(
    runtime: Runtime, removed_leak: Leak, content_server: ContentServer
) -> None:
    data = export(runtime, removed_leak)
    secret = runtime.settings.secret_key.get_secret_value()
    verified = evidence.verify_bundle(data, expected_key_id=evidence.deployment_key_id(secret))
    bundle = verified.bundle
    url = content_server.base + removed_leak.image_path
    assert [(c["url"], c["http_status"], c["outcome"]) for c in bundle["checks"]] == [
        (url, 200, "still_there"),
        (url, 404, "gone"),
    ]
    assert bundle["checks"][0]["sha256"] == hashlib.sha256(removed_leak.body).hexdigest()
    assert bundle["checks"][0]["headers"]["content-type"] == "image/png"
    [notice] = bundle["notices"]
    assert notice["status"] == "removed" and notice["times"]["removed"] is not None
    actions = [event["action"] for event in bundle["audit"]]
    assert actions[-1] == "evidence_exported"
    assert {"takedown_checked", "takedown_status"} <= set(actions)
    assert removed_leak.body[:64] not in data
    with runtime.sessions() as session:
        for algorithm, sealed in session.execute(
            select(CaseFingerprint.algorithm, CaseFingerprint.value_sealed)
        ):
            if algorithm in ("pdq", "phash"):
                value = runtime.vault.open(Algorithm(algorithm), sealed).hex
                assert value.encode() not in data


def test_the_bundle_fails_verification_after_any_byte_is_changed(
    runtime: Runtime, removed_leak: Leak
) -> None:
    data = export(runtime, removed_leak)
    evidence.verify_bundle(data)
    for position in range(len(data)):
        changed = bytearray(data)
        changed[position] ^= 0x01
        with pytest.raises(evidence.BundleInvalid):
            evidence.verify_bundle(bytes(changed))
    with pytest.raises(evidence.BundleInvalid):
        evidence.verify_bundle(data + b" ")


def test_a_bundle_resigned_with_another_key_is_not_this_deployments(
    runtime: Runtime, removed_leak: Leak
) -> None:
    document = json.loads(export(runtime, removed_leak))
    document["bundle"]["checks"][0]["outcome"] = "gone"
    forged = evidence.sign_bundle(document["bundle"], evidence.signing_key("x" * 40))
    evidence.verify_bundle(forged)
    secret = runtime.settings.secret_key.get_secret_value()
    with pytest.raises(evidence.BundleInvalid, match="not this deployment's"):
        evidence.verify_bundle(forged, expected_key_id=evidence.deployment_key_id(secret))


def test_a_forged_audit_entry_in_a_resigned_bundle_is_caught(
    runtime: Runtime, removed_leak: Leak
) -> None:
    document = json.loads(export(runtime, removed_leak))
    document["bundle"]["audit"][0]["details"]["forged"] = True
    forged = evidence.sign_bundle(document["bundle"], evidence.signing_key("x" * 40))
    with pytest.raises(evidence.BundleInvalid, match="audit entry"):
        evidence.verify_bundle(forged)


def test_the_evidence_commands_export_verify_and_refuse_an_edited_file(
    runtime: Runtime,
    removed_leak: Leak,
    cli_settings: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, pdf = tmp_path / "case.json", tmp_path / "case.pdf"
    case = public_id(runtime, removed_leak.case_id)
    assert main(["evidence", "export", case, "--out", str(out), "--pdf", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["evidence", "verify", str(out)]) == 0
    assert "evidence bundle verified" in capsys.readouterr().out
    out.write_bytes(out.read_bytes().replace(b'"gone"', b'"fine"', 1))
    assert main(["evidence", "verify", str(out)]) == 1
    assert "INVALID" in capsys.readouterr().err


def test_another_spelling_of_the_same_signing_key_is_refused(
    runtime: Runtime, removed_leak: Leak
) -> None:
    data = export(runtime, removed_leak)
    key = json.loads(data)["signature"]["public_key"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    # The last character before "=" carries two unused bits: flipping one decodes the same key.
    last = key.rstrip("=")[-1]
    respelt = key.rstrip("=")[:-1] + alphabet[alphabet.index(last) ^ 1] + "="
    with pytest.raises(evidence.BundleInvalid):
        evidence.verify_bundle(data.replace(key.encode(), respelt.encode()))


def test_a_notice_marked_removed_by_hand_beside_a_still_there_check_is_unproven_in_the_bundle(
    runtime: Runtime, make_leak: MakeLeak
) -> None:
    # Before removal needed a check, a caseworker could set "removed" over a check that found
    # the image still online: the bundle must not repeat that beside the check.
    leak = make_leak(page=False)
    check_removal(leak.takedown_id)
    with transaction(runtime.sessions) as session:
        session.get_one(Takedown, leak.takedown_id).status = TakedownStatus.REMOVED.value
    bundle = json.loads(export(runtime, leak))["bundle"]
    [notice] = bundle["notices"]
    assert [check["outcome"] for check in bundle["checks"]] == ["still_there"]
    assert notice["status"] == "removal_unproven"
