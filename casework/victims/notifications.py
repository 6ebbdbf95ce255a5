"""Notifications a victim opted into: a short note, by e-mail or webhook, when their case has news.

Off by default. The address is sealed like a hash and deleted with the case. What is sent says
only that there is news and how many updates: never a host, a URL, a case ID or anything about
the images, because a victim's mailbox or chat may be read by the very person who leaked them.
The victim reads the news on the status page with their case ID and PIN.

News is found by scanning each subscribed case's timeline past `notified_through`, the newest
event already told, and updates are gathered for at least the minimum interval, so a busy day
becomes one note. The mark moves only after a delivery succeeded; a crash in between repeats
one note at most.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.db import utcnow
from casework.errors import InvalidInput
from casework.notices import lifecycle
from casework.reports.reports import url_problem
from casework.vault import Vault
from casework.victims.models import Case, CaseNotification, CaseStatus, NotificationChannel
from casework.victims.timeline import Event, case_timeline

#: Timeline events that are news to the victim (what a notice's lifecycle tells among them);
#: what they did themselves is not.
NEWS = frozenset({"found", "reupload", "overdue", *lifecycle.TOLD})
#: Attempts per note, and the waits between them (RQ retries the job after each).
DELIVERY_ATTEMPTS = 5
RETRY_INTERVALS_SECONDS = [60, 300, 1800, 7200]
#: Failures in a row after which a channel is left alone until the victim sets it again; the
#: status page shows that it is failing.
GIVE_UP_AFTER = 3 * DELIVERY_ATTEMPTS
SUBJECT = "News about your case"
# Deliberately loose: the mail server is the judge of an address; this catches typing slips.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@dataclass(frozen=True)
class Subscribed:
    """What the victim sees once after choosing a channel."""

    channel: NotificationChannel
    address: str
    #: The webhook's signing secret; None for e-mail.
    secret: str | None


@dataclass(frozen=True)
class Note:
    """One notification ready to send, and the mark to move once it was delivered."""

    case_id: int
    channel: NotificationChannel
    address: str
    secret: str | None
    updates: int
    through: datetime


def subscribe(
    session: Session,
    *,
    case: Case,
    vault: Vault,
    email: str | None = None,
    webhook: str | None = None,
    email_enabled: bool,
) -> Subscribed:
    """Choose (or replace) the case's channel; only news from now on is told."""
    if case.status != CaseStatus.ACTIVE:
        raise InvalidInput("a withdrawn case has no news to tell")
    if (email is None) == (webhook is None):
        raise InvalidInput("give either an e-mail address or a webhook URL")
    secret: str | None = None
    if email is not None:
        if not email_enabled:
            raise InvalidInput("this service does not send e-mail; use a webhook instead")
        address = email.strip()
        if len(address) > 254 or not _EMAIL.match(address):
            raise InvalidInput("that does not look like an e-mail address")
        channel = NotificationChannel.EMAIL
    else:
        address = (webhook or "").strip()
        problem = url_problem(address)
        if problem is not None:
            raise InvalidInput(problem)
        if not address.startswith("https://"):
            raise InvalidInput("webhooks must use https")
        channel = NotificationChannel.WEBHOOK
        secret = secrets.token_urlsafe(32)
    row = session.scalars(
        select(CaseNotification).where(CaseNotification.case_id == case.id)
    ).one_or_none()
    if row is None:
        row = CaseNotification(case_id=case.id)
        session.add(row)
    row.channel = channel.value
    row.address_sealed = vault.seal_text(address)
    row.secret_sealed = vault.seal_text(secret) if secret is not None else None
    row.created_at = row.notified_through = utcnow()
    row.last_sent_at, row.last_error, row.failures = None, None, 0
    session.flush()
    return Subscribed(channel=channel, address=address, secret=secret)


def unsubscribe(session: Session, *, case: Case) -> bool:
    """Turn notifications off; True when there was a channel to delete."""
    row = session.scalars(
        select(CaseNotification).where(CaseNotification.case_id == case.id)
    ).one_or_none()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def masked(channel: str, address: str) -> str:
    """Enough of an address for its owner to recognise it, and not much more."""
    if channel == NotificationChannel.EMAIL:
        local, domain = address.rsplit("@", 1)
        return f"{local[:1]}•••@{domain}"
    host = address.removeprefix("https://").split("/", 1)[0]
    return f"https://{host}/•••"


