"""The Fingerprint value type: an algorithm name plus the bits it produced."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Algorithm(StrEnum):
    """Hash algorithms the bank understands, with their wire names."""

    PDQ = "pdq"
    PHASH = "phash"
    MD5 = "md5"
    SHA256 = "sha256"

    @property
    def bits(self) -> int:
        """Length of this algorithm's hash in bits."""
        return _BITS[self]

    @property
    def perceptual(self) -> bool:
        """True when near (not only equal) hashes mean similar content."""
        return self in (Algorithm.PDQ, Algorithm.PHASH)


_BITS = {Algorithm.PDQ: 256, Algorithm.PHASH: 64, Algorithm.MD5: 128, Algorithm.SHA256: 256}
_HEX = re.compile(r"[0-9a-f]*")


class InvalidFingerprint(ValueError):
    """A fingerprint string or value that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """One hash: its algorithm and its bits as an unsigned integer (big-endian hex order)."""

    algorithm: Algorithm
    bits: int

    def __post_init__(self) -> None:
        if not 0 <= self.bits < (1 << self.algorithm.bits):
            raise InvalidFingerprint(
                f"{self.algorithm} fingerprints have {self.algorithm.bits} bits"
            )

    @classmethod
    def parse(cls, algorithm: str, value: str) -> Fingerprint:
        """Parse a lowercase-hex value for a named algorithm, raising InvalidFingerprint."""
        try:
            algo = Algorithm(algorithm)
        except ValueError:
            known = ", ".join(a.value for a in Algorithm)
            raise InvalidFingerprint(
                f"unknown algorithm {algorithm[:20]!r}; expected one of: {known}"
            ) from None
        expected = algo.bits // 4
        if len(value) != expected:
            raise InvalidFingerprint(
                f"a {algo} fingerprint is {expected} hex characters, got {len(value)}"
            )
        if not _HEX.fullmatch(value):
            raise InvalidFingerprint(
                f"a {algo} fingerprint must be lowercase hexadecimal (0-9, a-f)"
            )
        return cls(algo, int(value, 16))

    @classmethod
    def from_bytes(cls, algorithm: Algorithm, raw: bytes) -> Fingerprint:
        """Build a fingerprint from its big-endian byte form."""
        if len(raw) * 8 != algorithm.bits:
            raise InvalidFingerprint(f"{algorithm} fingerprints have {algorithm.bits // 8} bytes")
        return cls(algorithm, int.from_bytes(raw, "big"))

    @property
    def hex(self) -> str:
        """Lowercase hex, zero-padded to the algorithm's length."""
        return format(self.bits, f"0{self.algorithm.bits // 4}x")

    def to_bytes(self) -> bytes:
        """Big-endian bytes of the hash."""
        return self.bits.to_bytes(self.algorithm.bits // 8, "big")

    def distance(self, other: Fingerprint) -> int:
        """Hamming distance in bits; both must use the same algorithm."""
        if other.algorithm is not self.algorithm:
            raise InvalidFingerprint(
                f"cannot compare a {self.algorithm} and a {other.algorithm} fingerprint"
            )
        return (self.bits ^ other.bits).bit_count()

    def __repr__(self) -> str:
        # Hash values are sensitive: keep them out of reprs that end up in logs and tracebacks.
        return f"Fingerprint({self.algorithm.value}, <{self.algorithm.bits} bits>)"
