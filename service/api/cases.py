"""Victim endpoints: open a case, check it, add to it, withdraw it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status

from casework.credentials import format_case_id
from casework.runtime import Runtime
from casework.victims import cases
from casework.victims.timeline import case_timeline
from hashing.translations import translation
from service.api.schemas import (
    CaseOpened,
    CaseRecovered,
    CaseStatusOut,
    CaseWithdrawnOut,
    FingerprintsAdded,
    FingerprintsIn,
    RecoverIn,
    TimelineEventOut,
)
from service.api.sentences import ClientLocale
from service.deps import (
    CurrentCase,
    RuntimeDep,
    SessionDep,
    refuse_api_keys,
    spend_client_budget,
    verify_pin_attempt,
)
from service.errors import error_responses

# Victims act with their case ID and PIN only: a platform's key never opens or reads a case.
router = APIRouter(prefix="/v1", tags=["cases"], dependencies=[Depends(refuse_api_keys)])


@router.post(
    "/cases",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(403, 413, 422, 429, 503),
)
def open_case(
    request: Request, body: FingerprintsIn, session: SessionDep, runtime: RuntimeDep
) -> CaseOpened:
    """Open a case with fingerprints hashed on the victim's device; returns the PIN once."""
    spend_client_budget(
        request,
        runtime,
        bucket="case-open",
        per_minute=runtime.settings.cases_per_client_per_minute,
    )
    _spend_fingerprints(request, runtime, len(body.fingerprints))
    opened = cases.open_case(
        session,
        fingerprints=body.to_domain(),
        limits=runtime.limits,
        vault=runtime.vault,
        pins=runtime.pins,
    )
    return CaseOpened(
        case_id=format_case_id(opened.case.public_id),
        pin=opened.pin,
        recovery_codes=list(opened.recovery_codes),
        status=opened.case.status,
        added=opened.added,
        duplicates=opened.duplicates,
        photos_added=opened.photos_added,
    )


def _spend_fingerprints(request: Request, runtime: Runtime, count: int) -> None:
    # A flood of fingerprints from one client is how a hash list gets poisoned.
    spend_client_budget(
        request,
        runtime,
        bucket="fingerprints",
        per_minute=runtime.settings.fingerprints_per_client_per_minute,
        cost=count,
    )


@router.get("/case", responses=error_responses(401, 403, 429, 503))
def read_case(case: CurrentCase, session: SessionDep, locale: ClientLocale) -> CaseStatusOut:
    """The status of the case named by the credentials; its timeline in the Accept-Language."""
    summary = cases.case_status(session, case=case)
    language = translation(locale)
    return CaseStatusOut(
        case_id=format_case_id(summary.case_id),
        status=summary.status,
        created_at=summary.created_at,
        withdrawn_at=summary.withdrawn_at,
        fingerprints=summary.fingerprints_by_algorithm,
        photos=summary.photos.photos,
        ungrouped_fingerprints=summary.photos.ungrouped,
        recovery_codes_left=cases.recovery_codes_left(session, case=case),
        timeline=[
            TimelineEventOut(
                at=event.at,
                kind=event.kind,
                text=event.tell(language),
                params=event.params,
            )
            for event in case_timeline(session, case=case)
        ],
    )


@router.post("/case/recover", responses=error_responses(401, 403, 413, 422, 429, 503))
def recover_case(
    request: Request, body: RecoverIn, session: SessionDep, runtime: RuntimeDep
) -> CaseRecovered:
    """Set a new PIN with a one-time recovery code (a wrong code counts as a wrong PIN)."""
    case, pin = verify_pin_attempt(
        request,
        runtime,
        lambda: cases.recover_case(
            session,
            case_id=body.case_id,
            code=body.recovery_code,
            vault=runtime.vault,
            pins=runtime.pins,
            lockout=runtime.lockout,
        ),
    )
    return CaseRecovered(
        case_id=format_case_id(case.public_id),
        pin=pin,
        recovery_codes_left=cases.recovery_codes_left(session, case=case),
    )


@router.post("/case/fingerprints", responses=error_responses(401, 403, 409, 413, 422, 429, 503))
def add_fingerprints(
    request: Request,
    body: FingerprintsIn,
    case: CurrentCase,
    session: SessionDep,
    runtime: RuntimeDep,
) -> FingerprintsAdded:
    """Add fingerprints of more images to the case."""
    _spend_fingerprints(request, runtime, len(body.fingerprints))
    result = cases.add_fingerprints(
        session,
        case=case,
        fingerprints=body.to_domain(),
        limits=runtime.limits,
        vault=runtime.vault,
    )
    return FingerprintsAdded(
        added=result.added, duplicates=result.duplicates, photos_added=result.photos_added
    )


@router.post("/case/withdraw", responses=error_responses(401, 403, 429, 503))
def withdraw_case(case: CurrentCase, session: SessionDep) -> CaseWithdrawnOut:
    """Withdraw the case: its fingerprints are deleted and stop matching everywhere."""
    deleted = cases.withdraw_case(session, case=case)
    return CaseWithdrawnOut(
        case_id=format_case_id(case.public_id),
        status=case.status,
        photos_deleted=deleted.photos,
        videos_deleted=deleted.videos,
        ungrouped_deleted=deleted.ungrouped,
        fingerprints_deleted=deleted.fingerprints,
    )
