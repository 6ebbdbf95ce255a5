"""Caseworkers' review of matches, of images and of videos: the queue, confirm, reject (so that
it does not come back), open URL.

A decision on an image is about the image: every pending match of the same found image (same
reported URL, same image URL, same case) is decided together, because the worker records one
match per bank fingerprint it came near (PDQ and pHash of one photo, say). A video match is
decided alone. The image queue is listed here, the video queue in reports.videos.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from casework import audit
from casework.access import Desk
from casework.bank.models import AllowedMatch
from casework.db import utcnow
from casework.errors import Conflict, InvalidInput, NotFound
from casework.notices.models import Takedown, TakedownCheck
from casework.reports.models import Match, MatchReview, MatchStatus, ReportItem, VideoMatch
from casework.victims.models import Case, CaseFingerprint
from hashing.fingerprint import Algorithm

MAX_NOTE_CHARS = 500
QUEUE_LIMIT = 200


class RejectReason(StrEnum):
    """Why a match is not the victim's image."""

    DIFFERENT_IMAGE = "different_image"
    COMMON_IMAGE = "common_image"
    NOT_INTIMATE = "not_intimate"
    OTHER = "other"


#: A match a caseworker decides: a found image's (one per bank fingerprint it came near) or a
#: found video's (one per banked video it matched). Both are reviewed by the functions below.
AnyMatch = Match | VideoMatch
#: One kind or the other, where a function gives back the kind it was given.
M = TypeVar("M", Match, VideoMatch)


@dataclass(frozen=True)
class Kind:
    """How one kind of match is named: in the audit log and in what a caseworker reads."""

    object_type: str
    noun: str


KINDS: dict[type[AnyMatch], Kind] = {
    Match: Kind(object_type="match", noun="match"),
    VideoMatch: Kind(object_type="video_match", noun="video match"),
}


@dataclass(frozen=True)
class MatchedPhoto:
    """A photo of the case that a found image matched.

    ``number`` is the case's photo number, None for fingerprints sent without their photo;
    ``through_copy`` says every matched fingerprint of it came from a crop or trimmed copy.
    """

    number: int | None
    through_copy: bool


#: What the fingerprints a match names record about their photo: (photo number, derived).
PhotoOf = dict[int, tuple[int | None, bool]]


def photos_of(session: Session, matches: Sequence[Match]) -> PhotoOf:
    """The photo number and derived flag of the fingerprint each of these matches names."""
    ids = {match.fingerprint_id for match in matches}
    if not ids:
        return {}
    return {
        fingerprint_id: (photo, derived)
        for fingerprint_id, photo, derived in session.execute(
            select(CaseFingerprint.id, CaseFingerprint.photo, CaseFingerprint.derived).where(
                CaseFingerprint.id.in_(ids)
            )
        )
    }


def matched_photos(matches: Sequence[Match], photo_of: PhotoOf) -> tuple[MatchedPhoto, ...]:
    """The photos one found image's matches hit, in photo order, each once."""
    through_copy: dict[int | None, bool] = {}
    for match in matches:
        if match.fingerprint_id in photo_of:
            number, derived = photo_of[match.fingerprint_id]
            through_copy[number] = through_copy.get(number, True) and derived
    ordered = sorted(through_copy.items(), key=lambda item: (item[0] is None, item[0] or 0))
    return tuple(MatchedPhoto(number, copy) for number, copy in ordered)


@dataclass(frozen=True)
class FoundImage:
    """A found image awaiting review: its closest match and the others of the same image."""

    match: Match
    case: Case
    item: ReportItem
    others: tuple[Match, ...]
    #: The notice (id, reference) whose watch list found this image again, if it is a re-upload.
    reupload_of: tuple[int, str] | None = None
    #: The case's photos its matches hit.
    photos: tuple[MatchedPhoto, ...] = ()

    @property
    def closeness(self) -> float:
        """Distance as a share of the hash length, so PDQ and pHash sort together."""
        return self.match.distance / Algorithm(self.match.algorithm).bits

    @property
    def distances(self) -> dict[str, int]:
        """The closest distance per algorithm over all the image's matches."""
        return closest_distances([self.match, *self.others])


def closest_distances(matches: Sequence[Match]) -> dict[str, int]:
    """The closest distance per algorithm (PDQ, pHash, exact digests) among one image's matches."""
    closest: dict[str, int] = {}
    for match in matches:
        closest[match.algorithm] = min(match.distance, closest.get(match.algorithm, match.distance))
    return closest


def _image_key(match: Match) -> tuple[int, bytes, int]:
    return (match.item_id, match.image_url_digest, match.case_id)


def list_pending(session: Session, *, desk: Desk, limit: int = QUEUE_LIMIT) -> list[FoundImage]:
    """Pending found images of the organisation's cases, closest first, then newest first."""
    rows = session.execute(
        select(Match, Case, ReportItem)
        .join(Case, Case.id == Match.case_id)
        .join(ReportItem, ReportItem.id == Match.item_id)
        .where(and_(Match.status == MatchStatus.PENDING, desk.sees()))
        .order_by(Match.id)
    ).all()
    groups: dict[tuple[int, bytes, int], list[tuple[Match, Case, ReportItem]]] = {}
    for match, case, item in rows:
        groups.setdefault(_image_key(match), []).append((match, case, item))
    notices = _reuploads_of(session, [match.id for match, _c, _i in rows])
    photo_of = photos_of(session, [match for match, _c, _i in rows])
    images = []
    for members in groups.values():
        members.sort(key=lambda row: row[0].distance / Algorithm(row[0].algorithm).bits)
        closest, case, item = members[0]
        notice = next((notices[m.id] for m, _c, _i in members if m.id in notices), None)
        others = tuple(m for m, _c, _i in members[1:])
        photos = matched_photos([closest, *others], photo_of)
        images.append(FoundImage(closest, case, item, others, notice, photos))
    images.sort(key=lambda image: (image.closeness, -image.match.created_at.timestamp()))
    return images[:limit]


