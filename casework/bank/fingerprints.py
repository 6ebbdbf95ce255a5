"""Fingerprints as clients send them, and the vetting every one passes before the bank."""

from __future__ import annotations

from dataclasses import dataclass

from casework.errors import InvalidFingerprints, ItemProblem, TooManyFingerprints
from hashing.algorithms import PDQ_QUALITY_MIN, degeneracy
from hashing.fingerprint import Algorithm, Fingerprint, InvalidFingerprint


@dataclass(frozen=True)
class SubmittedFingerprint:
    """A fingerprint as a client sent it, before validation."""

    algorithm: str
    value: str
    quality: int | None = None


@dataclass(frozen=True)
class Limits:
    """How much one request and one case may hold."""

    per_request: int
    per_case: int


def validate_fingerprints(
    submitted: list[SubmittedFingerprint], limits: Limits
) -> list[tuple[Fingerprint, int | None]]:
    """Parse and vet every fingerprint, raising one error that lists each problem."""
    if not submitted:
        raise TooManyFingerprints("send at least one fingerprint")
    if len(submitted) > limits.per_request:
        raise TooManyFingerprints(
            f"{len(submitted)} fingerprints in one request; the limit is {limits.per_request}",
            per_request=limits.per_request,
        )
    parsed: list[tuple[Fingerprint, int | None]] = []
    problems: list[ItemProblem] = []
    for position, item in enumerate(submitted):
        try:
            fingerprint = Fingerprint.parse(item.algorithm, item.value)
        except InvalidFingerprint as error:
            problems.append(ItemProblem(position, str(error)))
            continue
        reason = _refusal(fingerprint, item.quality)
        if reason:
            problems.append(ItemProblem(position, reason))
            continue
        parsed.append((fingerprint, item.quality))
    if problems:
        raise InvalidFingerprints(problems)
    return parsed


def _refusal(fingerprint: Fingerprint, quality: int | None) -> str | None:
    if quality is not None and fingerprint.algorithm is not Algorithm.PDQ:
        return "quality applies to pdq fingerprints only"
    if quality is not None and not 0 <= quality <= 100:
        return "pdq quality must be between 0 and 100"
    if quality is not None and quality < PDQ_QUALITY_MIN:
        return (
            f"pdq quality {quality} is below {PDQ_QUALITY_MIN}: the image has too little detail "
            "to match reliably"
        )
    return degeneracy(fingerprint)
