"""Fixtures for the hashing core: the PDQ reference vectors and small synthetic images."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

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
