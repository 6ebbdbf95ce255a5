"""The feed: a platform's delta of bank additions (with values) and removals (tombstones).

It is read straight from the bank's change log, so a withdrawal is in the feed the moment it is
committed. Change ids grow in commit order (every bank writer holds the checkpoint's row lock
from its first change to its commit, casework/bank/bank.py), so "every change after id N" is a
stable cursor: reading it again gives the same entries, and nothing can later appear behind it.

Entries name fingerprints by a feed id that is a keyed digest of the platform and the bank row,
so ids cannot be compared across platforms or walked. Removals carry no value: the value of a
withdrawn fingerprint is deleted, and a mirror drops the entry by its feed id.

One entry per fingerprint, each naming its photo by a keyed id of its own: HMA stores a fetched
record as one bank content holding at most one signal of each type (its content_signal table's
key is the content and the signal type), so a record holding a photo's ten PDQs would not load.
A photo's removals carry its photo id too. Victims' videos are entries of their own (algorithm
vpdq, the value python-threatexchange's VPDQSignal text), logged in the same change log.

The feed and the export carry the victims' bank only: a named bank is another organisation's
list (casework/bank/banks.py), theirs to share, and passing it on would send a federated
instance's own entries back to it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.bank.models import BankChange, BankOp, FingerprintQuarantine
from casework.errors import InvalidInput
from casework.vault import Vault
from casework.victims.models import CaseFingerprint, CaseVideo
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.videos import VPDQ

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
    """One change: add ``value`` under ``id``, or remove whatever ``id`` held.

    ``algorithm`` is a fingerprint algorithm's name, or VPDQ for a video (``value`` is then its
    vPDQ text). ``photo`` names the photo the fingerprint is of, the same for all of a photo's
    fingerprints (its own, its trimmed copies' and its crops'); None for a withdrawal logged
    before the change log named photos, and for a video whose file's digests are not in the
    case (a video whose digests are carries their photo id).
    """

    op: FeedOp
    id: str
    algorithm: str
    value: str | None
    photo: str | None = None


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


def video_feed_id(vault: Vault, *, platform_id: int, video_id: int) -> str:
    """The name one platform's feed gives one banked video (ids apart from fingerprints')."""
    return vault.key_digest(f"feed-video:{platform_id}:{video_id}")[:16].hex()


def photo_feed_id(vault: Vault, *, platform_id: int, case_id: int, photo: int) -> str:
    """The name one platform's feed gives one photo of one case: opaque, and per platform."""
    return vault.key_digest(f"feed-photo:{platform_id}:{case_id}:{photo}")[:16].hex()


def feed_kinds(algorithms: list[Algorithm]) -> list[str]:
    """The change log's algorithm names the feed carries: the platform's, and videos."""
    return [*(a.value for a in algorithms), VPDQ]


def read_feed(
    session: Session,
    *,
    vault: Vault,
    platform_id: int,
    algorithms: list[Algorithm],
    cursor: str | None,
    limit: int = MAX_FEED_PAGE,
) -> FeedPage:
    """Up to ``limit`` changes after the cursor, for the algorithms this platform receives and
    for videos."""
    after = decode_cursor(cursor)
    limit = max(1, min(limit, MAX_FEED_PAGE))
    # The newest id first, then the page up to it: a change committed between the two
    # statements waits for the next call instead of being skipped by the cursor.
    newest = int(session.execute(select(func.max(BankChange.id))).scalar_one() or 0)
    # A cursor past the newest change (forged, or from a restored backup) means "nothing new";
    # clamping also keeps an out-of-range number away from the database's integer column.
    after = min(after, newest)
    changes = session.execute(
        select(
            BankChange.id,
            BankChange.fingerprint_id,
            BankChange.algorithm,
            BankChange.op,
            BankChange.case_id,
            BankChange.photo,
        )
        .where(
            BankChange.id > after,
            BankChange.id <= newest,
            BankChange.algorithm.in_(feed_kinds(algorithms)),
            BankChange.bank_id.is_(None),
        )
        .order_by(BankChange.id)
        .limit(limit)
    ).all()
    added = [(c.algorithm == VPDQ, c.fingerprint_id) for c in changes if c.op == BankOp.ADD]
    stored = _stored_values(session, vault, added)
    entries: list[FeedEntry] = []
    for change in changes:
        video = change.algorithm == VPDQ
        name = (
            video_feed_id(vault, platform_id=platform_id, video_id=change.fingerprint_id)
            if video
            else feed_id(vault, platform_id=platform_id, fingerprint_id=change.fingerprint_id)
        )
        if change.op == BankOp.WITHDRAW:
            photo = _photo_name(
                vault,
                platform_id,
                (change.algorithm, change.fingerprint_id),
                change.case_id,
                change.photo,
            )
            entries.append(FeedEntry(FeedOp.REMOVE, name, change.algorithm, None, photo))
            continue
        found = stored.get((video, change.fingerprint_id))
        # An addition whose row is gone was withdrawn later, and its tombstone follows. So was
        # one whose row holds another algorithm: SQLite reuses the id of a deleted last row.
        if found is not None and found[0] == change.algorithm:
            _algorithm, value, case_id, photo_number = found
            photo = _photo_name(
                vault, platform_id, (change.algorithm, change.fingerprint_id), case_id, photo_number
            )
            entries.append(FeedEntry(FeedOp.ADD, name, change.algorithm, value, photo))
    more = len(changes) == limit
    last = changes[-1][0] if more else newest
    return FeedPage(entries=entries, cursor=encode_cursor(max(last, after)), more=more)


def _stored_values(
    session: Session, vault: Vault, added: Sequence[tuple[bool, int]]
) -> dict[tuple[bool, int], tuple[str, str, int | None, int | None]]:
    """The added fingerprints and videos, named by (is a video, id), that are still stored,
    opened: (algorithm, value, case, photo)."""
    fingerprints = [row_id for video, row_id in added if not video]
    videos = [row_id for video, row_id in added if video]
    stored: dict[tuple[bool, int], tuple[str, str, int | None, int | None]] = {}
    for row in session.execute(
        select(
            CaseFingerprint.id,
            CaseFingerprint.algorithm,
            CaseFingerprint.value_sealed,
            CaseFingerprint.case_id,
            CaseFingerprint.photo,
        ).where(CaseFingerprint.id.in_(fingerprints))
    ):
        value = vault.open(Algorithm(row.algorithm), row.value_sealed).hex
        stored[(False, row.id)] = (row.algorithm, value, row.case_id, row.photo)
    for video_id, sealed, case_id, photo in session.execute(
        select(CaseVideo.id, CaseVideo.value_sealed, CaseVideo.case_id, CaseVideo.photo).where(
            CaseVideo.id.in_(videos)
        )
    ):
        stored[(True, video_id)] = (VPDQ, vault.open_text(sealed), case_id, photo)
    return stored


def _photo_name(
    vault: Vault,
    platform_id: int,
    logged: tuple[str, int],
    case_id: int | None,
    photo: int | None,
) -> str | None:
    """The feed's name for a change's photo; a fingerprint sent without one is its own photo,
    as in a check's answer (casework/platforms/checks.py, photo_keys)."""
    if case_id is None:
        return None
    algorithm, row_id = logged
    if photo is None:
        if algorithm == VPDQ:
            return None
        photo = -row_id
    return photo_feed_id(vault, platform_id=platform_id, case_id=case_id, photo=photo)


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
