"""A case's evidence bundle: signed, self-verifying JSON that holds no image and no PDQ.

What is in it: every URL the case's notices named and what was found there (page, image URL,
algorithm and distance of each match), every re-fetch with its time, HTTP status, selected
headers and the SHA-256 of the image still found, the notices with their letters and platform
responses, and the audit-chain entries about the case, its matches and notices, each with the
hashes that chain it. Perceptual hashes stay out: a PDQ can be turned back into a rough image,
a SHA-256 cannot, and it is what a court or the police compare a seized file with.

The file is canonical JSON (sorted keys, two-space indent, ASCII) with an Ed25519 signature of
the canonical bundle. Verification re-serialises the file and insists on the same bytes, so
changing any byte (even whitespace) fails; the public key is in the file, and its id shows
which deployment's key signed it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from casework import audit
from casework.audit import AuditEvent
from casework.credentials import format_case_id
from casework.db import utcnow
from casework.desk.models import Organisation
from casework.errors import BundleInvalid, NotFound
from casework.notices.models import CheckOutcome, Takedown, TakedownCheck, TakedownStatus
from casework.notices.notices import UNICODE_FONTS, notice_fields, render_letter
from casework.notices.outcomes import answers_to
from casework.notices.rechecks import Purpose
from casework.reports.models import Match, ReportItem
from casework.reports.videos import FoundVideo, clock_ranges, videos_of_case
from casework.vault import Vault
from casework.victims.cases import get_case
from casework.victims.models import Case
from hashing.deferred_imports import deferred
from hashing.fingerprint import Algorithm

if TYPE_CHECKING:
    import fpdf
else:
    fpdf = deferred("fpdf")

BUNDLE_FORMAT = "takedown-evidence/1"
SIGNATURE_ALGORITHM = "Ed25519"
_KEY_PURPOSE = b"takedown evidence signing v1"


@dataclass(frozen=True)
class Verified:
    """A bundle that verified: its content and the id of the key that signed it."""

    bundle: dict[str, Any]
    key_id: str


def signing_key(secret: str) -> Ed25519PrivateKey:
    """The deployment's evidence key, derived from the service secret like the vault's keys."""
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE).derive(
        secret.encode("utf-8")
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """A short, stable name of a public key."""
    return hashlib.sha256(public).hexdigest()[:16]


def canonical(value: Any) -> bytes:
    """The one serialisation the signature and the file use."""
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def build_bundle(
    session: Session, *, case: Case, vault: Vault, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the case's follow-through recorded, as plain JSON values."""
    now = now or utcnow()
    takedowns = list(
        session.scalars(select(Takedown).where(Takedown.case_id == case.id).order_by(Takedown.id))
    )
    matches = list(
        session.execute(
            select(Match, ReportItem.url)
            .join(ReportItem, ReportItem.id == Match.item_id)
            .where(Match.case_id == case.id)
            .order_by(Match.id)
        ).all()
    )
    videos = videos_of_case(session, case=case)
    outcomes = answers_to(session, takedown_ids=[t.id for t in takedowns])
    checks = list(
        session.scalars(
            select(TakedownCheck)
            .where(TakedownCheck.case_id == case.id)
            .order_by(TakedownCheck.checked_at, TakedownCheck.id)
        )
    )
    by_id = {t.id: t.reference for t in takedowns}
    return {
        "format": BUNDLE_FORMAT,
        "generated_at": now.isoformat(),
        "case": {
            "id": format_case_id(case.public_id),
            "opened_at": _at(case.created_at),
            "status": case.status,
        },
        "matches": [
            {
                "id": match.id,
                "page_url": page_url,
                "image_url": match.image_url,
                "algorithm": match.algorithm,
                "distance_bits": match.distance,
                "status": match.status,
                "found_at": _at(match.created_at),
            }
            for match, page_url in matches
        ],
        "video_matches": [
            {
                "id": found.match.id,
                "page_url": found.item.url,
                "video_url": found.match.video_url,
                "video_number": found.number,
                "frames_matched_percent": round(found.match.query_percent, 1),
                "time_ranges": found.ranges,
                "status": found.match.status,
                "found_at": _at(found.match.created_at),
            }
            for found in videos
        ],
        "notices": [_notice(session, takedown, outcomes, checks) for takedown in takedowns],
        "checks": [
            {
                "takedown": by_id.get(check.takedown_id) if check.takedown_id else None,
                "purpose": check.purpose,
                "url": check.url,
                "checked_at": _at(check.checked_at),
                "http_status": check.http_status,
                "outcome": check.outcome,
                "reason": check.reason,
                "headers": json.loads(check.headers_json),
                "images_seen": check.images_seen,
                "videos_seen": check.videos_seen,
                "video_url": check.video_url,
                "video_frames_matched_percent": check.video_percent,
                "video_time_ranges": (
                    clock_ranges(check.video_ranges) if check.video_ranges is not None else None
                ),
                "match_algorithm": check.algorithm,
                "distance_bits": check.distance,
                "sha256": (
                    vault.open(Algorithm.SHA256, check.sha256_sealed).hex
                    if check.sha256_sealed
                    else None
                ),
                "overdue": check.overdue,
                "review_match_id": check.match_id,
            }
            for check in checks
        ],
        "audit": [
            _event(event) for event in _case_events(session, case, takedowns, matches, videos)
        ],
    }


