"""Takedown notices: drafted from confirmed matches, edited, approved, exported, tracked.

One draft per platform (or, for hosts not in the registry, per host of the page the image was
reported on: the origin, not the image CDN). The regime comes from the registry entry, or is
generic; a caseworker may choose another while the notice is a draft. Every notice is signed
by the organisation as the victim's authorised agent: no victim name exists to put in it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from casework import audit
from casework.access import Desk
from casework.db import utcnow
from casework.desk.models import Organisation
from casework.errors import AdultRouteBlocked, Conflict, IncompleteNotice, InvalidInput, NotFound
from casework.hosts import host_of
from casework.notices import lifecycle
from casework.notices.models import Takedown, TakedownItem, TakedownStatus
from casework.notices.notices import Media, notice_fields, render_letter
from casework.notices.regimes import FIELDS, Regime, missing_fields, spec
from casework.notices.registry import Platform, PlatformRegistry
from casework.reports.models import Match, MatchStatus, ReportItem, VideoMatch
from casework.reports.videos import clock_ranges
from casework.victims.models import Case, CaseStatus

MAX_FIELD_CHARS = 10_000
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


@dataclass(frozen=True)
class Confirmed:
    """A confirmed image match or video match with the report item it was found through."""

    item: ReportItem
    match: Match | None = None
    video: VideoMatch | None = None

    @property
    def url(self) -> str:
        """The found image's or video's own URL."""
        if self.video is not None:
            return self.video.video_url
        return self.match.image_url if self.match is not None else ""

    @property
    def host(self) -> str:
        """Host of the reported page: the origin to notify, not an image CDN."""
        return host_of(self.item.url) or ""

    def covered_by(self) -> TakedownItem:
        """The notice item that covers this match."""
        if self.video is not None:
            return TakedownItem(video_match_id=self.video.id)
        return TakedownItem(match_id=self.match.id if self.match else None)


def new_reference() -> str:
    """A notice reference platforms quote back, e.g. TD-7KQ2M9XA."""
    return "TD-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def undrafted_matches(session: Session, *, case: Case) -> list[Confirmed]:
    """Confirmed image and video matches of the case that no notice covers yet."""
    covered = select(TakedownItem.match_id).where(TakedownItem.match_id.is_not(None))
    images = session.execute(
        select(Match, ReportItem)
        .join(ReportItem, ReportItem.id == Match.item_id)
        .where(
            Match.case_id == case.id,
            Match.status == MatchStatus.CONFIRMED,
            Match.id.not_in(covered),
        )
        .order_by(Match.id)
    ).all()
    covered_videos = select(TakedownItem.video_match_id).where(
        TakedownItem.video_match_id.is_not(None)
    )
    videos = session.execute(
        select(VideoMatch, ReportItem)
        .join(ReportItem, ReportItem.id == VideoMatch.item_id)
        .where(
            VideoMatch.case_id == case.id,
            VideoMatch.status == MatchStatus.CONFIRMED,
            VideoMatch.id.not_in(covered_videos),
        )
        .order_by(VideoMatch.id)
    ).all()
    return [Confirmed(item, match=match) for match, item in images] + [
        Confirmed(item, video=video) for video, item in videos
    ]


def locations_text(confirmed: list[Confirmed]) -> str:
    """The URLs a notice lists: each image once, each video with the times that match, and
    the page each was found on."""
    lines: list[str] = []
    seen: set[str] = set()
    for entry in confirmed:
        if entry.video is not None:
            key = f"{entry.url} {entry.video.ranges}"
            line = (
                f"- the video at {entry.url}, {clock_ranges(entry.video.ranges)}, matches a "
                "video the person depicted reported"
            )
        else:
            key, line = entry.url, f"- {entry.url}"
        if key in seen:
            continue
        seen.add(key)
        lines.append(line)
        if entry.item.url != entry.url:
            lines.append(f"  found on the page {entry.item.url}")
    return "\n".join(lines)


#: What the explanation calls the content, and the offence, by what the notice names.
_CONTENT_WORDS = {
    Media.IMAGES: ("intimate images", "intimate images"),
    Media.VIDEOS: ("intimate videos", "intimate videos"),
    Media.IMAGES_AND_VIDEOS: ("intimate images and videos", "intimate images or videos"),
}


def default_fields(
    *, organisation: Organisation, signer: str, locations: str, media: Media
) -> dict[str, str]:
    """Every field prefilled with what the organisation and the matches tell us.

    Contact information stays empty when the organisation has no e-mail or postal address, and
    the copyrighted work is never guessed: approval then names what is missing.
    """
    content, offence = _CONTENT_WORDS[media]
    contact_lines = [organisation.contact_email, organisation.postal_address, organisation.phone]
    reachable = bool(organisation.contact_email.strip() or organisation.postal_address.strip())
    contact = "\n".join([organisation.name, *[line for line in contact_lines if line.strip()]])
    return {
        "locations": locations,
        "signature": (
            f"/s/ {signer}, for {organisation.name}, authorised agent of the person depicted"
        ),
        "contact": contact if reachable else "",
        "notifier_name": f"{organisation.name}, on behalf of the person depicted",
        "notifier_email": organisation.contact_email,
        "good_faith": (
            "We have a good-faith belief that the intimate visual depictions identified above are "
            "not consensual: the person depicted did not consent to their publication, and asked "
            "us to act for them."
        ),
        "explanation": (
            f"The content identified above consists of {content} of the person we "
            f"represent, made available without their consent. Sharing {offence} without "
            "consent is a criminal offence, for example under art. 139h of the Dutch Criminal "
            "Code (Wetboek van Strafrecht) and s.66B of the Sexual Offences Act 2003 (England "
            "and Wales)."
        ),
        "accuracy": (
            "We declare in good faith (bona fide) that the information and allegations in this "
            "notice are accurate and complete."
        ),
        "declaration_intimate": (
            "The content identified in this report is intimate image content of the person we "
            "represent."
        ),
        "declaration_behalf": (
            "This report is made on behalf of the person shown in the content, by their "
            "authorised representative."
        ),
        "declaration_truth": (
            "This report is made in good faith, and its contents are true to the best of our "
            "knowledge and belief."
        ),
        "copyrighted_work": "",
        "perjury": (
            "The information in this notification is accurate, and under penalty of perjury, we "
            "are authorized to act on behalf of the owner of an exclusive right that is "
            "allegedly infringed."
        ),
        "additional": "",
    }


def _ensure_adult_route(case: Case) -> None:
    if case.under_18:
        raise AdultRouteBlocked()


def draft_takedowns(
    session: Session,
    *,
    desk: Desk,
    case: Case,
    registry: PlatformRegistry,
    regime: Regime | None = None,
) -> list[Takedown]:
    """One draft per platform or host for the case's confirmed, not yet covered matches."""
    _ensure_adult_route(case)
    if case.status != CaseStatus.ACTIVE:
        raise Conflict("This case was withdrawn; no notices can be drafted for it.")
    confirmed = undrafted_matches(session, case=case)
    if not confirmed:
        raise Conflict("There are no confirmed matches without a notice in this case.")
    groups: dict[str, tuple[Platform | None, str, list[Confirmed]]] = {}
    for entry in confirmed:
        platform = registry.lookup(entry.host) or registry.lookup(host_of(entry.url) or "")
        key = f"platform:{platform.name}" if platform else f"host:{entry.host}"
        groups.setdefault(key, (platform, entry.host, []))[2].append(entry)
    organisation = desk.caseworker.organisation
    drafts = []
    for platform, host, entries in groups.values():
        chosen = regime or (platform.regime if platform else Regime.GENERIC)
        fields = default_fields(
            organisation=organisation,
            signer=desk.caseworker.display_name,
            locations=locations_text(entries),
            media=Media.named(
                images=any(entry.video is None for entry in entries),
                videos=any(entry.video is not None for entry in entries),
            ),
        )
        takedown = Takedown(
            reference=new_reference(),
            case_id=case.id,
            organisation_id=desk.organisation_id,
            platform=platform.name if platform else host,
            host=host,
            channel=platform.channel if platform else "",
            regime=chosen.value,
            status=lifecycle.INITIAL,
            fields_json=json.dumps(fields),
            deadline_hours=_deadline_hours(chosen, platform),
            created_by=desk.caseworker.id,
        )
        takedown.items = [entry.covered_by() for entry in entries]
        session.add(takedown)
        session.flush()
        audit.record(
            session,
            actor=desk.actor,
            action=audit.Action.TAKEDOWN_DRAFTED,
            object_type="takedown",
            object_id=takedown.id,
            details={"case_id": case.id, "regime": chosen.value, "matches": len(entries)},
        )
        drafts.append(takedown)
    return drafts


