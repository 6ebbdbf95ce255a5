"""Platforms check videos: a vPDQ fingerprint, or the video file hashed in memory and discarded.

Matching and budgets are /v1/check's for its videos (casework/platforms/video_checks.py); the
answer never says which case matched.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from casework.bank.videos import vet_video
from casework.platforms.video_checks import checks_cost
from service.api.platforms import admit_upload, video_answers
from service.api.video_schemas import VideoCheckOut, VideoIn
from service.deps import CheckingPlatform, RuntimeDep, UploadHasherDep
from service.errors import error_responses

CHECK_VIDEO_PATH = "/v1/check/video"
CHECK_VIDEO_FILE_PATH = "/v1/check/video/file"

platforms = APIRouter(prefix="/v1", tags=["platforms"])


@platforms.post("/check/video", responses=error_responses(401, 403, 404, 413, 422, 429, 503))
async def check_video(body: VideoIn, key: CheckingPlatform, runtime: RuntimeDep) -> VideoCheckOut:
    """Check one video's vPDQ fingerprint (frame hashes with timestamps) against the bank.

    Matching is vPDQ's at a wider frame radius: a frame matches within 48 bits of a banked
    video's frame or of its crops', frames under quality 50 and repeated hashes are left out,
    and the video matches a banked one when at least 80 % of its frames do.
    A match gives that share and the time ranges of the checked video that matched; a miss
    gives nothing more, so a prober learns nothing about which edits get away.
    """
    video = vet_video(body.vpdq)
    await key.admit(checks_cost([video]))
    (answer,) = await run_in_threadpool(video_answers, runtime, [[video]])
    return VideoCheckOut.of(answer)


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
    (answer,) = await run_in_threadpool(video_answers, runtime, [list(fingerprints)])
    return VideoCheckOut.of(answer)
