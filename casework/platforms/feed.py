"""The feed: a platform's delta of bank additions (with values) and removals (tombstones).

It is read straight from the bank's change log, so a withdrawal is in the feed the moment it is
committed. Change ids grow in commit order (every bank writer holds the checkpoint's row lock
from its first change to its commit, casework/bank/bank.py), so "every change after id N" is a
stable cursor: reading it again gives the same entries, and nothing can later appear behind it.

Entries name fingerprints by a feed id that is a keyed digest of the platform and the bank row,
so ids cannot be compared across platforms or walked. Removals carry no value: the value of a
withdrawn fingerprint is deleted, and a mirror drops the entry by its feed id.

The feed and the export carry the victims' bank only: a named bank is another organisation's
list (casework/bank/banks.py), theirs to share, and passing it on would send a federated
instance's own entries back to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.bank.models import BankChange, BankOp, FingerprintQuarantine
from casework.errors import InvalidInput
from casework.vault import Vault
from casework.victims.models import CaseFingerprint
from hashing.fingerprint import Algorithm, Fingerprint

MAX_FEED_PAGE = 1000
#: Cursors are opaque to platforms; the prefix versions their meaning ("after change id N").
CURSOR_PREFIX = "f1-"
CURSOR_PATTERN = "^f1-[0-9]{1,18}$"

#: threatexchange's signal type names (python-threatexchange 1.2.17, the version we test with).
#: It defines its MD5 and SHA-256 types for videos only (video_md5, video_sha256) and no pHash
#: type, so only PDQ goes into the export: a photo's file digest under a video type would be
#: compared with nothing a reader computes for photos (HMA's default config even drops it).
#: tests/platforms/test_threatexchange.py fails when a threatexchange upgrade adds photo types.
THREATEXCHANGE_SIGNAL_TYPES = {Algorithm.PDQ: "pdq"}
#: Why each other algorithm is not in the export, for the command's output and the docs.
THREATEXCHANGE_LEFT_OUT = {
    Algorithm.PHASH: "threatexchange has no pHash signal type",
    Algorithm.MD5: "threatexchange's MD5 type is for videos only (video_md5)",
    Algorithm.SHA256: "threatexchange's SHA-256 type is for videos only (video_sha256)",
}


class FeedOp(StrEnum):
    """What a feed entry tells a mirror to do."""

    ADD = "add"
    REMOVE = "remove"


@dataclass(frozen=True)
class FeedEntry:
    """One change: add ``value`` under ``id``, or remove whatever ``id`` held."""

    op: FeedOp
    id: str
    algorithm: Algorithm
    value: str | None


@dataclass(frozen=True)
class FeedPage:
    """Entries after a cursor, the cursor to ask with next, and whether more are waiting."""

    entries: list[FeedEntry]
    cursor: str
    more: bool


def encode_cursor(change_id: int) -> str:
    """The form of "after change ``change_id``" that platforms hand back."""
    return f"{CURSOR_PREFIX}{change_id}"


def decode_cursor(cursor: str | None) -> int:
    """The change id a cursor stands for (0 for none), or InvalidInput."""
    if not cursor:
        return 0
    digits = cursor.removeprefix(CURSOR_PREFIX)
    if digits == cursor or not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        raise InvalidInput("the cursor is not one this feed handed out")
    return int(digits)


def feed_id(vault: Vault, *, platform_id: int, fingerprint_id: int) -> str:
    """The name one platform's feed gives one bank fingerprint."""
    # key_digest is HMAC-SHA256 under a derived key; the prefix keeps these apart from API keys.
    return vault.key_digest(f"feed-id:{platform_id}:{fingerprint_id}")[:16].hex()