def _deadline_hours(regime: Regime, platform: Platform | None) -> int | None:
    if platform is not None and platform.deadline_hours is not None:
        return platform.deadline_hours
    return spec(regime).deadline_hours


def require_takedown(session: Session, *, desk: Desk, takedown_id: int) -> tuple[Takedown, Case]:
    """A notice of one of the organisation's cases; NotFound otherwise."""
    row = session.execute(
        select(Takedown, Case)
        .join(Case, Case.id == Takedown.case_id)
        .where(and_(Takedown.id == takedown_id, desk.sees()))
    ).first()
    if row is None:
        raise NotFound("There is no takedown notice with this number in your organisation.")
    return row[0], row[1]


def edit_takedown(
    session: Session,
    *,
    desk: Desk,
    takedown: Takedown,
    fields: dict[str, str],
    regime: Regime | None = None,
) -> Takedown:
    """Change a draft's fields (and, optionally, its regime)."""
    if takedown.status != TakedownStatus.DRAFT:
        raise Conflict("Only a draft can be edited; move the notice back to draft first.")
    current = notice_fields(takedown)
    for name, value in fields.items():
        if name not in FIELDS:
            raise InvalidInput(f"unknown notice field {name!r}")
        if len(value) > MAX_FIELD_CHARS:
            raise InvalidInput(f"{FIELDS[name].label}: at most {MAX_FIELD_CHARS} characters")
        current[name] = value.replace("\r\n", "\n")
    takedown.fields_json = json.dumps(current)
    if regime is not None and regime.value != takedown.regime:
        takedown.regime = regime.value
        takedown.deadline_hours = spec(regime).deadline_hours
    takedown.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=desk.actor,
        action=audit.Action.TAKEDOWN_EDITED,
        object_type="takedown",
        object_id=takedown.id,
        details={"regime": takedown.regime},
    )
    return takedown


