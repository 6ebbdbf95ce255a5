"""Notification jobs: tell a victim who opted in that their case has news (casework.victims).

``dispatch_notifications`` runs in the worker's reconciler thread: it finds cases with untold
news and queues one job per case. ``notify_victim`` is the job: it sends the note by e-mail
(SMTP) or to the victim's webhook (through the safe fetcher, signed like platform webhooks),
and RQ retries it with backoff while delivery fails. Logs name the case id, never an address.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import time
from datetime import timedelta

from casework.db import transaction
from casework.models import NotificationChannel
from casework.platforms.webhooks import sign
from casework.settings import Settings, SmtpSecurity
from casework.victims import notifications
from casework.victims.notifications import Note
from workers.context import WorkerContext, current
from workers.fetcher import Fetcher, FetchFailed
from workers.queues import enqueue_notification, forget_job, job_alive, notify_job_id

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 20


class NotificationFailed(Exception):
    """The note was not delivered; RQ retries the job after an interval."""


def status_url(settings: Settings) -> str:
    """The page where a victim reads their case's news."""
    return settings.public_url.rstrip("/") + "/status"


def notify_victim(case_id: int) -> None:
    """Send a case's untold news, if any is left (safe to run twice)."""
    context = current()
    runtime = context.runtime
    with transaction(runtime.sessions) as session:
        note = notifications.prepare(session, case_id=case_id, vault=runtime.vault)
    if note is None:
        return
    error = _deliver(context, note)
    with transaction(runtime.sessions) as session:
        notifications.record_delivery(session, note=note, error=error)
    if error is not None:
        logger.info("notification of case %d failed: %s", case_id, error)
        # The reason only: RQ keeps exception text in its failed-job records.
        raise NotificationFailed(error)
    logger.info("notified case %d of %d updates", case_id, note.updates)


def _deliver(context: WorkerContext, note: Note) -> str | None:
    settings = context.runtime.settings
    if note.channel is NotificationChannel.EMAIL:
        return _send_email(settings, note)
    body = json.dumps(
        notifications.webhook_body(note, status_url=status_url(settings)), sort_keys=True
    ).encode()
    headers = {"Content-Type": "application/json"}
    if note.secret is not None:
        headers["Takedown-Signature"] = sign(note.secret, int(time.time()), body)
    try:
        with Fetcher(context.policy) as fetcher:
            status = fetcher.post(note.address, body=body, headers=headers)
    except FetchFailed as failure:
        return failure.reason.value
    return None if 200 <= status < 300 else f"http_{status}"


def _send_email(settings: Settings, note: Note) -> str | None:
    if not settings.smtp_host:
        return "email_not_configured"
    message = notifications.email_message(
        note, sender=settings.mail_from, status_url=status_url(settings)
    )
    tls = ssl.create_default_context()
    try:
        client = (
            smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS, context=tls
            )
            if settings.smtp_security is SmtpSecurity.TLS
            else smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
        )
        with client:
            if settings.smtp_security is SmtpSecurity.STARTTLS:
                client.starttls(context=tls)
            if settings.smtp_username:
                client.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused:
        return "smtp_recipient_refused"
    except (smtplib.SMTPException, OSError) as error:
        return f"smtp_{type(error).__name__}"
    return None


def dispatch_notifications(context: WorkerContext) -> int:
    """Queue a note for every case with untold news whose job is not already pending."""
    runtime = context.runtime
    interval = timedelta(minutes=runtime.settings.notify_min_interval_minutes)
    with transaction(runtime.sessions) as session:
        due = notifications.due(session, min_interval=interval)
    queued = 0
    for case_id in due:
        if job_alive(context.redis, notify_job_id(case_id)):
            continue
        # A failed job of an earlier round keeps its id; it must not block the next round.
        forget_job(context.redis, notify_job_id(case_id))
        enqueue_notification(
            context.redis,
            case_id,
            attempts=notifications.DELIVERY_ATTEMPTS,
            intervals=notifications.RETRY_INTERVALS_SECONDS,
        )
        queued += 1
    if queued:
        logger.info("queued %d victim notifications", queued)
    return queued
