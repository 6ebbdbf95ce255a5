"""The victim's whole flow through the CLI and a real HTTP server on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from casework.bank.bank import BankIndex
from casework.runtime import Runtime
from hashing.algorithms import hash_file
from service.cli import main
from tests.conftest import table_counts
from tests.factories import corpus_images

REPO = Path(__file__).resolve().parents[2]


def test_submit_status_withdraw_then_nothing_matches_or_remains(
    live_server: str,
    runtime: Runtime,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for image in corpus_images(3):
        shutil.copy(image, photos / image.name)
    saved = tmp_path / "case.json"

    assert main(["submit", str(photos), "--server", live_server, "--save", str(saved)]) == 0
    out = capsys.readouterr().out
    credentials = json.loads(saved.read_text())
    assert f"Case ID: {credentials['case_id']}" in out and f"PIN:     {credentials['pin']}" in out
    assert saved.stat().st_mode & 0o777 == 0o600

    assert main(["status", "--credentials", str(saved)]) == 0
    assert "active" in capsys.readouterr().out

    own_pdq = [
        fp
        for fp in hash_file(
            (photos / sorted(p.name for p in photos.iterdir())[0]).read_bytes()
        ).fingerprints
        if fp.algorithm.value == "pdq"
    ][0]
    other_process = BankIndex(runtime.vault)
    with runtime.sessions() as session:
        other_process.refresh(session)
    assert other_process.match(own_pdq)

    assert main(["withdraw", "--credentials", str(saved), "--yes"]) == 0
    assert "withdrawn" in capsys.readouterr().out
    with runtime.sessions() as session:
        other_process.refresh(session)
    assert other_process.match(own_pdq) == []
    assert table_counts(runtime)["case_fingerprints"] == 0

    assert main(["status", "--credentials", str(saved)]) == 0
    assert "withdrawn" in capsys.readouterr().out


def test_dry_run_prints_the_exact_body_with_fingerprints_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = corpus_images(1)[0]
    assert main(["submit", str(image), "--dry-run"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert set(body) == {"fingerprints"}
    assert {item["algorithm"] for item in body["fingerprints"]} == {"pdq", "phash", "md5", "sha256"}
    for item in body["fingerprints"]:
        assert set(item) <= {"algorithm", "value", "quality", "photo", "derived"}
        assert item["photo"] == 0
    own = [item for item in body["fingerprints"] if not item.get("derived")]
    assert {item["algorithm"] for item in own} == {"pdq", "phash", "md5", "sha256"}
    assert image.name not in json.dumps(body)


def test_a_wrong_pin_is_reported_in_one_sentence(
    live_server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TAKEDOWN_PIN", "00000000")
    assert main(["status", "--case", "ABCD-EFGH-JKMN", "--server", live_server]) == 1
    assert "No case matches this case ID and PIN" in capsys.readouterr().err


def test_hash_prints_a_line_per_image_with_progress_and_skips_corrupt_files(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for number in range(300):
        pixels = rng.integers(0, 256, size=(48, 64, 3), dtype=np.uint8)
        Image.fromarray(pixels).resize((128, 96)).save(folder / f"img{number:03}.png")
    (folder / "img150.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "takedown"), "hash", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 300
    assert "300/300" in result.stderr
    corrupt = next(line for line in lines if line["file"].endswith("img150.png"))
    assert {fp["algorithm"] for fp in corrupt["fingerprints"]} == {"md5", "sha256"}
    assert corrupt["refused"]
    for line in lines:
        if line is not corrupt:
            own = [fp for fp in line["fingerprints"] if not fp.get("derived")]
            # Its own four, then the PDQ and pHash of its crops, marked as derived from it.
            assert len(own) == 4 < len(line["fingerprints"])
            assert line["fingerprints"][:4] == own


def test_notify_chooses_shows_and_turns_off_a_webhook(
    live_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "case.json"
    assert (
        main(["submit", str(corpus_images(1)[0]), "--server", live_server, "--save", str(saved)])
        == 0
    )
    capsys.readouterr()
    assert main(["notify", "--credentials", str(saved)]) == 0
    assert "Notifications are off" in capsys.readouterr().out
    hook = "https://hooks.example/mine"
    assert main(["notify", "--credentials", str(saved), "--webhook", hook]) == 0
    out = capsys.readouterr().out
    assert "by webhook to https://hooks.example/•••" in out
    assert "signing secret (shown once): " in out
    assert main(["notify", "--credentials", str(saved)]) == 0
    assert "shown once" not in capsys.readouterr().out
    assert main(["notify", "--credentials", str(saved), "--email", "me@example.org"]) == 1
    assert "this service does not send e-mail" in capsys.readouterr().err
    assert main(["notify", "--credentials", str(saved), "--off"]) == 0
    assert main(["notify", "--credentials", str(saved)]) == 0
    assert "Notifications are off" in capsys.readouterr().out
