"""Cases: the list, the case file, the under-18 flag, assignment, notices and the watch list."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, BackgroundTasks
from fastapi.responses import Response

from casework.credentials import format_case_id
from casework.desk import accounts, casefiles
from casework.errors import InvalidInput
from casework.notices import takedowns, watches
from casework.notices.regimes import SPECS, Regime
from casework.reports import reports
from hashing.translations import N_
from service.console.pages import go, show
from service.console.sessions import CheckedForm, ConsoleDep, CurrentDesk, VisitDep, text
from service.console.takedowns import OUTCOME_LABELS, REASON_LABELS
from service.deps import QueueDep, RuntimeDep, SessionDep
from workers.queues import schedule_items, schedule_watch_check

router = APIRouter(prefix="/console", include_in_schema=False)


@dataclass(frozen=True)
class Channel:
    """A child-protection channel shown on under-18 cases (public services, not addresses)."""

    name: str
    who: str
    url: str


CHILD_PROTECTION = (
    Channel(
        "NCMEC Take It Down",
        N_(
            "Hashes images of people under 18 on their own device and shares the hashes with "
            "participating platforms. For the young person, or a trusted adult, to use."
        ),
        "https://takeitdown.ncmec.org/",
    ),
    Channel(
        "NCMEC CyberTipline",
        N_(
            "The US reporting channel for child sexual exploitation, including images of "
            "minors online."
        ),
        "https://report.cybertip.org/",
    ),
    Channel(
        "Internet Watch Foundation (IWF)",
        N_(
            "Assesses and removes child sexual abuse imagery worldwide; with Childline it runs "
            "Report Remove for young people in the UK."
        ),
        "https://report.iwf.org.uk/",
    ),
    Channel(
        "Offlimits: Meldpunt Kinderporno",
        N_(
            "The Netherlands: the Dutch hotline for child sexual abuse material; it assesses "
            "reports and has such images taken offline."
        ),
        "https://www.offlimits.nl/",
    ),
    Channel(
        "Helpwanted.nl",
        N_(
            "The Netherlands: advice and help with getting sexual images removed, for young "
            "people under 18 too."
        ),
        "https://www.helpwanted.nl/",
    ),
    Channel(
        "Fier",
        N_("The Netherlands: help for young people facing sexual violence or exploitation."),
        "https://www.fier.nl/",
    ),
    Channel(
        "De Kindertelefoon",
        N_(
            "The Netherlands: children and young people under 18 can call or chat about "
            "anything, free and anonymously."
        ),
        "https://www.kindertelefoon.nl/",
    ),
)

TIMELINE = {
    "case_opened": N_("Case opened by the victim"),
    "case_withdrawn": N_("Case withdrawn by the victim"),
    "report_received": N_("Report received ({urls} URLs)"),
    "match_found": N_("Match {id} found on {host}"),
    "match_confirmed": N_("Match {id} confirmed"),
    "match_rejected": N_("Match {id} rejected"),
    "video_found": N_("Video match {id} found on {host} (video {number} of the case)"),
    "video_confirmed": N_("Video match {id} confirmed"),
    "video_rejected": N_("Video match {id} rejected"),
    "takedown_draft": N_("Notice {reference} to {platform} drafted"),
    "takedown_approved": N_("Notice {reference} approved"),
    "takedown_sent": N_("Notice {reference} sent to {platform}"),
    "takedown_acknowledged": N_("Notice {reference} acknowledged"),
    "takedown_removed": N_("Content of notice {reference} removed (a check found it gone)"),
    "takedown_reported_removed": N_(
        "A caseworker reported the content of notice {reference} removed; a check follows"
    ),
    "takedown_refused": N_("Notice {reference} refused"),
    "takedown_no_response": N_("Notice {reference}: no response"),
    "platform_removed": N_("{platform} answered notice {reference}: removed"),
    "platform_not_found": N_("{platform} answered notice {reference}: not found"),
    "platform_not_violating": N_("{platform} answered notice {reference}: not violating"),
}


@router.get("/cases")
def case_list(visit: VisitDep, desk: CurrentDesk, session: SessionDep) -> Response:
    """The organisation's cases."""
    rows = casefiles.list_cases(session, desk=desk)
    return show(visit, "cases.html", desk=desk, rows=rows, case_label=format_case_id)


@router.get("/cases/{case_id}")
def case_file(
    case_id: int, visit: VisitDep, desk: CurrentDesk, session: SessionDep, console: ConsoleDep
) -> Response:
    """The case file: counts, reports, matches, notices and a timeline (the view is logged)."""
    case = accounts.require_case(session, desk=desk, case_id=case_id)
    file = casefiles.open_case_file(session, desk=desk, case=case)
    undrafted = takedowns.undrafted_matches(session, case=case)
    return show(
        visit,
        "case.html",
        desk=desk,
        file=file,
        case_label=format_case_id(case.public_id),
        undrafted=len(undrafted),
        regimes=SPECS,
        timeline_text=TIMELINE,
        channels=CHILD_PROTECTION,
        organisations=accounts.list_organisations(session) if desk.is_admin else [],
        is_overdue=takedowns.is_overdue,
        watches=watches.watches_of_case(session, case_id=case.id),
        outcome_labels=OUTCOME_LABELS,
        reason_labels=REASON_LABELS,
        max_urls=reports.MAX_URLS_PER_REPORT,
    )


