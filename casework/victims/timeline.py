"""The plain-language story of a case, for its victim: found, notice sent, removed, re-checked.

Each event carries a machine-readable ``kind`` and ``params`` (host names, counts, hours) as
well as its English ``text``, so the web pages can tell it in the victim's language. Hosts are
named; image and video URLs, page paths and hashes never are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from gettext import NullTranslations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.hosts import host_of
from casework.notices.models import (
    CheckOutcome,
    Takedown,
    TakedownCheck,
    TakedownItem,
    WatchedUrl,
)
from casework.notices.rechecks import Purpose
from casework.reports.models import Match, MatchStatus, Report, ReportItem, VideoMatch
from casework.victims.models import Case, CaseFingerprint
from hashing.translations import ENGLISH, N_, CountedMessage, N_plural, say

Params = dict[str, str | int]


#: What the victim is told per event kind. A key gains ``_confirmed``, ``_after`` or the check's
#: result as the event's params say, and ``_video`` for a notice that named only videos. A
#: sentence with a number takes its form for it (``count``, or ``hours``). The pages and the API
#: translate these same messages (service/web/texts.py).
SENTENCES: dict[str, str | CountedMessage] = {
    "opened": N_("You opened this case."),
    "photos": CountedMessage(
        "count",
        N_plural(
            "Fingerprints of {count} photo are in the hash bank.",
            "Fingerprints of {count} photos are in the hash bank.",
        ),
    ),
    # Fingerprints an older client sent without saying which photo each came from.
    "fingerprints": CountedMessage(
        "count",
        N_plural(
            "{count} fingerprint is in the hash bank.", "{count} fingerprints are in the hash bank."
        ),
    ),
    "reported": CountedMessage(
        "count",
        N_plural(
            "You reported {count} web address to check.",
            "You reported {count} web addresses to check.",
        ),
    ),
    "found": CountedMessage(
        "count",
        N_plural(
            "A possible copy was found on {host}; a caseworker will check it.",
            "{count} possible copies were found on {host}; a caseworker will check them.",
        ),
    ),
    "found_confirmed": CountedMessage(
        "count",
        N_plural(
            "A caseworker confirmed a copy of your image on {host}.",
            "A caseworker confirmed {count} copies of your images on {host}.",
        ),
    ),
    "video_found": CountedMessage(
        "count",
        N_plural(
            "A possible copy of your video was found on {host}; a caseworker will check it.",
            "{count} possible copies of your videos were found on {host}; a caseworker will "
            "check them.",
        ),
    ),
    "video_found_confirmed": CountedMessage(
        "count",
        N_plural(
            "A caseworker confirmed a copy of your video on {host}.",
            "A caseworker confirmed {count} copies of your videos on {host}.",
        ),
    ),
    "reupload": CountedMessage(
        "count",
        N_plural(
            "A copy reappeared on {host} after it was removed; a caseworker will check it.",
            "{count} copies reappeared on {host} after removal; a caseworker will check them.",
        ),
    ),
    "notice_sent": N_("A removal notice was sent to {platform}."),
    "acknowledged": N_("{platform} confirmed it received the notice."),
    "removed": N_("{platform} removed the image."),
    "removed_after": CountedMessage(
        "hours",
        N_plural(
            "{platform} removed the image {hours} hour after the notice; we checked that it is "
            "gone.",
            "{platform} removed the image {hours} hours after the notice; we checked that it is "
            "gone.",
        ),
    ),
    "removed_video": N_("{platform} removed the video."),
    "removed_after_video": CountedMessage(
        "hours",
        N_plural(
            "{platform} removed the video {hours} hour after the notice; we checked that it is "
            "gone.",
            "{platform} removed the video {hours} hours after the notice; we checked that it is "
            "gone.",
        ),
    ),
    "reported_removed": N_(
        "A caseworker reported that {platform} removed the image; we are checking that it is gone."
    ),
    "reported_removed_video": N_(
        "A caseworker reported that {platform} removed the video; we are checking that it is gone."
    ),
    "refused": N_("{platform} refused; your caseworker will escalate."),
    "no_response": N_("{platform} did not answer in time."),
    "checked_still_there": N_("We checked {platform}: the image is still there."),
    "checked_gone": N_("We checked {platform}: the image is gone."),
    "checked_still_there_video": N_("We checked {platform}: the video is still there."),
    "checked_gone_video": N_("We checked {platform}: the video is gone."),
    "checked_error": N_("We tried to check {platform} but could not reach it; we will try again."),
    "overdue": N_("{platform} missed its deadline; your caseworker is taking the next step."),
    "reupload_checked": CountedMessage(
        "count",
        N_plural(
            "We checked {host} for re-uploads once since {since}.",
            "We checked {host} for re-uploads {count} times since {since}.",
        ),
    ),
    "withdrawn": N_("You withdrew this case; its fingerprints were deleted."),
}


def _sentence_key(kind: str, params: Mapping[str, str | int]) -> str:
    key = kind
    if kind in ("found", "video_found") and params.get("confirmed"):
        key += "_confirmed"
    if kind == "removed" and "hours" in params:
        key += "_after"
    if kind == "checked":
        key += f"_{params.get('result')}"
    if params.get("video") and f"{key}_video" in SENTENCES:
        key += "_video"
    return key


@dataclass(frozen=True)
class Event:
    """One line of the timeline; ``kind`` and ``params`` are for software, ``text`` for people."""

    at: datetime
    kind: str
    params: Params = field(default_factory=dict)

    def tell(self, language: NullTranslations = ENGLISH) -> str:
        """The event as a sentence, in ``language``."""
        values = dict(self.params)
        if isinstance(values.get("since"), str):
            values["since"] = str(values["since"])[:10]
        return say(SENTENCES[_sentence_key(self.kind, self.params)], language, **values)

    @property
    def text(self) -> str:
        """The event in English."""
        return self.tell()


def _host(url: str) -> str:
    return host_of(url) or "an unknown site"


def case_timeline(session: Session, *, case: Case) -> list[Event]:
    """Every event of the case, oldest first."""
    events = [Event(case.created_at, "opened")]
    events += _fingerprints(session, case)
    events += _reports(session, case)
    # A watch's evidence row names one match of the image it found again; every match of that
    # find (one per algorithm) is on the same report item.
    reuploads = set(
        session.scalars(
            select(Match.item_id)
            .join(TakedownCheck, TakedownCheck.match_id == Match.id)
            .where(TakedownCheck.case_id == case.id)
        )
    )
    events += _matches(session, case, reuploads)
    events += _videos(session, case)
    videos_only = _video_notices(session, case)
    # Checks go first: at equal times the stable sort then tells a check before what it proved.
    events += _removal_checks(session, case, videos_only)
    for takedown in session.scalars(select(Takedown).where(Takedown.case_id == case.id)):
        events += _takedown(takedown, video=takedown.id in videos_only)
    events += _watch_checks(session, case)
    if case.withdrawn_at:
        events.append(Event(case.withdrawn_at, "withdrawn"))
    return sorted(events, key=lambda event: event.at)


def _fingerprints(session: Session, case: Case) -> Iterator[Event]:
    """Per day: the photos that arrived (one each, with their crops and trimmed copies), and
    apart from them the fingerprints sent without a photo."""
    arrivals = (
        select(func.min(CaseFingerprint.created_at).label("at"))
        .where(CaseFingerprint.case_id == case.id, CaseFingerprint.photo.is_not(None))
        .group_by(CaseFingerprint.photo)
        .subquery()
    )
    for added_at, count in session.execute(
        select(func.min(arrivals.c.at), func.count()).group_by(func.date(arrivals.c.at))
    ):
        yield Event(added_at, "photos", {"count": count})
    for added_at, count in session.execute(
        select(func.min(CaseFingerprint.created_at), func.count())
        .where(CaseFingerprint.case_id == case.id, CaseFingerprint.photo.is_(None))
        .group_by(func.date(CaseFingerprint.created_at))
    ):
        yield Event(added_at, "fingerprints", {"count": count})


def _reports(session: Session, case: Case) -> Iterator[Event]:
    for created_at, urls in session.execute(
        select(Report.created_at, func.count(ReportItem.id))
        .join(ReportItem, ReportItem.report_id == Report.id)
        .where(Report.case_id == case.id)
        .group_by(Report.id, Report.created_at)
    ):
        yield Event(created_at, "reported", {"count": urls})


def _matches(session: Session, case: Case, reuploads: set[int]) -> Iterator[Event]:
    """Per reported page: the images found there (an image's several hash matches are one
    find), confirmed ones apart from those waiting for a caseworker, re-uploads apart."""
    pages: dict[tuple[int, bool, bool], dict[bytes, Match]] = {}
    for match in session.scalars(
        select(Match).where(Match.case_id == case.id).order_by(Match.created_at, Match.id)
    ):
        if match.status == MatchStatus.REJECTED:
            continue
        confirmed = match.status == MatchStatus.CONFIRMED
        key = (match.item_id, match.item_id in reuploads, confirmed)
        pages.setdefault(key, {}).setdefault(match.image_url_digest, match)
    for (_, reupload, confirmed), images in pages.items():
        first = min(images.values(), key=lambda match: (match.created_at, match.id))
        host = _host(first.image_url)
        count = len(images)
        said: Params = {"host": host, "count": count}
        if reupload:
            yield Event(first.created_at, "reupload", said)
        else:
            yield Event(first.created_at, "found", {**said, "confirmed": int(confirmed)})


def _videos(session: Session, case: Case) -> Iterator[Event]:
    """Per reported page: the videos found there, confirmed ones apart from those waiting."""
    pages: dict[tuple[int, bool], list[VideoMatch]] = {}
    for match in session.scalars(
        select(VideoMatch)
        .where(VideoMatch.case_id == case.id, VideoMatch.status != MatchStatus.REJECTED)
        .order_by(VideoMatch.created_at, VideoMatch.id)
    ):
        confirmed = match.status == MatchStatus.CONFIRMED
        pages.setdefault((match.item_id, confirmed), []).append(match)
    for (_, confirmed), found in pages.items():
        said: Params = {
            "host": _host(found[0].video_url),
            "count": len({match.video_url_digest for match in found}),
            "confirmed": int(confirmed),
        }
        yield Event(found[0].created_at, "video_found", said)


def _video_notices(session: Session, case: Case) -> set[int]:
    """The case's notices that name videos and no image: told as about "the video"."""
    return {
        int(takedown_id)
        for takedown_id, images, videos in session.execute(
            select(
                TakedownItem.takedown_id,
                func.count(TakedownItem.match_id),
                func.count(TakedownItem.video_match_id),
            )
            .join(Takedown, Takedown.id == TakedownItem.takedown_id)
            .where(Takedown.case_id == case.id)
            .group_by(TakedownItem.takedown_id)
        )
        if videos and not images
    }


