"""Victim endpoints for notifications: see, choose or turn off the channel news is told on."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from casework.models import Case
from casework.runtime import Runtime
from casework.victims import notifications
from service.api.schemas import NotificationsIn, NotificationsOut, NotificationsSet
from service.deps import CurrentCase, RuntimeDep, SessionDep, refuse_api_keys
from service.errors import error_responses

router = APIRouter(prefix="/v1/case", tags=["cases"], dependencies=[Depends(refuse_api_keys)])


def _out(session: SessionDep, case: Case, runtime: Runtime) -> NotificationsOut:
    channel = notifications.describe(session, case=case, vault=runtime.vault)
    return NotificationsOut(
        channel=channel.channel if channel else None,
        address=channel.address if channel else None,
        last_sent_at=channel.last_sent_at if channel else None,
        failing=channel.failing if channel else False,
        email_available=bool(runtime.settings.smtp_host),
    )


@router.get("/notifications", responses=error_responses(401, 403, 429, 503))
def read_notifications(
    case: CurrentCase, session: SessionDep, runtime: RuntimeDep
) -> NotificationsOut:
    """The case's notification channel (off by default)."""
    return _out(session, case, runtime)


@router.put("/notifications", responses=error_responses(401, 403, 413, 422, 429, 503))
def set_notifications(
    body: NotificationsIn, case: CurrentCase, session: SessionDep, runtime: RuntimeDep
) -> NotificationsSet:
    """Choose where news is told: only that there is news, never what it is."""
    chosen = notifications.subscribe(
        session,
        case=case,
        vault=runtime.vault,
        email=body.email,
        webhook=body.webhook,
        email_enabled=bool(runtime.settings.smtp_host),
    )
    return NotificationsSet(**_out(session, case, runtime).model_dump(), secret=chosen.secret)


@router.delete("/notifications", responses=error_responses(401, 403, 429, 503))
def stop_notifications(
    case: CurrentCase, session: SessionDep, runtime: RuntimeDep
) -> NotificationsOut:
    """Turn notifications off; the address is deleted."""
    notifications.unsubscribe(session, case=case)
    return _out(session, case, runtime)
