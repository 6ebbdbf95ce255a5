"""Victim cases: open, authenticate, add fingerprints, report status, withdraw."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import case as case_when
from sqlalchemy import delete, func, literal, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from casework.bank.bank import record_changes
from casework.bank.fingerprints import (
    Limits,
    SubmittedFingerprint,
    VettedFingerprint,
    validate_fingerprints,
)
from casework.bank.models import BankOp
from casework.credentials import (
    RECOVERY_CODES,
    PinHasher,
    new_case_id,
    new_pin,
    new_recovery_code,
    normalise_case_id,
    normalise_pin,
    normalise_recovery_code,
)
from casework.db import transaction, utcnow
from casework.errors import (
    CaseNotFound,
    CaseWithdrawn,
    TooManyFingerprints,
)
from casework.notices.models import Takedown, TakedownCheck, WatchedUrl
from casework.reports.models import Match, Report, ReportItem, VideoMatch
from casework.vault import Vault
from casework.victims.models import (
    Case,
    CaseFingerprint,
    CaseNotification,
    CaseStatus,
    CaseVideo,
    RecoveryCode,
)

#: A pause doubles with each round of wrong PINs up to this many times, so that the refusal can
#: name a time by which every paused case opens again (15, 30, then 60 minutes by default).
LOCKOUT_DOUBLINGS_MAX = 2
#: The time a refusal names is rounded up to this grid, so that two refusals a moment apart
#: read the same.
RETRY_GRID_MINUTES = 5


@dataclass(frozen=True)
class LockoutPolicy:
    """After ``failures`` wrong PINs a case pauses for ``minutes``, doubling up to 4 times that."""

    failures: int
    minutes: int

    def pause(self, rounds: int) -> timedelta:
        """How long the case pauses after its ``rounds``-th round of wrong PINs."""
        return timedelta(minutes=self.minutes * 2 ** min(rounds - 1, LOCKOUT_DOUBLINGS_MAX))

    def refusal(self, now: datetime) -> CaseNotFound:
        """The one refusal for an unknown case, a wrong PIN and a paused case.

        It names a time by which any case paused now opens again, from the clock alone.
        """
        latest = now + timedelta(minutes=self.minutes * 2**LOCKOUT_DOUBLINGS_MAX)
        grid = RETRY_GRID_MINUTES * 60
        seconds = -(-int(latest.timestamp()) // grid) * grid
        return CaseNotFound(retry_at=datetime.fromtimestamp(seconds, UTC))


@dataclass(frozen=True)
class OpenedCase:
    """A new case; the PIN and recovery codes exist in clear only here, returned once."""

    case: Case
    pin: str
    added: int
    duplicates: int
    recovery_codes: tuple[str, ...] = ()
    photos_added: int = 0


@dataclass(frozen=True)
class AddResult:
    """What an add did: new fingerprints stored, and ones the case already had."""

    added: int
    duplicates: int
    #: Photos new to the case (each photo's fingerprints, however many, count once).
    photos_added: int = 0


@dataclass(frozen=True)
class CaseSummary:
    """What a victim may see about their case; never the fingerprint values."""

    case_id: str
    status: str
    created_at: datetime
    withdrawn_at: datetime | None
    fingerprints_by_algorithm: dict[str, int] = field(default_factory=dict)
    photos: PhotoCount = field(default_factory=lambda: PhotoCount(0, 0))


@dataclass(frozen=True)
class Withdrawn:
    """What a withdrawal deleted, in the victim's units: photos and videos (each once, however
    many fingerprints), fingerprints sent without their photo (older clients), and in all."""

    photos: int
    videos: int
    ungrouped: int
    fingerprints: int


@dataclass(frozen=True)
class PhotoCount:
    """How many photos a case's fingerprints come from, one however many fingerprints it has;
    and how many fingerprints were sent without saying their photo (older clients)."""

    photos: int
    ungrouped: int


def open_case(
    session: Session,
    *,
    fingerprints: list[SubmittedFingerprint],
    limits: Limits,
    vault: Vault,
    pins: PinHasher,
) -> OpenedCase:
    """Open a case holding the given fingerprints; the PIN is returned once, never stored."""
    parsed = validate_fingerprints(fingerprints, limits)
    pin = new_pin()
    case = Case(public_id=new_case_id(), pin_hash=pins.hash(pin), status=CaseStatus.ACTIVE)
    session.add(case)
    session.flush()
    result = _store(session, case, parsed, limits, vault)
    codes = tuple(new_recovery_code() for _ in range(RECOVERY_CODES))
    session.add_all(RecoveryCode(case_id=case.id, digest=vault.key_digest(c)) for c in codes)
    session.flush()
    return OpenedCase(
        case=case,
        pin=pin,
        added=result.added,
        duplicates=result.duplicates,
        recovery_codes=codes,
        photos_added=result.photos_added,
    )


def get_case(session: Session, *, public_id: str) -> Case | None:
    """The case with this (normalised) public ID, or None."""
    return session.execute(select(Case).where(Case.public_id == public_id)).scalar_one_or_none()


def recover_case(
    session: Session,
    *,
    case_id: str,
    code: str,
    vault: Vault,
    pins: PinHasher,
    lockout: LockoutPolicy,
    now: datetime | None = None,
) -> tuple[Case, str]:
    """Spend a recovery code to set a new PIN; the code never works again.

    Each try counts against the case like a wrong PIN, and a refused one gets the same answer.
    An unknown or paused case runs the same statements as a wrong code, so that neither answers
    sooner.
    """
    now = now or utcnow()
    attempt = reserve_attempt(session, case_id=case_id, lockout=lockout, now=now)
    digest = vault.key_digest(normalise_recovery_code(code))
    recovery = session.execute(
        select(RecoveryCode).where(
            RecoveryCode.case_id == (attempt.case_pk if attempt else NO_CASE_PK),
            RecoveryCode.digest == digest,
            RecoveryCode.used_at.is_(None),
        )
    ).scalar_one_or_none()
    if attempt is None or recovery is None:
        raise lockout.refusal(now)
    recovery.used_at = now
    pin = new_pin()
    case = session.get_one(Case, attempt.case_pk)
    case.pin_hash = pins.hash(pin)
    case.failed_attempts = 0
    case.locked_until = None
    session.flush()
    return case, pin


def recovery_codes_left(session: Session, *, case: Case) -> int:
    """How many unused recovery codes the case has."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.case_id == case.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def authenticate_case(
    sessions: sessionmaker[Session],
    *,
    case_id: str,
    pin: str,
    pins: PinHasher,
    lockout: LockoutPolicy,
    now: datetime | None = None,
) -> int:
    """The row id of the case with this ID and PIN, or CaseNotFound.

    The attempt is counted in a unit of work of its own, committed before the PIN is checked
    (so no lock is held while argon2 runs): wrong PINs sent together are each counted, and an
    attempt that cannot be written fails with the database's error before any PIN is checked,
    the same for the right PIN and a wrong one. CredentialChecksBusy comes before either.
    """
    now = now or utcnow()
    # A PIN typed as "1234 5678" is the right PIN, not a wrong attempt towards a pause.
    typed = normalise_pin(pin)
    with pins.slot() as verify:
        with transaction(sessions) as session:
            attempt = reserve_attempt(session, case_id=case_id, lockout=lockout, now=now)
        if not verify(attempt.pin_hash if attempt else None, typed) or attempt is None:
            raise lockout.refusal(now)
    with transaction(sessions) as session:
        clear_failures(session, case_pk=attempt.case_pk)
    return attempt.case_pk


