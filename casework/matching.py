"""Turn hashes of found images into matches against the bank, minus rejected false matches."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.bank import BankIndex
from casework.models import AllowedMatch, CaseFingerprint
from casework.quarantine import quarantined_among
from casework.reports import FoundMatch
from hashing.fingerprint import Algorithm, Fingerprint

#: How close a found hash must be to a rejected one to count as the same image again: the same
#: file re-encoded or resized moves PDQ by a few bits and pHash by one or two.
ALLOWLIST_RADIUS_BITS = {
    Algorithm.PDQ: 8,
    Algorithm.PHASH: 2,
    Algorithm.MD5: 0,
    Algorithm.SHA256: 0,
}


def find_matches(
    session: Session, *, bank: BankIndex, image_url: str, fingerprints: Iterable[Fingerprint]
) -> list[FoundMatch]:
    """The closest query hash per bank fingerprint within its algorithm's radius."""
    fingerprints = list(fingerprints)
    best: dict[int, tuple[int, Fingerprint]] = {}
    for fingerprint in fingerprints:
        for hit in bank.match(fingerprint):
            known = best.get(hit.fingerprint_id)
            if known is None or hit.distance < known[0]:
                best[hit.fingerprint_id] = (hit.distance, fingerprint)
    for fingerprint_id in _allowed(session, bank, list(best), fingerprints):
        del best[fingerprint_id]
    if not best:
        return []
    # The index may be a moment behind a withdrawal: only fingerprints still stored count.
    owners: dict[int, int] = {
        fingerprint_id: case_id
        for fingerprint_id, case_id in session.execute(
            select(CaseFingerprint.id, CaseFingerprint.case_id).where(
                CaseFingerprint.id.in_(list(best))
            )
        )
    }
    # Quarantined fingerprints make no new matches until a caseworker reviews them.
    for fingerprint_id in quarantined_among(session, owners):
        del owners[fingerprint_id]
    return [
        FoundMatch(
            image_url=image_url,
            fingerprint_id=fingerprint_id,
            case_id=owners[fingerprint_id],
            found=found,
            distance=distance,
        )
        for fingerprint_id, (distance, found) in sorted(best.items())
        if fingerprint_id in owners
    ]


def _allowed(
    session: Session, bank: BankIndex, fingerprint_ids: list[int], found: list[Fingerprint]
) -> set[int]:
    """Bank fingerprints this image must not match: a caseworker rejected it for them before.

    Any hash of the image near a rejected one counts, so a mirrored or re-encoded copy of a
    rejected image stays rejected whichever of its hashes came closest.
    """
    if not fingerprint_ids:
        return set()
    allowed: set[int] = set()
    for fingerprint_id, algorithm_name, sealed in session.execute(
        select(
            AllowedMatch.fingerprint_id, AllowedMatch.algorithm, AllowedMatch.found_sealed
        ).where(AllowedMatch.fingerprint_id.in_(fingerprint_ids))
    ):
        if fingerprint_id in allowed:
            continue
        algorithm = Algorithm(algorithm_name)
        rejected = bank.vault.open(algorithm, sealed)
        radius = ALLOWLIST_RADIUS_BITS[algorithm]
        if any(
            query.algorithm is algorithm and (query.bits ^ rejected.bits).bit_count() <= radius
            for query in found
        ):
            allowed.add(fingerprint_id)
    return allowed


def active_owners(session: Session, fingerprint_ids: Iterable[int]) -> dict[int, int]:
    """The case of each of these fingerprints still in the bank: stored, and not quarantined."""
    owners: dict[int, int] = {
        fingerprint_id: case_id
        for fingerprint_id, case_id in session.execute(
            select(CaseFingerprint.id, CaseFingerprint.case_id).where(
                CaseFingerprint.id.in_(list(fingerprint_ids))
            )
        )
    }
    for fingerprint_id in quarantined_among(session, owners):
        del owners[fingerprint_id]
    return owners
