"""Webhooks: signed match and feed events, delivered by the RQ worker through the safe fetcher."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from functools import cache

import pytest
from redis import Redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from sqlalchemy import select

from casework.bank.videos import VideoHit, add_video
from casework.db import transaction
from casework.errors import InvalidInput
from casework.models import Case, CaseFingerprint, CaseVideo, DeliveryStatus, WebhookDelivery
from casework.platforms import platforms, webhooks
from casework.platforms.apikeys import Scope
from casework.reports import reports
from casework.reports.reports import FoundMatch, Reporter, ReporterKind
from casework.reports.videos import record_video_matches
from casework.runtime import Runtime
from casework.settings import Settings
from hashing.fingerprint import Algorithm
from hashing.videos import hash_video
from tests import videos
from tests.factories import random_fingerprint
from tests.platformkeys import bank_case
from tests.receivers import Receiver
from workers import context as worker_context
from workers.queues import make_queue
from workers.webhooks import DeliveryFailed, deliver_webhook, dispatch_webhooks


@pytest.fixture
def worker(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[worker_context.WorkerContext]:
    """A worker context that may reach loopback receivers, installed for jobs to find."""
    context = worker_context.configure(settings.model_copy(update={"fetch_allow_loopback": True}))
    context.redis.flushdb()
    yield context
    context.redis.flushdb()
    context.runtime.engine.dispose()
    monkeypatch.setattr(worker_context, "_current", None)


def platform_with_webhook(runtime: Runtime, url: str) -> str:
    with transaction(runtime.sessions) as session:
        platform = platforms.create_platform(
            session,
            name="alpha",
            domains=["alpha.example"],
            algorithms=platforms.parse_algorithms(None),
        )
        secret = platforms.set_webhook(
            session, vault=runtime.vault, platform=platform, url=url, require_https=False
        )
        platforms.issue_platform_key(
            session, vault=runtime.vault, platform=platform, scopes=[Scope.FEED]
        )
    assert secret is not None
    return secret


def found_on(runtime: Runtime, image_url: str) -> tuple[int, str]:
    """A case, a report of a page and a match of one of its images; returns (case id, hash)."""
    fingerprint = random_fingerprint(Algorithm.PDQ, random.Random(image_url))
    case = bank_case(runtime, [fingerprint])
    with transaction(runtime.sessions) as session:
        report = reports.create_report(
            session,
            reporter=Reporter(kind=ReporterKind.CASEWORKER),
            urls=["https://forum.example/thread/1"],
            note=None,
            vault=runtime.vault,
        )
        fingerprint_id = session.query(CaseFingerprint.id).filter_by(case_id=case.id).scalar()
        reports.record_matches(
            session,
            item=report.items[0],
            found=[
                FoundMatch(
                    image_url=image_url,
                    fingerprint_id=fingerprint_id,
                    case_id=case.id,
                    found=fingerprint,
                    distance=6,
                )
            ],
            vault=runtime.vault,
        )
    return case.id, fingerprint.hex


@cache
def banked_video() -> str:
    return hash_video(videos.source_video(0)).to_vpdq()


def video_found_on(runtime: Runtime, video_url: str, *, seed: int) -> str:
    """A case banking a video, a report of a page and a match of a video found through it with
    87.5 % of its frames matching in two time ranges; returns the case's public id."""
    case = bank_case(runtime, [random_fingerprint(Algorithm.PDQ, random.Random(seed))])
    with transaction(runtime.sessions) as session:
        add_video(
            session, case=session.get_one(Case, case.id), text=banked_video(), vault=runtime.vault
        )
        video_id = session.scalars(select(CaseVideo.id).where(CaseVideo.case_id == case.id)).one()
        report = reports.create_report(
            session,
            reporter=Reporter(kind=ReporterKind.CASEWORKER),
            urls=["https://forum.example/thread/7"],
            note=None,
            vault=runtime.vault,
        )
        hit = VideoHit(
            video_id=video_id,
            case_id=case.id,
            query_percent=87.5,
            compared_percent=41.25,
            query_ranges=((3.0, 12.0), (20.0, 24.5)),
        )
        assert record_video_matches(session, item=report.items[0], video_url=video_url, hits=[hit])
        return session.get_one(Case, case.id).public_id


