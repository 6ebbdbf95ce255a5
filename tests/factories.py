"""Builders of test data: fingerprints, images, cases, reports and notices.

Fingerprints come from a seeded random source; images from the shared dev corpus or drawn here.
"""

from __future__ import annotations

import hashlib
import random
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from casework.bank.fingerprints import SubmittedFingerprint
from casework.db import transaction
from casework.models import (
    CaseFingerprint,
    CaseVideo,
    Match,
    Report,
    ReportItem,
    Takedown,
    VideoMatch,
)
from casework.reports.reports import (
    FoundMatch,
    Reporter,
    ReporterKind,
    create_report,
    record_matches,
)
from casework.runtime import Runtime
from casework.victims import cases
from hashing.algorithms import hash_file
from hashing.cli import fingerprint_entries
from hashing.fingerprint import Algorithm, Fingerprint
from tests.conftest import SHARED
from tests.harness import encode

if TYPE_CHECKING:
    from tests.personas import Console, World

CORPUS = SHARED / "corpus" / "dev"
#: Where one_photo_matched_twice finds its photo.
ONE_PHOTO_PAGE = "https://photos.example/album/7"
ONE_PHOTO_IMAGE = "https://img.photos.example/7/full.jpg"


def random_fingerprint(algorithm: Algorithm, rng: random.Random) -> Fingerprint:
    """A fingerprint with balanced bits, like a real hash of a detailed image."""
    while True:
        bits = rng.getrandbits(algorithm.bits)
        if abs(bits.bit_count() - algorithm.bits // 2) < algorithm.bits // 8:
            return Fingerprint(algorithm, bits)


def flip(fingerprint: Fingerprint, count: int, rng: random.Random) -> Fingerprint:
    """The same fingerprint with exactly ``count`` bits flipped."""
    positions = rng.sample(range(fingerprint.algorithm.bits), count)
    bits = fingerprint.bits
    for position in positions:
        bits ^= 1 << position
    return Fingerprint(fingerprint.algorithm, bits)


def submitted(fingerprint: Fingerprint, quality: int | None = None) -> SubmittedFingerprint:
    """The client-side form of a fingerprint."""
    if quality is None and fingerprint.algorithm is Algorithm.PDQ:
        quality = 100
    return SubmittedFingerprint(fingerprint.algorithm.value, fingerprint.hex, quality)


def image_set(rng: random.Random, images: int = 3) -> list[Fingerprint]:
    """What a victim's device sends for a few images: pdq, phash, md5 and sha256 of each."""
    return [random_fingerprint(algorithm, rng) for _ in range(images) for algorithm in Algorithm]


def wire(fingerprints: list[Fingerprint]) -> dict[str, list[dict[str, object]]]:
    """A JSON request body for a list of fingerprints."""
    items: list[dict[str, object]] = []
    for fingerprint in fingerprints:
        item: dict[str, object] = {
            "algorithm": fingerprint.algorithm.value,
            "value": fingerprint.hex,
        }
        if fingerprint.algorithm is Algorithm.PDQ:
            item["quality"] = 100
        items.append(item)
    return {"fingerprints": items}


def png_chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk: length, kind, body and CRC."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int, idat: bytes = b"") -> bytes:
    """A 1-bit greyscale PNG declaring width x height, with the given compressed pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def sent_for(body: bytes) -> list[SubmittedFingerprint]:
    """What a victim's device sends for this photo: its fingerprints, PDQ with its quality."""
    hashed = hash_file(body)
    return [
        submitted(fp, hashed.pdq_quality if fp.algorithm.value == "pdq" else None)
        for fp in hashed.fingerprints
    ]


def leak(runtime: Runtime) -> bytes:
    """A photo-like image whose fingerprints are in a victim's case."""
    rng = np.random.default_rng(7)
    small = rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
    body = encode(Image.fromarray(small).resize((640, 480), Image.Resampling.BICUBIC), "PNG")
    with transaction(runtime.sessions) as session:
        cases.open_case(
            session,
            fingerprints=sent_for(body),
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        )
    return body


def corpus_images(count: int) -> list[Path]:
    """The first photos of the dev corpus."""
    images = sorted(p for p in CORPUS.iterdir() if p.suffix in (".jpg", ".png", ".webp"))
    if len(images) < count:
        pytest.fail(f"the dev corpus at {CORPUS} is missing (shared/ sits beside the repo)")
    return images[:count]


def usable_corpus_images(count: int) -> list[Path]:
    """Corpus photos whose PDQ and pHash are both usable."""
    chosen = []
    for path in sorted(CORPUS.glob("*")):
        if path.suffix not in (".jpg", ".png", ".webp"):
            continue
        hashed = hash_file(path.read_bytes())
        if {fp.algorithm for fp in hashed.fingerprints} >= {Algorithm.PDQ, Algorithm.PHASH}:
            chosen.append(path)
        if len(chosen) == count:
            return chosen
    pytest.fail(f"not enough usable images in {CORPUS}")


def open_case_for_files(api: httpx.Client, images: list[Path]) -> tuple[str, str]:
    """A case opened through the API with what the CLI sends for these files: (case id, PIN)."""
    fingerprints = [
        {**entry, "photo": number}
        for number, path in enumerate(images)
        for entry in fingerprint_entries(hash_file(path.read_bytes()))
    ]
    response = api.post("/v1/cases", json={"fingerprints": fingerprints})
    assert response.status_code == 201, response.text
    return response.json()["case_id"], response.json()["pin"]


def open_case(client: TestClient, seed: int = 1, images: int = 2) -> dict[str, str]:
    """A case opened through the API with random fingerprints of a few images."""
    response = client.post("/v1/cases", json=wire(image_set(random.Random(seed), images)))
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


def report(runtime: Runtime, urls: list[str]) -> list[int]:
    """Store a flagger-style report (no case) and return its item ids."""
    with transaction(runtime.sessions) as session:
        made = create_report(
            session,
            reporter=Reporter(ReporterKind.FLAGGER),
            urls=urls,
            note=None,
            vault=runtime.vault,
        )
        return [item.id for item in made.items]


def add_report(
    runtime: Runtime,
    *,
    case_id: int,
    page_url: str,
    image_url: str,
    found: list[tuple[int, object, int]],
) -> list[int]:
    """A report of one page with matches of (fingerprint id, found fingerprint, distance)."""
    with transaction(runtime.sessions) as session:
        report = Report(
            public_id=hashlib.md5(page_url.encode()).hexdigest(),
            case_id=case_id,
            reporter_kind="victim",
        )
        report.items = [ReportItem(url=page_url, status="done")]
        session.add(report)
        session.flush()
        item = report.items[0]
        record_matches(
            session,
            item=item,
            found=[
                FoundMatch(
                    image_url=image_url,
                    fingerprint_id=fid,
                    case_id=case_id,
                    found=fp,
                    distance=distance,
                )  # type: ignore[arg-type]
                for fid, fp, distance in found
            ],
            vault=runtime.vault,
        )
        return [
            match.id
            for match in session.query(Match).filter(Match.item_id == item.id).order_by(Match.id)
        ]


def add_video_match(runtime: Runtime, *, case_id: int, page_url: str, video_url: str) -> int:
    """A report of one page playing a video that matched a banked video of the case (no video
    is hashed: the banked one is a stand-in); returns the pending video match's id."""
    digest = hashlib.sha256(video_url.encode()).digest()
    item = ReportItem(url=page_url, status="done")
    banked = CaseVideo(case_id=case_id, value_sealed=b"sealed", value_mac=digest, frames=10)
    found = VideoMatch(
        item=item,
        case_id=case_id,
        video_url=video_url,
        video_url_digest=digest,
        query_percent=80.0,
        compared_percent=40.0,
        ranges="3.0-13.0",
    )
    public_id = hashlib.md5(page_url.encode()).hexdigest()
    with transaction(runtime.sessions) as session:
        session.add(
            Report(public_id=public_id, case_id=case_id, reporter_kind="victim", items=[item])
        )
        session.add(banked)
        session.flush()
        found.video_id = banked.id
        session.add(found)
        session.flush()
        return found.id


def one_photo_matched_twice(runtime: Runtime, world: World) -> list[int]:
    """The photo behind alice's first PDQ and pHash, found once, near both of them."""
    rng = random.Random(11)
    pdq = Fingerprint.parse("pdq", world.fingerprint_hexes[0])
    phash = Fingerprint.parse("phash", world.fingerprint_hexes[1])
    with runtime.sessions() as session:
        ids = {
            fp.algorithm.value: session.execute(
                select(CaseFingerprint.id).where(CaseFingerprint.value_mac == runtime.vault.mac(fp))
            ).scalar_one()
            for fp in (pdq, phash)
        }
    return add_report(
        runtime,
        case_id=world.case_id,
        page_url=ONE_PHOTO_PAGE,
        image_url=ONE_PHOTO_IMAGE,
        found=[(ids["pdq"], flip(pdq, 6, rng), 6), (ids["phash"], flip(phash, 3, rng), 3)],
    )


def confirmed_draft(carol: Console, world: World, runtime: Runtime) -> int:
    """carol confirms alice's first match and drafts a notice for it; returns its id."""
    assert carol.post(f"/console/matches/{world.match_ids[0]}/confirm").status_code == 303
    response = carol.post(f"/console/cases/{world.case_id}/takedowns")
    assert response.status_code == 303
    with runtime.sessions() as session:
        takedown = session.query(Takedown).one()
        assert response.headers["location"] == f"/console/takedowns/{takedown.id}"
        return takedown.id
