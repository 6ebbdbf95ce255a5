"""Takedown notices: list with deadlines, view and edit, approve, export, track, follow up."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, BackgroundTasks
from fastapi.responses import Response
from sqlalchemy.orm import Session

from casework.bank.quarantine import NOT_INTIMATE_IMAGERY
from casework.credentials import format_case_id
from casework.db import utcnow
from casework.errors import InvalidInput
from casework.models import Caseworker, OutcomeKind, Takedown, TakedownStatus
from casework.notices import lifecycle, outcomes, rechecks, removal, takedowns
from casework.notices.notices import (
    notice_address,
    notice_fields,
    render_letter,
    to_eml,
    to_pdf,
    to_text,
)
from casework.notices.regimes import FIELDS, SPECS, Regime, spec
from hashing.translations import N_
from service.console.pages import go, show
from service.console.sessions import CheckedForm, CurrentDesk, VisitDep, text
from service.deps import QueueDep, RuntimeDep, SessionDep
from workers.queues import request_removal_check, schedule_removal_checks

router = APIRouter(prefix="/console", include_in_schema=False)

STATUS_LABELS = {
    TakedownStatus.DRAFT: N_("Draft"),
    TakedownStatus.APPROVED: N_("Approved"),
    TakedownStatus.SENT: N_("Sent"),
    TakedownStatus.ACKNOWLEDGED: N_("Acknowledged"),
    TakedownStatus.REMOVED: N_("Removed"),
    TakedownStatus.REFUSED: N_("Refused"),
    TakedownStatus.NO_RESPONSE: N_("No response"),
}
#: The button that moves a notice to each status.
STATUS_ACTIONS = {
    TakedownStatus.DRAFT: N_("Back to draft (to edit)"),
    TakedownStatus.APPROVED: N_("Approve"),
    TakedownStatus.SENT: N_("Mark as sent"),
    TakedownStatus.ACKNOWLEDGED: N_("Mark as acknowledged"),
    TakedownStatus.REMOVED: N_("Mark as removed"),
    TakedownStatus.REFUSED: N_("Mark as refused"),
    TakedownStatus.NO_RESPONSE: N_("Mark as no response"),
}
#: What a platform answered, through the API, to a notice or about a hit.
OUTCOME_LABELS = {
    OutcomeKind.REMOVED: N_("Removed"),
    OutcomeKind.NOT_FOUND: N_("Not found"),
    OutcomeKind.NOT_VIOLATING: N_("Not violating its rules"),
}
REASON_LABELS = {
    NOT_INTIMATE_IMAGERY: N_("not intimate imagery"),
    "other": N_("another reason"),
}
#: A caseworker's "removed", told as theirs until a check agrees.
CLAIM_TEXTS = {
    removal.Claim.CHECKING: N_(
        "{name} reported the content removed on {at}; a removal check is queued or running. "
        "The notice is marked removed only when the check finds every URL gone."
    ),
    removal.Claim.STILL_THERE: N_(
        "{name} reported the content removed on {at}, but the check after it found it still "
        "there: the notice is not removed."
    ),
    removal.Claim.UNREACHABLE: N_(
        "{name} reported the content removed on {at}, but the check after it could not reach "
        "every URL: removal is not proven. Report it removed again to check again."
    ),
    removal.Claim.PROVEN: N_(
        "{name} reported the content removed on {at}; a check then found every URL gone."
    ),
}
PURPOSE_LABELS = {
    rechecks.Purpose.REMOVAL: N_("removal check"),
    rechecks.Purpose.WATCH: N_("re-upload watch"),
}
STEP_TITLES = {
    lifecycle.Escalation.HOSTING_PROVIDER: N_("Hosting provider"),
    lifecycle.Escalation.SEARCH_ENGINES: N_("Search engines"),
    lifecycle.Escalation.REGULATOR: N_("Regulator"),
}
REGULATORS = {
    Regime.TAKE_IT_DOWN: N_(
        "The US Federal Trade Commission enforces the TAKE IT DOWN Act: report a platform that "
        "ignores a valid request to the FTC."
    ),
    Regime.UK: N_(
        "Ofcom regulates the Online Safety Act: report a service that does not act on intimate "
        "image content reports to Ofcom."
    ),
    Regime.DSA: N_(
        "Complain to the Digital Services Coordinator of the EU country where the platform is "
        "established (in the Netherlands: the ACM)."
    ),
    Regime.DMCA: N_(
        "No regulator handles DMCA notices; consider a TAKE IT DOWN Act request instead."
    ),
    Regime.GENERIC: N_(
        "Ask the domain's registrar to act under its abuse policy, and report to the national "
        "regulator or police where the host is established."
    ),
}


@dataclass(frozen=True)
class NextStep:
    """A suggestion for a refused or unanswered notice."""

    title: str
    text: str


def next_steps(regime: Regime) -> list[NextStep]:
    """The escalation steps, in order, in the words of the notice's regime."""
    texts = {
        lifecycle.Escalation.HOSTING_PROVIDER: N_(
            "Find who hosts {host} (an RDAP or WHOIS lookup of the domain and its IP "
            "address) and send a generic notice to the provider's abuse contact. The button "
            "below drafts it."
        ),
        lifecycle.Escalation.SEARCH_ENGINES: N_(
            "Ask search engines to de-index the URLs even while they are online: Google's "
            "form for removing non-consensual explicit or intimate images, and Microsoft "
            "Bing's report form for non-consensual intimate imagery."
        ),
        lifecycle.Escalation.REGULATOR: REGULATORS[regime],
    }
    return [NextStep(STEP_TITLES[step], texts[step]) for step in lifecycle.Escalation]


