"""What a re-fetch of a URL a notice named shows, and the evidence row it leaves.

The worker fetches and hashes; removal and watches decide what a fetch proves. Evidence
rows keep status, a few headers, the distance and sealed digests of what was found, and for a
video the share of its frames that match and their time ranges: never a fetched byte.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework import audit
from casework.bank.videos import VideoHit
from casework.notices.models import CheckOutcome, TakedownCheck
from casework.reports.reports import FoundMatch
from casework.reports.videos import format_ranges
from casework.vault import Vault
from hashing.fingerprint import Fingerprint

#: Answers that say the content is gone for good, not that the host is struggling.
GONE_STATUSES = frozenset({404, 410})

#: Response headers worth keeping as evidence: they date and identify what answered, and none
#: of them carries content.
EVIDENCE_HEADERS = (
    "content-type",
    "content-length",
    "date",
    "last-modified",
    "etag",
    "server",
    "location",
    "cache-control",
    "age",
    "x-cache",
    "cf-ray",
)

SYSTEM = audit.Actor(audit.ActorType.SYSTEM)

#: A found video's URL and its hits on the case's banked videos.
FoundVideoHits = tuple[str, tuple[VideoHit, ...]]


class Purpose:
    """Why a URL was checked."""

    REMOVAL = "removal"
    WATCH = "watch"


@dataclass
class Probe:
    """What one fetch of a URL showed, hashed in memory; no byte of the body survives in it."""

    url: str
    http_status: int | None
    outcome: CheckOutcome
    reason: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    images_seen: int = 0
    #: The closest match of the case found at the URL, and the SHA-256 of that image.
    match: FoundMatch | None = None
    sha256: Fingerprint | None = None
    #: Every match of the case for that same image (each algorithm), for a review item that
    #: shows what matched rather than only the closest digest.
    image_matches: tuple[FoundMatch, ...] = ()
    #: Videos found at the URL that match the case's videos, with their hits.
    videos: tuple[FoundVideoHits, ...] = ()
    #: Videos fingerprinted at the URL, matching or not.
    videos_seen: int = 0

    def best_video(self) -> tuple[str, VideoHit] | None:
        """The found video and hit with the largest share of its frames matching the case."""
        hits = [(url, hit) for url, video_hits in self.videos for hit in video_hits]
        return max(hits, key=lambda entry: entry[1].query_percent, default=None)


def selected_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The evidence headers present, lowercased and capped in length."""
    lowered = {name.lower(): value for name, value in headers.items()}
    return {name: lowered[name][:500] for name in EVIDENCE_HEADERS if name in lowered}


def judge(
    *,
    url: str,
    http_status: int,
    headers: Mapping[str, str],
    images_seen: int,
    found: Sequence[tuple[list[FoundMatch], Fingerprint | None]],
    case_id: int,
    videos: Sequence[FoundVideoHits] = (),
    videos_seen: int = 0,
) -> Probe:
    """A successful fetch: still there if any image or video found there matches the case
    (``videos``: the found videos' hits on the case's videos, of ``videos_seen`` videos
    fingerprinted there), gone otherwise."""
    best: tuple[FoundMatch, Fingerprint | None] | None = None
    for matches, sha256 in found:
        for match in matches:
            if match.case_id != case_id:
                continue
            if best is None or match.distance < best[0].distance:
                best = (match, sha256)
    if best is None and videos:
        return Probe(
            url=url,
            http_status=http_status,
            outcome=CheckOutcome.STILL_THERE,
            reason="matching_video",
            headers=selected_headers(headers),
            images_seen=images_seen,
            videos=tuple(videos),
            videos_seen=videos_seen,
        )
    if best is None:
        return Probe(
            url=url,
            http_status=http_status,
            outcome=CheckOutcome.GONE,
            reason="no_matching_video" if videos_seen == images_seen > 0 else "no_matching_image",
            headers=selected_headers(headers),
            images_seen=images_seen,
            videos_seen=videos_seen,
        )
    same_image = tuple(
        match
        for matches, _ in found
        for match in matches
        if match.case_id == case_id and match.image_url == best[0].image_url
    )
    return Probe(
        url=url,
        http_status=http_status,
        outcome=CheckOutcome.STILL_THERE,
        headers=selected_headers(headers),
        images_seen=images_seen,
        match=best[0],
        sha256=best[1],
        image_matches=same_image,
        videos=tuple(videos),
        videos_seen=videos_seen,
    )


def failed(*, url: str, reason: str, http_status: int | None) -> Probe:
    """A fetch that gave no content: gone on 404/410, an error (proving nothing) otherwise."""
    if http_status in GONE_STATUSES:
        return Probe(url=url, http_status=http_status, outcome=CheckOutcome.GONE, reason=reason)
    return Probe(url=url, http_status=http_status, outcome=CheckOutcome.ERROR, reason=reason)


def evidence_row(
    probe: Probe,
    *,
    case_id: int,
    takedown_id: int | None,
    purpose: str,
    vault: Vault,
    now: datetime,
) -> TakedownCheck:
    """The evidence of one probe: what answered, and what of the case was found there."""
    video = probe.best_video()
    return TakedownCheck(
        takedown_id=takedown_id,
        case_id=case_id,
        purpose=purpose,
        url=probe.url[:2048],
        checked_at=now,
        http_status=probe.http_status,
        outcome=probe.outcome,
        reason=probe.reason,
        headers_json=json.dumps(probe.headers, sort_keys=True),
        images_seen=probe.images_seen,
        algorithm=probe.match.found.algorithm.value if probe.match else None,
        distance=probe.match.distance if probe.match else None,
        found_sealed=vault.seal(probe.match.found) if probe.match else None,
        sha256_sealed=vault.seal(probe.sha256) if probe.sha256 else None,
        videos_seen=probe.videos_seen,
        video_url=video[0][:2048] if video else None,
        video_percent=round(video[1].query_percent, 1) if video else None,
        video_ranges=format_ranges(video[1].query_ranges) if video else None,
    )


def checks_of_takedown(session: Session, *, takedown_id: int) -> list[TakedownCheck]:
    """A notice's evidence rows (removal and watch checks), oldest first."""
    return list(
        session.scalars(
            select(TakedownCheck)
            .where(TakedownCheck.takedown_id == takedown_id)
            .order_by(TakedownCheck.checked_at, TakedownCheck.id)
        )
    )


def checks_of_case(session: Session, *, case_id: int) -> list[TakedownCheck]:
    """Every evidence row of a case, oldest first."""
    return list(
        session.scalars(
            select(TakedownCheck)
            .where(TakedownCheck.case_id == case_id)
            .order_by(TakedownCheck.checked_at, TakedownCheck.id)
        )
    )
