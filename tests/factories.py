"""Test data: fingerprints that pass validation, built from a seeded random source."""

from __future__ import annotations

import random

from casework.cases import SubmittedFingerprint
from hashing.fingerprint import Algorithm, Fingerprint


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
