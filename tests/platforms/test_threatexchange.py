"""Interop with Meta's threatexchange CLI (from PyPI, a dev dependency, pinned).

It reads our export through its local_file exchange, exactly as HMA's LocalFileSignalExchangeAPI
does, and agrees with /v1/check; it follows /v1/feed through our takedown_feed exchange
(integrations/threatexchange_takedown), and a withdrawal reaches it on the next plain fetch.
"""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageOps
from threatexchange.cli.main import _DEFAULT_SIGNAL_TYPES
from threatexchange.content_type.photo import PhotoContent

from casework.platforms import feed
from casework.runtime import Runtime
from casework.settings import Settings
from hashing.algorithms import hash_file, pdq
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.images import decode_image
from tests.conftest import REPO, SHARED
from tests.factories import random_fingerprint
from tests.platformkeys import PlatformKeys, bank_case, bearer, refresh_index, withdraw

BIN = Path(sys.executable).parent
EXTENSION = REPO / "integrations" / "threatexchange_takedown"
CORPUS = SHARED / "corpus" / "dev"
#: The EXIF tag that says how to turn the stored pixels for display.
ORIENTATION = 0x0112
MATCH_LINE = re.compile(r"^pdq (\d+) \(TAKEDOWN\)", re.MULTILINE)


def usable_images(count: int) -> list[Path]:
    chosen = []
    for path in sorted(CORPUS.glob("*.jpg")) + sorted(CORPUS.glob("*.webp")):
        hashed = hash_file(path.read_bytes())
        if Algorithm.PDQ in {fp.algorithm for fp in hashed.fingerprints}:
            chosen.append(path)
        if len(chosen) == count:
            return chosen
    pytest.fail(f"not enough usable images in {CORPUS}")


