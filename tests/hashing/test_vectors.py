"""Golden vectors: PDQ bit for bit against Meta's reference, pHash against imagehash and pinned."""

from __future__ import annotations

import json
from typing import Any

import imagehash
import pytest

from hashing.algorithms import pdq, phash
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.images import decode_image
from tests.hashing.conftest import VECTORS, read_vector

NAMES = sorted(json.loads((VECTORS / "expected.json").read_text())["images"])
WITH_QUALITY = [n for n in NAMES if n not in ("CMYK.jpg", "P.png")]


@pytest.mark.parametrize("name", WITH_QUALITY)
def test_pdq_hash_and_quality_match_the_reference_bit_for_bit(
    name: str, expected: dict[str, dict[str, Any]]
) -> None:
    fingerprint, quality = pdq(decode_image(read_vector(name)))
    assert fingerprint.hex == expected[name]["pdq"]
    assert quality == expected[name]["quality"]


@pytest.mark.parametrize("name", ["CMYK.jpg", "P.png"])
def test_cmyk_and_palette_copies_hash_like_their_rgb_original(
    name: str, expected: dict[str, dict[str, Any]]
) -> None:
    # expected.json says these equal aaa-orig.jpg. They do, except for the two DCT coefficients
    # that straddle the median: in aaa-orig they differ from it by 0.0014 (of values around 70),
    # so any colour conversion can swap them. No conversion gets 0 bits for either file (tried:
    # RGB, L, via RGBA, luma of RGB); the plain RGB conversion lands 2 bits away, same for both.
    fingerprint, _ = pdq(decode_image(read_vector(name)))
    original = Fingerprint.parse("pdq", expected[name]["pdq"])
    assert fingerprint.distance(original) == 2
    assert fingerprint.hex == "f8f8f0cee0f4a84f06370a22038f67f0b36e2ed596221e1d33e6b39c4e9c9b22"


def test_every_vector_image_has_a_pdq_expectation() -> None:
    on_disk = sorted(p.name for p in (VECTORS / "images").iterdir())
    assert on_disk == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_phash_equals_imagehash_and_the_vectors_expected_value(
    name: str, expected: dict[str, dict[str, Any]]
) -> None:
    # expected.json pins pHash for the JS port too (web/test/phash-parity.test.js): a Pillow,
    # scipy or imagehash upgrade that moves it fails here first.
    img = decode_image(read_vector(name))
    fingerprint = phash(img)
    assert fingerprint.algorithm is Algorithm.PHASH
    assert fingerprint.hex == str(imagehash.phash(img))
    assert fingerprint.hex == expected[name]["phash"]


def test_the_haystack_and_needles_are_well_formed_pdq_hashes() -> None:
    for name, count in (("haystack.txt", 1350), ("needles.txt", 100)):
        lines = (VECTORS / name).read_text().split()
        assert len({Fingerprint.parse("pdq", line) for line in lines}) == count