def drain(redis: Redis) -> None:
    SimpleWorker([make_queue("webhooks", redis)], connection=redis, serializer=JSONSerializer).work(
        burst=True, logging_level="WARNING"
    )


def test_a_match_on_a_platforms_domain_is_delivered_signed_with_a_token_and_no_hash(
    worker: worker_context.WorkerContext, receiver: Receiver
) -> None:
    runtime = worker.runtime
    secret = platform_with_webhook(runtime, receiver.url)
    _case, value = found_on(runtime, "https://cdn.alpha.example/img/1.jpg")
    found_on(runtime, "https://elsewhere.example/2.jpg")
    assert dispatch_webhooks(worker) == 2  # the match on alpha's domain, and the feed change
    drain(worker.redis)
    events = {}
    for headers, body in receiver.received:
        assert webhooks.verify(secret, headers["Takedown-Signature"], body, now=int(time.time()))
        assert not webhooks.verify(
            "whsec_wrong", headers["Takedown-Signature"], body, now=int(time.time())
        )
        payload = json.loads(body)
        assert payload["type"] == headers["Takedown-Event"]
        events[payload["type"]] = payload
        assert value not in body.decode()
    match = events["match.found"]["data"]
    assert match["urls"] == ["https://cdn.alpha.example/img/1.jpg"]
    assert match["match_token"].startswith("mt_") and match["reviewed"] is False
    assert "feed.changed" in events
    # Nothing new: a second scan sends nothing again.
    assert dispatch_webhooks(worker) == 0


def test_a_failing_receiver_is_retried_until_it_answers_and_then_marked_delivered(
    worker: worker_context.WorkerContext, receiver: Receiver
) -> None:
    runtime = worker.runtime
    platform_with_webhook(runtime, receiver.url)
    found_on(runtime, "https://alpha.example/a.jpg")
    with transaction(runtime.sessions) as session:
        delivery_ids = webhooks.scan(session, vault=runtime.vault)
    receiver.statuses = [500, 503]
    match_delivery = min(delivery_ids)
    for _ in range(2):
        with pytest.raises(DeliveryFailed):
            deliver_webhook(match_delivery)
    deliver_webhook(match_delivery)
    deliver_webhook(match_delivery)  # a repeated job sends nothing more
    assert len(receiver.received) == 3
    with runtime.sessions() as session:
        delivery = session.get_one(WebhookDelivery, match_delivery)
        assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3


def test_a_receiver_that_never_answers_fails_after_the_last_attempt(
    worker: worker_context.WorkerContext, receiver: Receiver
) -> None:
    runtime = worker.runtime
    platform_with_webhook(runtime, receiver.url)
    found_on(runtime, "https://alpha.example/b.jpg")
    with transaction(runtime.sessions) as session:
        delivery_id = min(webhooks.scan(session, vault=runtime.vault))
    receiver.statuses = [500] * webhooks.DELIVERY_ATTEMPTS
    for _ in range(webhooks.DELIVERY_ATTEMPTS - 1):
        with pytest.raises(DeliveryFailed):
            deliver_webhook(delivery_id)
    deliver_webhook(delivery_id)
    with runtime.sessions() as session:
        delivery = session.get_one(WebhookDelivery, delivery_id)
        assert delivery.status == DeliveryStatus.FAILED and delivery.last_error == "http_500"


def test_webhooks_to_private_addresses_are_refused_by_the_fetcher(
    worker: worker_context.WorkerContext,
) -> None:
    runtime = worker.runtime
    platform_with_webhook(runtime, "http://10.0.0.7/hook")
    found_on(runtime, "https://alpha.example/c.jpg")
    with transaction(runtime.sessions) as session:
        delivery_id = min(webhooks.scan(session, vault=runtime.vault))
    with pytest.raises(DeliveryFailed, match="blocked_address"):
        deliver_webhook(delivery_id)