@router.get("/takedowns")
def takedown_list(visit: VisitDep, desk: CurrentDesk, session: SessionDep) -> Response:
    """The organisation's notices; overdue ones are highlighted."""
    rows = takedowns.list_takedowns(session, desk=desk)
    return show(
        visit,
        "takedowns.html",
        desk=desk,
        rows=rows,
        labels=STATUS_LABELS,
        is_overdue=takedowns.is_overdue,
        case_label=format_case_id,
        regimes=SPECS,
    )


@router.get("/takedowns/{takedown_id}")
def takedown_page(
    takedown_id: int, visit: VisitDep, desk: CurrentDesk, session: SessionDep
) -> Response:
    """One notice: its fields (editable while a draft), the letter, its status and deadline."""
    takedown, case = takedowns.require_takedown(session, desk=desk, takedown_id=takedown_id)
    regime = Regime(takedown.regime)
    status = TakedownStatus(takedown.status)
    return show(
        visit,
        "takedown.html",
        desk=desk,
        takedown=takedown,
        case=case,
        case_label=format_case_id(case.public_id),
        spec=spec(regime),
        specs=SPECS,
        fields=notice_fields(takedown),
        field_specs=FIELDS,
        missing=takedowns.check_complete(takedown),
        letter=render_letter(takedown, organisation=desk.caseworker.organisation),
        address=notice_address(takedown),
        state=status,
        labels=STATUS_LABELS,
        actions=[(s, STATUS_ACTIONS[s]) for s in lifecycle.next_statuses(status)],
        overdue=takedowns.is_overdue(takedown),
        steps=next_steps(regime) if takedowns.needs_escalation(takedown) else [],
        exportable=status in lifecycle.EXPORTABLE,
        hours_left=_hours_left(takedown),
        timeline=[
            (STATUS_LABELS[s], getattr(takedown, lifecycle.LIFECYCLE[s].stamp or "created_at"))
            for s in TakedownStatus
        ],
        answers=outcomes.answers_to(session, takedown_ids=[takedown.id]),
        outcome_labels=OUTCOME_LABELS,
        reason_labels=REASON_LABELS,
        claim=_claim_text(session, takedown),
        reporter=_reporter(session, takedown),
        checks=rechecks.checks_of_takedown(session, takedown_id=takedown.id),
        purposes=PURPOSE_LABELS,
    )


def _claim_text(session: Session, takedown: Takedown) -> str:
    claim = removal.claim_state(session, takedown=takedown)
    return CLAIM_TEXTS[claim] if claim is not None else ""


