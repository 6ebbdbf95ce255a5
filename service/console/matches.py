"""The review queue: pending matches as text, confirm or reject, and a deliberate "open URL"."""

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
from casework.notices.registry import Platform
from casework.reports import reviews
from casework.reports import videos as videos_module
from casework.reports.models import Match, VideoMatch
from casework.reports.reviews import FoundImage, RejectReason
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
class QueueRow:
    """One found image as the queue shows it."""

    image: FoundImage
    host: str
    page_host: str
    platform: Platform | None
    meaning: str
    bits: int
    #: The bank of the closest match's fingerprint: the victims' own, or an outside list.
    bank: BankLabel


@dataclass(frozen=True)
class VideoRow:
    """One found video as the queue shows it."""

    video: FoundVideo
    page_host: str
    host: str
    platform: Platform | None


@router.get("/queue")
def queue(visit: VisitDep, desk: CurrentDesk, session: SessionDep, console: ConsoleDep) -> Response:
    """Pending matches of the organisation's cases, closest first, then newest."""
    rows = []
    pending = reviews.list_pending(session, desk=desk)
    labels = banks.labels_of(session, [image.match.fingerprint_id for image in pending])
    for image in pending:
        page_host = host_of(image.item.url) or ""
        rows.append(
            QueueRow(
                image=image,
                host=host_of(image.match.image_url) or "",
                page_host=page_host,
                platform=console.registry.lookup(page_host),
                meaning=distance_meaning(image.match.algorithm, image.match.distance),
                bits=Algorithm(image.match.algorithm).bits,
                bank=labels.get(image.match.fingerprint_id, banks.VICTIMS_LABEL),
            )
        )
    videos = [
        VideoRow(
            video=video,
            page_host=host_of(video.item.url) or "",
            host=host_of(video.match.video_url) or "",
            platform=console.registry.lookup(host_of(video.item.url) or ""),
        )
        for video in videos_module.list_pending_videos(session, desk=desk)
    ]
    return show(visit, "queue.html", desk=desk, rows=rows, videos=videos, reasons=REJECT_REASONS)


@router.post("/matches/{match_id}/confirm")
def confirm(
    match_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
) -> Response:
    """Confirm the found image is the victim's."""
    match, _case = reviews.require_match(session, desk=desk, match_id=match_id)
    reviews.confirm_match(session, desk=desk, match=match, note=text(form, "note"))
    return go(visit, "/console/queue")


@router.post("/matches/{match_id}/reject")
def reject(
    match_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
) -> Response:
    """Reject a false match; it goes on the allow-list."""
    match, _case = reviews.require_match(session, desk=desk, match_id=match_id)
    reviews.reject_match(
        session, desk=desk, match=match, reason=reject_reason(form), note=text(form, "note")
    )
    return go(visit, "/console/queue")


@router.get("/matches/{match_id}/open")
def open_warning(
    match_id: int, visit: VisitDep, desk: CurrentDesk, session: SessionDep
) -> Response:
    """The warning before a URL is opened: nothing loads until the caseworker decides."""
    match, case = reviews.require_match(session, desk=desk, match_id=match_id)
    return show(
        visit,
        "open_url.html",
        desk=desk,
        case=case,
        page_url=match.item.url,
        file_url=match.image_url,
        action=f"/console/matches/{match.id}/open",
        video=False,
    )


@router.post("/matches/{match_id}/open")
def open_url(
    match_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
) -> Response:
    """Log the decision, then send the browser (a new tab) to the page or the image."""
    match, _case = reviews.require_match(session, desk=desk, match_id=match_id)
    return opened(visit, session, desk, form, match, file_url=match.image_url)


@router.post("/video-matches/{video_match_id}/confirm")
def confirm_video(
    video_match_id: int,
    visit: VisitDep,
    desk: CurrentDesk,
    form: CheckedForm,
    session: SessionDep,
) -> Response:
    """Confirm the found video is the victim's."""
    match, _case = videos_module.require_video_match(
        session, desk=desk, video_match_id=video_match_id
    )
    videos_module.confirm_video_match(session, desk=desk, match=match, note=text(form, "note"))
    return go(visit, "/console/queue")


@router.post("/video-matches/{video_match_id}/reject")
def reject_video(
    video_match_id: int,
    visit: VisitDep,
    desk: CurrentDesk,
    form: CheckedForm,
    session: SessionDep,
) -> Response:
    """Reject a false video match; that video URL does not match this video again."""
    match, _case = videos_module.require_video_match(
        session, desk=desk, video_match_id=video_match_id
    )
    videos_module.reject_video_match(
        session, desk=desk, match=match, reason=reject_reason(form), note=text(form, "note")
    )
    return go(visit, "/console/queue")


@router.get("/video-matches/{video_match_id}/open")
def open_video_warning(
    video_match_id: int, visit: VisitDep, desk: CurrentDesk, session: SessionDep
) -> Response:
    """The warning before a video's URL is opened."""
    match, case = videos_module.require_video_match(
        session, desk=desk, video_match_id=video_match_id
    )
    return show(
        visit,
        "open_url.html",
        desk=desk,
        case=case,
        page_url=match.item.url,
        file_url=match.video_url,
        action=f"/console/video-matches/{match.id}/open",
        video=True,
    )


@router.post("/video-matches/{video_match_id}/open")
def open_video_url(
    video_match_id: int,
    visit: VisitDep,
    desk: CurrentDesk,
    form: CheckedForm,
    session: SessionDep,
) -> Response:
    """Log the decision, then send the browser (a new tab) to the page or the video."""
    match, _case = videos_module.require_video_match(
        session, desk=desk, video_match_id=video_match_id
    )
    return opened(visit, session, desk, form, match, file_url=match.video_url)


def reject_reason(form: FormData) -> RejectReason:
    """The reason a rejection form gives, or InvalidInput."""
    try:
        return RejectReason(text(form, "reason"))
    except ValueError:
        raise InvalidInput("Choose why this match is rejected.") from None


def opened(
    visit: Visit,
    session: Session,
    desk: Desk,
    form: FormData,
    match: Match | VideoMatch,
    *,
    file_url: str,
) -> Response:
    """Log that the caseworker opens the match's page or file, then send the browser there."""
    target = file_url if text(form, "which") == "file" else match.item.url
    if urlsplit(target).scheme not in ("http", "https"):
        raise InvalidInput("Only http and https addresses can be opened.")
    reviews.record_url_opened(session, desk=desk, match=match)
    return go(visit, target)