def _reuploads_of(session: Session, match_ids: list[int]) -> dict[int, tuple[int, str]]:
    """For matches a notice's watch found again: the notice's id and reference, by match id."""
    if not match_ids:
        return {}
    return {
        match_id: (takedown_id, reference)
        for match_id, takedown_id, reference in session.execute(
            select(TakedownCheck.match_id, Takedown.id, Takedown.reference)
            .join(Takedown, Takedown.id == TakedownCheck.takedown_id)
            .where(TakedownCheck.match_id.in_(match_ids))
        )
        if match_id is not None
    }


def require_match(session: Session, *, desk: Desk, kind: type[M], match_id: int) -> tuple[M, Case]:
    """A match of this kind of one of the organisation's cases; NotFound otherwise."""
    row = session.execute(
        select(kind, Case)
        .join(Case, Case.id == kind.case_id)
        .where(and_(kind.id == match_id, desk.sees()))
    ).first()
    if row is None:
        raise NotFound(f"There is no {KINDS[kind].noun} with this number in your organisation.")
    return row[0], row[1]


def found_url(match: AnyMatch) -> str:
    """The URL of the found file itself: the image's or the video's."""
    return match.video_url if isinstance(match, VideoMatch) else match.image_url


def _decided_together(session: Session, match: AnyMatch) -> list[AnyMatch]:
    """The pending matches one decision covers: every match of the same found image (one per bank
    fingerprint it came near), or the video match alone (one per banked video it matched)."""
    if isinstance(match, VideoMatch):
        return [match]
    return list(
        session.execute(
            select(Match).where(
                Match.item_id == match.item_id,
                Match.image_url_digest == match.image_url_digest,
                Match.case_id == match.case_id,
                Match.status == MatchStatus.PENDING,
            )
        ).scalars()
    )


def _decide(
    session: Session, *, desk: Desk, match: AnyMatch, decision: MatchStatus, reason: str, note: str
) -> list[AnyMatch]:
    if match.status != MatchStatus.PENDING:
        raise Conflict(f"This {KINDS[type(match)].noun} was already {match.status}.")
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"notes are limited to {MAX_NOTE_CHARS} characters")
    decided = _decided_together(session, match)
    now = utcnow()
    for member in decided:
        member.status = decision
        video = isinstance(member, VideoMatch)
        session.add(
            MatchReview(
                match_id=None if video else member.id,
                video_match_id=member.id if video else None,
                caseworker_id=desk.caseworker.id,
                decision=decision,
                reason=reason,
                note=note.strip(),
                decided_at=now,
            )
        )
    session.flush()
    return decided


def confirm_match(
    session: Session, *, desk: Desk, match: AnyMatch, note: str = ""
) -> list[AnyMatch]:
    """Confirm that the found image or video is the victim's; it can now go into a notice."""
    decided = _decide(
        session, desk=desk, match=match, decision=MatchStatus.CONFIRMED, reason="", note=note
    )
    _audit(
        session, desk=desk, action=audit.Action.MATCH_CONFIRMED, match=match, matches=len(decided)
    )
    return decided


def reject_match(
    session: Session, *, desk: Desk, match: AnyMatch, reason: RejectReason, note: str = ""
) -> list[AnyMatch]:
    """Reject a false match so that it does not come back: a found image's hashes go on the
    allow-list; a rejected video match keeps that video URL from matching the video again
    (reports.videos.record_video_matches looks for it)."""
    if reason is RejectReason.OTHER and not note.strip():
        raise InvalidInput("Say in the note why this match is rejected.")
    decided = _decide(
        session,
        desk=desk,
        match=match,
        decision=MatchStatus.REJECTED,
        reason=reason.value,
        note=note,
    )
    session.add_all(
        AllowedMatch(
            fingerprint_id=member.fingerprint_id,
            algorithm=member.algorithm,
            # Already sealed with the same key and associated data: copied, never opened here.
            found_sealed=member.found_sealed,
            match_id=member.id,
        )
        for member in decided
        if isinstance(member, Match)
    )
    session.flush()
    _audit(
        session,
        desk=desk,
        action=audit.Action.MATCH_REJECTED,
        match=match,
        matches=len(decided),
        reason=reason.value,
    )
    return decided


def record_url_opened(session: Session, *, desk: Desk, match: AnyMatch) -> None:
    """Log that a caseworker chose to open a match's URL, an image's or a video's (after the
    warning)."""
    _audit(session, desk=desk, action=audit.Action.MATCH_URL_OPENED, match=match)


def _audit(
    session: Session, *, desk: Desk, action: audit.Action, match: AnyMatch, **details: str | int
) -> None:
    """One audit entry about a match, named by its kind, with its case and these details."""
    audit.record(
        session,
        actor=desk.actor,
        action=action,
        object_type=KINDS[type(match)].object_type,
        object_id=match.id,
        details={"case_id": match.case_id, **details},
    )
