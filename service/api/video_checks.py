"""Platforms check videos: a vPDQ fingerprint, or the video file hashed in memory and discarded.

Matching is vPDQ's (casework/bank/videos.py); the answer never says which case matched.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from casework.bank.videos import vet_video
from casework.errors import Unavailable
from casework.runtime import Runtime
from hashing.videos import VideoFingerprint
from service.api.platforms import admit_upload
from service.api.video_schemas import VideoCheckOut, VideoIn
from service.deps import CheckingPlatform, RuntimeDep, UploadHasherDep
from service.errors import error_responses

CHECK_VIDEO_PATH = "/v1/check/video"
CHECK_VIDEO_FILE_PATH = "/v1/check/video/file"
#: A check's cost in the platform's check budget: one per this many frames (a minute of video).
FRAMES_PER_CHECK = 60

platforms = APIRouter(prefix="/v1", tags=["platforms"])


@platforms.post("/check/video", responses=error_responses(401, 403, 404, 413, 422, 429, 503))
async def check_video(body: VideoIn, key: CheckingPlatform, runtime: RuntimeDep) -> VideoCheckOut:
    """Check one video's vPDQ fingerprint (frame hashes with timestamps) against the bank.

    Matching is vPDQ's: a frame matches within 31 bits, frames under quality 50 and repeated
    hashes are left out, and the video matches a banked one when at least 80 % of its frames do.
    A match gives that share and the time ranges of the checked video that matched; a miss
    gives nothing more, so a prober learns nothing about which edits get away.
    """
    video = vet_video(body.vpdq)
    await key.admit(max(1, len(video.frames) // FRAMES_PER_CHECK))
    return await run_in_threadpool(_check, runtime, video)


@platforms.post(
    "/check/video/file",
    responses=error_responses(401, 403, 404, 413, 415, 422, 429, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The video file's bytes as the body (not multipart).",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def check_video_file(
    request: Request, key: CheckingPlatform, runtime: RuntimeDep, hasher: UploadHasherDep
) -> VideoCheckOut:
    """Check an uploaded video: fingerprinted in memory with vPDQ, as it is and mirrored, under
    the worker's caps (64 MiB, 1920x1088, an hour), answered like /v1/check/video, discarded.

    A file that is not a readable video is answered unusable with the reason. Hashing runs in
    the same limited processes as /v1/check/image (503 when they are all taken).
    """
    await admit_upload(request, key)
    with hasher.admission():
        data = await request.body()
        fingerprints, unusable = await hasher.hash_video(data)
        del data
    if not fingerprints:
        return VideoCheckOut(verdict="unusable", reason=unusable)
    return await run_in_threadpool(_check, runtime, *fingerprints)


def _check(runtime: Runtime, *videos: VideoFingerprint) -> VideoCheckOut:
    with runtime.sessions() as session:
        runtime.videos.refresh(session)
    if not runtime.videos.loaded:
        raise Unavailable("the video index is still loading; retry shortly")
    hits = runtime.videos.match_any(videos)
    if not hits:
        return VideoCheckOut(verdict="no_match")
    best = hits[0]
    return VideoCheckOut(
        verdict="match",
        matched_percent=round(best.query_percent, 1),
        ranges=[[start, end] for start, end in best.query_ranges],
    )
