"""What a URL serves, as fingerprints: fetch it safely and hash each image in memory.

A report and a follow-up check (removal, re-upload watch) collect through the same function, so
a URL counts as still serving an image exactly when a fresh report of it would have matched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hashing.algorithms import hash_query_image, md5_of, sha256_of
from hashing.fastpath import decode_query_frames
from hashing.fingerprint import Fingerprint
from hashing.images import ImageRejected
from hashing.videos import (
    FOUND_VIDEO_LIMITS,
    VideoFingerprint,
    VideoRejected,
    hash_query_video,
)
from workers.context import WorkerContext
from workers.fetcher import Fetched, Fetcher, FetchFailed, MediaType
from workers.pages import extract_image_urls, extract_video_urls

logger = logging.getLogger(__name__)

REPORT_DEADLINE_SECONDS = 120
MAX_IMAGES_PER_PAGE = 50


MAX_VIDEOS_PER_PAGE = 3


@dataclass
class FoundImage:
    """Fingerprints of one image (or video) found at a URL; its bytes are gone once this exists.

    For a video, ``fingerprints`` are its digests and ``videos`` its vPDQ fingerprint as found
    and mirrored (empty when it could not be decoded; the digests still match exact copies).
    """

    url: str
    fingerprints: list[Fingerprint]
    videos: tuple[VideoFingerprint, ...] = ()
    #: PDQ hashes under hashing.algorithms.PDQ_QUALITY_MIN, matched only within the bank's
    #: FAINT_PDQ_RADIUS_BITS.
    faint: list[Fingerprint] = field(default_factory=list)


def collect_images(
    context: WorkerContext, url: str, *, landed: Callable[[Fetched], None] | None = None
) -> tuple[list[FoundImage], int]:
    """Fetch the URL and, for a page, its images; hash each in memory.

    `landed` sees the URL's own response first: removal checks keep its status and headers.
    """
    deadline = time.monotonic() + REPORT_DEADLINE_SECONDS
    with Fetcher(context.policy, context.resolver) as fetcher:
        fetched = fetcher.fetch(url, kind="any")
        if landed is not None:
            landed(fetched)
        if fetched.media_type is MediaType.VIDEO:
            return [hash_found_video(fetched.final_url, fetched.body)], 1
        if fetched.media_type is not MediaType.HTML:
            return [hash_image(fetched.final_url, fetched.body)], 1
        candidates = extract_image_urls(fetched.body, fetched.final_url, MAX_IMAGES_PER_PAGE)
        video_urls = extract_video_urls(fetched.body, fetched.final_url, MAX_VIDEOS_PER_PAGE)
        del fetched
        found: list[FoundImage] = []
        for image_url in candidates:
            if time.monotonic() > deadline:
                logger.info("report deadline reached after %d images", len(found))
                break
            try:
                found.append(hash_image(image_url, fetcher.fetch(image_url, kind="image").body))
            except (FetchFailed, ImageRejected) as failure:
                logger.debug("page image skipped: %s", failure.reason)
        for video_url in video_urls:
            if time.monotonic() > deadline:
                break
            try:
                found.append(
                    hash_found_video(video_url, fetcher.fetch(video_url, kind="video").body)
                )
            except FetchFailed as failure:
                logger.debug("page video skipped: %s", failure.reason)
        return found, len(candidates) + len(video_urls)


def hash_found_video(url: str, body: bytes) -> FoundImage:
    """A found video's digests and vPDQ fingerprints (as found and mirrored), from memory.

    A video that does not decode within the worker's caps keeps its digests only.
    """
    fingerprints = [md5_of(body), sha256_of(body)]
    try:
        videos = hash_query_video(body, limits=FOUND_VIDEO_LIMITS)
    except VideoRejected as rejected:
        logger.debug("found video not fingerprinted: %s", rejected.reason)
        return FoundImage(url=url, fingerprints=fingerprints)
    except MemoryError:
        logger.debug("found video not fingerprinted: out of memory")
        return FoundImage(url=url, fingerprints=fingerprints)
    return FoundImage(url=url, fingerprints=fingerprints, videos=videos)


def hash_image(url: str, body: bytes) -> FoundImage:
    """Every query hash of one image body, or ImageRejected if it does not decode safely.

    An image within the pixel caps can still need more memory than the work horse may take
    (MatchingWorker's limit); that MemoryError is this image's rejection, not the job's crash.
    """
    fingerprints = [md5_of(body), sha256_of(body)]
    faint: list[Fingerprint] = []
    try:
        for frame in decode_query_frames(body):
            hashes = hash_query_image(frame)
            fingerprints.extend(hashes.fingerprints)
            faint.extend(hashes.faint)
    except MemoryError:
        raise ImageRejected(
            "too_large", "decoding and hashing this image needs more memory than a job may use"
        ) from None
    return FoundImage(url=url, fingerprints=fingerprints, faint=faint)