@router.post("/cases/{case_id}/under-18")
def flag_under_18(
    case_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
) -> Response:
    """Set or clear the under-18 flag."""
    case = accounts.require_case(session, desk=desk, case_id=case_id)
    casefiles.flag_under_18(session, desk=desk, case=case, under_18=text(form, "under_18") == "yes")
    return go(visit, f"/console/cases/{case.id}")


@router.post("/cases/{case_id}/assign")
def assign(
    case_id: int, visit: VisitDep, desk: CurrentDesk, form: CheckedForm, session: SessionDep
) -> Response:
    """Hand the case to another organisation (admins)."""
    case = accounts.require_case(session, desk=desk, case_id=case_id)
    accounts.assign_case(session, desk=desk, case=case, organisation_slug=text(form, "slug"))
    return go(visit, "/console/cases")


@router.post("/cases/{case_id}/takedowns")
def draft(
    case_id: int,
    visit: VisitDep,
    desk: CurrentDesk,
    form: CheckedForm,
    session: SessionDep,
    console: ConsoleDep,
) -> Response:
    """Draft notices from the confirmed matches no notice covers yet."""
    case = accounts.require_case(session, desk=desk, case_id=case_id)
    chosen = text(form, "regime")
    try:
        regime = Regime(chosen) if chosen else None
    except ValueError:
        raise InvalidInput("Choose a regime from the list.") from None
    drafts = takedowns.draft_takedowns(
        session, desk=desk, case=case, registry=console.registry, regime=regime
    )
    if len(drafts) == 1:
        return go(visit, f"/console/takedowns/{drafts[0].id}")
    return go(visit, f"/console/cases/{case.id}#notices")


@router.post("/cases/{case_id}/watches")
def watch(
    case_id: int,
    visit: VisitDep,
    desk: CurrentDesk,
    form: CheckedForm,
    session: SessionDep,
    redis: QueueDep,
    background: BackgroundTasks,
) -> Response:
    """Watch a page, or a whole site from a page, for re-uploads; the first check runs now."""
    case = accounts.require_case(session, desk=desk, case_id=case_id)
    watched = watches.add_watch(
        session,
        case=case,
        url=text(form, "url").strip(),
        scope=text(form, "scope") or watches.WatchScope.PAGE,
        actor=desk.actor,
        takedown_reference=text(form, "takedown") or None,
    )
    # After the commit, so the worker finds the row.
    background.add_task(schedule_watch_check, redis, watched_id=watched.id)
    return go(visit, f"/console/cases/{case.id}#watch")


@router.post("/cases/{case_id}/watches/{watched_id}/remove")
def unwatch(
    case_id: int,
    watched_id: int,
    visit: VisitDep,
    desk: CurrentDesk,
    form: CheckedForm,
    session: SessionDep,
) -> Response:
    """Stop watching a URL."""
    case = accounts.require_case(session, desk=desk, case_id=case_id)
    watches.remove_watch(session, case=case, watched_id=watched_id, actor=desk.actor)
    return go(visit, f"/console/cases/{case.id}#watch")


@router.post("/cases/{case_id}/reports")
def add_urls(
    case_id: int,
    visit: VisitDep,
    desk: CurrentDesk,
    form: CheckedForm,
    session: SessionDep,
    runtime: RuntimeDep,
    redis: QueueDep,
    background: BackgroundTasks,
) -> Response:
    """Check URLs for the case: a report queued as a victim's is, written to the audit log."""
    case = accounts.require_case(session, desk=desk, case_id=case_id)
    urls = [line.strip() for line in text(form, "urls").splitlines() if line.strip()]
    report = reports.add_case_report(
        session, case=case, urls=urls, actor=desk.actor, vault=runtime.vault
    )
    # After the commit, so the worker finds the rows.
    background.add_task(schedule_items, redis, [item.id for item in report.items])
    return go(visit, f"/console/cases/{case.id}#reports")


@router.post("/cases/{case_id}/reports/{report_id}/note")
def open_note(
    case_id: int,
    report_id: int,
    visit: VisitDep,
    desk: CurrentDesk,
    form: CheckedForm,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """A report's note, shown once its opening is in the audit log (a POST, so never cached
    or prefetched by a link)."""
    case = accounts.require_case(session, desk=desk, case_id=case_id)
    note = reports.open_report_note(
        session, case=case, report_id=report_id, actor=desk.actor, vault=runtime.vault
    )
    return show(
        visit,
        "report_note.html",
        desk=desk,
        case=case,
        case_label=format_case_id(case.public_id),
        note=note,
    )
