"""Victims who opt in hear that their case has news, by e-mail or webhook, and nothing more."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select

from casework.db import transaction
from casework.models import Case, CaseNotification
from casework.platforms import webhooks
from casework.runtime import Runtime
from casework.settings import Settings, SmtpSecurity
from casework.victims import notifications
from tests.conftest import make_settings
from tests.followup.conftest import Leak
from tests.harness import ContentServer
from tests.receivers import MailServer, receiving
from workers.context import WorkerContext
from workers.followup import check_removal
from workers.notifications import NotificationFailed, dispatch_notifications, notify_victim
from workers.queues import make_queue, notify_job_id

MakeLeak = Callable[..., Leak]
VICTIM = "victim@example.org"


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(database_url: str, mail: MailServer) -> Settings:
    return make_settings(database_url).model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": mail.port,
            "smtp_security": SmtpSecurity.NONE,
            "mail_from": "cases@takedown.example",
            "public_url": "https://takedown.example",
            "notify_min_interval_minutes": 0,
        }
    )


def subscribe_email(runtime: Runtime, case_id: int, address: str = VICTIM) -> None:
    with transaction(runtime.sessions) as session:
        notifications.subscribe(
            session,
            case=session.get_one(Case, case_id),
            vault=runtime.vault,
            email=address,
            email_enabled=True,
        )


def rewind(runtime: Runtime, case_id: int) -> None:
    """Pretend the victim subscribed before the case's first news."""
    with transaction(runtime.sessions) as session:
        row = session.scalars(
            select(CaseNotification).where(CaseNotification.case_id == case_id)
        ).one()
        row.notified_through = session.get_one(Case, case_id).created_at


def test_news_is_emailed_once_saying_only_that_there_is_news(
    runtime: Runtime,
    redis: Redis,
    loopback_context: WorkerContext,
    make_leak: MakeLeak,
    mail: MailServer,
) -> None:
    leak = make_leak(page=False)
    subscribe_email(runtime, leak.case_id)
    # Subscribing tells only what happens from then on.
    assert dispatch_notifications(loopback_context) == 0
    rewind(runtime, leak.case_id)

    assert dispatch_notifications(loopback_context) == 1
    assert make_queue("webhooks", redis).job_ids == [notify_job_id(leak.case_id)]
    assert dispatch_notifications(loopback_context) == 0  # its job is still pending
    notify_victim(leak.case_id)

    [(recipients, message)] = mail.messages
    assert recipients == [VICTIM]
    assert message["Subject"] == "News about your case"
    assert message["From"] == "cases@takedown.example"
    text = message.get_payload(decode=True).decode()
    # The image found; the fixture backdates its notice to before the case was opened.
    assert "There is 1 update on the case" in text
    assert "https://takedown.example/status" in text
    with runtime.sessions() as session:
        public_id = session.get_one(Case, leak.case_id).public_id
    for secret in ("127.0.0.1", leak.image_path, public_id, public_id[:4]):
        assert secret not in text and secret not in str(message["Subject"])

    notify_victim(leak.case_id)  # a second run of the same job tells nothing twice
    assert len(mail.messages) == 1
    redis.flushdb()
    assert dispatch_notifications(loopback_context) == 0


def test_a_removal_after_the_last_note_is_told_in_the_next(
    runtime: Runtime,
    redis: Redis,
    loopback_context: WorkerContext,
    make_leak: MakeLeak,
    content_server: ContentServer,
    mail: MailServer,
) -> None:
    leak = make_leak(page=False)
    subscribe_email(runtime, leak.case_id)
    rewind(runtime, leak.case_id)
    notify_victim(leak.case_id)
    del content_server.routes[leak.image_path]
    check_removal(leak.takedown_id)

    redis.flushdb()
    assert dispatch_notifications(loopback_context) == 1
    notify_victim(leak.case_id)
    assert len(mail.messages) == 2
    assert "There is 1 update" in mail.messages[1][1].get_payload(decode=True).decode()


def test_notes_wait_for_the_minimum_interval_and_then_gather_the_news(
    runtime: Runtime, loopback_context: WorkerContext, make_leak: MakeLeak, mail: MailServer
) -> None:
    leak = make_leak(page=False)
    subscribe_email(runtime, leak.case_id)
    rewind(runtime, leak.case_id)
    notify_victim(leak.case_id)
    rewind(runtime, leak.case_id)  # as if news had come in since
    with transaction(runtime.sessions) as session:
        hourly = notifications.due(session, min_interval=timedelta(hours=1))
        at_once = notifications.due(session, min_interval=timedelta(0))
    assert (hourly, at_once) == ([], [leak.case_id])


def test_a_refused_mailbox_fails_the_job_for_rq_to_retry_and_keeps_the_news(
    runtime: Runtime,
    redis: Redis,
    loopback_context: WorkerContext,
    make_leak: MakeLeak,
    mail: MailServer,
) -> None:
    leak = make_leak(page=False)
    mail.refuse.add(VICTIM)
    subscribe_email(runtime, leak.case_id)
    rewind(runtime, leak.case_id)
    with pytest.raises(NotificationFailed, match="smtp_recipient_refused"):
        notify_victim(leak.case_id)
    with runtime.sessions() as session:
        row = session.scalars(select(CaseNotification)).one()
        assert (row.failures, row.last_error, row.last_sent_at) == (
            1,
            "smtp_recipient_refused",
            None,
        )
    mail.refuse.clear()
    notify_victim(leak.case_id)
    assert len(mail.messages) == 1


def test_a_webhook_gets_a_signed_note_through_the_safe_fetcher(
    runtime: Runtime, loopback_context: WorkerContext, make_leak: MakeLeak
) -> None:
    leak = make_leak(page=False)
    with receiving() as receiver:
        with transaction(runtime.sessions) as session:
            chosen = notifications.subscribe(
                session,
                case=session.get_one(Case, leak.case_id),
                vault=runtime.vault,
                webhook="https://hooks.example/victim",
                email_enabled=True,
            )
            # The receiver listens on plain loopback; the API only accepts https addresses.
            row = session.scalars(select(CaseNotification)).one()
            row.address_sealed = runtime.vault.seal_text(receiver.url)
        rewind(runtime, leak.case_id)
        notify_victim(leak.case_id)
        [(headers, body)] = receiver.received
    assert chosen.secret is not None
    assert webhooks.verify(chosen.secret, headers["Takedown-Signature"], body, now=int(time.time()))
    note = json.loads(body)
    assert (note["event"], note["updates"]) == ("case.news", 1)
    assert "127.0.0.1" not in note["text"] and leak.image_path not in body.decode()


def test_a_withdrawn_case_is_never_notified(
    runtime: Runtime, loopback_context: WorkerContext, make_leak: MakeLeak, mail: MailServer
) -> None:
    leak = make_leak(page=False)
    subscribe_email(runtime, leak.case_id)
    rewind(runtime, leak.case_id)
    with transaction(runtime.sessions) as session:
        session.get_one(Case, leak.case_id).status = "withdrawn"
    assert dispatch_notifications(loopback_context) == 0
    notify_victim(leak.case_id)
    assert mail.messages == []
