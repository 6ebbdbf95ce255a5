"""The hash bank: its change log and checkpoint, and each process's in-memory index of it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.bank.models import BankChange, BankCheckpoint, BankOp, FingerprintQuarantine
from casework.vault import Vault
from casework.victims.models import CaseFingerprint
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.index import HammingIndex

#: Meta's recommended PDQ match radius (python-threatexchange PDQ_CONFIDENT_MATCH_THRESHOLD).
PDQ_MATCH_RADIUS_BITS = 31
#: benchmarks/robustness.py, through the worker's own decision path: no false match on the dev
#: corpus up to 9 bits (1.65M leak/image and 87k original pairs), 24 at 10. A pHash sets 32 of its
#: 64 bits (median threshold), so distances are even and 8 is one step under the closest false
#: pair; 6 would cost 2.4 points of mean recall with no false match to remove.
PHASH_MATCH_RADIUS_BITS = 8

#: A query PDQ under quality 50 (hashing.algorithms.PDQ_QUALITY_MIN) is matched only this close,
#: 11 bits inside Meta's radius. benchmarks/faint_pdq.py on the dev corpus: such PDQs of
#: washed-out, darkened and blurred copies came no closer than 68 bits to another photo's bank
#: PDQ (0.1st percentile 88), while 31 of the 39 with a bank PDQ of their own came within 20.
FAINT_PDQ_RADIUS_BITS = 20

MATCH_RADIUS_BITS = {
    Algorithm.PDQ: PDQ_MATCH_RADIUS_BITS,
    Algorithm.PHASH: PHASH_MATCH_RADIUS_BITS,
    Algorithm.MD5: 0,
    Algorithm.SHA256: 0,
}


def record_changes(session: Session, changes: Iterable[tuple[CaseFingerprint, BankOp]]) -> int:
    """Log bank changes under a new checkpoint version and return that version.

    The UPDATE takes the checkpoint's row lock until commit, so bank writers are serialised and a
    reader that sees version V committed also sees every change up to V.
    """
    changes = list(changes)
    if not changes:
        return current_version(session)
    version = session.execute(
        update(BankCheckpoint)
        .where(BankCheckpoint.id == 1)
        .values(version=BankCheckpoint.version + 1)
        .returning(BankCheckpoint.version)
    ).scalar_one()
    session.add_all(
        BankChange(version=version, fingerprint_id=fp.id, algorithm=fp.algorithm, op=op.value)
        for fp, op in changes
    )
    session.flush()
    return version


def current_version(session: Session) -> int:
    """The committed checkpoint version."""
    return session.execute(
        select(BankCheckpoint.version).where(BankCheckpoint.id == 1)
    ).scalar_one()


@dataclass(frozen=True)
class BankHit:
    """A bank fingerprint within the match radius of a query."""

    fingerprint_id: int
    algorithm: Algorithm
    distance: int


class BankIndex:
    """One process's index of the bank, one HammingIndex per algorithm.

    ``refresh`` applies the change log since the version it holds, so additions and withdrawals
    made by any process take effect at the next refresh, without a restart.
    """

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._lock = threading.Lock()
        self._indexes = {algorithm: HammingIndex(algorithm.bits) for algorithm in Algorithm}
        self._version: int | None = None
        self._load_seconds: float | None = None

    @property
    def vault(self) -> Vault:
        """The vault this index opens sealed values with (the allow-list needs it too)."""
        return self._vault

    @property
    def loaded(self) -> bool:
        """True once the first full load has completed."""
        return self._version is not None

    @property
    def version(self) -> int | None:
        """The checkpoint version this index reflects."""
        return self._version

    @property
    def load_seconds(self) -> float | None:
        """How long the first full load took (None until it has run)."""
        return self._load_seconds

    def __len__(self) -> int:
        return sum(len(index) for index in self._indexes.values())

    def refresh(self, session: Session) -> None:
        """Bring the index up to the committed checkpoint."""
        target = current_version(session)
        with self._lock:
            if self._version == target:
                return
            if self._version is None:
                started = time.perf_counter()
                self._load_all(session)
                self._load_seconds = time.perf_counter() - started
            else:
                self._apply_changes(session, self._version, target)
            self._version = target

    def _load_all(self, session: Session) -> None:
        # Quarantined fingerprints are out of the bank until released (casework/bank/quarantine.py).
        quarantined = select(FingerprintQuarantine.fingerprint_id).where(
            FingerprintQuarantine.released_at.is_(None)
        )
        rows = session.execute(
            select(
                CaseFingerprint.id, CaseFingerprint.algorithm, CaseFingerprint.value_sealed
            ).where(CaseFingerprint.id.not_in(quarantined))
        ).all()
        by_algorithm: dict[Algorithm, tuple[list[int], list[int]]] = {
            algorithm: ([], []) for algorithm in Algorithm
        }
        for fingerprint_id, algorithm_name, sealed in rows:
            algorithm = Algorithm(algorithm_name)
            ids, values = by_algorithm[algorithm]
            ids.append(fingerprint_id)
            values.append(self._vault.open(algorithm, sealed).bits)
        for algorithm, (ids, values) in by_algorithm.items():
            self._indexes[algorithm].add_many(ids, values)

    def _apply_changes(self, session: Session, after: int, upto: int) -> None:
        changes = session.execute(
            select(BankChange.fingerprint_id, BankChange.algorithm, BankChange.op)
            .where(BankChange.version > after, BankChange.version <= upto)
            .order_by(BankChange.version, BankChange.id)
        ).all()
        added = [fid for fid, _algorithm, op in changes if op == BankOp.ADD]
        sealed_by_id = {
            fid: (Algorithm(algorithm), sealed)
            for fid, algorithm, sealed in session.execute(
                select(
                    CaseFingerprint.id, CaseFingerprint.algorithm, CaseFingerprint.value_sealed
                ).where(CaseFingerprint.id.in_(added))
            )
        }
        for fingerprint_id, algorithm_name, op in changes:
            index = self._indexes[Algorithm(algorithm_name)]
            if op == BankOp.WITHDRAW:
                index.remove(fingerprint_id)
            elif fingerprint_id in sealed_by_id:
                algorithm, sealed = sealed_by_id[fingerprint_id]
                # Idempotent: a first load that raced a commit, or a released quarantine, may
                # meet an addition of an id the index already holds.
                index.remove(fingerprint_id)
                index.add(fingerprint_id, self._vault.open(algorithm, sealed).bits)

    def match(self, fingerprint: Fingerprint, radius: int | None = None) -> list[BankHit]:
        """Bank fingerprints within the algorithm's match radius, closest first."""
        limit = MATCH_RADIUS_BITS[fingerprint.algorithm] if radius is None else radius
        with self._lock:
            hits = self._indexes[fingerprint.algorithm].query(fingerprint.bits, limit)
        return [BankHit(fid, fingerprint.algorithm, distance) for fid, distance in hits]

    def match_many(self, fingerprints: Sequence[Fingerprint]) -> list[list[BankHit]]:
        """match() for each fingerprint, batched per algorithm (a platform checks 1,000 at once)."""
        found: list[list[BankHit]] = [[] for _ in fingerprints]
        by_algorithm: dict[Algorithm, list[int]] = {}
        for position, fingerprint in enumerate(fingerprints):
            by_algorithm.setdefault(fingerprint.algorithm, []).append(position)
        with self._lock:
            for algorithm, positions in by_algorithm.items():
                answers = self._indexes[algorithm].query_many(
                    [fingerprints[p].bits for p in positions], MATCH_RADIUS_BITS[algorithm]
                )
                for position, hits in zip(positions, answers, strict=True):
                    found[position] = [BankHit(fid, algorithm, d) for fid, d in hits]
        return found
