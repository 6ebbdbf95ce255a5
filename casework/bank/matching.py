"""Turn hashes of found images into matches against the bank, minus rejected false matches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.bank.bank import (
    CORROBORATING_PDQ_RADIUS_BITS,
    BankHit,
    BankIndex,
    in_enabled_bank,
    query_radius,
    stands_alone,
)
from casework.bank.models import AllowedMatch
from casework.bank.quarantine import quarantined_among
from casework.reports.reports import FoundMatch
from casework.vault import Vault
from casework.victims.models import CaseFingerprint
from hashing.fingerprint import Algorithm, Fingerprint

#: How close a found hash must be to a rejected one to count as the same image again: the same
#: file re-encoded or resized moves PDQ by a few bits and pHash by one or two.
ALLOWLIST_RADIUS_BITS = {
    Algorithm.PDQ: 8,
    Algorithm.PHASH: 2,
    Algorithm.MD5: 0,
    Algorithm.SHA256: 0,
}

#: The widest distance of the near-identical and very-similar bands of each perceptual
#: algorithm; past them, up to the match radius (casework/bank/bank.py), false matches happen.
NEAR_IDENTICAL_BITS = {Algorithm.PDQ: 10, Algorithm.PHASH: 4}
VERY_SIMILAR_BITS = {Algorithm.PDQ: 20, Algorithm.PHASH: 6}


class Confidence(StrEnum):
    """How surely a match is the victim's image, by its algorithm and distance."""

    #: A cryptographic hash: the very same file.
    EXACT_FILE = "exact_file"
    #: A perceptual hash at distance 0.
    IDENTICAL = "identical"
    #: Re-encoded, resized or lightly edited.
    NEAR_IDENTICAL = "near_identical"
    #: Probably the same image with visible edits (crop, border, text).
    VERY_SIMILAR = "very_similar"
    #: Inside the match radius, where false matches happen.
    SIMILAR = "similar"


def confidence(algorithm: Algorithm, distance: int) -> Confidence:
    """The band a match's distance falls in, for the caseworker who reviews it."""
    if not algorithm.perceptual:
        return Confidence.EXACT_FILE
    if distance == 0:
        return Confidence.IDENTICAL
    if distance <= NEAR_IDENTICAL_BITS[algorithm]:
        return Confidence.NEAR_IDENTICAL
    if distance <= VERY_SIMILAR_BITS[algorithm]:
        return Confidence.VERY_SIMILAR
    return Confidence.SIMILAR


def find_matches(
    session: Session,
    *,
    bank: BankIndex,
    image_url: str,
    fingerprints: Iterable[Fingerprint],
    reporting_case_id: int | None = None,
    faint: Iterable[Fingerprint] = (),
) -> list[FoundMatch]:
    """The closest query hash per bank fingerprint within its algorithm's radius.

    A victim's fingerprint matches for its own case. A named bank's fingerprint has no case: its
    match is recorded for ``reporting_case_id`` (the case whose report found the image), where a
    caseworker reviews it like any other, and is left out when there is none. ``faint`` are
    PDQs under the quality floor (hashing.algorithms.QueryHashes): they match only within
    query_radius's tight radius, as on the platform check. A pHash hit that does not stand
    alone (casework.bank.bank.stands_alone) counts only when a PDQ of the image backs it.
    """
    confident = [(fp, None) for fp in fingerprints]
    tried = confident + [(fp, query_radius(fp.algorithm, faint=True)) for fp in faint]
    fingerprints = [fp for fp, _ in tried]
    best: dict[int, tuple[int, Fingerprint]] = {}
    hits: list[tuple[BankHit, Fingerprint]] = []
    for fingerprint, radius in tried:
        for hit in bank.match(fingerprint, radius):
            hits.append((hit, fingerprint))
            known = best.get(hit.fingerprint_id)
            if known is None or hit.distance < known[0]:
                best[hit.fingerprint_id] = (hit.distance, fingerprint)
    rejected = rejected_hashes(session, bank.vault, list(best))
    for fingerprint_id in [f for f in best if allowed(rejected.get(f, []), fingerprints)]:
        del best[fingerprint_id]
    hits = [(hit, query) for hit, query in hits if hit.fingerprint_id in best]
    pdqs = [fp for fp, _ in tried if fp.algorithm is Algorithm.PDQ]
    for fingerprint_id in uncorroborated(session, bank.vault, hits, pdqs):
        del best[fingerprint_id]
    if not best:
        return []
    # The index may be a moment behind a withdrawal or a disabled bank: only fingerprints still
    # in the bank count, and quarantined ones make no new matches until a caseworker reviews them.
    owners = {
        fingerprint_id: reporting_case_id if case_id is None else case_id
        for fingerprint_id, case_id in active_owners(session, best).items()
    }
    return [
        FoundMatch(
            image_url=image_url,
            fingerprint_id=fingerprint_id,
            case_id=case_id,
            found=found,
            distance=distance,
        )
        for fingerprint_id, (distance, found) in sorted(best.items())
        if (case_id := owners.get(fingerprint_id)) is not None
    ]