#: No case has this row id: an unknown case looks up its recovery codes under it.
NO_CASE_PK = 0


@dataclass(frozen=True)
class PinAttempt:
    """An attempt already counted against a case, whose PIN or code is still to be checked."""

    case_pk: int
    pin_hash: str


def reserve_attempt(
    session: Session, *, case_id: str, lockout: LockoutPolicy, now: datetime
) -> PinAttempt | None:
    """Count an attempt against the case before its secret is checked; None for an unknown or
    paused case, which is not counted.

    One UPDATE counts the attempt and, if it completes a round, pauses the case at once, so
    attempts sent together can neither share a count nor all be checked: at most
    ``lockout.failures`` are checked a round. A right secret then clears the count.
    """
    count = Case.failed_attempts + 1
    when_type = Case.locked_until.type
    pauses = [
        (count == lockout.failures * rounds, literal(now + lockout.pause(rounds), when_type))
        for rounds in range(1, LOCKOUT_DOUBLINGS_MAX + 1)
    ]
    longest = literal(now + lockout.pause(LOCKOUT_DOUBLINGS_MAX + 1), when_type)
    row = session.execute(
        update(Case)
        .where(
            Case.public_id == (normalise_case_id(case_id) or ""),
            or_(Case.locked_until.is_(None), Case.locked_until <= now),
        )
        .values(
            failed_attempts=count,
            locked_until=case_when(
                *pauses, (count % lockout.failures == 0, longest), else_=Case.locked_until
            ),
        )
        .returning(Case.id, Case.pin_hash)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    return None if row is None else PinAttempt(case_pk=row.id, pin_hash=row.pin_hash)


def clear_failures(session: Session, *, case_pk: int) -> None:
    """Forget a case's wrong PINs and pause after a right one."""
    session.execute(
        update(Case)
        .where(Case.id == case_pk)
        .values(failed_attempts=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )


def add_fingerprints(
    session: Session,
    *,
    case: Case,
    fingerprints: list[SubmittedFingerprint],
    limits: Limits,
    vault: Vault,
) -> AddResult:
    """Add fingerprints to an active case; ones it already holds are counted, not repeated."""
    if case.status != CaseStatus.ACTIVE:
        raise CaseWithdrawn()
    return _store(session, case, validate_fingerprints(fingerprints, limits), limits, vault)


def _store(
    session: Session,
    case: Case,
    vetted: list[VettedFingerprint],
    limits: Limits,
    vault: Vault,
) -> AddResult:
    # The case row is locked so that two adds at once cannot number their photos alike.
    session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    existing = {
        mac: photo
        for mac, photo in session.execute(
            select(CaseFingerprint.value_mac, CaseFingerprint.photo).where(
                CaseFingerprint.case_id == case.id
            )
        )
    }
    highest = (
        session.scalar(
            select(func.max(CaseFingerprint.photo)).where(CaseFingerprint.case_id == case.id)
        )
        or 0
    )
    macs = [vault.mac(item.fingerprint) for item in vetted]
    numbers = _photo_numbers(vetted, macs, existing, highest)
    new_rows: list[CaseFingerprint] = []
    for item, mac in zip(vetted, macs, strict=True):
        if mac in existing:
            continue
        photo = None if item.photo is None else numbers[item.photo]
        existing[mac] = photo
        new_rows.append(
            CaseFingerprint(
                case_id=case.id,
                algorithm=item.fingerprint.algorithm.value,
                value_sealed=vault.seal(item.fingerprint),
                value_mac=mac,
                quality=item.quality,
                photo=photo,
                derived=item.derived,
            )
        )
    if len(existing) > limits.per_case:
        raise TooManyFingerprints(
            f"a case holds at most {limits.per_case} fingerprints; this would make {len(existing)}"
        )
    photos = len({photo for photo in existing.values() if photo is not None})
    if photos > limits.photos_per_case:
        raise TooManyFingerprints(
            f"a case holds at most {limits.photos_per_case} photos; this would make {photos}"
        )
    session.add_all(new_rows)
    session.flush()
    record_changes(session, ((row, BankOp.ADD) for row in new_rows))
    return AddResult(
        added=len(new_rows),
        duplicates=len(vetted) - len(new_rows),
        photos_added=len({row.photo for row in new_rows if row.photo and row.photo > highest}),
    )


def _photo_numbers(
    vetted: list[VettedFingerprint],
    macs: list[bytes],
    existing: dict[bytes, int | None],
    highest: int,
) -> dict[int, int]:
    """The case's number for each photo of the request, numbering on from ``highest``.

    A photo with a fingerprint of its own that neither the case nor an earlier photo of the
    request holds is a new photo. One whose own fingerprints are all held is that photo again,
    so its new crop fingerprints join the photo already there.
    """
    members: dict[int, list[tuple[bytes, bool]]] = {}
    for item, mac in zip(vetted, macs, strict=True):
        if item.photo is not None:
            members.setdefault(item.photo, []).append((mac, item.derived))
    owner = dict(existing)
    numbers: dict[int, int] = {}
    for photo, entries in members.items():
        own = [mac for mac, derived in entries if not derived]
        held = [number for mac in own if (number := owner.get(mac)) is not None]
        if held and len(held) == len(own):
            numbers[photo] = held[0]
        else:
            highest += 1
            numbers[photo] = highest
        for mac, _derived in entries:
            owner.setdefault(mac, numbers[photo])
    return numbers


def case_status(session: Session, *, case: Case) -> CaseSummary:
    """A summary of the case for its victim."""
    counts = {
        algorithm: count
        for algorithm, count in session.execute(
            select(CaseFingerprint.algorithm, func.count())
            .where(CaseFingerprint.case_id == case.id)
            .group_by(CaseFingerprint.algorithm)
        )
    }
    return CaseSummary(
        case_id=case.public_id,
        status=case.status,
        created_at=case.created_at,
        withdrawn_at=case.withdrawn_at,
        fingerprints_by_algorithm=dict(sorted(counts.items())),
        photos=photo_counts(session, case_ids=[case.id]).get(case.id, PhotoCount(0, 0)),
    )


def photo_counts(session: Session, *, case_ids: list[int]) -> dict[int, PhotoCount]:
    """Per case with fingerprints: its photos and its ungrouped fingerprints.

    The digests of a video file the case holds as a video (CaseVideo.photo) are that video's,
    not a photo.
    """
    of_video = (
        select(CaseVideo.id)
        .where(
            CaseVideo.case_id == CaseFingerprint.case_id, CaseVideo.photo == CaseFingerprint.photo
        )
        .exists()
    )
    counts: dict[int, PhotoCount] = {}
    for case_id, photos, ungrouped in session.execute(
        select(
            CaseFingerprint.case_id,
            func.count(CaseFingerprint.photo.distinct()).filter(~of_video),
            func.count().filter(CaseFingerprint.photo.is_(None)),
        )
        .where(CaseFingerprint.case_id.in_(case_ids))
        .group_by(CaseFingerprint.case_id)
    ):
        if case_id is not None:
            counts[case_id] = PhotoCount(photos, ungrouped)
    return counts


def withdraw_case(session: Session, *, case: Case) -> Withdrawn:
    """Withdraw a case: delete its fingerprints and videos (logged for every index and the
    feed), its reports, matches, notices, removal evidence, watch list and notification
    channel; keep only the case row so the victim can see it was withdrawn.

    Returns what was deleted, in photos and videos.
    """
    rows = list(
        session.execute(select(CaseFingerprint).where(CaseFingerprint.case_id == case.id))
        .scalars()
        .all()
    )
    videos = list(session.scalars(select(CaseVideo).where(CaseVideo.case_id == case.id)))
    counted = photo_counts(session, case_ids=[case.id]).get(case.id, PhotoCount(0, 0))
    withdrawn = Withdrawn(
        photos=counted.photos,
        videos=len(videos),
        ungrouped=counted.ungrouped,
        fingerprints=len(rows),
    )
    record_changes(
        session,
        [*((row, BankOp.WITHDRAW) for row in rows), *((v, BankOp.WITHDRAW) for v in videos)],
    )
    # Re-upload findings hang on reports of their own, with no case: they go with the matches.
    watch_reports = select(ReportItem.report_id).where(
        ReportItem.id.in_(select(Match.item_id).where(Match.case_id == case.id))
        | ReportItem.id.in_(select(VideoMatch.item_id).where(VideoMatch.case_id == case.id))
    )
    found_by_watch = list(
        session.scalars(
            select(Report.id).where(Report.case_id.is_(None), Report.id.in_(watch_reports))
        )
    )
    # Children first, so SQLite (whose cascades need the foreign_keys pragma) and PostgreSQL
    # delete the same rows.
    session.execute(delete(CaseNotification).where(CaseNotification.case_id == case.id))
    session.execute(delete(TakedownCheck).where(TakedownCheck.case_id == case.id))
    session.execute(delete(WatchedUrl).where(WatchedUrl.case_id == case.id))
    session.execute(delete(Takedown).where(Takedown.case_id == case.id))
    session.execute(delete(Match).where(Match.case_id == case.id))
    session.execute(delete(Report).where(Report.case_id == case.id))
    session.execute(delete(ReportItem).where(ReportItem.report_id.in_(found_by_watch)))
    session.execute(delete(Report).where(Report.id.in_(found_by_watch)))
    session.execute(delete(VideoMatch).where(VideoMatch.case_id == case.id))
    session.execute(delete(CaseVideo).where(CaseVideo.case_id == case.id))
    for row in rows:
        session.delete(row)
    case.status = CaseStatus.WITHDRAWN
    case.withdrawn_at = utcnow()
    session.flush()
    return withdrawn