def check_complete(takedown: Takedown) -> list[str]:
    """Labels of required fields that are empty; [] when the notice may be approved."""
    return missing_fields(takedown.regime, notice_fields(takedown))


def change_status(
    session: Session,
    *,
    desk: Desk,
    takedown: Takedown,
    case: Case,
    status: TakedownStatus,
    now: datetime | None = None,
) -> Takedown:
    """A caseworker moves a notice on; approval checks every required field first."""
    lifecycle.require_move(takedown, to=status, mover=desk.actor.type)
    if status in (TakedownStatus.APPROVED, TakedownStatus.SENT):
        _ensure_adult_route(case)
    if status is TakedownStatus.APPROVED:
        missing = check_complete(takedown)
        if missing:
            raise IncompleteNotice(spec(takedown.regime).citation, missing)
        # Rendering proves every field the letter uses exists (StrictUndefined).
        render_letter(takedown, organisation=desk.caseworker.organisation)
    return lifecycle.advance(session, takedown=takedown, to=status, actor=desk.actor, now=now)


def report_removed(
    session: Session, *, desk: Desk, takedown: Takedown, now: datetime | None = None
) -> Takedown:
    """Record a caseworker's word that the content is gone; the caller queues a removal check.

    The notice keeps its status: like a platform's answer, the word is kept and told as the
    caseworker's, and only a check that finds every URL gone marks the notice removed.
    """
    now = now or utcnow()
    current = TakedownStatus(takedown.status)
    if current not in lifecycle.CHECKABLE:
        raise Conflict(f"A notice that is {current.value} cannot be reported removed.")
    takedown.reported_removed_at = now
    takedown.reported_removed_by = desk.caseworker.id
    takedown.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=desk.actor,
        action=audit.Action.TAKEDOWN_REPORTED_REMOVED,
        object_type="takedown",
        object_id=takedown.id,
        details={"status": current.value},
    )
    return takedown


