"""Removal checks and the re-upload watch, run in this process against a loopback server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from redis import Redis
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from casework import audit
from casework.db import transaction
from casework.models import (
    AuditEvent,
    Match,
    MatchStatus,
    Takedown,
    TakedownCheck,
    TakedownStatus,
    WatchedUrl,
)
from casework.notices.takedowns import is_overdue
from casework.notices.watches import WatchSource, watch_url
from casework.runtime import Runtime
from hashing.fingerprint import Algorithm
from tests.followup.conftest import Leak, noise_png, page_html
from tests.harness import ContentServer
from workers.followup import check_removal, check_watched
from workers.queues import make_queue, watch_job_id

MakeLeak = Callable[..., Leak]


def checks(runtime: Runtime, takedown_id: int) -> list[TakedownCheck]:
    with runtime.sessions() as session:
        return list(
            session.scalars(
                select(TakedownCheck)
                .where(TakedownCheck.takedown_id == takedown_id)
                .order_by(TakedownCheck.id)
            )
        )


def takedown_of(runtime: Runtime, takedown_id: int) -> Takedown:
    with runtime.sessions() as session:
        return session.get_one(Takedown, takedown_id)


def test_a_sent_takedown_whose_url_answers_404_becomes_removed_with_the_evidence(
    runtime: Runtime, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak(page=False)
    del content_server.routes[leak.image_path]
    check_removal(leak.takedown_id)
    takedown = takedown_of(runtime, leak.takedown_id)
    assert takedown.status == TakedownStatus.REMOVED
    assert takedown.removed_at is not None
    [row] = checks(runtime, leak.takedown_id)
    assert (row.url, row.http_status, row.outcome) == (
        content_server.base + leak.image_path,
        404,
        "gone",
    )
    assert row.found_sealed is None and row.sha256_sealed is None
    with runtime.sessions() as session:
        assert audit.verify_chain(session).ok
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.object_id == str(leak.takedown_id))
        ).all()
        assert [e.action for e in events][-2:] == ["takedown_checked", "takedown_status"]


def test_a_page_that_no_longer_shows_a_matching_image_counts_as_gone(
    runtime: Runtime, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak()
    other = content_server.add("/media/other.png", "image/png", noise_png((300, 200)))
    content_server.add(leak.page_path, "text/html", page_html("/media/other.png"))
    del content_server.routes[leak.image_path]
    check_removal(leak.takedown_id)
    assert takedown_of(runtime, leak.takedown_id).status == TakedownStatus.REMOVED
    rows = {row.url: row for row in checks(runtime, leak.takedown_id)}
    page = rows[content_server.base + leak.page_path]
    assert (page.http_status, page.outcome, page.reason) == (200, "gone", "no_matching_image")
    assert page.images_seen == 1
    assert json.loads(page.headers_json)["content-type"] == "text/html"
    assert rows[content_server.base + leak.image_path].http_status == 404
    assert other not in rows


def test_a_takedown_still_serving_the_image_past_its_deadline_becomes_overdue(
    runtime: Runtime, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak(deadline_in=-timedelta(minutes=5))
    check_removal(leak.takedown_id)
    takedown = takedown_of(runtime, leak.takedown_id)
    assert takedown.status == TakedownStatus.SENT
    assert is_overdue(takedown)
    rows = checks(runtime, leak.takedown_id)
    assert {row.outcome for row in rows} == {"still_there"}
    assert all(row.overdue for row in rows)
    image_row = next(r for r in rows if r.url.endswith(leak.image_path))
    assert image_row.distance == 0
    assert image_row.sha256_sealed is not None
    sha256 = runtime.vault.open(Algorithm.SHA256, image_row.sha256_sealed)
    assert sha256.hex == hashlib.sha256(leak.body).hexdigest()
    with runtime.sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "takedown_checked")
        ).one()
        details = json.loads(event.details_json)
        assert (details["overdue"], details["next_step"]) == (True, "hosting_provider")


def test_a_takedown_still_serving_the_image_before_its_deadline_is_not_overdue(
    runtime: Runtime, make_leak: MakeLeak
) -> None:
    leak = make_leak()
    check_removal(leak.takedown_id)
    assert takedown_of(runtime, leak.takedown_id).status == TakedownStatus.SENT
    assert not any(row.overdue for row in checks(runtime, leak.takedown_id))


def test_a_server_error_proves_nothing_and_leaves_the_notice_sent(
    runtime: Runtime, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak(page=False)
    content_server.redirects[leak.image_path] = "http://intranet.test/"
    check_removal(leak.takedown_id)
    assert takedown_of(runtime, leak.takedown_id).status == TakedownStatus.SENT
    [row] = checks(runtime, leak.takedown_id)
    assert (row.outcome, row.reason) == ("error", "blocked_address")


def test_a_removed_notice_is_not_checked_again(
    runtime: Runtime, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak(page=False)
    del content_server.routes[leak.image_path]
    check_removal(leak.takedown_id)
    check_removal(leak.takedown_id)
    assert len(checks(runtime, leak.takedown_id)) == 1


def test_a_reupload_at_a_watched_url_opens_a_new_review_item_linked_to_the_takedown(
    runtime: Runtime, redis: Redis, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak(page=False)
    del content_server.routes[leak.image_path]
    check_removal(leak.takedown_id)
    with runtime.sessions() as session:
        watched = session.scalars(select(WatchedUrl)).one()
        assert (watched.source, watched.takedown_id) == (WatchSource.REMOVED, leak.takedown_id)
        watched_id = watched.id
    scheduled = ScheduledJobRegistry(queue=make_queue("maintenance", redis))
    assert watch_job_id(watched_id) in scheduled.get_job_ids()

    check_watched(watched_id)
    with runtime.sessions() as session:
        assert session.scalars(select(Match).where(Match.status == "pending")).all() == []
    content_server.add(leak.image_path, "image/png", leak.body)
    redis.delete("watch-host:127.0.0.1")
    check_watched(watched_id)
    with runtime.sessions() as session:
        image = session.scalars(select(Match).where(Match.status == MatchStatus.PENDING)).all()
        # One image found again, with a match per algorithm that matched, reviewed together.
        assert {(m.case_id, m.image_url) for m in image} == {
            (leak.case_id, content_server.base + leak.image_path)
        }
        row = session.scalars(
            select(TakedownCheck).where(TakedownCheck.match_id.in_([m.id for m in image]))
        ).one()
        fresh = session.get_one(Match, row.match_id)
        assert (row.purpose, row.takedown_id, row.outcome) == (
            "watch",
            leak.takedown_id,
            "still_there",
        )
        assert session.get_one(WatchedUrl, watched_id).next_check_at > fresh.created_at


def test_watch_checks_of_one_host_wait_for_its_rate_limit_slot(
    runtime: Runtime, redis: Redis, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak(page=False)
    with transaction(runtime.sessions) as session:
        first, second = (
            watch_url(
                session,
                case_id=leak.case_id,
                url=content_server.base + path,
                source=WatchSource.CASEWORKER,
            ).id
            for path in ("/a", "/b")
        )
    content_server.requests.clear()
    check_watched(first)
    check_watched(second)
    assert content_server.requests == ["/a"]
    with runtime.sessions() as session:
        assert session.get_one(WatchedUrl, second).last_checked_at is None
    scheduled = ScheduledJobRegistry(queue=make_queue("maintenance", redis))
    assert watch_job_id(second) in scheduled.get_job_ids()


def test_a_reupload_at_a_url_an_open_notice_names_is_evidence_for_it_not_a_new_review_item(
    runtime: Runtime, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak()
    with transaction(runtime.sessions) as session:
        watched_id = watch_url(
            session,
            case_id=leak.case_id,
            url=content_server.base + leak.page_path,
            source=WatchSource.CASEWORKER,
        ).id
    check_watched(watched_id)
    with runtime.sessions() as session:
        assert session.scalars(select(Match).where(Match.status == "pending")).all() == []
        row = session.scalars(select(TakedownCheck).where(TakedownCheck.purpose == "watch")).one()
        assert (row.takedown_id, row.outcome, row.match_id) == (
            leak.takedown_id,
            "still_there",
            None,
        )
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "reupload_found")
        ).one()
        assert (event.object_type, event.object_id) == ("takedown", str(leak.takedown_id))


def test_a_reupload_found_again_before_review_stays_one_review_item(
    runtime: Runtime, redis: Redis, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak(page=False)
    del content_server.routes[leak.image_path]
    check_removal(leak.takedown_id)
    with runtime.sessions() as session:
        watched_id = session.scalars(select(WatchedUrl.id)).one()
    content_server.add(leak.image_path, "image/png", leak.body)
    for _ in range(2):
        redis.delete("watch-host:127.0.0.1")
        check_watched(watched_id)
    with runtime.sessions() as session:
        pending = session.scalars(select(Match).where(Match.status == "pending")).all()
        assert len({match.image_url for match in pending}) == 1
        assert len({match.item_id for match in pending}) == 1
        rows = session.scalars(select(TakedownCheck).where(TakedownCheck.purpose == "watch")).all()
        assert [row.match_id for row in rows] == [pending[0].id, pending[0].id]