def proven_status(takedown: Takedown, checks: list[TakedownCheck]) -> str:
    """The notice's status, where "removed" stands only on a check that found every URL gone.

    A notice marked removed by hand (before removal needed a check) whose last removal check
    found the content still there, or that was never checked, is "removal_unproven".
    """
    if takedown.status != TakedownStatus.REMOVED:
        return takedown.status
    rounds: dict[datetime, set[str]] = {}
    for check in checks:
        if check.takedown_id == takedown.id and check.purpose == Purpose.REMOVAL:
            rounds.setdefault(check.checked_at, set()).add(check.outcome)
    if rounds and rounds[max(rounds)] == {CheckOutcome.GONE.value}:
        return takedown.status
    return "removal_unproven"


def _notice(
    session: Session, takedown: Takedown, outcomes: Any, checks: list[TakedownCheck]
) -> dict[str, Any]:
    letter = None
    organisation = (
        session.get(Organisation, takedown.organisation_id) if takedown.organisation_id else None
    )
    if organisation is not None and takedown.status != TakedownStatus.DRAFT:
        rendered = render_letter(takedown, organisation=organisation)
        letter = {"subject": rendered.subject, "body": rendered.body}
    return {
        "reference": takedown.reference,
        "platform": takedown.platform,
        "host": takedown.host,
        "channel": takedown.channel,
        "regime": takedown.regime,
        "status": proven_status(takedown, checks),
        "reported_removed": (
            {"at": _at(takedown.reported_removed_at), "caseworker_id": takedown.reported_removed_by}
            if takedown.reported_removed_at is not None
            else None
        ),
        "match_ids": sorted(item.match_id for item in takedown.items if item.match_id),
        "video_match_ids": sorted(
            item.video_match_id for item in takedown.items if item.video_match_id
        ),
        "fields": notice_fields(takedown),
        "letter": letter,
        "times": {
            name: _at(getattr(takedown, f"{name}_at"))
            for name in (
                "created",
                "approved",
                "sent",
                "acknowledged",
                "removed",
                "refused",
                "no_response",
                "deadline",
            )
        },
        "platform_responses": [
            {
                "platform": name,
                "outcome": outcome.outcome,
                "reason": outcome.reason,
                "received_at": _at(outcome.created_at),
            }
            for outcome, name in outcomes
            if outcome.takedown_id == takedown.id
        ],
    }


def _case_events(
    session: Session,
    case: Case,
    takedowns: list[Takedown],
    matches: list[Any],
    videos: list[FoundVideo],
) -> list[AuditEvent]:
    wanted = [and_(AuditEvent.object_type == "case", AuditEvent.object_id == str(case.id))]
    if takedowns:
        wanted.append(
            and_(
                AuditEvent.object_type == "takedown",
                AuditEvent.object_id.in_([str(t.id) for t in takedowns]),
            )
        )
    if matches:
        wanted.append(
            and_(
                AuditEvent.object_type == "match",
                AuditEvent.object_id.in_([str(m.id) for m, _ in matches]),
            )
        )
    if videos:
        wanted.append(
            and_(
                AuditEvent.object_type == "video_match",
                AuditEvent.object_id.in_([str(found.match.id) for found in videos]),
            )
        )
    return list(session.scalars(select(AuditEvent).where(or_(*wanted)).order_by(AuditEvent.id)))


def _event(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "created_at": event.created_at.isoformat(),
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "organisation_id": event.organisation_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": json.loads(event.details_json),
        "prev_hash": event.prev_hash,
        "row_hash": event.row_hash,
    }


def export_case(
    session: Session,
    *,
    case_public_id: str,
    secret: str,
    vault: Vault,
    actor: audit.Actor = audit.OPERATOR,
    now: datetime | None = None,
) -> bytes:
    """The signed bundle of one case, as file bytes; the export is audited first."""
    case = get_case(session, public_id=case_public_id)
    if case is None:
        raise NotFound("There is no case with this ID.")
    audit.record(
        session,
        actor=actor,
        action=audit.Action.EVIDENCE_EXPORTED,
        object_type="case",
        object_id=case.id,
    )
    bundle = build_bundle(session, case=case, vault=vault, now=now)
    return sign_bundle(bundle, signing_key(secret))


def sign_bundle(bundle: dict[str, Any], key: Ed25519PrivateKey) -> bytes:
    """The evidence file: the bundle and an Ed25519 signature of its canonical bytes."""
    public = _raw_public(key.public_key())
    signature = key.sign(canonical(bundle))
    return canonical(
        {
            "bundle": bundle,
            "signature": {
                "algorithm": SIGNATURE_ALGORITHM,
                "key_id": key_id(public),
                "public_key": base64.b64encode(public).decode("ascii"),
                "value": base64.b64encode(signature).decode("ascii"),
            },
        }
    )


