"""The victim CLI speaks the terminal's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."""

from __future__ import annotations

import contextvars
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli import main
from tests.factories import corpus_images


def run_hashing(args: list[str], lang: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANG": lang, "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": ""}
    return subprocess.run(
        [sys.executable, "-m", "hashing", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_light_cli_tells_an_error_and_its_help_in_the_terminals_language(
    tmp_path: Path,
) -> None:
    missing = str(tmp_path / "missing")
    dutch = run_hashing(["hash", missing], "nl_NL.UTF-8")
    english = run_hashing(["hash", missing], "C.UTF-8")
    assert dutch.returncode == english.returncode == 1
    assert dutch.stderr == f"takedown: {missing}: bestand of map bestaat niet\n"
    assert english.stderr == f"takedown: {missing}: no such file or folder\n"
    helped = run_hashing(["submit", "--help"], "nl_BE.UTF-8")
    assert "het zaaknummer en de pincode in BESTAND bewaren" in helped.stdout


def test_a_dutch_terminal_gets_its_case_id_pin_and_recovery_codes_told_in_dutch(
    live_server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for image in corpus_images(2):
        shutil.copy(image, photos / image.name)
    monkeypatch.setenv("LANG", "nl_NL.UTF-8")
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    saved = tmp_path / "case.json"
    # Its own context, so the language main chooses stays with this run.
    argv = ["submit", str(photos), "--server", live_server, "--save", str(saved)]
    assert contextvars.copy_context().run(main, argv) == 0
    out = capsys.readouterr().out
    assert "2 foto's: 2 beschermd" in out
    assert "Zaaknummer: " in out and "Pincode:    " in out
    assert "Herstelcodes (elk zet één keer een kwijtgeraakte pincode opnieuw" in out
    assert "Klaar: alle 2 foto's zitten in zaak " in out
    assert "Case ID" not in out and "photos" not in out
    assert contextvars.copy_context().run(main, ["status", "--credentials", str(saved)]) == 0
    status = capsys.readouterr().out
    assert "Geopend: " in status and "Herstelcodes over: 6" in status
    # The service tells the timeline in the language the CLI asks for (Accept-Language).
    assert "Wat er is gebeurd:" in status and "Je hebt deze zaak gestart." in status
    assert "You opened" not in status


def test_why_a_photo_is_too_plain_to_match_is_told_in_the_terminals_language() -> None:
    plain = Path(__file__).resolve().parents[1] / "vectors" / "pdq" / "images" / "q0003.jpg"
    dutch = run_hashing(["hash", str(plain)], "nl_NL.UTF-8")
    english = run_hashing(["hash", str(plain)], "C.UTF-8")
    assert dutch.returncode == english.returncode == 0
    assert "pdq-kwaliteit 3 is lager dan 50: te weinig detail om te vergelijken" in dutch.stdout
    assert "pdq quality 3 is below 50: too little detail to match" in english.stdout
