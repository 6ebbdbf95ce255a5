"""The hash bank: its change log and checkpoint, and each process's in-memory index of it."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from casework.bank.models import Bank, BankChange, BankCheckpoint, BankOp, FingerprintQuarantine
from casework.bank.snapshot import Snapshot, SnapshotStore
from casework.db import utcnow
from casework.vault import Vault
from casework.victims.models import CaseFingerprint
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.index import HammingIndex
from hashing.videos import VPDQ

logger = logging.getLogger(__name__)

#: A process moves to a newer snapshot once its overlay holds more rows than this, or than 1/64
#: of the bank: few enough that the overlay's brute-force scan stays small.
_MIN_OVERLAY_LIMIT = 4096
#: Rows the first load reads per round trip (outside PostgreSQL).
_READ_BATCH = 50_000
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"

#: Meta's recommended PDQ match radius (python-threatexchange PDQ_CONFIDENT_MATCH_THRESHOLD).
PDQ_MATCH_RADIUS_BITS = 31
#: benchmarks/robustness.py, through the worker's own decision path: before the crop bank, no
#: false match on the dev corpus up to 9 bits, 24 at 10. A pHash sets 32 of its 64 bits (median
#: threshold), so distances are even. Past PHASH_ALONE_RADIUS_BITS a PDQ must back the match.
PHASH_MATCH_RADIUS_BITS = 8

#: A query PDQ under quality 50 (hashing.algorithms.PDQ_QUALITY_MIN) is matched only this close,
#: 11 bits inside Meta's radius. benchmarks/faint_pdq.py on the dev corpus: such PDQs of
#: washed-out, darkened and blurred copies came no closer than 68 bits to another photo's bank
#: PDQ (0.1st percentile 88), while 31 of the 39 with a bank PDQ of their own came within 20.
FAINT_PDQ_RADIUS_BITS = 20

#: A pHash match this close stands on its own; one farther out, up to PHASH_MATCH_RADIUS_BITS,
#: counts only when a PDQ backs it (casework/bank/matching.py, uncorroborated). The crop bank and
#: the query side's insets and guesses try ~20 x ~100 pHash pairs per leak and bank photo, so on
#: the full dev corpus unrelated pairs turned up at 8 bits (13 in 2.5M pairs) and at 6 (1), none
#: within 5 (benchmarks/README.md section 10); pHash distances are nearly always even.
PHASH_ALONE_RADIUS_BITS = 4
#: A pHash match past PHASH_ALONE_RADIUS_BITS counts when one of the image's PDQs comes
#: this close to a PDQ of the same bank photo (its own, its crops' or trimmed copies'). Unrelated
#: PDQs sit ~128 bits apart; on the 60-photo rows sample every leak/other-photo pair within
#: pHash 10 was 86 PDQ bits or more apart, while 76 of the 78 leaks of their own photo at pHash
#: 5-8 that PDQ missed at 31 bits came within 72 (benchmarks/phash_rule.py). On the full corpus
#: the closest such unrelated pairs were 78 bits apart (1 in the rows set, 2 held out). A PDQ
#: under the quality floor backs too: such PDQs came no closer than 76 bits to another photo's.
CORROBORATING_PDQ_RADIUS_BITS = 72

#: A found pHash this close to a separable pattern (each row of its 8x8 grid one byte or that
#: byte's complement) needs a PDQ behind it at any distance. A picture that is one small thing on
#: a flat ground (a corner of an object on white, a mast against the sky) has nearly separable
#: low frequencies, so its pHash carries ~16 bits, not 64: a tiny crop of a clip-art screwdriver
#: came within 4 bits of a crop in a windmill photo's bank (benchmarks/small_images.py). Random
#: 64-bit codes sit 11 or more bits from any separable one; of the dev corpus's bank pHashes,
#: 0.3 % are within 4 (benchmarks/README.md section 10). The denied gradient pHashes are at 0.
SEPARABLE_PHASH_BITS = 4

MATCH_RADIUS_BITS = {
    Algorithm.PDQ: PDQ_MATCH_RADIUS_BITS,
    Algorithm.PHASH: PHASH_MATCH_RADIUS_BITS,
    Algorithm.MD5: 0,
    Algorithm.SHA256: 0,
}


_BYTES = np.arange(256, dtype=np.uint8)
_FLIPS_TO_PATTERN = np.bitwise_count(_BYTES[:, None] ^ _BYTES[None, :])
#: [row, pattern]: bits to flip to turn a row into the pattern or its complement.
_ROW_COST = np.minimum(_FLIPS_TO_PATTERN, 8 - _FLIPS_TO_PATTERN).astype(np.int32)


def separable_distance(phash: Fingerprint) -> int:
    """How many bits of a pHash differ from the nearest separable pattern (SEPARABLE_PHASH_BITS)."""
    rows = np.frombuffer(phash.bits.to_bytes(8, "big"), np.uint8)
    return int(_ROW_COST[rows].sum(axis=0).min())


def stands_alone(query: Fingerprint, distance: int) -> bool:
    """Whether a hit of this query hash at this distance counts without a PDQ of the found image
    backing it (casework/bank/matching.py, uncorroborated)."""
    if query.algorithm is not Algorithm.PHASH:
        return True
    return distance <= PHASH_ALONE_RADIUS_BITS and separable_distance(query) > SEPARABLE_PHASH_BITS


def query_radius(algorithm: Algorithm, *, faint: bool = False) -> int:
    """How close a query hash must come to a bank fingerprint to match it: the algorithm's
    radius, or FAINT_PDQ_RADIUS_BITS for a PDQ under the quality floor. The worker's matching
    and the platform check both go by it."""
    if faint and algorithm is Algorithm.PDQ:
        return FAINT_PDQ_RADIUS_BITS
    return MATCH_RADIUS_BITS[algorithm]


class BankEntry(Protocol):
    """What the change log needs of a fingerprint or a video: a row, or a row's columns."""

    @property
    def id(self) -> int: ...

    @property
    def algorithm(self) -> str: ...

    @property
    def bank_id(self) -> int | None: ...

    @property
    def case_id(self) -> int | None: ...

    @property
    def photo(self) -> int | None: ...


