"""Lost follow-up jobs are queued again; a URL a caseworker watches is checked for re-uploads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select

from casework.db import transaction, utcnow
from casework.models import Case, Match, MatchStatus, Takedown, WatchedUrl
from casework.runtime import Runtime
from service.cli import main
from tests.followup.conftest import Leak
from tests.harness import ContentServer
from workers.context import WorkerContext
from workers.followup import check_watched, reconcile_followup
from workers.queues import make_queue, removal_job_id, watch_job_id

MakeLeak = Callable[..., Leak]


def queued_ids(redis: Redis) -> list[str]:
    return make_queue("maintenance", redis).get_job_ids()


def test_a_sent_notice_whose_checks_were_lost_is_queued_again_once(
    runtime: Runtime, redis: Redis, make_leak: MakeLeak, loopback_context: WorkerContext
) -> None:
    leak = make_leak()
    assert queued_ids(redis) == []
    assert reconcile_followup(loopback_context) == 1
    assert queued_ids(redis) == [removal_job_id(leak.takedown_id, "reconciled")]
    assert reconcile_followup(loopback_context) == 0


def test_a_notice_sent_moments_ago_is_left_to_its_own_job(
    runtime: Runtime, redis: Redis, make_leak: MakeLeak, loopback_context: WorkerContext
) -> None:
    leak = make_leak()
    with transaction(runtime.sessions) as session:
        session.get_one(Takedown, leak.takedown_id).sent_at = utcnow() - timedelta(seconds=5)
    assert reconcile_followup(loopback_context) == 0


def test_a_reupload_at_a_url_a_caseworker_watches_opens_a_review_item(
    runtime: Runtime,
    redis: Redis,
    make_leak: MakeLeak,
    content_server: ContentServer,
    cli_settings: None,
) -> None:
    leak = make_leak(page=False)
    with runtime.sessions() as session:
        case = session.get_one(Case, leak.case_id).public_id
        reference = session.get_one(Takedown, leak.takedown_id).reference
    mirror = content_server.base + "/mirror/copy.png"
    assert main(["watch", "add", case, mirror, "--takedown", reference]) == 0
    with runtime.sessions() as session:
        watched = session.scalars(select(WatchedUrl)).one()
        assert (watched.source, watched.takedown_id) == ("caseworker", leak.takedown_id)
    assert queued_ids(redis) == [watch_job_id(watched.id)]
    check_watched(watched.id)
    with runtime.sessions() as session:
        assert session.scalars(select(Match).where(Match.status == "pending")).all() == []
    content_server.add("/mirror/copy.png", "image/png", leak.body)
    redis.delete("watch-host:127.0.0.1")
    check_watched(watched.id)
    with runtime.sessions() as session:
        fresh = session.scalars(select(Match).where(Match.status == MatchStatus.PENDING)).all()
        # One image found again: its matches (one per algorithm that matched) are reviewed together.
        assert {(match.case_id, match.image_url) for match in fresh} == {(leak.case_id, mirror)}


def test_a_caseworker_can_watch_a_whole_site_from_the_command_line(
    runtime: Runtime,
    redis: Redis,
    make_leak: MakeLeak,
    content_server: ContentServer,
    cli_settings: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    leak = make_leak(page=False)
    with runtime.sessions() as session:
        case = session.get_one(Case, leak.case_id).public_id
    assert main(["watch", "add", case, content_server.base + "/", "--site"]) == 0
    assert "watching the site from" in capsys.readouterr().out
    with runtime.sessions() as session:
        watched = session.scalars(select(WatchedUrl)).one()
        assert (watched.scope, watched.source) == ("site", "caseworker")
    assert queued_ids(redis) == [watch_job_id(watched.id)]