def read_feed(
    session: Session,
    *,
    vault: Vault,
    platform_id: int,
    algorithms: list[Algorithm],
    cursor: str | None,
    limit: int = MAX_FEED_PAGE,
) -> FeedPage:
    """Up to ``limit`` changes after the cursor, for the algorithms this platform receives."""
    after = decode_cursor(cursor)
    limit = max(1, min(limit, MAX_FEED_PAGE))
    # The newest id first, then the page up to it: a change committed between the two
    # statements waits for the next call instead of being skipped by the cursor.
    newest = int(session.execute(select(func.max(BankChange.id))).scalar_one() or 0)
    # A cursor past the newest change (forged, or from a restored backup) means "nothing new";
    # clamping also keeps an out-of-range number away from the database's integer column.
    after = min(after, newest)
    changes = session.execute(
        select(BankChange.id, BankChange.fingerprint_id, BankChange.algorithm, BankChange.op)
        .where(
            BankChange.id > after,
            BankChange.id <= newest,
            BankChange.algorithm.in_([a.value for a in algorithms]),
            BankChange.bank_id.is_(None),
        )
        .order_by(BankChange.id)
        .limit(limit)
    ).all()
    added = [fid for _id, fid, _algorithm, op in changes if op == BankOp.ADD]
    stored = {
        fingerprint_id: (algorithm, sealed)
        for fingerprint_id, algorithm, sealed in session.execute(
            select(
                CaseFingerprint.id, CaseFingerprint.algorithm, CaseFingerprint.value_sealed
            ).where(CaseFingerprint.id.in_(added))
        )
    }
    entries: list[FeedEntry] = []
    for _id, fingerprint_id, algorithm_name, op in changes:
        algorithm = Algorithm(algorithm_name)
        name = feed_id(vault, platform_id=platform_id, fingerprint_id=fingerprint_id)
        if op == BankOp.WITHDRAW:
            entries.append(FeedEntry(FeedOp.REMOVE, name, algorithm, None))
        elif stored.get(fingerprint_id, ("", b""))[0] == algorithm:
            value = vault.open(algorithm, stored[fingerprint_id][1]).hex
            entries.append(FeedEntry(FeedOp.ADD, name, algorithm, value))
        # An addition whose row is gone was withdrawn later, and its tombstone follows. So was
        # one whose row holds another algorithm: SQLite reuses the id of a deleted last row.
    more = len(changes) == limit
    last = changes[-1][0] if more else newest
    return FeedPage(entries=entries, cursor=encode_cursor(max(last, after)), more=more)


def active_fingerprints(
    session: Session, *, vault: Vault, algorithms: list[Algorithm]
) -> Iterator[tuple[int, Fingerprint]]:
    """The victims' bank as it stands: its stored, unquarantined fingerprints of these kinds."""
    quarantined = select(FingerprintQuarantine.fingerprint_id).where(
        FingerprintQuarantine.released_at.is_(None)
    )
    rows = session.execute(
        select(CaseFingerprint.id, CaseFingerprint.algorithm, CaseFingerprint.value_sealed)
        .where(
            CaseFingerprint.algorithm.in_([a.value for a in algorithms]),
            CaseFingerprint.id.not_in(quarantined),
            CaseFingerprint.bank_id.is_(None),
        )
        .order_by(CaseFingerprint.id)
        .execution_options(yield_per=1000)
    )
    for fingerprint_id, algorithm_name, sealed in rows:
        algorithm = Algorithm(algorithm_name)
        yield fingerprint_id, vault.open(algorithm, sealed)


def threatexchange_lines(
    session: Session, *, vault: Vault, algorithms: list[Algorithm]
) -> Iterator[str]:
    """``<signal type> <hash>`` lines, as threatexchange's local_file exchange reads them.

    PDQ only (THREATEXCHANGE_LEFT_OUT says why), distinct values (two cases may hold the same
    hash), in a stable order. The format has no ids and no removals: a consumer must re-read the
    whole file to drop withdrawn hashes (``threatexchange fetch --clear``); the takedown_feed
    exchange (integrations/threatexchange_takedown) follows /v1/feed, withdrawals included.
    """
    exported = [a for a in algorithms if a in THREATEXCHANGE_SIGNAL_TYPES]
    seen: set[Fingerprint] = set()
    for _id, fingerprint in active_fingerprints(session, vault=vault, algorithms=exported):
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        yield f"{THREATEXCHANGE_SIGNAL_TYPES[fingerprint.algorithm]} {fingerprint.hex}\n"
