"""Platform endpoints: check uploads, follow the feed, export for threatexchange, report outcomes.

Every route takes a platform key with its own scope (check, feed or outcomes) and spends the
key's request budget. Checks are ``async``: the index lives in memory, so a batch without a hit
is answered on the event loop, and only hits (which store a match token) go to a thread. A check
key this process verified before is not read from the database again (service/verified_keys.py):
a check without a hit makes one Redis call (both budgets and the revocation generation) and no
database round trip.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from casework.bank import videos
from casework.bank.bank import BankHit
from casework.errors import CaseworkError, NotFound, UploadAsForm
from casework.notices import outcomes
from casework.platforms import checks, feed, video_checks
from casework.platforms.platforms import algorithms_of
from casework.runtime import Runtime
from hashing.fingerprint import Algorithm
from hashing.videos import VideoFingerprint
from service.api.platform_schemas import (
    PLATFORM_ERRORS,
    CheckIn,
    CheckOut,
    CheckResult,
    FeedEntryOut,
    FeedOut,
    ImageCheckOut,
    OutcomeOut,
    OutcomesIn,
    OutcomesOut,
    VideoResult,
)
from service.deps import (
    CheckingPlatform,
    FeedPlatform,
    MetricsDep,
    QueueDep,
    ReportingPlatform,
    RuntimeDep,
    SessionDep,
    UploadHasherDep,
    app_metrics,
    run_in_transaction,
)
from service.errors import error_responses
from service.verified_keys import CheckCaller
from workers.queues import request_removal_check

router = APIRouter(prefix="/v1", tags=["platforms"])

CHECK_IMAGE_PATH = "/v1/check/image"
#: Batches up to this size are looked up on the event loop (well under a millisecond each).
LOOKUP_ON_LOOP_MAX = 16
#: A form's parts are not the file: hashing one would answer "unusable" for the wrong reason.
FORM_MEDIA_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
#: Sensitive lists must not sit in shared caches.
NO_STORE = {"Cache-Control": "no-store"}
IMAGE_CHECK_ERRORS = {
    **PLATFORM_ERRORS,
    422: "image_too_large: decoding and hashing the image needs more memory than an upload may "
    "use (TAKEDOWN_CHECK_IMAGE_MEMORY_MB); nothing was checked",
    503: "busy: every hashing process is taken and the queue is full (Retry-After), or the "
    "service is not ready",
}


@router.post(
    "/check", responses=error_responses(401, 403, 404, 413, 422, 429, 503, meanings=PLATFORM_ERRORS)
)
async def check(body: CheckIn, key: CheckingPlatform, request: Request) -> CheckOut:
    """Check up to 1,000 fingerprints of uploads, and up to 16 videos, against the bank.

    Each fingerprint is answered match, no_match or unusable (a hash of nearly blank or flat
    content, which would match unrelated images). A PDQ with a quality below 50 is matched only
    within 20 bits, as our worker matches such hashes of what it finds. A match carries its
    distance, an opaque match token and its bank's policy (act, or review: send it to a person);
    nothing about the case or the victim, and the bank's name only to keys allowed to see it.
    Send the hashes of every variant you want considered (flips, rotations, trimmed borders):
    each is answered on its own. Each video (its vPDQ fingerprint: frame hashes with
    timestamps) is answered in ``videos`` as /v1/check/video answers it, and costs one check
    per 60 frames.
    """
    try:
        queries = (
            checks.vet_queries([item.to_domain() for item in body.fingerprints])
            if body.fingerprints
            else []
        )
        uploads = video_checks.vet_videos([video.vpdq for video in body.videos])
    except CaseworkError:
        # A refused batch still costs its request.
        await key.admit(0)
        raise
    caller = await key.admit(len(queries) + video_checks.checks_cost(uploads))
    # From the key and the app rather than as dependencies: each dependency FastAPI solves
    # costs this route, the one platforms call on every upload, a share of its time.
    runtime, metrics = key.runtime, app_metrics(request)
    # A few fingerprints (one upload) are looked up here on the loop, with no thread hop; a big
    # batch costs tens of milliseconds of CPU, which would stall every other request.
    if len(queries) <= LOOKUP_ON_LOOP_MAX:
        hits = checks.look_up(runtime.bank, queries)
    else:
        hits = await run_in_threadpool(checks.look_up, runtime.bank, queries)
    answers = await _answers(runtime, caller, queries, hits)
    metrics.observe_checks(answers)
    seen = (
        await run_in_threadpool(video_answers, runtime, [[video] for video in uploads])
        if uploads
        else []
    )
    sees = caller.sees_banks
    return CheckOut(
        results=[CheckResult.of(i, answer, sees_banks=sees) for i, answer in enumerate(answers)],
        videos=[VideoResult.of(i, answer) for i, answer in enumerate(seen)],
        photos_matched=checks.photos_matched(answers),
    )


def video_answers(
    runtime: Runtime, uploads: list[list[VideoFingerprint]]
) -> list[video_checks.VideoAnswer]:
    """Each upload's answer from the video index, brought up to date first (on a thread)."""
    with runtime.sessions() as session:
        return video_checks.answer_videos(session, bank=runtime.videos, uploads=uploads)


