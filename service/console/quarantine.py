"""Quarantine review: fingerprints platforms called not intimate imagery, released or removed."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from casework.bank import quarantine
from casework.credentials import format_case_id
from hashing.translations import N_
from service.console.pages import go, show
from service.console.sessions import CheckedForm, CurrentDesk, VisitDep
from service.console.takedowns import OUTCOME_LABELS, REASON_LABELS
from service.deps import SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)

STATE_LABELS = {
    "held": N_("Awaiting review"),
    "released": N_("Released: back in the bank"),
    "removed": N_("Removal confirmed"),
}


@router.get("/quarantine")
def quarantine_list(visit: VisitDep, desk: CurrentDesk, session: SessionDep) -> Response:
    """Quarantined fingerprints of the organisation's cases awaiting review, then decided ones."""
    return show(
        visit,
        "quarantine.html",
        desk=desk,
        held=quarantine.list_reviews(session, desk=desk),
        decided=quarantine.list_reviews(session, desk=desk, decided=True),
        case_label=format_case_id,
        states=STATE_LABELS,
        outcome_labels=OUTCOME_LABELS,
        reason_labels=REASON_LABELS,
    )


@router.post("/quarantine/{quarantine_id}/release")
def release(
    quarantine_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
) -> Response:
    """The fingerprint is the victim's image after all: back into the bank and the feed."""
    found = quarantine.require_quarantine(session, desk=desk, quarantine_id=quarantine_id)
    quarantine.release_quarantine(session, quarantine_id=found, actor=desk.actor)
    return go(visit, "/console/quarantine")


@router.post("/quarantine/{quarantine_id}/remove")
def confirm_removal(
    quarantine_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
) -> Response:
    """The fingerprint is not of an intimate image: it stays out of the bank."""
    found = quarantine.require_quarantine(session, desk=desk, quarantine_id=quarantine_id)
    quarantine.confirm_removal(session, quarantine_id=found, actor=desk.actor)
    return go(visit, "/console/quarantine")
