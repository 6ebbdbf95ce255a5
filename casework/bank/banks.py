"""Named banks: outside lists of fingerprints beside the victims' bank, and how they change.

The victims' bank is implicit: every fingerprint of a case. A named bank holds fingerprints
without a case (case_fingerprints rows with ``bank_id``), sealed like victims' and logged in the
same change log, so every process's index follows an import, a disable, a deletion or a remote
tombstone at its next refresh. Every change here runs in the caller's one transaction: an import
that fails stores nothing, and a feed page and the cursor after it commit together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, insert, select
from sqlalchemy.orm import Session

from casework.bank.bank import record_changes
from casework.bank.models import (
    Bank,
    BankCheckpoint,
    BankOp,
    BankPolicy,
    BankSource,
    FingerprintQuarantine,
)
from casework.db import utcnow
from casework.errors import Conflict, InvalidInput, InvalidItems, ItemProblem, NotFound
from casework.vault import Vault
from casework.victims.models import CaseFingerprint
from hashing.algorithms import degeneracy
from hashing.fingerprint import Algorithm, Fingerprint, InvalidFingerprint
from hashing.videos import VPDQ

#: The implicit bank of every victim's fingerprints; no named bank may take its name.
VICTIMS = "victims"
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
#: An import error lists this many bad lines, and how many more there were.
MAX_LISTED_PROBLEMS = 20
#: threatexchange's signal type names we match, and the algorithm each is. Our MD5 and SHA-256
#: are of whole files, which is what both its photo and video digests are.
SIGNAL_TYPES = {
    "pdq": Algorithm.PDQ,
    "photo_md5": Algorithm.MD5,
    "video_md5": Algorithm.MD5,
    "photo_sha256": Algorithm.SHA256,
    "video_sha256": Algorithm.SHA256,
}
FORMATS = ("threatexchange", "csv")
#: What a remote feed's ids and cursors may look like before we store them.
REMOTE_TOKEN = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
PULLED_SOURCES = (BankSource.FEDERATION, BankSource.THREATEXCHANGE_URL)
#: The columns the change log needs of a fingerprint (casework/bank/bank.py, BankEntry).
_LOGGED = (
    CaseFingerprint.id,
    CaseFingerprint.algorithm,
    CaseFingerprint.bank_id,
    CaseFingerprint.case_id,
    CaseFingerprint.photo,
)


class InvalidLines(InvalidItems):
    """Lines of an imported list that cannot be read, by line number (the first 20 listed)."""

    code = "invalid_lines"
    noun = "line"

    def __init__(self, problems: list[ItemProblem]) -> None:
        super().__init__(problems)
        listed = problems[:MAX_LISTED_PROBLEMS]
        lines = "; ".join(f"line {p.index}: {p.reason}" for p in listed)
        more = f" (and {len(problems) - len(listed)} more)" if len(problems) > len(listed) else ""
        self.problems = listed
        self.args = (f"{len(problems)} line(s) cannot be imported, so nothing was: {lines}{more}",)


@dataclass(frozen=True)
class BankSummary:
    """A bank as the operator lists it: never its values."""

    name: str
    owner: str
    enabled: bool
    policy: str
    source: str
    fingerprints: int
    pulled_at: datetime | None
    pull_result: str | None


@dataclass(frozen=True)
class BankLabel:
    """What a match may say of the bank it came from."""

    name: str
    policy: BankPolicy
    #: Who the list comes from; None for the victims' bank.
    owner: str | None = None

    @property
    def named(self) -> bool:
        """True for an outside list, False for the victims' own bank."""
        return self.owner is not None


VICTIMS_LABEL = BankLabel(VICTIMS, BankPolicy.ACT)


@dataclass(frozen=True)
class Applied:
    """What one import or pull changed."""

    added: int
    removed: int


@dataclass(frozen=True)
class RemoteEntry:
    """One entry of another instance's feed: add ``value`` under ``id``, or drop ``id``."""

    id: str
    algorithm: Algorithm
    value: Fingerprint | None