@router.post(
    "/check/image",
    responses=error_responses(401, 403, 404, 413, 415, 422, 429, 503, meanings=IMAGE_CHECK_ERRORS),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file's bytes as the body (not multipart).",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def check_image(
    request: Request,
    key: CheckingPlatform,
    runtime: RuntimeDep,
    metrics: MetricsDep,
    hasher: UploadHasherDep,
) -> ImageCheckOut:
    """Check an uploaded file: it is hashed in memory, answered like /v1/check, and discarded.

    The body is the file itself. Multipart is not accepted because the multipart parser spools
    large parts to a temporary file, and an upload must never touch the disk. Images get MD5,
    SHA-256, and PDQ and pHash in all 8 flips and rotations and with flat borders trimmed; other
    files get MD5 and SHA-256 only. The answer is the closest match. Uploads are hashed by a
    few processes with a memory limit each; when they and their queue are full the answer is
    503 with Retry-After, and an image that needs more memory than the limit is refused (422).
    """
    caller = await admit_upload(request, key)
    with hasher.admission():
        data = await request.body()
        queries, unusable = await hasher.hash(data)
        del data
    hits = await run_in_threadpool(checks.look_up, runtime.bank, queries)
    # Hashing took its time holding no transaction; only storing match tokens takes one.
    answers = await _answers(runtime, caller, queries, hits, one_upload=True)
    # An upload is one check, whatever number of flips and crops of it were looked up.
    best = checks.best_answer(answers, unusable)
    metrics.observe_checks([best])
    return ImageCheckOut.of(
        best, sees_banks=caller.sees_banks, photos_matched=checks.photos_matched(answers)
    )


async def _answers(
    runtime: Runtime,
    caller: CheckCaller,
    queries: list[checks.Query],
    hits: list[list[BankHit]],
    *,
    one_upload: bool = False,
) -> list[checks.Answer]:
    """Misses are answered here with no session; hits in a short transaction on a thread."""
    if not any(hits):
        return checks.answer_misses(queries)
    answer = partial(
        checks.answer_hits,
        vault=runtime.vault,
        platform_id=caller.platform_id,
        queries=queries,
        hits=hits,
        one_upload=one_upload,
    )
    return await run_in_threadpool(run_in_transaction, runtime, answer)


