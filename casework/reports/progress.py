"""Where each reported URL stands, in plain words, counted per image found.

An image found at a URL can match several of a case's fingerprints (its PDQ and its pHash, or
the fingerprints of a trimmed crop): that is one image, so counts are of distinct image URLs,
never of hash matches. Each item's progress has a ``kind`` for software (the pages tell it in
their own language from the kind, the reason code and the counts) and an English ``text``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.reports.models import ItemStatus, Match, MatchStatus, ReportItem

#: Why a URL could not be checked, as the end of "could not be checked because ...".
REASON_TEXTS = {
    "invalid_url": "the address is not valid",
    "unsupported_scheme": "only http and https addresses can be checked",
    "blocked_address": "it leads to a private or internal network, which we never visit",
    "blocked_port": "it uses a port we do not visit (only the usual web ports 80 and 443)",
    "dns_error": "no website by that name exists",
    "dns_timeout": "looking up the website's name took too long",
    "connect_error": "the website could not be reached",
    "timeout": "the website did not answer in time",
    "too_large": "the file there is too large to check",
    "too_many_redirects": "the address sends us on to other addresses too many times",
    "http_error": "the website answered with an error instead of the page",
    "not_an_image": "what is there is not an image we can read",
    "unsupported_content": "what is there is neither a web page nor an image",
    "unsupported_encoding": "the website sent it in a form we cannot read",
    "image_too_large": "the image is too large to check safely",
    "image_too_small": "the image is too small to compare",
    "decode_error": "the image there is damaged or cannot be read",
    "worker_crashed": "checking it failed several times, so we stopped trying",
}
#: For a reason code added later that has no sentence here yet.
OTHER_REASON_TEXT = "something went wrong on our side"


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
    """One URL's progress: ``kind`` for software, ``text`` in English for people."""

    kind: Progress
    text: str
    finished: bool


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


def _images(count: int) -> str:
    return "1 image" if count == 1 else f"{count} images"


def item_progress(item: ReportItem, *, matching: int) -> ItemProgress:
    """The item's progress from its recorded state, reason and counts."""
    status = ItemStatus(item.status)
    why = REASON_TEXTS.get(item.reason or "", OTHER_REASON_TEXT)
    if status is ItemStatus.QUEUED:
        return ItemProgress(Progress.QUEUED, "Waiting to be checked.", False)
    if status is ItemStatus.FETCHING:
        return ItemProgress(Progress.CHECKING, "Being checked now.", False)
    if status is ItemStatus.RETRYING:
        text = f"Not checked yet because {why}; we will try again."
        return ItemProgress(Progress.RETRYING, text, False)
    if status is ItemStatus.FAILED:
        return ItemProgress(Progress.FAILED, f"Could not be checked because {why}.", True)
    if matching:
        text = f"Checked: {_images(matching)} matching yours found."
        return ItemProgress(Progress.FOUND, text, True)
    if item.images_hashed:
        text = f"Checked: nothing of yours found ({_images(item.images_hashed)} compared)."
        return ItemProgress(Progress.NOTHING_FOUND, text, True)
    if item.images_found:
        text = f"Checked: {_images(item.images_found)} found there, but none could be read."
        return ItemProgress(Progress.UNREADABLE, text, True)
    return ItemProgress(Progress.NO_IMAGES, "Checked: no images found at this address.", True)
