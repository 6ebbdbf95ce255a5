"""Videos on the victim's side: a case banks a video's vPDQ fingerprint.

Videos are fingerprinted on the victim's device; only the frame hashes, their qualities and
timestamps travel, as python-threatexchange's VPDQSignal text. Platforms check videos through
service/api/video_checks.py.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status

from casework.bank.videos import add_video
from service.api.video_schemas import CaseVideoIn, VideoAdded
from service.deps import (
    CurrentCase,
    RuntimeDep,
    SessionDep,
    refuse_api_keys,
    spend_client_budget,
)
from service.errors import error_responses

CASE_VIDEOS_PATH = "/v1/case/videos"

victims = APIRouter(prefix="/v1", tags=["cases"], dependencies=[Depends(refuse_api_keys)])


@victims.post(
    "/case/videos",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 409, 413, 422, 429, 503),
)
def add_case_video(
    request: Request,
    body: CaseVideoIn,
    case: CurrentCase,
    session: SessionDep,
    runtime: RuntimeDep,
) -> VideoAdded:
    """Bank one video's vPDQ fingerprint, and its centre crops', computed on the victim's
    device, in the case; a case that already holds the video answers ``added: false``."""
    spend_client_budget(
        request,
        runtime,
        bucket="fingerprints",
        per_minute=runtime.settings.fingerprints_per_client_per_minute,
    )
    added = add_video(
        session,
        case=case,
        text=body.vpdq,
        crops=body.crops,
        vault=runtime.vault,
        file_sha256=body.sha256,
    )
    return VideoAdded(added=added)
