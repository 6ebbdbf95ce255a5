"""A folder larger than one request, interrupted runs resumed, and recovery, through the CLI.

The CLI runs as a subprocess (``python -m hashing``) against the app served by uvicorn on
loopback. Between them sits a relay of the test's own, a real HTTP server that forwards each
request and records what went through, and can drop a connection or hold a request: that is how
a run is interrupted half way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from casework.models import Case, CaseFingerprint
from casework.runtime import Runtime
from casework.settings import Settings
from hashing.algorithms import hash_file
from hashing.cli import fingerprint_entries
from tests.conftest import make_settings
from tests.factories import corpus_images
from tests.harness import ctrl_c_works
from tests.relay import Relay

#: Room for one photo with its crops (about 18 fingerprints) or two, not for the folder.
PER_REQUEST = 40
PHOTOS_PER_REQUEST = 2


@pytest.fixture
def settings(database_url: str) -> Settings:
    """A service that takes at most PER_REQUEST fingerprints of PHOTOS_PER_REQUEST photos a
    request, far below the CLI's first guess."""
    return make_settings(database_url).model_copy(
        update={
            "max_fingerprints_per_request": PER_REQUEST,
            "max_photos_per_request": PHOTOS_PER_REQUEST,
        }
    )


@pytest.fixture
def relay(live_server: str) -> Iterator[Relay]:
    server = Relay(live_server)
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Six corpus photos (about 18 fingerprints each with their crops) and one too plain to
    match (2)."""
    photos = tmp_path / "photos"
    photos.mkdir()
    for image in corpus_images(6):
        shutil.copy(image, photos / image.name)
    Image.new("RGB", (300, 200), (120, 130, 140)).save(photos / "wall.png")
    return photos


def takedown(*args: str) -> subprocess.CompletedProcess[str]:
    """The victim CLI as the victim runs it, in its own process (a PIN it asks for: 12345678)."""
    return subprocess.run(
        [sys.executable, "-m", "hashing", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "TAKEDOWN_PIN": "12345678"},
        timeout=300,
        check=False,
    )


def distinct_fingerprints(folder: Path) -> int:
    entries = {
        (entry["algorithm"], entry["value"])
        for path in folder.iterdir()
        for entry in fingerprint_entries(hash_file(path.read_bytes()))
    }
    return len(entries)


def stored(runtime: Runtime) -> tuple[int, int]:
    """How many cases, and how many fingerprints all cases hold."""
    with runtime.sessions() as session:
        cases = session.scalar(select(func.count()).select_from(Case)) or 0
        fingerprints = session.scalar(select(func.count()).select_from(CaseFingerprint)) or 0
        return cases, fingerprints


def test_a_folder_over_the_request_limit_goes_into_one_case_in_several_requests(
    relay: Relay, runtime: Runtime, folder: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "case.json"
    result = takedown("submit", str(folder), "--server", relay.url, "--save", str(saved))
    assert result.returncode == 0, result.stderr
    assert "7 photos: 6 protected, 1 too plain to match (exact copies only)" in result.stdout
    assert "fingerprints" not in result.stdout
    assert "Done: all 7 photos are in case" in result.stdout
    assert "sending: 7/7" in result.stderr and "hashing: 7/7" in result.stderr

    # The first guess was refused with the service's own limits, then every request kept them.
    refused, *accepted = relay.passed
    assert refused.status == 413
    assert refused.answer["error"]["per_request"] == PER_REQUEST  # type: ignore[index]
    assert refused.answer["error"]["photos_per_request"] == PHOTOS_PER_REQUEST  # type: ignore[index]
    assert [p.path for p in accepted][:1] == ["/v1/cases"]
    assert {p.path for p in accepted[1:]} == {"/v1/case/fingerprints"}
    assert all(p.status in (200, 201) and p.fingerprints <= PER_REQUEST for p in accepted)
    assert all(p.photos <= PHOTOS_PER_REQUEST for p in accepted)
    assert len(accepted) >= 4
    assert stored(runtime) == (1, distinct_fingerprints(folder))


def test_an_interrupted_submit_is_resumed_by_add_sending_only_the_missing_photos(
    relay: Relay, runtime: Runtime, folder: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "case.json"
    relay.drop_from = 3  # the 413, the request that opens the case, then the connection drops
    result = takedown("submit", str(folder), "--server", relay.url, "--save", str(saved))
    assert result.returncode == 1
    opened = relay.passed[-1]
    assert opened.path == "/v1/cases" and opened.status == 201
    assert f"Case ID: {opened.answer['case_id']}" in result.stdout
    assert "lost the connection" in result.stderr
    assert f"Send the rest with:\n  takedown add {folder} --credentials {saved}" in result.stderr
    match = re.search(r"Stopped after (\d) of 7 photos", result.stderr)
    assert match is not None
    first_photos = int(match.group(1))
    ledger = tmp_path / "case.sent.json"
    assert saved.stat().st_mode & 0o777 == ledger.stat().st_mode & 0o777 == 0o600
    assert len(json.loads(ledger.read_text())["sent"]) == first_photos
    assert stored(runtime) == (1, opened.fingerprints)
    for name in (p.name for p in folder.iterdir()):
        assert name not in ledger.read_text()

    relay.drop_from = None
    relay.passed.clear()
    resumed = takedown("add", str(folder), "--credentials", str(saved), "--server", relay.url)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{first_photos} photos were sent to this case before" in resumed.stdout
    assert f"Done: {7 - first_photos} photos added to case" in resumed.stdout
    posts = relay.fingerprint_posts()
    assert posts and all(p.answer["duplicates"] == 0 for p in posts)
    assert sum(p.fingerprints for p in posts) == distinct_fingerprints(folder) - opened.fingerprints
    assert stored(runtime) == (1, distinct_fingerprints(folder))

    relay.passed.clear()
    again = takedown("add", str(folder), "--credentials", str(saved), "--server", relay.url)
    assert again.returncode == 0 and "Nothing new to add." in again.stdout
    assert relay.passed == []


def test_an_add_refused_as_it_stands_offers_no_resume(
    live_server: str, folder: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "case.json"
    photo = str(next(folder.glob("*.webp")))
    assert takedown("submit", photo, "--server", live_server, "--save", str(saved)).returncode == 0
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({**json.loads(saved.read_text()), "pin": "00000000"}))
    result = takedown("add", str(folder), "--credentials", str(wrong))
    assert result.returncode == 1
    assert "No case matches this case ID and PIN" in result.stderr
    assert "Send the rest" not in result.stderr


def test_ctrl_c_after_the_case_opened_leaves_the_credentials_saved(
    relay: Relay, runtime: Runtime, folder: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "case.json"
    relay.hold_at = 3
    cli = subprocess.Popen(
        [sys.executable, "-m", "hashing", "submit", str(folder), "--server", relay.url],
        stdin=subprocess.DEVNULL,
        preexec_fn=ctrl_c_works,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert relay.holding.wait(120)
    cli.send_signal(signal.SIGINT)
    out, err = cli.communicate(timeout=30)
    assert cli.returncode == 130
    case_id = relay.passed[-1].answer["case_id"]
    assert f"Case ID: {case_id}" in out and "PIN:     " in out
    assert f"--case {case_id}" in err
    assert not saved.exists()
    assert stored(runtime)[0] == 1


def test_recover_puts_the_new_pin_in_the_credentials_file_so_status_works(
    live_server: str, folder: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "case.json"
    photo = next(folder.glob("*.webp"))
    opened = takedown("submit", str(photo), "--server", live_server, "--save", str(saved))
    assert opened.returncode == 0, opened.stderr
    codes = re.findall(r"^  (\S+)$", opened.stdout, re.MULTILINE)
    assert len(codes) == 6
    old_pin = json.loads(saved.read_text())["pin"]

    recovered = takedown("recover", "--credentials", str(saved), "--code", codes[0])
    assert recovered.returncode == 0, recovered.stderr
    assert f"saved to {saved}" in recovered.stdout
    assert "5 left" in recovered.stdout
    new_pin = json.loads(saved.read_text())["pin"]
    assert new_pin != old_pin and new_pin not in recovered.stdout
    assert saved.stat().st_mode & 0o777 == 0o600
    assert list(tmp_path.glob(".case.json*")) == []

    status = takedown("status", "--credentials", str(saved))
    assert status.returncode == 0, status.stderr
    assert "Recovery codes left: 5" in status.stdout


def test_a_paused_case_is_explained_in_local_time_without_saying_it_exists(
    live_server: str, runtime: Runtime, folder: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "case.json"
    photo = next(folder.glob("*.webp"))
    assert (
        takedown("submit", str(photo), "--server", live_server, "--save", str(saved)).returncode
        == 0
    )
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({**json.loads(saved.read_text()), "pin": "00000000"}))
    for _ in range(runtime.lockout.failures):
        assert takedown("status", "--credentials", str(wrong)).returncode == 1
    paused = takedown("status", "--credentials", str(saved))
    unknown = takedown("status", "--case", "ABCD-EFGH-JKMN", "--server", live_server)
    assert paused.returncode == unknown.returncode == 1
    # Equal but for the time, which two runs a second apart may see on either side of its grid.
    clock = re.compile(r"\d\d:\d\d")
    assert clock.sub("HH:MM", paused.stderr) == clock.sub("HH:MM", unknown.stderr)
    assert re.search(
        r"No case matches this case ID and PIN, or the case is paused after too many wrong "
        r"PINs\. Check both; if it is paused, try again after \d\d:\d\d\.",
        paused.stderr,
    )
