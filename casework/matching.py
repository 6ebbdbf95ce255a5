"""Turn hashes of found images into matches against the bank."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.bank import BankIndex
from casework.models import CaseFingerprint
from casework.reports import FoundMatch
from hashing.fingerprint import Fingerprint


def find_matches(
    session: Session, *, bank: BankIndex, image_url: str, fingerprints: Iterable[Fingerprint]
) -> list[FoundMatch]:
    """The closest query hash per bank fingerprint within its algorithm's radius."""
    best: dict[int, tuple[int, Fingerprint]] = {}
    for fingerprint in fingerprints:
        for hit in bank.match(fingerprint):
            known = best.get(hit.fingerprint_id)
            if known is None or hit.distance < known[0]:
                best[hit.fingerprint_id] = (hit.distance, fingerprint)
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