def verify_bundle(data: bytes, *, expected_key_id: str | None = None) -> Verified:
    """Check an evidence file byte for byte; raise BundleInvalid with the reason otherwise."""
    try:
        document = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise BundleInvalid("not an evidence file (unreadable JSON)") from None
    if not isinstance(document, dict) or set(document) != {"bundle", "signature"}:
        raise BundleInvalid("not an evidence file (wrong top-level fields)")
    if canonical(document) != data:
        raise BundleInvalid("the file was altered: it is not byte for byte as it was signed")
    signature, bundle = document["signature"], document["bundle"]
    if not isinstance(signature, dict) or not isinstance(bundle, dict):
        raise BundleInvalid("not an evidence file (wrong field types)")
    if signature.get("algorithm") != SIGNATURE_ALGORITHM or bundle.get("format") != BUNDLE_FORMAT:
        raise BundleInvalid("unknown bundle format or signature algorithm")
    try:
        public = _strict_b64(signature["public_key"])
        value = _strict_b64(signature["value"])
        Ed25519PublicKey.from_public_bytes(public).verify(value, canonical(bundle))
    except (KeyError, TypeError, ValueError, InvalidSignature):
        raise BundleInvalid("the signature does not match the content") from None
    if signature.get("key_id") != key_id(public):
        raise BundleInvalid("the key id does not belong to the public key")
    if expected_key_id is not None and key_id(public) != expected_key_id:
        raise BundleInvalid(f"signed by key {key_id(public)}, not this deployment's")
    for event in bundle.get("audit", []):
        _check_event(event)
    return Verified(bundle=bundle, key_id=key_id(public))


def _strict_b64(text: str) -> bytes:
    # b64decode ignores the unused low bits of the last character: another spelling of the
    # same key or signature would still verify, and no byte may change unnoticed.
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("non-canonical base64")
    return raw


def _check_event(entry: dict[str, Any]) -> None:
    """Each audit entry must carry the hash the live chain gives it."""
    event = AuditEvent(
        id=entry["id"],
        created_at=datetime.fromisoformat(entry["created_at"]),
        actor_type=entry["actor_type"],
        actor_id=entry["actor_id"],
        organisation_id=entry["organisation_id"],
        action=entry["action"],
        object_type=entry["object_type"],
        object_id=entry["object_id"],
        details_json=json.dumps(entry["details"]),
    )
    if audit.row_hash(entry["prev_hash"], event) != entry["row_hash"]:
        raise BundleInvalid(f"audit entry {entry['id']} does not fit its chain hash")


def deployment_key_id(secret: str) -> str:
    """The key id this deployment signs with."""
    return key_id(_raw_public(signing_key(secret).public_key()))


def summary_lines(verified: Verified) -> list[str]:
    """The bundle told in short lines: notices, then every check, then the audit count."""
    bundle = verified.bundle
    lines = [
        f"Case {bundle['case']['id']}, opened {bundle['case']['opened_at']}",
        f"Generated {bundle['generated_at']}; signed with key {verified.key_id}",
        "The signed JSON bundle is the evidence; this page only summarises it.",
        "",
        "Notices",
    ]
    for notice in bundle["notices"]:
        times = notice["times"]
        lines.append(
            f"- {notice['reference']} to {notice['platform']} ({notice['regime']}): "
            f"{notice['status']}; sent {times['sent'] or '-'}, "
            f"deadline {times['deadline'] or '-'}, removed {times['removed'] or '-'}"
        )
        for response in notice["platform_responses"]:
            lines.append(f"    {response['platform']} answered {response['outcome']}")
    lines += ["", "Checks of the notified URLs"]
    for check in bundle["checks"]:
        found = f", distance {check['distance_bits']}" if check["distance_bits"] is not None else ""
        lines.append(
            f"- {check['checked_at']} {check['url']}: HTTP {check['http_status'] or '-'}, "
            f"{check['outcome']}{found}{' (overdue)' if check['overdue'] else ''}"
        )
    lines += ["", f"{len(bundle['audit'])} audit-chain entries are in the bundle."]
    return lines


def summary_pdf(verified: Verified) -> bytes:
    """A short A4 summary of a verified bundle, for people who will not read JSON."""
    pdf = fpdf.FPDF(format="A4")
    pdf.set_creator("takedown")
    pdf.set_title("Evidence summary")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=True, margin=18)
    font = next((path for path in UNICODE_FONTS if path.exists()), None)
    family = "Helvetica"
    if font is not None:
        pdf.add_font("Summary", fname=str(font))
        family = "Summary"
    pdf.add_page()
    pdf.set_font(family, size=14)
    pdf.cell(0, 8, "Evidence summary", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=9)
    for line in summary_lines(verified):
        text = line if font is not None else line.encode("latin-1", "replace").decode("latin-1")
        pdf.multi_cell(0, 4.6, text or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