def transformed(path: Path) -> bytes:
    """What a re-upload looks like: downscaled, slightly brightened, re-encoded as JPEG q70."""
    image = decode_image(path.read_bytes())
    image = image.resize((image.width * 3 // 4, image.height * 3 // 4))
    image = ImageOps.autocontrast(image, cutoff=1)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def tx_run(statedir: Path, *args: str, env: dict[str, str] | None = None) -> CompletedProcess[str]:
    executable = BIN / "threatexchange"
    if not executable.exists():
        pytest.fail("threatexchange is a dev dependency: run make install")
    environment = {**os.environ, "TX_STATEDIR": str(statedir), **(env or {})}
    return subprocess.run(
        [str(executable), *args], env=environment, capture_output=True, text=True, timeout=120
    )


def tx(statedir: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = tx_run(statedir, *args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def takedown(settings: Settings, *args: str, secret: str | None = None) -> CompletedProcess[str]:
    """The operator's `takedown` command against the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAKEDOWN_")}
    env.update(TAKEDOWN_ENVIRONMENT="test", TAKEDOWN_DATABASE_URL=settings.database_url)
    if secret is not None:
        env["TAKEDOWN_SECRET_KEY"] = secret
    return subprocess.run(
        [str(BIN / "takedown"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def export_with_cli(settings: Settings, target: Path) -> str:
    done = takedown(
        settings,
        *("export", "--format", "threatexchange", "--output", str(target)),
        secret=settings.secret_key.get_secret_value(),
    )
    assert done.returncode == 0, done.stderr
    assert "fetch --clear" in done.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    return done.stderr


def test_threatexchange_match_on_our_export_agrees_with_check(
    client: TestClient, runtime: Runtime, settings: Settings, keys: PlatformKeys, tmp_path: Path
) -> None:
    images = usable_images(6)
    banked, strangers = images[:4], images[4:]
    for path in banked:
        bank_case(runtime, list(hash_file(path.read_bytes()).fingerprints))
    refresh_index(runtime)
    exported = tmp_path / "takedown.txt"
    export_with_cli(settings, exported)
    served = client.get("/v1/feed/threatexchange", headers=bearer(keys.alpha)).text
    assert sorted(exported.read_text().splitlines()) == sorted(served.splitlines())

    state = tmp_path / "txstate"
    tx(
        state,
        "config",
        "collab",
        "edit",
        "local_file",
        "--create",
        "--filename",
        str(exported),
        "TAKEDOWN",
    )
    tx(state, "fetch")
    verdicts = []
    for path in banked[:2] + strangers:
        upload = tmp_path / f"upload-{path.stem}.jpg"
        upload.write_bytes(transformed(path))
        found = MATCH_LINE.findall(tx(state, "match", "photo", str(upload)))
        query: Fingerprint = pdq(decode_image(upload.read_bytes()))[0]
        item = {"algorithm": "pdq", "value": query.hex, "quality": 100}
        ours = client.post("/v1/check", json={"fingerprints": [item]}, headers=bearer(keys.alpha))
        result = ours.json()["results"][0]
        theirs_match = bool(found)
        assert theirs_match == (result["verdict"] == "match"), path.name
        if theirs_match:
            assert min(int(d) for d in found) == result["distance"], path.name
        verdicts.append(result["verdict"])
    assert verdicts == ["match", "match", "no_match", "no_match"]


def test_the_export_uses_only_signal_types_the_installed_threatexchange_reads_for_photos() -> None:
    for_photos = {
        signal_type.get_name(): signal_type
        for signal_type in _DEFAULT_SIGNAL_TYPES
        if PhotoContent in signal_type.get_content_types()
    }
    assert set(feed.THREATEXCHANGE_SIGNAL_TYPES.values()) <= set(for_photos)
    assert set(feed.THREATEXCHANGE_SIGNAL_TYPES) | set(feed.THREATEXCHANGE_LEFT_OUT) == set(
        Algorithm
    )
    others = [st for name, st in for_photos.items() if name not in {"pdq"}]
    for algorithm in feed.THREATEXCHANGE_LEFT_OUT:
        value = random_fingerprint(algorithm, random.Random(17)).hex
        readers = []
        for signal_type in others:
            try:
                signal_type.validate_signal_str(value)
            except ValueError:
                continue
            readers.append(signal_type.get_name())
        assert readers == [], f"threatexchange reads {algorithm} of photos now: export it"


@pytest.mark.parametrize("secret", [None, "another-installation-" * 3], ids=["missing", "wrong"])
def test_a_failed_export_leaves_the_previous_file_whole_and_says_why_in_one_line(
    runtime: Runtime, settings: Settings, tmp_path: Path, secret: str | None
) -> None:
    bank_case(runtime, list(hash_file(usable_images(1)[0].read_bytes()).fingerprints))
    folder = tmp_path / "export"
    folder.mkdir()
    exported = folder / "takedown.txt"
    export_with_cli(settings, exported)
    before = exported.read_bytes()
    assert before.startswith(b"pdq ")
    failed = takedown(
        settings, "export", "--format", "threatexchange", "--output", str(exported), secret=secret
    )
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr
    assert "TAKEDOWN_SECRET_KEY" in failed.stderr
    assert exported.read_bytes() == before
    assert [p.name for p in folder.iterdir()] == ["takedown.txt"]


def test_the_export_says_which_algorithms_it_leaves_out_and_why(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    fingerprints = list(hash_file(usable_images(1)[0].read_bytes()).fingerprints)
    bank_case(runtime, fingerprints)
    exported = tmp_path / "takedown.txt"
    said = export_with_cli(settings, exported)
    lines = exported.read_text().splitlines()
    pdq_values = {fp.hex for fp in fingerprints if fp.algorithm is Algorithm.PDQ}
    assert sorted(lines) == sorted(f"pdq {value}" for value in pdq_values)
    assert f"exported {len(pdq_values)} PDQ hashes and 0 vPDQ video fingerprints." in said
    assert "not exported: phash (threatexchange has no pHash signal type)" in said
    assert "not exported: md5 (threatexchange's MD5 type is for videos only" in said
    assert "not exported: sha256 (threatexchange's SHA-256 type is for videos only" in said


def matched_types(output: str) -> set[str]:
    """The signal types of the TAKEDOWN collab's matches in `threatexchange match` output."""
    return {line.split()[0] for line in output.splitlines() if "(TAKEDOWN)" in line}


def follow_feed(live_server: str, settings: Settings, tmp_path: Path) -> dict[str, str]:
    """A platform with a feed key, and a threatexchange state following it; returns tx's env."""
    secret = settings.secret_key.get_secret_value()
    added = takedown(
        settings, "platforms", "add", "hma-user", "--domain", "hma.example", secret=secret
    )
    assert added.returncode == 0, added.stderr
    issued = takedown(settings, "keys", "issue", "hma-user", "--scope", "feed", secret=secret)
    assert issued.returncode == 0, issued.stderr
    key = issued.stdout.strip().splitlines()[-1]
    home = tmp_path / "home"
    home.mkdir()
    # A fresh HOME: no ~/.tx_takedown_feed_key but the variable, no ~/.threatexchange.
    env = {"HOME": str(home), "PYTHONPATH": str(EXTENSION), "TX_TAKEDOWN_FEED_KEY": key}
    state = tmp_path / "txstate"
    tx(state, "config", "extensions", "add", "threatexchange_takedown", env=env)
    tx(
        state,
        *("config", "collab", "edit", "takedown_feed", "--create"),
        *("--instance-url", live_server, "TAKEDOWN"),
        env=env,
    )
    return env


EVERY_TYPE = {"pdq", "photo_md5", "photo_sha256"}


# Slow: nine runs of the threatexchange CLI, a few seconds of start-up each.
@pytest.mark.slow
def test_the_takedown_feed_exchange_brings_a_withdrawal_to_the_next_plain_fetch(
    live_server: str, runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    kept, also_kept, withdrawn = usable_images(3)
    # Two photos stay: threatexchange 1.2.17's PDQ index finds nothing when it holds one hash.
    for path in (kept, also_kept):
        bank_case(runtime, list(hash_file(path.read_bytes()).fingerprints))
    case = bank_case(runtime, list(hash_file(withdrawn.read_bytes()).fingerprints))
    env = follow_feed(live_server, settings, tmp_path)
    state = tmp_path / "txstate"
    tx(state, "fetch", env=env)
    assert matched_types(tx(state, "match", "photo", str(kept), env=env)) == EVERY_TYPE
    assert matched_types(tx(state, "match", "photo", str(withdrawn), env=env)) == EVERY_TYPE

    withdraw(runtime, case)
    # A refused key fails the fetch (exit 3) and keeps what was fetched; the next one catches up.
    refused = tx_run(state, "fetch", env=env | {"TX_TAKEDOWN_FEED_KEY": "td_revoked_key"})
    assert refused.returncode == 3
    assert "TAKEDOWN - failed to fetch!" in refused.stderr
    assert matched_types(tx(state, "match", "photo", str(withdrawn), env=env)) == EVERY_TYPE
    tx(state, "fetch", env=env)
    assert matched_types(tx(state, "match", "photo", str(withdrawn), env=env)) == set()
    assert matched_types(tx(state, "match", "photo", str(kept), env=env)) == EVERY_TYPE


# Slow: nine runs of the threatexchange CLI, a few seconds of start-up each.
@pytest.mark.slow
def test_threatexchange_hashes_stored_pixels_where_takedown_hashes_the_picture_as_displayed(
    live_server: str, runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    first, second = usable_images(2)
    upright = decode_image(first.read_bytes())
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # "turn 90 degrees clockwise to display"
    buffer = io.BytesIO()
    upright.transpose(Image.Transpose.ROTATE_90).save(buffer, "JPEG", quality=95, exif=exif)
    phone_photo = tmp_path / "phone.jpg"
    phone_photo.write_bytes(buffer.getvalue())
    for data in (phone_photo.read_bytes(), second.read_bytes()):
        bank_case(runtime, list(hash_file(data).fingerprints))
    env = follow_feed(live_server, settings, tmp_path)
    state = tmp_path / "txstate"
    tx(state, "fetch", env=env)
    # The same file: its digests match, but threatexchange's PDQ of the stored (sideways)
    # pixels is far from the bank's PDQ of the upright picture; --rotations finds it.
    assert matched_types(tx(state, "match", "photo", str(phone_photo), env=env)) == {
        "photo_md5",
        "photo_sha256",
    }
    rotated = tx(state, "match", "--rotations", "photo", str(phone_photo), env=env)
    assert "pdq" in matched_types(rotated)
