"""Interop: Meta's threatexchange CLI, reading our export, agrees with /v1/check.

threatexchange (from PyPI, a dev dependency) reads the `<signal type> <hash>` file through its
local_file exchange, exactly as HMA's LocalFileSignalExchangeAPI does.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import ImageOps

from casework.runtime import Runtime
from casework.settings import Settings
from hashing.algorithms import hash_file, pdq
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.images import decode_image
from tests.conftest import SHARED
from tests.platformkeys import PlatformKeys, bank_case, bearer, refresh_index

BIN = Path(sys.executable).parent
CORPUS = SHARED / "corpus" / "dev"
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


def tx(statedir: Path, *args: str) -> str:
    executable = BIN / "threatexchange"
    if not executable.exists():
        pytest.fail("threatexchange is a dev dependency: run make install")
    env = {**os.environ, "TX_STATEDIR": str(statedir)}
    done = subprocess.run(
        [str(executable), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def export_with_cli(settings: Settings, target: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAKEDOWN_")}
    env.update(
        TAKEDOWN_ENVIRONMENT="test",
        TAKEDOWN_DATABASE_URL=settings.database_url,
        TAKEDOWN_SECRET_KEY=settings.secret_key.get_secret_value(),
    )
    done = subprocess.run(
        [str(BIN / "takedown"), "export", "--format", "threatexchange", "--output", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "fetch --clear" in done.stderr
    assert target.stat().st_mode & 0o777 == 0o600


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
