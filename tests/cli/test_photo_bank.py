"""A victim's photo counts once everywhere, with the crops its device hashed (issue #16)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from casework.credentials import normalise_case_id
from casework.models import Case, CaseFingerprint
from casework.runtime import Runtime
from hashing.algorithms import hash_file
from hashing.images import decode_image
from service.cli import main
from tests.factories import usable_corpus_images
from tests.personas import Console
from tests.platformkeys import PlatformKeys, bearer, refresh_index


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def test_three_photos_are_three_to_the_victim_the_console_and_a_platform(
    live_server: str,
    runtime: Runtime,
    carol: Console,
    keys: PlatformKeys,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    chosen = usable_corpus_images(3)
    for image in chosen:
        shutil.copy(image, photos / image.name)
    saved = tmp_path / "case.json"
    assert main(["submit", str(photos), "--server", live_server, "--save", str(saved)]) == 0
    assert "all 3 photos are in case" in capsys.readouterr().out
    credentials = json.loads(saved.read_text())
    auth = (credentials["case_id"], credentials["pin"])

    assert main(["status", "--credentials", str(saved)]) == 0
    status = capsys.readouterr().out
    assert "Photos: 3" in status
    assert "Fingerprints of 3 photos are in the hash bank." in status

    answer = httpx.get(f"{live_server}/v1/case", auth=auth, timeout=60).json()
    assert answer["photos"] == 3 and answer["ungrouped_fingerprints"] == 0
    with runtime.sessions() as session:
        case = session.scalars(
            select(Case).where(Case.public_id == normalise_case_id(credentials["case_id"]))
        ).one()
        rows = session.execute(
            select(CaseFingerprint.photo, CaseFingerprint.derived).where(
                CaseFingerprint.case_id == case.id
            )
        ).all()
    # Each photo's own fingerprints and its crops' all name it; the crops travelled.
    assert {photo for photo, _derived in rows} == {1, 2, 3}
    assert sum(answer["fingerprints"].values()) == len(rows) > 3 * 4
    assert sum(derived for _photo, derived in rows) == len(rows) - sum(
        len(hash_file(path.read_bytes()).fingerprints) for path in chosen
    )

    page = carol.client.get(f"/console/cases/{case.id}").text
    assert "Photos: 3." in page

    # A leak cut 10 % from each edge (no crop rule's exact box) of the second photo.
    refresh_index(runtime)
    original = decode_image(chosen[1].read_bytes())
    width, height = original.size
    leak = original.crop((width // 10, height // 10, width - width // 10, height - height // 10))
    checked = httpx.post(
        f"{live_server}/v1/check/image",
        content=jpeg(leak),
        headers={**bearer(keys.alpha), "Content-Type": "application/octet-stream"},
        # Hashing an upload starts the service's pool of processes: slow on a busy machine.
        timeout=120,
    ).json()
    assert checked["verdict"] == "match" and checked["photos_matched"] == 1

    # Fingerprints of two of the photos in one check: each photo reads as one, with one token.
    own = [hash_file(path.read_bytes()).fingerprints for path in chosen[:2]]
    queries = [
        {"algorithm": fp.algorithm.value, "value": fp.hex}
        for fingerprints in own
        for fp in fingerprints
        if fp.algorithm.perceptual
    ]
    results = httpx.post(
        f"{live_server}/v1/check",
        json={"fingerprints": queries},
        headers=bearer(keys.alpha),
        timeout=60,
    ).json()
    assert results["photos_matched"] == 2
    first, second = results["results"][:2], results["results"][2:]
    assert {r["photo"] for r in first} == {1} and {r["photo"] for r in second} == {2}
    assert len({r["match_token"] for r in first}) == 1
    assert first[0]["match_token"] != second[0]["match_token"]