def record_changes(session: Session, changes: Iterable[tuple[BankEntry, BankOp]]) -> int:
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
    # One executemany rather than an object per change: a named bank's import logs thousands.
    session.execute(
        insert(BankChange),
        [
            {
                "version": version,
                "fingerprint_id": fp.id,
                "algorithm": fp.algorithm,
                "op": op.value,
                "bank_id": fp.bank_id,
                "case_id": fp.case_id,
                "photo": fp.photo,
                "created_at": utcnow(),
            }
            for fp, op in changes
        ],
    )
    session.flush()
    return version


def current_version(session: Session) -> int:
    """The committed checkpoint version."""
    return session.execute(
        select(BankCheckpoint.version).where(BankCheckpoint.id == 1)
    ).scalar_one()


def bank_epoch(session: Session) -> str:
    """Names this history of the bank: its first change, or none yet.

    A snapshot's version alone does not name its content: a database restored from a backup,
    or emptied and refilled, reaches the same version with other fingerprints.
    """
    first = session.execute(
        select(BankChange.id, BankChange.created_at).order_by(BankChange.id).limit(1)
    ).first()
    if first is None:
        return "0"
    return hashlib.sha256(f"{first.id}\0{first.created_at.isoformat()}".encode()).hexdigest()[:16]


def in_enabled_bank() -> ColumnElement[bool]:
    """A fingerprint of a victim's case, or of a named bank that is enabled."""
    enabled = select(Bank.id).where(Bank.enabled.is_(True))
    return or_(CaseFingerprint.bank_id.is_(None), CaseFingerprint.bank_id.in_(enabled))


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

    With a SnapshotStore, the bulk of the index is a snapshot every process on the machine maps
    (casework/bank/snapshot.py): the first process builds and publishes it, the others attach,
    and each keeps the changes since the snapshot's version as its own overlay. Once an overlay
    holds more than ``overlay_limit`` rows (or a large batch made this process fold a private
    copy), the process moves to a newer snapshot, publishing one if nobody has.
    """

    def __init__(
        self, vault: Vault, store: SnapshotStore | None = None, overlay_limit: int | None = None
    ) -> None:
        self._vault = vault
        self._store = store
        self._overlay_limit = overlay_limit
        self._lock = threading.Lock()
        self._indexes = {algorithm: HammingIndex(algorithm.bits) for algorithm in Algorithm}
        self._snapshot: Snapshot | None = None
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

    @property
    def snapshot(self) -> Snapshot | None:
        """The shared snapshot under this index, if it uses one."""
        return self._snapshot

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
                self._version = self._load_all(session, target)
                self._load_seconds = time.perf_counter() - started
            if self._version < target:
                self._apply_changes(session, self._version, target)
                self._version = target
            if self._store is not None and self._overlay_full():
                self._move_on(session, self._store)

    def release(self) -> None:
        """Let go of the shared snapshot (the last process to do so removes it)."""
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.release()

    def _load_all(self, session: Session, target: int) -> int:
        """Fill the indexes and return the version they reflect (changes after it re-apply)."""
        if self._store is None:
            self._indexes = _read_bank(session, self._vault)
            return target
        self._store = self._store.within(bank_epoch(session))
        with self._store.locked():
            latest = self._store.latest()
            # A snapshot ahead of the database (restored from an older backup) is not its bank.
            if latest is None or latest[0] > target:
                self._indexes = _read_bank(session, self._vault)
                path = self._publish(self._store, target)
                if path is None:
                    return target
            else:
                path = latest[1]
            self._use(self._store.attach(path))
        assert self._snapshot is not None
        return self._snapshot.version

    def _publish(self, store: SnapshotStore, version: int) -> Path | None:
        """Publish this index as a snapshot; None (and a private index from now on) if no room."""
        try:
            return store.publish(version, self._indexes)
        except OSError as error:
            logger.warning(
                "bank index not shared: no room for its snapshot in %s (%s); this process "
                "keeps a private copy",
                store.directory,
                error.strerror,
            )
            self._store = None
            return None

    def _overlay_full(self) -> bool:
        rows = sum(len(index) for index in self._indexes.values())
        limit = self._overlay_limit
        if limit is None:
            limit = max(_MIN_OVERLAY_LIMIT, rows // 64)
        overlay = sum(index.overlay for index in self._indexes.values())
        return overlay > limit or not all(
            index.borrowed or not len(index) for index in self._indexes.values()
        )

    def _move_on(self, session: Session, store: SnapshotStore) -> None:
        """Swap the overlay for a newer snapshot: one already published, or this index's own."""
        assert self._version is not None
        with store.locked():
            latest = store.latest()
            held = self._snapshot.version if self._snapshot is not None else -1
            if latest is not None and held < latest[0] <= self._version:
                path = latest[1]
            else:
                found = self._publish(store, self._version)
                if found is None:
                    return
                path = found
            previous = self._snapshot
            self._use(store.attach(path))
        assert self._snapshot is not None
        if self._snapshot.version < self._version:
            self._apply_changes(session, self._snapshot.version, self._version)
        if previous is not None:
            previous.release()

    def _use(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._indexes = snapshot.indexes

    def _apply_changes(self, session: Session, after: int, upto: int) -> None:
        changes = session.execute(
            select(BankChange.fingerprint_id, BankChange.algorithm, BankChange.op)
            .where(BankChange.version > after, BankChange.version <= upto)
            # Videos are logged for the feed; the video index follows case_videos itself.
            .where(BankChange.algorithm != VPDQ)
            .order_by(BankChange.version, BankChange.id)
        ).all()
        added = [fid for fid, _algorithm, op in changes if op == BankOp.ADD]
        sealed_by_id = {
            fid: (Algorithm(algorithm), sealed)
            for fid, algorithm, sealed in session.execute(
                select(CaseFingerprint.id, CaseFingerprint.algorithm, CaseFingerprint.value_sealed)
                .where(CaseFingerprint.id.in_(added))
                .where(in_enabled_bank())
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

    def match_many(
        self, fingerprints: Sequence[Fingerprint], faint: Sequence[bool] | None = None
    ) -> list[list[BankHit]]:
        """match() for each fingerprint, batched per algorithm and radius (a platform checks
        1,000 at once); ``faint`` marks PDQs under the quality floor (query_radius)."""
        found: list[list[BankHit]] = [[] for _ in fingerprints]
        groups: dict[tuple[Algorithm, int], list[int]] = {}
        for position, fingerprint in enumerate(fingerprints):
            radius = query_radius(fingerprint.algorithm, faint=bool(faint and faint[position]))
            groups.setdefault((fingerprint.algorithm, radius), []).append(position)
        with self._lock:
            for (algorithm, radius), positions in groups.items():
                answers = self._indexes[algorithm].query_many(
                    [fingerprints[p].bits for p in positions], radius
                )
                for position, hits in zip(positions, answers, strict=True):
                    found[position] = [BankHit(fid, algorithm, d) for fid, d in hits]
        return found


def _read_bank(session: Session, vault: Vault) -> dict[Algorithm, HammingIndex]:
    """Every fingerprint in the bank, opened in bulk, as an index per algorithm."""
    # Quarantined fingerprints are out of the bank until released (casework/bank/quarantine.py).
    quarantined = select(FingerprintQuarantine.fingerprint_id).where(
        FingerprintQuarantine.released_at.is_(None)
    )
    statements = {
        algorithm: select(CaseFingerprint.id, CaseFingerprint.value_sealed).where(
            CaseFingerprint.algorithm == algorithm.value,
            CaseFingerprint.id.not_in(quarantined),
            in_enabled_bank(),
        )
        for algorithm in Algorithm
    }
    indexes = {}
    # One thread reads every algorithm's rows in turn (mostly waiting for PostgreSQL) while
    # this one opens those already read (CPU): at 10M they take about as long as each other.
    # Nothing else uses the session until the reader is done.
    with ThreadPoolExecutor(1, thread_name_prefix="bank-read") as reader:
        copies = {a: reader.submit(_copy_rows, session, st) for a, st in statements.items()}
        for algorithm, statement in statements.items():
            copied = copies[algorithm].result()
            if copied is None:
                for pending in copies.values():
                    pending.result()
                ids, raw = _fetch_rows(session, statement, vault, algorithm)
            else:
                ids, sealed = copied
                raw = vault.open_many(algorithm, sealed)
                del sealed, copied
            copies.pop(algorithm)
            words = algorithm.bits // 64
            index = HammingIndex(algorithm.bits)
            codes = np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, words)
            index.add_codes(ids, codes)
            indexes[algorithm] = index
    return indexes


def _fetch_rows(
    session: Session, statement: Select[int, bytes], vault: Vault, algorithm: Algorithm
) -> tuple[npt.NDArray[np.int64], bytes]:
    """Ids and opened values of the statement's rows, read as SQLAlchemy rows."""
    rows = session.execute(statement, execution_options={"yield_per": _READ_BATCH})
    ids: list[int] = []
    sealed: list[bytes] = []
    for fingerprint_id, value in rows:
        ids.append(fingerprint_id)
        sealed.append(value)
    return np.array(ids, dtype=np.int64), vault.open_many(algorithm, sealed)


def _copy_rows(
    session: Session, statement: Select[int, bytes]
) -> tuple[npt.NDArray[np.int64], Iterator[memoryview]] | None:
    """Ids and sealed values of the statement's rows through PostgreSQL's binary COPY.

    At 10M rows a row object each costs more than opening them: binary COPY of (integer,
    bytea) rows of one sealed width is a fixed-size record that numpy reads as one array. None
    on another database, or when the rows are not all that shape (the row path then reads them
    and reports what is wrong with them).
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return None
    # Every value bound in these statements is the service's own constant, not input.
    query = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    driver = connection.connection.driver_connection
    data = bytearray()
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)") as copy:
            for block in copy:
                data += block
    start = len(_COPY_SIGNATURE) + 8 + int.from_bytes(data[15:19], "big")
    if data[: len(_COPY_SIGNATURE)] != _COPY_SIGNATURE or data[-2:] != b"\xff\xff":
        return None
    body = memoryview(data)[start:-2]
    if not len(body):
        return np.empty(0, np.int64), iter(())
    if len(body) < 10:
        return None
    id_size = int.from_bytes(body[2:6], "big")
    value_size = int.from_bytes(body[6 + id_size : 10 + id_size], "big", signed=True)
    if id_size not in (4, 8) or value_size < 0:
        return None
    record = np.dtype(
        [
            ("fields", ">i2"),
            ("id_size", ">i4"),
            ("id", f">i{id_size}"),
            ("value_size", ">i4"),
            ("value", f"V{value_size}"),
        ]
    )
    if len(body) % record.itemsize:
        return None
    rows = np.frombuffer(body, record)
    if (
        np.any(rows["fields"] != 2)
        or np.any(rows["id_size"] != id_size)
        or np.any(rows["value_size"] != value_size)
    ):
        return None
    ids = rows["id"].astype(np.int64)
    first = 10 + id_size
    step = record.itemsize
    sealed = (body[at : at + value_size] for at in range(first, len(body), step))
    return ids, sealed