def record_export(session: Session, *, desk: Desk, takedown: Takedown, kind: str) -> None:
    """Exports are allowed once approved, and logged."""
    if TakedownStatus(takedown.status) not in lifecycle.EXPORTABLE:
        raise Conflict("Approve the notice before exporting it: only checked notices leave here.")
    audit.record(
        session,
        actor=desk.actor,
        action=audit.Action.TAKEDOWN_EXPORTED,
        object_type="takedown",
        object_id=takedown.id,
        details={"format": kind},
    )


def is_overdue(takedown: Takedown, now: datetime | None = None) -> bool:
    """True when the platform's deadline passed while the notice still awaits it."""
    now = now or utcnow()
    return (
        takedown.deadline_at is not None
        and TakedownStatus(takedown.status) in lifecycle.AWAITING
        and now > takedown.deadline_at
    )


def needs_escalation(takedown: Takedown, now: datetime | None = None) -> bool:
    """True for a refused or unanswered notice, or one whose deadline passed."""
    return TakedownStatus(takedown.status) in lifecycle.ESCALATES or is_overdue(takedown, now)


def list_takedowns(session: Session, *, desk: Desk) -> list[tuple[Takedown, Case]]:
    """The organisation's notices, those waiting on a deadline first, soonest first."""
    rows = session.execute(
        select(Takedown, Case).join(Case, Case.id == Takedown.case_id).where(desk.sees())
    ).all()
    far = datetime.max.replace(tzinfo=utcnow().tzinfo)

    def order(row: tuple[Takedown, Case]) -> tuple[int, datetime, int]:
        takedown = row[0]
        waiting = TakedownStatus(takedown.status) in lifecycle.AWAITING
        return (0 if waiting else 1, takedown.deadline_at or far, -takedown.id)

    return sorted(((t, c) for t, c in rows), key=order)


def draft_follow_up(session: Session, *, desk: Desk, takedown: Takedown, case: Case) -> Takedown:
    """A generic draft to the host's hosting provider, for a refused or unanswered notice."""
    _ensure_adult_route(case)
    if not needs_escalation(takedown):
        raise Conflict("A follow-up is for notices that were refused or went unanswered.")
    fields = notice_fields(takedown)
    fields["additional"] = (
        f"We notified {takedown.platform} on "
        f"{takedown.sent_at.date().isoformat() if takedown.sent_at else 'an earlier date'} "
        f"(our reference {takedown.reference}); the content is still available."
    )
    follow_up = Takedown(
        reference=new_reference(),
        case_id=case.id,
        organisation_id=desk.organisation_id,
        platform=f"Hosting provider of {takedown.host}",
        host=takedown.host,
        channel="",
        regime=Regime.GENERIC.value,
        status=lifecycle.INITIAL,
        fields_json=json.dumps(fields),
        deadline_hours=None,
        created_by=desk.caseworker.id,
    )
    follow_up.items = [
        TakedownItem(match_id=item.match_id, video_match_id=item.video_match_id)
        for item in takedown.items
    ]
    session.add(follow_up)
    session.flush()
    audit.record(
        session,
        actor=desk.actor,
        action=audit.Action.TAKEDOWN_DRAFTED,
        object_type="takedown",
        object_id=follow_up.id,
        details={"case_id": case.id, "regime": Regime.GENERIC.value, "follows": takedown.id},
    )
    return follow_up