async def admit_upload(request: Request, key: CheckingPlatform, checks: int = 1) -> CheckCaller:
    """Refuse an upload sent as a form (spending the request), else spend its checks."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in FORM_MEDIA_TYPES:
        await key.admit(0)
        raise UploadAsForm
    return await key.admit(checks)


@router.get(
    "/feed", responses=error_responses(401, 403, 404, 422, 429, 503, meanings=PLATFORM_ERRORS)
)
def read_feed(
    caller: FeedPlatform,
    session: SessionDep,
    runtime: RuntimeDep,
    cursor: Annotated[str | None, Query(pattern=feed.CURSOR_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=feed.MAX_FEED_PAGE)] = feed.MAX_FEED_PAGE,
) -> FeedOut:
    """Bank changes after ``cursor``: additions with their values, removals as tombstones.

    Start without a cursor, keep the returned one, and ask again with it (while ``more`` is
    true, at once; then every minute or when a feed.changed webhook arrives). Removing an entry
    by its id as soon as its tombstone arrives is part of the agreement to receive the feed.
    """
    page = feed.read_feed(
        session,
        vault=runtime.vault,
        platform_id=caller.platform.id,
        algorithms=algorithms_of(caller.platform),
        cursor=cursor,
        limit=limit,
    )
    result = FeedOut(
        entries=[FeedEntryOut.of(entry) for entry in page.entries],
        cursor=page.cursor,
        more=page.more,
    )
    return result


@router.get(
    "/feed/threatexchange",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        **error_responses(401, 403, 404, 429, 503, meanings=PLATFORM_ERRORS),
    },
)
def export_threatexchange(caller: FeedPlatform, runtime: RuntimeDep) -> StreamingResponse:
    """The bank as a ``<signal type> <hash>`` file for threatexchange's local_file exchange.

    pdq lines, and a vpdq line per banked video: threatexchange's MD5 and SHA-256 types are for
    videos, and it has no pHash type. The format cannot express removals: after a withdrawal,
    re-download the file and run ``threatexchange fetch --clear`` (a plain fetch keeps removed
    hashes), or use the takedown_feed exchange, which follows /v1/feed, withdrawals included
    (docs/platforms.md).
    """
    algorithms = algorithms_of(caller.platform)
    return StreamingResponse(
        _export_lines(runtime, algorithms),
        media_type="text/plain; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": 'attachment; filename="takedown.txt"'},
    )


def _export_lines(runtime: Runtime, algorithms: list[Algorithm]) -> Iterator[str]:
    # The request's session is closed once the route returns; the stream reads with its own.
    with runtime.sessions() as session:
        yield from feed.threatexchange_lines(session, vault=runtime.vault, algorithms=algorithms)
        yield from videos.threatexchange_lines(session, vault=runtime.vault)


@router.post(
    "/outcomes",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 413, 422, 429, 503, meanings=PLATFORM_ERRORS),
)
def report_outcomes(
    body: OutcomesIn,
    caller: ReportingPlatform,
    session: SessionDep,
    runtime: RuntimeDep,
    redis: QueueDep,
    background: BackgroundTasks,
) -> OutcomesOut:
    """Report what you did: removed, not_violating or not_found, for a match token or a notice.

    A notice is named by the reference printed on it, and only a notice that names content on
    your domains can be answered. removed and not_found mark it acknowledged and have its URLs
    checked at once (it is marked removed when the check finds them gone); not_violating marks
    it refused. not_violating with reason not_intimate_imagery, from enough distinct platforms,
    quarantines the fingerprint: it stops matching until a caseworker reviews it.
    """
    recorded = outcomes.record_outcomes(
        session,
        platform_id=caller.platform.id,
        outcomes=[item.to_domain() for item in body.outcomes],
        quarantine_threshold=runtime.settings.quarantine_platforms,
    )
    for takedown_id in recorded.recheck:
        # After the commit, so the worker sees the answer it checks.
        background.add_task(request_removal_check, redis, takedown_id=takedown_id)
    return OutcomesOut(outcomes=[OutcomeOut.of(row) for row in recorded.outcomes])


@router.get(
    "/outcomes",
    responses=error_responses(401, 403, 404, 422, 429, 503, meanings=PLATFORM_ERRORS),
)
def list_outcomes(
    caller: ReportingPlatform,
    session: SessionDep,
    after: Annotated[
        str | None, Query(pattern=outcomes.OUTCOME_ID_PATTERN, description="an outcome id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> OutcomesOut:
    """Your own outcomes, oldest first, after the outcome named by ``after``."""
    position = 0
    if after:
        found = outcomes.position_of_outcome(
            session, platform_id=caller.platform.id, public_id=after
        )
        if found is None:
            raise NotFound("after names none of your outcomes")
        position = found
    rows = outcomes.list_outcomes(
        session, platform_id=caller.platform.id, after=position, limit=limit
    )
    return OutcomesOut(outcomes=[OutcomeOut.of(row) for row in rows])
