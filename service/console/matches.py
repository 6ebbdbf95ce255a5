"""The review queue: pending matches as text, confirm or reject, and a deliberate "open URL".

Images and videos are decided through the same handlers, at /console/matches/<id>/... for an
image match and /console/video-matches/<id>/... for a video match (REVIEW_PATHS).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from casework.access import Desk
from casework.bank import banks
from casework.bank.banks import BankLabel
from casework.bank.matching import Confidence, confidence
from casework.errors import InvalidInput
from casework.hosts import host_of
from casework.notices.registry import Platform, PlatformRegistry
from casework.reports import reviews
from casework.reports import videos as videos_module
from casework.reports.models import Match, VideoMatch
from casework.reports.reviews import AnyMatch, FoundImage, M, RejectReason
from casework.reports.videos import FoundVideo
from hashing.fingerprint import Algorithm
from hashing.translations import N_
from service.console.pages import go, show
from service.console.sessions import (
    CheckedForm,
    ConsoleDep,
    CurrentDesk,
    Visit,
    VisitDep,
    text,
)
from service.deps import SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)

#: Where each kind of match is decided, under /console/ (service/console/pages.py sends a failed
#: decision back to the queue by these).
REVIEW_PATHS: dict[type[AnyMatch], str] = {Match: "matches", VideoMatch: "video-matches"}

REJECT_REASONS = {
    RejectReason.DIFFERENT_IMAGE: N_("A different image"),
    RejectReason.COMMON_IMAGE: N_("A common or stock image (logo, meme, landscape)"),
    RejectReason.NOT_INTIMATE: N_("Not an intimate image of this person"),
    RejectReason.OTHER: N_("Other (say why in the note)"),
}
#: What each confidence band tells a caseworker deciding.
CONFIDENCE_TEXTS = {
    Confidence.EXACT_FILE: N_("Exact copy: the very same file, byte for byte."),
    Confidence.IDENTICAL: N_("Identical perceptual hash: almost certainly the same image."),
    Confidence.NEAR_IDENTICAL: N_(
        "Near-identical: the same image re-encoded, resized or lightly edited."
    ),
    Confidence.VERY_SIMILAR: N_(
        "Very similar: probably the same image with visible edits (crop, border, text)."
    ),
    Confidence.SIMILAR: N_(
        "Similar: inside the match radius, where false matches happen. Compare carefully."
    ),
}


def distance_meaning(algorithm: str, distance: int) -> str:
    """What a distance means for a caseworker deciding (an N_ text, translated when shown)."""
    return CONFIDENCE_TEXTS[confidence(Algorithm(algorithm), distance)]


@dataclass(frozen=True)
class Place:
    """Where a match was found, as the queue shows it."""

    page_host: str
    #: The host the image or video itself came from.
    host: str
    platform: Platform | None


def place_of(registry: PlatformRegistry, match: AnyMatch) -> Place:
    """The page's host, the found file's host and the page's platform in the registry."""
    page_host = host_of(match.item.url) or ""
    return Place(page_host, host_of(reviews.found_url(match)) or "", registry.lookup(page_host))


@dataclass(frozen=True)
class QueueRow:
    """One found image as the queue shows it."""

    image: FoundImage
    place: Place
    meaning: str
    bits: int
    #: The bank of the closest match's fingerprint: the victims' own, or an outside list.
    bank: BankLabel


@dataclass(frozen=True)
class VideoRow:
    """One found video as the queue shows it."""

    video: FoundVideo
    place: Place


@router.get("/queue")
def queue(visit: VisitDep, desk: CurrentDesk, session: SessionDep, console: ConsoleDep) -> Response:
    """Pending matches of the organisation's cases, closest first, then newest."""
    pending = reviews.list_pending(session, desk=desk)
    labels = banks.labels_of(session, [image.match.fingerprint_id for image in pending])
    rows = [
        QueueRow(
            image=image,
            place=place_of(console.registry, image.match),
            meaning=distance_meaning(image.match.algorithm, image.match.distance),
            bits=Algorithm(image.match.algorithm).bits,
            bank=labels.get(image.match.fingerprint_id, banks.VICTIMS_LABEL),
        )
        for image in pending
    ]
    videos = [
        VideoRow(video=video, place=place_of(console.registry, video.match))
        for video in videos_module.list_pending_videos(session, desk=desk)
    ]
    return show(visit, "queue.html", desk=desk, rows=rows, videos=videos, reasons=REJECT_REASONS)


def add_review_routes(kind: type[M]) -> None:
    """Confirm, reject and open URL for one kind of match, at its REVIEW_PATHS path."""
    base = f"/{REVIEW_PATHS[kind]}/{{match_id}}"

    @router.post(f"{base}/confirm")
    def confirm(
        match_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
    ) -> Response:
        """Confirm the found image or video is the victim's."""
        match, _case = reviews.require_match(session, desk=desk, kind=kind, match_id=match_id)
        reviews.confirm_match(session, desk=desk, match=match, note=text(form, "note"))
        return go(visit, "/console/queue")

    @router.post(f"{base}/reject")
    def reject(
        match_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
    ) -> Response:
        """Reject a false match; it does not come back (reviews.reject_match)."""
        match, _case = reviews.require_match(session, desk=desk, kind=kind, match_id=match_id)
        reviews.reject_match(
            session, desk=desk, match=match, reason=reject_reason(form), note=text(form, "note")
        )
        return go(visit, "/console/queue")

    @router.get(f"{base}/open")
    def open_warning(
        match_id: int, visit: VisitDep, desk: CurrentDesk, session: SessionDep
    ) -> Response:
        """The warning before a URL is opened: nothing loads until the caseworker decides."""
        match, case = reviews.require_match(session, desk=desk, kind=kind, match_id=match_id)
        return show(
            visit,
            "open_url.html",
            desk=desk,
            case=case,
            page_url=match.item.url,
            file_url=reviews.found_url(match),
            action=f"/console/{REVIEW_PATHS[kind]}/{match.id}/open",
            video=isinstance(match, VideoMatch),
        )

    @router.post(f"{base}/open")
    def open_url(
        match_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
    ) -> Response:
        """Log the decision, then send the browser (a new tab) to the page or the found file."""
        match, _case = reviews.require_match(session, desk=desk, kind=kind, match_id=match_id)
        return opened(visit, session, desk, form, match)


add_review_routes(Match)
add_review_routes(VideoMatch)


def reject_reason(form: FormData) -> RejectReason:
    """The reason a rejection form gives, or InvalidInput."""
    try:
        return RejectReason(text(form, "reason"))
    except ValueError:
        raise InvalidInput("Choose why this match is rejected.") from None


def opened(visit: Visit, session: Session, desk: Desk, form: FormData, match: AnyMatch) -> Response:
    """Log that the caseworker opens the match's page or file, then send the browser there."""
    target = reviews.found_url(match) if text(form, "which") == "file" else match.item.url
    if urlsplit(target).scheme not in ("http", "https"):
        raise InvalidInput("Only http and https addresses can be opened.")
    reviews.record_url_opened(session, desk=desk, match=match)
    return go(visit, target)
