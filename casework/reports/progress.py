"""Where each reported URL stands, in plain words, counted per image found.

An image found at a URL can match several of a case's fingerprints (its PDQ and its pHash, or
the fingerprints of a trimmed crop): that is one image, so counts are of distinct image URLs,
never of hash matches. Each item's progress has a ``kind`` for software (the pages tell it in
their own language from the kind, the reason code and the counts) and ``tell`` for a sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from gettext import NullTranslations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.reports.models import ItemStatus, Match, MatchStatus, ReportItem, VideoMatch
from hashing.translations import ENGLISH, N_, CountedMessage, N_plural, say

#: Why a URL could not be checked, by the worker's reason code: the end of "could not be checked
#: because ...". The pages and the API translate these same messages (service/web/texts.py).
REASONS = {
    "invalid_url": N_("the address is not valid"),
    "unsupported_scheme": N_("only http and https addresses can be checked"),
    "blocked_address": N_("it leads to a private or internal network, which we never visit"),
    "blocked_port": N_("it uses a port we do not visit (only the usual web ports 80 and 443)"),
    "dns_error": N_("no website by that name exists"),
    "dns_timeout": N_("looking up the website's name took too long"),
    "connect_error": N_("the website could not be reached"),
    "timeout": N_("the website did not answer in time"),
    "too_large": N_("the file there is too large to check"),
    "too_many_redirects": N_("the address sends us on to other addresses too many times"),
    "http_error": N_("the website answered with an error instead of the page"),
    "not_an_image": N_("what is there is not an image we can read"),
    "not_a_video": N_("what is there is not a video we can read"),
    "unsupported_content": N_("what is there is neither a web page nor an image"),
    "unsupported_encoding": N_("the website sent it in a form we cannot read"),
    "image_too_large": N_("the image is too large to check safely"),
    "image_too_small": N_("the image is too small to compare"),
    "decode_error": N_("the image there is damaged or cannot be read"),
    "worker_crashed": N_("checking it failed several times, so we stopped trying"),
}
#: For a reason code added later that has no sentence here yet.
OTHER_REASON = N_("something went wrong on our side")

#: What a victim is told, by progress kind, a sentence with a number in the form for it;
#: ``found_both`` names its two numbers with the counted words ``images`` and ``videos``.
SENTENCES: dict[str, str | CountedMessage] = {
    "queued": N_("Waiting to be checked."),
    "checking": N_("Being checked now."),
    "retrying": N_("Not checked yet because {why}; we will try again."),
    "found": CountedMessage(
        "count",
        N_plural(
            "Checked: {count} image matching yours found.",
            "Checked: {count} images matching yours found.",
        ),
    ),
    "found_videos": CountedMessage(
        "videos",
        N_plural(
            "Checked: {videos} video matching yours found.",
            "Checked: {videos} videos matching yours found.",
        ),
    ),
    "found_both": N_("Checked: {images} and {videos} matching yours found."),
    "images": CountedMessage("count", N_plural("{count} image", "{count} images")),
    "videos": CountedMessage("count", N_plural("{count} video", "{count} videos")),
    "nothing_found": CountedMessage(
        "checked",
        N_plural(
            "Checked: nothing of yours found ({checked} image compared).",
            "Checked: nothing of yours found ({checked} images compared).",
        ),
    ),
    "unreadable": CountedMessage(
        "found",
        N_plural(
            "Checked: {found} image found there, but it could not be read.",
            "Checked: {found} images found there, but none could be read.",
        ),
    ),
    "no_images": N_("Checked: no images found at this address."),
    "failed": N_("Could not be checked because {why}."),
}


class Progress(StrEnum):
    """What a victim is told about one reported URL."""

    QUEUED = "queued"
    CHECKING = "checking"
    RETRYING = "retrying"
    FOUND = "found"
    NOTHING_FOUND = "nothing_found"
    NO_IMAGES = "no_images"
    UNREADABLE = "unreadable"
    FAILED = "failed"


@dataclass(frozen=True)
class ItemProgress:
    """One URL's progress: ``kind`` for software, ``tell`` for people, from the counts."""

    kind: Progress
    finished: bool
    reason: str | None
    matches: int
    checked: int
    found: int
    #: Videos found there that match one of the case's videos (or, for a flagger, any).
    videos: int = 0

    def tell(self, language: NullTranslations = ENGLISH) -> str:
        """This progress as a sentence, in ``language`` (English by default)."""
        key = self.kind.value
        if self.kind is Progress.FOUND and self.videos:
            key = "found_both" if self.matches else "found_videos"
        if key == "found_both":
            return say(
                SENTENCES[key],
                language,
                images=say(SENTENCES["images"], language, count=self.matches),
                videos=say(SENTENCES["videos"], language, count=self.videos),
            )
        why = language.gettext(REASONS.get(self.reason or "", OTHER_REASON))
        return say(
            SENTENCES[key],
            language,
            count=self.matches,
            checked=self.checked,
            found=self.found,
            why=why,
            videos=self.videos,
        )


def images_matching(
    session: Session, *, items: Sequence[ReportItem], case_id: int | None
) -> dict[int, int]:
    """Per item id, how many distinct images found there match (one case's fingerprints only
    when case_id is given); matches a caseworker rejected do not count."""
    query = (
        select(Match.item_id, func.count(func.distinct(Match.image_url_digest)))
        .where(
            Match.item_id.in_([item.id for item in items]),
            Match.status != MatchStatus.REJECTED.value,
        )
        .group_by(Match.item_id)
    )
    if case_id is not None:
        query = query.where(Match.case_id == case_id)
    return {item_id: count for item_id, count in session.execute(query)}


def videos_matching(
    session: Session, *, items: Sequence[ReportItem], case_id: int | None
) -> dict[int, int]:
    """Per item id, how many distinct videos found there match a banked video (one case's
    only when case_id is given); matches a caseworker rejected do not count."""
    query = (
        select(VideoMatch.item_id, func.count(func.distinct(VideoMatch.video_url_digest)))
        .where(
            VideoMatch.item_id.in_([item.id for item in items]),
            VideoMatch.status != MatchStatus.REJECTED.value,
        )
        .group_by(VideoMatch.item_id)
    )
    if case_id is not None:
        query = query.where(VideoMatch.case_id == case_id)
    return {item_id: count for item_id, count in session.execute(query)}


_UNDERWAY = {
    ItemStatus.QUEUED: Progress.QUEUED,
    ItemStatus.FETCHING: Progress.CHECKING,
    ItemStatus.RETRYING: Progress.RETRYING,
}


def item_progress(item: ReportItem, *, matching: int, videos: int = 0) -> ItemProgress:
    """The item's progress from its recorded state, reason and counts."""
    status = ItemStatus(item.status)
    finished = status not in _UNDERWAY
    if not finished:
        kind = _UNDERWAY[status]
    elif status is ItemStatus.FAILED:
        kind = Progress.FAILED
    elif matching or videos:
        kind = Progress.FOUND
    elif item.images_hashed:
        kind = Progress.NOTHING_FOUND
    elif item.images_found:
        kind = Progress.UNREADABLE
    else:
        kind = Progress.NO_IMAGES
    return ItemProgress(
        kind,
        finished,
        reason=item.reason,
        matches=matching,
        checked=item.images_hashed,
        found=item.images_found,
        videos=videos,
    )
