"""A folder's photos as the CLI sends them: what each one gives, in requests under a limit.

All of one photo's fingerprints travel in the same request, so a photo is either wholly in the
case or not at all, and the ledger (hashing/ledger.py) can list it once its request succeeded.
Each entry names its photo (``"photo"``, its 0-based position among the request's photos), so
the service counts the photo once however many crops it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hashing.algorithms import HashedFile
from hashing.translations import N_, gettext, ngettext

#: The per-request limits assumed until the service names its own (in a 413 answer).
DEFAULT_PER_REQUEST = 2500
DEFAULT_PHOTOS_PER_REQUEST = 100

#: What a photo gave, in the order summaries list them, with the words they use.
KINDS = {
    "protected": N_("protected"),
    "too_plain": N_("too plain to match (exact copies only)"),
    "unreadable": N_("not readable as images (exact copies only)"),
    "too_small": N_("too small to match (exact copies only)"),
    "too_large": N_("too large to read (exact copies only)"),
    "empty": N_("empty (nothing to send)"),
}
#: What a video gave, where its words differ from a photo's.
VIDEO_KINDS = {
    **KINDS,
    "unreadable": N_("not readable as videos (exact copies only)"),
    "too_large": N_("too long or too large to read (exact copies only)"),
}
_KIND_OF_REASON = {
    "too_large": "too_large",
    "too_small": "too_small",
    "unsupported_format": "unreadable",
    "decode_error": "unreadable",
}


@dataclass(frozen=True)
class Photo:
    """One file's wire fingerprints, what they protect, and its ledger digest."""

    name: str
    digest: str
    entries: tuple[dict[str, Any], ...]
    kind: str
    #: A video's vPDQ text, sent on its own once the case holds the file's digests, and its
    #: centre crops' texts, sent with it.
    video: str | None = None
    video_crops: tuple[str, ...] = ()
    #: Whether the file is a video (``video`` is None when it could not be fingerprinted).
    is_video: bool = False


def kind_of(hashed: HashedFile) -> str:
    """Which KINDS entry a hashed file falls under."""
    if any(fp.algorithm.perceptual for fp in (*hashed.fingerprints, *hashed.variants)):
        return "protected"
    if not hashed.fingerprints:
        return "empty"
    reasons = [r.reason for r in hashed.refused if r.algorithm.perceptual]
    return next((_KIND_OF_REASON[r] for r in reasons if r in _KIND_OF_REASON), "too_plain")


def summary(photos: Sequence[Photo]) -> str:
    """``3 photos: 2 protected, 1 too plain to match (exact copies only); 1 video: 1 protected``
    (either part left out when there are none of it, photos shown when there is nothing)."""
    images = [photo for photo in photos if not photo.is_video]
    videos = [photo for photo in photos if photo.is_video]
    parts = []
    if images or not videos:
        total = ngettext("{count} photo", "{count} photos", len(images)).format(count=len(images))
        parts.append(_told(total, images, KINDS))
    if videos:
        total = ngettext("{count} video", "{count} videos", len(videos)).format(count=len(videos))
        parts.append(_told(total, videos, VIDEO_KINDS))
    return "; ".join(parts)


def _told(total: str, photos: Sequence[Photo], kinds: dict[str, str]) -> str:
    counts = {kind: sum(p.kind == kind for p in photos) for kind in kinds}
    parts = [f"{count} {gettext(kinds[kind])}" for kind, count in counts.items() if count]
    return f"{total}: {', '.join(parts)}" if parts else total


def counted(photos: Sequence[Photo]) -> str:
    """``2 photos``, ``1 video``, or ``2 photos and 1 video``."""
    videos = sum(photo.is_video for photo in photos)
    images = len(photos) - videos
    told_images = ngettext("{count} photo", "{count} photos", images).format(count=images)
    told_videos = ngettext("{count} video", "{count} videos", videos).format(count=videos)
    if not videos:
        return told_images
    if not images:
        return told_videos
    return gettext("{photos} and {videos}").format(photos=told_images, videos=told_videos)


class PhotoTooLarge(Exception):
    """One photo has more fingerprints than a request may carry."""


def next_batch(
    photos: Sequence[Photo],
    per_request: int,
    seen: set[str],
    photos_per_request: int = DEFAULT_PHOTOS_PER_REQUEST,
) -> tuple[list[Photo], list[dict[str, Any]]]:
    """The photos that start ``photos`` and fit one request, and the entries to send for them,
    each naming its photo's position in the request.

    Entries already in ``seen`` (sent earlier in this run, as an identical copy of a photo) are
    left out and not counted; the chosen photos' entries are added to it by the caller. A photo
    left with crop fingerprints only is a copy of one already sent and sends nothing.
    """
    chosen: list[Photo] = []
    entries: list[dict[str, Any]] = []
    keys: set[str] = set()
    numbered = 0
    for photo in photos:
        fresh = [e for e in photo.entries if (key := _key(e)) not in seen and key not in keys]
        if all(e.get("derived") for e in fresh):
            fresh = []
        if len(fresh) > per_request:
            raise PhotoTooLarge(
                f"{photo.name}: {len(fresh)} fingerprints, more than the {per_request} one "
                "request may carry"
            )
        full = len(entries) + len(fresh) > per_request or (
            bool(fresh) and numbered >= photos_per_request
        )
        if chosen and full:
            break
        chosen.append(photo)
        if fresh:
            entries += [{**entry, "photo": numbered} for entry in fresh]
            numbered += 1
        keys.update(_key(e) for e in fresh)
    return chosen, entries


def entry_keys(entries: Sequence[dict[str, Any]]) -> set[str]:
    """The identities of wire entries (algorithm and value), to skip repeats."""
    return {_key(e) for e in entries}


def _key(entry: dict[str, Any]) -> str:
    return f"{entry['algorithm']}:{entry['value']}"