def create_bank(
    session: Session,
    *,
    vault: Vault,
    name: str,
    owner: str,
    source: BankSource,
    policy: BankPolicy = BankPolicy.REVIEW,
    url: str | None = None,
    key: str | None = None,
) -> Bank:
    """A new, enabled bank; pulled sources need a URL, a federation its remote key."""
    if not NAME_PATTERN.fullmatch(name) or name == VICTIMS:
        raise InvalidInput(
            "a bank name is 1 to 64 lowercase letters, digits, '.', '_' or '-', and not "
            f"{VICTIMS!r}"
        )
    if not owner.strip() or len(owner) > 200:
        raise InvalidInput("say who the list comes from (up to 200 characters)")
    if source in PULLED_SOURCES:
        if not url or not url.startswith(("https://", "http://")) or len(url) > 2048:
            raise InvalidInput("a pulled bank needs an http(s) URL of up to 2048 characters")
    elif url or key:
        raise InvalidInput("only federation and threatexchange_url banks have a URL or key")
    if source is BankSource.FEDERATION and not key:
        raise InvalidInput("a federation bank needs the remote instance's feed key")
    if source is not BankSource.FEDERATION and key:
        raise InvalidInput("only a federation bank has a key")
    if session.execute(select(Bank.id).where(Bank.name == name)).first() is not None:
        raise Conflict(f"a bank named {name!r} exists already")
    bank = Bank(
        name=name,
        owner=owner.strip(),
        source=source.value,
        policy=policy.value,
        source_url=url,
        key_sealed=vault.seal_text(key) if key else None,
    )
    session.add(bank)
    session.flush()
    return bank


def require_bank(session: Session, *, name: str) -> Bank:
    """The named bank, or NotFound."""
    bank = session.execute(select(Bank).where(Bank.name == name)).scalar_one_or_none()
    if bank is None:
        raise NotFound(f"no bank is named {name[:64]!r}")
    return bank


def list_banks(session: Session) -> list[BankSummary]:
    """The victims' bank, then every named bank by name, with how many fingerprints each holds."""
    counts = dict(
        session.execute(
            select(CaseFingerprint.bank_id, func.count()).group_by(CaseFingerprint.bank_id)
        ).all()
    )
    summaries = [
        BankSummary(
            name=VICTIMS,
            owner="this installation's victims",
            enabled=True,
            policy=BankPolicy.ACT,
            source="victims",
            fingerprints=counts.get(None, 0),
            pulled_at=None,
            pull_result=None,
        )
    ]
    for bank in session.execute(select(Bank).order_by(Bank.name)).scalars():
        summaries.append(
            BankSummary(
                name=bank.name,
                owner=bank.owner,
                enabled=bank.enabled,
                policy=bank.policy,
                source=bank.source,
                fingerprints=counts.get(bank.id, 0),
                pulled_at=bank.pulled_at,
                pull_result=bank.pull_result,
            )
        )
    return summaries


def set_enabled(session: Session, *, bank: Bank, enabled: bool) -> int:
    """Enable or disable a bank; its fingerprints leave or rejoin every index at its refresh.

    Returns how many fingerprints moved.
    """
    _lock_bank(session)
    session.refresh(bank)
    if bank.enabled == enabled:
        return 0
    bank.enabled = enabled
    query = select(*_LOGGED).where(CaseFingerprint.bank_id == bank.id)
    if enabled:
        # A quarantined fingerprint stays out until a caseworker releases it.
        held = select(FingerprintQuarantine.fingerprint_id).where(
            FingerprintQuarantine.released_at.is_(None)
        )
        query = query.where(CaseFingerprint.id.not_in(held))
    rows = list(session.execute(query).all())
    session.flush()
    op = BankOp.ADD if enabled else BankOp.WITHDRAW
    record_changes(session, [(row, op) for row in rows])
    return len(rows)


def set_policy(session: Session, *, bank: Bank, policy: BankPolicy) -> None:
    """Change what a match on this bank leads to; answers after the commit say so."""
    bank.policy = policy.value
    session.flush()


def delete_bank(session: Session, *, bank: Bank) -> int:
    """Delete a bank and every fingerprint in it (their matches and tokens go with them)."""
    _lock_bank(session)
    removed = _remove(session, CaseFingerprint.bank_id == bank.id)
    session.delete(bank)
    session.flush()
    return removed