def test_a_match_committed_behind_the_watermark_is_still_sent_once(
    worker: worker_context.WorkerContext, receiver: Receiver
) -> None:
    runtime = worker.runtime
    platform_with_webhook(runtime, receiver.url)
    found_on(runtime, "https://alpha.example/late.jpg")
    with transaction(runtime.sessions) as session:
        platform = platforms.require_platform(session, name="alpha")
        # As if a parallel job's later match id had been scanned before this one committed.
        platform.match_watermark = 10_000
    with transaction(runtime.sessions) as session:
        first = webhooks.scan(session, vault=runtime.vault)
    with transaction(runtime.sessions) as session:
        again = webhooks.scan(session, vault=runtime.vault)
    with runtime.sessions() as session:
        events = [session.get_one(WebhookDelivery, i).event for i in first]
    assert "match.found" in events and again == []


def test_webhooks_must_use_https_unless_told_otherwise(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput, match="https"), transaction(runtime.sessions) as session:
        platform = platforms.create_platform(
            session, name="plain", domains=[], algorithms=platforms.parse_algorithms(None)
        )
        platforms.set_webhook(
            session, vault=runtime.vault, platform=platform, url="http://hooks.plain.example/"
        )


def test_a_banked_video_is_a_feed_change_platforms_hear_of(
    worker: worker_context.WorkerContext, receiver: Receiver
) -> None:
    runtime = worker.runtime
    platform_with_webhook(runtime, receiver.url)
    case = bank_case(runtime, [random_fingerprint(Algorithm.PDQ, random.Random(60))])
    assert dispatch_webhooks(worker) == 1
    with transaction(runtime.sessions) as session:
        add_video(
            session,
            case=session.get_one(Case, case.id),
            text=hash_video(videos.source_video(0)).to_vpdq(),
            vault=runtime.vault,
        )

    assert dispatch_webhooks(worker) == 1
    drain(worker.redis)
    assert [json.loads(body)["type"] for _headers, body in receiver.received] == [
        "feed.changed",
        "feed.changed",
    ]


def test_a_video_match_on_a_platforms_domain_is_delivered_signed_with_its_share_and_times_only(
    worker: worker_context.WorkerContext, receiver: Receiver
) -> None:
    runtime = worker.runtime
    secret = platform_with_webhook(runtime, receiver.url)
    public_id = video_found_on(runtime, "https://media.alpha.example/v/9.mp4", seed=70)
    video_found_on(runtime, "https://elsewhere.example/v/9.mp4", seed=71)
    assert dispatch_webhooks(worker) == 2  # the video match on alpha's domain, and the feed
    drain(worker.redis)
    events = {}
    for headers, body in receiver.received:
        assert webhooks.verify(secret, headers["Takedown-Signature"], body, now=int(time.time()))
        payload = json.loads(body)
        assert payload["type"] == headers["Takedown-Event"]
        events[payload["type"]] = payload
        # Nothing of the case: no id, no frame hash, no share of the banked video.
        text = body.decode()
        assert public_id not in text and "41.2" not in text
        assert all(frame.split(",")[0] not in text for frame in json.loads(banked_video()))
    assert set(events) == {"video_match.found", "feed.changed"}
    assert events["video_match.found"]["data"] == {
        "urls": ["https://media.alpha.example/v/9.mp4"],
        "algorithm": "vpdq",
        "frames_matched_percent": 87.5,
        "time_ranges": [
            {"start_seconds": 3.0, "end_seconds": 12.0},
            {"start_seconds": 20.0, "end_seconds": 24.5},
        ],
        "found_at": events["video_match.found"]["data"]["found_at"],
        "reviewed": False,
    }
    with transaction(runtime.sessions) as session:
        delivery = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event == "video_match.found")
        ).one()
        assert delivery.status == DeliveryStatus.DELIVERED
    # Nothing new: a second scan sends nothing again.
    assert dispatch_webhooks(worker) == 0