def uncorroborated(
    session: Session,
    vault: Vault,
    hits: Sequence[tuple[BankHit, Fingerprint]],
    pdqs: Sequence[Fingerprint],
) -> set[int]:
    """The fingerprints hit in ``hits`` (each with the query hash that made it) that must not
    count: no hit on them stands alone (casework.bank.bank.stands_alone), and none of ``pdqs``
    (the found image's PDQs, faint ones too) within CORROBORATING_PDQ_RADIUS_BITS of a PDQ of the
    same bank photo (its own, its crops' and trimmed copies'). A case's fingerprints sent
    without a photo count as one photo; a named bank's have none to back them."""
    alone = {hit.fingerprint_id for hit, query in hits if stands_alone(query, hit.distance)}
    outer = [f for f in dict.fromkeys(hit.fingerprint_id for hit, _ in hits) if f not in alone]
    if not outer or not pdqs:
        return set(outer)
    photo_of = {
        fingerprint_id: (case_id, photo)
        for fingerprint_id, case_id, photo in session.execute(
            select(CaseFingerprint.id, CaseFingerprint.case_id, CaseFingerprint.photo)
            .where(CaseFingerprint.id.in_(outer))
            .where(CaseFingerprint.case_id.is_not(None))
        )
    }
    wanted = set(photo_of.values())
    backed: set[tuple[int | None, int | None]] = set()
    for case_id, photo, sealed in session.execute(
        select(CaseFingerprint.case_id, CaseFingerprint.photo, CaseFingerprint.value_sealed)
        .where(CaseFingerprint.algorithm == Algorithm.PDQ.value)
        .where(CaseFingerprint.case_id.in_({case_id for case_id, _ in wanted}))
    ):
        key = (case_id, photo)
        if key in backed or key not in wanted:
            continue
        bits = vault.open(Algorithm.PDQ, sealed).bits
        if any((bits ^ pdq.bits).bit_count() <= CORROBORATING_PDQ_RADIUS_BITS for pdq in pdqs):
            backed.add(key)
    return {
        fingerprint_id for fingerprint_id in outer if photo_of.get(fingerprint_id) not in backed
    }


def rejected_hashes(
    session: Session, vault: Vault, fingerprint_ids: Iterable[int]
) -> dict[int, list[Fingerprint]]:
    """Found hashes caseworkers rejected for these bank fingerprints (the allow-list), opened."""
    ids = list(fingerprint_ids)
    if not ids:
        return {}
    rejected: dict[int, list[Fingerprint]] = {}
    for fingerprint_id, algorithm_name, sealed in session.execute(
        select(
            AllowedMatch.fingerprint_id, AllowedMatch.algorithm, AllowedMatch.found_sealed
        ).where(AllowedMatch.fingerprint_id.in_(ids))
    ):
        opened = vault.open(Algorithm(algorithm_name), sealed)
        rejected.setdefault(fingerprint_id, []).append(opened)
    return rejected


def allowed(rejected: Sequence[Fingerprint], image: Iterable[Fingerprint]) -> bool:
    """True when any hash of the image is a rejected one again (within the allow-list radius).

    Any hash of the image counts, so a mirrored or re-encoded copy of a rejected image stays
    rejected whichever of its hashes came closest.
    """
    if not rejected:
        return False
    return any(
        query.algorithm is known.algorithm
        and (query.bits ^ known.bits).bit_count() <= ALLOWLIST_RADIUS_BITS[known.algorithm]
        for query in image
        for known in rejected
    )


def active_owners(session: Session, fingerprint_ids: Iterable[int]) -> dict[int, int | None]:
    """The case of each of these fingerprints still in the bank (None for a named bank's).

    Still in the bank: stored, not quarantined, and not in a disabled named bank.
    """
    owners: dict[int, int | None] = {
        fingerprint_id: case_id
        for fingerprint_id, case_id in session.execute(
            select(CaseFingerprint.id, CaseFingerprint.case_id)
            .where(CaseFingerprint.id.in_(list(fingerprint_ids)))
            .where(in_enabled_bank())
        )
    }
    for fingerprint_id in quarantined_among(session, owners):
        del owners[fingerprint_id]
    return owners