def parse_list(text: str, *, format: str) -> list[Fingerprint]:
    """Every fingerprint of an imported list, or InvalidLines naming each bad line.

    threatexchange: ``<signal type> <hash>`` per line; csv: ``algorithm,value`` per line, with an
    optional ``algorithm,value`` header. Blank lines and lines starting with '#' are skipped.
    A hash that would match unrelated images (blank, flat, degenerate) is refused like a
    victim's.
    """
    if format not in FORMATS:
        raise InvalidInput(f"the format is one of {', '.join(FORMATS)}")
    found: list[Fingerprint] = []
    problems: list[ItemProblem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if format == "csv" and number == 1 and line.replace(" ", "").lower() == "algorithm,value":
            continue
        try:
            found.append(_parse_line(line, format))
        except InvalidFingerprint as error:
            problems.append(ItemProblem(number, str(error)))
    if problems:
        raise InvalidLines(problems)
    return found


def _parse_line(line: str, format: str) -> Fingerprint:
    if format == "csv":
        algorithm, comma, value = line.partition(",")
        if not comma:
            raise InvalidFingerprint("expected algorithm,value")
        name = algorithm.strip().lower()
        # Never quoted back: a line with its columns swapped would put a hash in the message.
        if name not in {a.value for a in Algorithm}:
            known = ", ".join(a.value for a in Algorithm)
            raise InvalidFingerprint(f"the algorithm is not one of {known}")
    else:
        signal_type, _space, value = line.partition(" ")
        if signal_type not in SIGNAL_TYPES:
            known = ", ".join(SIGNAL_TYPES)
            raise InvalidFingerprint(
                f"the line does not start with a signal type takedown matches ({known})"
            )
        name = SIGNAL_TYPES[signal_type].value
    fingerprint = Fingerprint.parse(name, value.strip())
    problem = degeneracy(fingerprint)
    if problem is not None:
        raise InvalidFingerprint(problem)
    return fingerprint


def import_fingerprints(
    session: Session,
    *,
    vault: Vault,
    bank: Bank,
    fingerprints: Iterable[Fingerprint],
    replace: bool = False,
) -> Applied:
    """Add these fingerprints to the bank (once each); with ``replace``, drop what is not here.

    Identity within a bank is the value's keyed MAC, so the list's values are never compared
    or stored in clear.
    """
    _lock_bank(session)
    wanted: dict[tuple[str, bytes], Fingerprint] = {}
    for fingerprint in fingerprints:
        wanted.setdefault((fingerprint.algorithm.value, vault.mac(fingerprint)), fingerprint)
    held = {
        (row.algorithm, row.value_mac): row
        for row in session.execute(
            select(CaseFingerprint).where(CaseFingerprint.bank_id == bank.id)
        ).scalars()
    }
    removed = 0
    if replace:
        gone = [row.id for key, row in held.items() if key not in wanted]
        removed = _remove(session, CaseFingerprint.id.in_(gone))
    new = [fingerprint for key, fingerprint in wanted.items() if key not in held]
    _add(session, vault=vault, bank=bank, entries=[(None, fp) for fp in new])
    return Applied(added=len(new), removed=removed)


def parse_feed_page(body: bytes) -> tuple[list[RemoteEntry], str, bool]:
    """A page of another instance's /v1/feed: its entries, next cursor and ``more``.

    A malformed page is refused whole (InvalidInput); an addition whose value would match
    unrelated images (degenerate) is dropped, as it would be refused from a victim.
    """
    try:
        page = json.loads(body)
        raw_entries, cursor, more = page["entries"], page["cursor"], page["more"]
    except (ValueError, TypeError, KeyError):
        raise InvalidInput("the feed page is not the JSON /v1/feed answers") from None
    if not isinstance(raw_entries, list) or not isinstance(more, bool):
        raise InvalidInput("the feed page is not the JSON /v1/feed answers")
    if not isinstance(cursor, str) or not REMOTE_TOKEN.fullmatch(cursor):
        raise InvalidInput("the feed page's cursor is not one we can keep")
    entries: list[RemoteEntry] = []
    for raw in raw_entries:
        # A named bank holds photos' fingerprints: a video's entries (and their tombstones)
        # are not for it.
        if isinstance(raw, dict) and raw.get("algorithm") == VPDQ:
            continue
        try:
            op, remote_id, algorithm = raw["op"], raw["id"], Algorithm(raw["algorithm"])
            if not isinstance(remote_id, str) or not REMOTE_TOKEN.fullmatch(remote_id):
                raise ValueError(remote_id)
            if op == "remove":
                entries.append(RemoteEntry(remote_id, algorithm, None))
                continue
            if op != "add":
                raise ValueError(op)
            value = Fingerprint.parse(algorithm.value, raw["value"])
        except (TypeError, KeyError, ValueError, InvalidFingerprint):
            raise InvalidInput("the feed page holds an entry that is not a feed entry") from None
        if degeneracy(value) is None:
            entries.append(RemoteEntry(remote_id, algorithm, value))
    return entries, cursor, more


def apply_feed_page(
    session: Session,
    *,
    vault: Vault,
    bank: Bank,
    after: str | None,
    entries: Sequence[RemoteEntry],
    cursor: str,
) -> Applied | None:
    """Apply one page of a remote feed, read after cursor ``after``, and keep the next cursor.

    Additions are keyed by the remote's id (one held per id: a repeated addition is a no-op);
    a tombstone deletes the row, so nothing of a withdrawn remote case stays here. None, and
    nothing applied, when the bank's cursor has moved on from ``after`` meanwhile (another
    process pulled the same page): applying an older page again could undo a later tombstone.
    """
    _lock_bank(session)
    session.refresh(bank)
    if bank.cursor != after:
        return None
    ids = {entry.id for entry in entries}
    held = {
        remote_id: fid
        for remote_id, fid in session.execute(
            select(CaseFingerprint.remote_id, CaseFingerprint.id).where(
                CaseFingerprint.bank_id == bank.id, CaseFingerprint.remote_id.in_(ids)
            )
        ).all()
        if remote_id is not None
    }
    added = removed = 0
    for entry in entries:
        if entry.value is None:
            fid = held.pop(entry.id, None)
            if fid is not None:
                removed += _remove(session, CaseFingerprint.id == fid)
        elif entry.id not in held:
            (held[entry.id],) = _add(
                session, vault=vault, bank=bank, entries=[(entry.id, entry.value)]
            )
            added += 1
    bank.cursor = cursor
    session.flush()
    return Applied(added=added, removed=removed)


def record_pull(session: Session, *, bank: Bank, result: str) -> None:
    """Note when the bank was last pulled and how it went (no URL, no value in ``result``)."""
    bank.pulled_at = utcnow()
    bank.pull_result = result[:200]
    session.flush()


def pulled_banks(session: Session) -> list[Bank]:
    """Enabled banks that are pulled from a URL, oldest pull first."""
    return list(
        session.execute(
            select(Bank)
            .where(Bank.enabled.is_(True), Bank.source.in_([s.value for s in PULLED_SOURCES]))
            .order_by(Bank.pulled_at.is_not(None), Bank.pulled_at, Bank.id)
        ).scalars()
    )


def labels_of(session: Session, fingerprint_ids: Iterable[int]) -> dict[int, BankLabel]:
    """The bank of each of these fingerprints: the victims' bank or a named one."""
    ids = list(fingerprint_ids)
    if not ids:
        return {}
    return {
        fid: VICTIMS_LABEL if name is None else BankLabel(name, BankPolicy(policy), owner)
        for fid, name, policy, owner in session.execute(
            select(CaseFingerprint.id, Bank.name, Bank.policy, Bank.owner)
            .outerjoin(Bank, Bank.id == CaseFingerprint.bank_id)
            .where(CaseFingerprint.id.in_(ids))
        ).all()
    }


def _add(
    session: Session, *, vault: Vault, bank: Bank, entries: Sequence[tuple[str | None, Fingerprint]]
) -> list[int]:
    """Store sealed fingerprints in the bank; their ids, in order."""
    if not entries:
        return []
    now = utcnow()
    rows = session.execute(
        insert(CaseFingerprint).returning(*_LOGGED, sort_by_parameter_order=True),
        [
            {
                "bank_id": bank.id,
                "remote_id": remote_id,
                "algorithm": fingerprint.algorithm.value,
                "value_sealed": vault.seal(fingerprint),
                "value_mac": vault.mac(fingerprint),
                "created_at": now,
            }
            for remote_id, fingerprint in entries
        ],
    ).all()
    # A disabled bank keeps its fingerprints out of the index until it is enabled again.
    if bank.enabled:
        record_changes(session, [(row, BankOp.ADD) for row in rows])
    return [row.id for row in rows]


def _remove(session: Session, where: ColumnElement[bool]) -> int:
    """Delete the bank's fingerprints that ``where`` selects, logging their withdrawal."""
    rows = session.execute(select(*_LOGGED).where(where)).all()
    if not rows:
        return 0
    record_changes(session, [(row, BankOp.WITHDRAW) for row in rows])
    session.execute(delete(CaseFingerprint).where(CaseFingerprint.id.in_([r.id for r in rows])))
    session.flush()
    return len(rows)


def _lock_bank(session: Session) -> None:
    # The checkpoint's row lock first, as every bank writer takes it (casework/bank/bank.py):
    # two imports or pulls into one bank run one after the other.
    session.execute(select(BankCheckpoint.id).where(BankCheckpoint.id == 1).with_for_update())