def _reporter(session: Session, takedown: Takedown) -> str:
    if takedown.reported_removed_by is None:
        return ""
    caseworker = session.get(Caseworker, takedown.reported_removed_by)
    return caseworker.display_name if caseworker else ""


def _hours_left(takedown: Takedown) -> int | None:
    """Whole hours until a running deadline, for notices still waiting on the platform."""
    if takedown.deadline_at is None or TakedownStatus(takedown.status) not in lifecycle.AWAITING:
        return None
    return max(0, int((takedown.deadline_at - utcnow()).total_seconds() // 3600))


@router.post("/takedowns/{takedown_id}/edit")
def edit(
    takedown_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
) -> Response:
    """Save a draft's fields, and its regime if another was chosen."""
    takedown, _case = takedowns.require_takedown(session, desk=desk, takedown_id=takedown_id)
    chosen = text(form, "regime", takedown.regime)
    try:
        regime = Regime(chosen)
    except ValueError:
        raise InvalidInput("Choose a regime from the list.") from None
    fields = {name: text(form, name) for name in FIELDS if name in form}
    takedowns.edit_takedown(session, desk=desk, takedown=takedown, fields=fields, regime=regime)
    return go(visit, f"/console/takedowns/{takedown.id}")


@router.post("/takedowns/{takedown_id}/status")
def change_status(
    takedown_id: int,
    visit: VisitDep,
    desk: CurrentDesk,
    form: CheckedForm,
    session: SessionDep,
    runtime: RuntimeDep,
    redis: QueueDep,
    background: BackgroundTasks,
) -> Response:
    """Approve, send, or record what the platform did."""
    takedown, case = takedowns.require_takedown(session, desk=desk, takedown_id=takedown_id)
    try:
        status = TakedownStatus(text(form, "status"))
    except ValueError:
        raise InvalidInput("Choose a status from the list.") from None
    if status is TakedownStatus.REMOVED:
        takedowns.report_removed(session, desk=desk, takedown=takedown)
        # After the commit: the caseworker's word is checked before anyone is told it is gone.
        background.add_task(request_removal_check, redis, takedown_id=takedown.id, when="reported")
        return go(visit, f"/console/takedowns/{takedown.id}")
    takedowns.change_status(session, desk=desk, takedown=takedown, case=case, status=status)
    if status is TakedownStatus.SENT:
        # After the commit: the worker re-fetches the URLs now and again at the deadline.
        background.add_task(
            schedule_removal_checks,
            redis,
            takedown_id=takedown.id,
            deadline_at=takedown.deadline_at,
            grace_minutes=runtime.settings.removal_check_grace_minutes,
        )
    return go(visit, f"/console/takedowns/{takedown.id}")


@router.post("/takedowns/{takedown_id}/follow-up")
def follow_up(
    takedown_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
) -> Response:
    """Draft a notice to the hosting provider."""
    takedown, case = takedowns.require_takedown(session, desk=desk, takedown_id=takedown_id)
    drafted = takedowns.draft_follow_up(session, desk=desk, takedown=takedown, case=case)
    return go(visit, f"/console/takedowns/{drafted.id}")


EXPORTS = {
    "txt": "text/plain; charset=utf-8",
    "eml": "message/rfc822",
    "pdf": "application/pdf",
}


@router.post("/takedowns/{takedown_id}/export")
def export(
    takedown_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
) -> Response:
    """Download the approved letter as plain text, an e-mail (.eml) or a PDF."""
    takedown, _case = takedowns.require_takedown(session, desk=desk, takedown_id=takedown_id)
    kind = text(form, "format")
    if kind not in EXPORTS:
        raise InvalidInput("Choose txt, eml or pdf.")
    takedowns.record_export(session, desk=desk, takedown=takedown, kind=kind)
    organisation = desk.caseworker.organisation
    letter = render_letter(takedown, organisation=organisation)
    if kind == "txt":
        body = to_text(letter).encode("utf-8")
    elif kind == "eml":
        body = to_eml(letter, takedown=takedown, organisation=organisation)
    else:
        body = to_pdf(letter, takedown=takedown)
    return Response(
        body,
        media_type=EXPORTS[kind],
        headers={"Content-Disposition": f'attachment; filename="{takedown.reference}.{kind}"'},
    )
