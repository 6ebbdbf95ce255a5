"""Fingerprints as clients send them, and the vetting every one passes before the bank.

A request may group its fingerprints by photo: every entry of one photo names the same
``photo`` (its 0-based position among the request's photos), and ``derived`` marks the entries
of a trimmed copy or a crop rather than of the photo as it is. A request groups all its entries
or none: older clients send no ``photo`` at all, and their fingerprints are stored ungrouped
(counted as fingerprints, since nothing says which belong together).
"""

from __future__ import annotations

from collections import defaultdict
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
    #: The photo of the request it belongs to (0-based), or None from a client that does not group.
    photo: int | None = None
    #: Hashed from a trimmed copy or a crop of the photo, not from the photo as it is.
    derived: bool = False


@dataclass(frozen=True)
class VettedFingerprint:
    """A submitted fingerprint that passed vetting, with its request's grouping."""

    fingerprint: Fingerprint
    quality: int | None = None
    photo: int | None = None
    derived: bool = False


@dataclass(frozen=True)
class Limits:
    """How much one request and one case may hold, in fingerprints and in photos."""

    per_request: int
    per_case: int
    photos_per_request: int
    photos_per_case: int


def validate_fingerprints(
    submitted: list[SubmittedFingerprint], limits: Limits
) -> list[VettedFingerprint]:
    """Parse and vet every fingerprint and the request's photo grouping, raising one error
    that lists each problem by position."""
    if not submitted:
        raise TooManyFingerprints("send at least one fingerprint")
    if len(submitted) > limits.per_request:
        raise TooManyFingerprints(
            f"{len(submitted)} fingerprints in one request; the limit is {limits.per_request}",
            per_request=limits.per_request,
            photos_per_request=limits.photos_per_request,
        )
    photos = {item.photo for item in submitted if item.photo is not None}
    if len(photos) > limits.photos_per_request:
        raise TooManyFingerprints(
            f"{len(photos)} photos in one request; the limit is {limits.photos_per_request}",
            per_request=limits.per_request,
            photos_per_request=limits.photos_per_request,
        )
    vetted: list[VettedFingerprint] = []
    problems = _grouping_problems(submitted)
    for position, item in enumerate(submitted):
        try:
            fingerprint = Fingerprint.parse(item.algorithm, item.value)
        except InvalidFingerprint as error:
            problems.append(ItemProblem(position, str(error)))
            continue
        reason = _refusal(fingerprint, item.quality)
        if item.derived and not fingerprint.algorithm.perceptual and reason is None:
            reason = "a derived fingerprint is a pdq or phash of a trimmed copy or a crop"
        if reason:
            problems.append(ItemProblem(position, reason))
            continue
        vetted.append(VettedFingerprint(fingerprint, item.quality, item.photo, item.derived))
    if problems:
        raise InvalidFingerprints(sorted(problems, key=lambda problem: problem.index))
    return vetted


def _grouping_problems(submitted: list[SubmittedFingerprint]) -> list[ItemProblem]:
    """Entries whose photo is missing, out of range, or names a photo of derived entries only."""
    grouped = any(item.photo is not None for item in submitted)
    own: defaultdict[int, int] = defaultdict(int)
    for item in submitted:
        if item.photo is not None and not item.derived:
            own[item.photo] += 1
    problems = []
    for position, item in enumerate(submitted):
        if item.photo is None:
            if item.derived:
                problems.append(ItemProblem(position, "a derived fingerprint needs its photo"))
            elif grouped:
                problems.append(
                    ItemProblem(
                        position, "photo missing: this request groups fingerprints by photo"
                    )
                )
        elif not 0 <= item.photo < len(submitted):
            problems.append(
                ItemProblem(position, f"photo must be a number from 0 to {len(submitted) - 1}")
            )
        elif not own[item.photo]:
            problems.append(
                ItemProblem(
                    position,
                    f"photo {item.photo} has only derived fingerprints; send the photo's own "
                    "fingerprints with them",
                )
            )
    return problems


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