@dataclass(frozen=True)
class Channel:
    """A case's channel as its victim sees it."""

    channel: str
    address: str
    last_sent_at: datetime | None
    failing: bool


def describe(session: Session, *, case: Case, vault: Vault) -> Channel | None:
    """The case's channel with its address masked, or None when notifications are off."""
    row = session.scalars(
        select(CaseNotification).where(CaseNotification.case_id == case.id)
    ).one_or_none()
    if row is None:
        return None
    return Channel(
        channel=row.channel,
        address=masked(row.channel, vault.open_text(row.address_sealed)),
        last_sent_at=row.last_sent_at,
        failing=row.failures > 0,
    )


def _news(session: Session, *, case: Case, after: datetime) -> list[Event]:
    return [
        event
        for event in case_timeline(session, case=case)
        if event.kind in NEWS and event.at > after
    ]


def due(session: Session, *, min_interval: timedelta, now: datetime | None = None) -> list[int]:
    """Ids of cases with news their victim has not been told, and not told too recently."""
    now = now or utcnow()
    ids: list[int] = []
    for row, case in session.execute(
        select(CaseNotification, Case)
        .join(Case, Case.id == CaseNotification.case_id)
        .where(Case.status == CaseStatus.ACTIVE)
        .order_by(CaseNotification.id)
    ).all():
        if row.failures >= GIVE_UP_AFTER:
            continue
        if row.last_sent_at is not None and now - row.last_sent_at < min_interval:
            continue
        if _news(session, case=case, after=row.notified_through):
            ids.append(case.id)
    return ids


def prepare(session: Session, *, case_id: int, vault: Vault) -> Note | None:
    """The note for a case's untold news, or None when there is none (or no channel any more)."""
    found = session.execute(
        select(CaseNotification, Case)
        .join(Case, Case.id == CaseNotification.case_id)
        .where(CaseNotification.case_id == case_id, Case.status == CaseStatus.ACTIVE)
    ).one_or_none()
    if found is None:
        return None
    row, case = found
    news = _news(session, case=case, after=row.notified_through)
    if not news:
        return None
    return Note(
        case_id=case_id,
        channel=NotificationChannel(row.channel),
        address=vault.open_text(row.address_sealed),
        secret=vault.open_text(row.secret_sealed) if row.secret_sealed is not None else None,
        updates=len(news),
        through=max(event.at for event in news),
    )


def record_delivery(
    session: Session, *, note: Note, error: str | None, now: datetime | None = None
) -> None:
    """Move the mark after a delivery, or count a failure (the mark stays for the retry)."""
    row = session.scalars(
        select(CaseNotification).where(CaseNotification.case_id == note.case_id)
    ).one_or_none()
    if row is None:
        return
    if error is None:
        row.notified_through = max(row.notified_through, note.through)
        row.last_sent_at = now or utcnow()
        row.last_error, row.failures = None, 0
    else:
        row.last_error = error[:40]
        row.failures += 1
    session.flush()


def _plain(updates: int, status_url: str) -> str:
    news = "There is 1 update" if updates == 1 else f"There are {updates} updates"
    return (
        f"{news} on the case you opened with us.\n\n"
        f"To read it, open {status_url} and enter your case ID and PIN.\n\n"
        "We never put details in these messages, so that nobody who sees them learns "
        "anything about your case. To stop them, turn notifications off on the same page.\n"
    )


def email_message(note: Note, *, sender: str, status_url: str) -> EmailMessage:
    """A plain-text e-mail that says there is news, and nothing more."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = note.address
    message["Subject"] = SUBJECT
    message.set_content(_plain(note.updates, status_url))
    return message


def webhook_body(note: Note, *, status_url: str, now: datetime | None = None) -> dict[str, object]:
    """The JSON a victim's webhook receives: the count of updates and where to read them."""
    return {
        "event": "case.news",
        "updates": note.updates,
        "sent_at": (now or utcnow()).isoformat(),
        "status_url": status_url,
        "text": _plain(note.updates, status_url),
    }