def _takedown(takedown: Takedown, *, video: bool) -> Iterator[Event]:
    where = takedown.platform
    said: Params = {"platform": where, "video": 1} if video else {"platform": where}
    if takedown.sent_at:
        yield Event(takedown.sent_at, "notice_sent", said)
    if takedown.acknowledged_at:
        yield Event(takedown.acknowledged_at, "acknowledged", said)
    if takedown.reported_removed_at:
        yield Event(takedown.reported_removed_at, "reported_removed", said)
    if takedown.removed_at:
        params: Params = dict(said)
        if takedown.sent_at:
            hours = max(0, round((takedown.removed_at - takedown.sent_at).total_seconds() / 3600))
            params["hours"] = hours
        yield Event(takedown.removed_at, "removed", params)
    if takedown.refused_at:
        yield Event(takedown.refused_at, "refused", said)
    if takedown.no_response_at:
        yield Event(takedown.no_response_at, "no_response", said)


def _removal_checks(session: Session, case: Case, videos_only: set[int]) -> Iterator[Event]:
    """One line per check of a notice (its URLs fetched together), and the first overdue one."""
    rounds: dict[tuple[int, datetime], list[TakedownCheck]] = {}
    for check in session.scalars(
        select(TakedownCheck)
        .where(
            TakedownCheck.case_id == case.id,
            TakedownCheck.purpose == Purpose.REMOVAL,
            TakedownCheck.takedown_id.is_not(None),
        )
        .order_by(TakedownCheck.checked_at, TakedownCheck.id)
    ):
        rounds.setdefault((check.takedown_id or 0, check.checked_at), []).append(check)
    platforms: dict[int, str] = {
        takedown_id: platform
        for takedown_id, platform in session.execute(
            select(Takedown.id, Takedown.platform).where(Takedown.case_id == case.id)
        )
    }
    overdue_told: set[int] = set()
    for (takedown_id, at), checks in rounds.items():
        where = platforms.get(takedown_id, "the site")
        outcomes = {check.outcome for check in checks}
        if CheckOutcome.STILL_THERE in outcomes:
            result = "still_there"
        elif outcomes == {CheckOutcome.GONE}:
            result = "gone"
        else:
            result = "error"
        said: Params = {"platform": where, "result": result}
        if takedown_id in videos_only:
            said["video"] = 1
        yield Event(at, "checked", said)
        if any(check.overdue for check in checks) and takedown_id not in overdue_told:
            overdue_told.add(takedown_id)
            yield Event(at, "overdue", {"platform": where})


def _watch_checks(session: Session, case: Case) -> Iterator[Event]:
    """Per watched host: how often it was checked for re-uploads, as of the latest check."""
    for host, checks, first, last in session.execute(
        select(
            WatchedUrl.host,
            func.count(TakedownCheck.id),
            func.min(TakedownCheck.checked_at),
            func.max(TakedownCheck.checked_at),
        )
        .join(TakedownCheck, TakedownCheck.watched_id == WatchedUrl.id)
        .where(WatchedUrl.case_id == case.id, TakedownCheck.purpose == Purpose.WATCH)
        .group_by(WatchedUrl.host)
    ):
        yield Event(
            last, "reupload_checked", {"host": host, "count": checks, "since": first.isoformat()}
        )
