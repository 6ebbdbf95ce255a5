"""Fixtures for the hashing core: the PDQ reference vectors and small synthetic images."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from casework.bank.bank import FAINT_PDQ_RADIUS_BITS, MATCH_RADIUS_BITS
from hashing.algorithms import QueryHashes, hash_file
from hashing.fingerprint import Fingerprint

VECTORS = Path(__file__).parents[1] / "vectors" / "pdq"


def read_vector(name: str) -> bytes:
    """Bytes of one image in tests/vectors/pdq/images."""
    return (VECTORS / "images" / name).read_bytes()


def encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    """Encode a Pillow image to bytes in the given format."""
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def textured(size: tuple[int, int] = (256, 192), seed: int = 7) -> Image.Image:
    """A deterministic RGB image with enough structure for a high PDQ quality."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    return Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC)


@pytest.fixture(scope="session")
def expected() -> dict[str, dict[str, Any]]:
    images: dict[str, dict[str, Any]] = json.loads((VECTORS / "expected.json").read_text())[
        "images"
    ]
    return images


def bank_of(photo: Image.Image) -> list[Fingerprint]:
    """What a victim's device banks for ``photo``: its fingerprints and variants."""
    victim = hash_file(encode(photo, "PNG"))
    return list(victim.fingerprints + victim.variants)


def matches(query: QueryHashes, bank: list[Fingerprint]) -> bool:
    """The bank's decision: MD5/SHA-256 equal, PDQ and pHash within their radii, faint PDQ
    within the tight one."""
    tried = [(fp, MATCH_RADIUS_BITS[fp.algorithm]) for fp in query.fingerprints]
    tried += [(fp, FAINT_PDQ_RADIUS_BITS) for fp in query.faint]
    return any(
        fp.algorithm is known.algorithm and fp.distance(known) <= radius
        for fp, radius in tried
        for known in bank
    )
