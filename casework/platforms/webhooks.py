"""Webhook events for platforms: new matches on their domains, and changes to their feed.

Events are found by scanning, not pushed by the code that makes matches or bank changes: each
platform keeps watermarks (the last Match id and BankChange id it was considered for), and a
scan turns what lies past them into deliveries, in the same transaction that moves the marks.
A crash therefore loses nothing and doubles nothing (deliveries are unique per event key).

A match event carries a match token, so the platform can report an outcome for it, and the
URLs on the platform's own domains; never a hash, the case or the reporter. A video match event
carries the URLs, the share of the found video's frames that match and their time ranges: not
the share of the banked video (that would tell of the victim's video), and no token, as the
outcome API takes image matches only. A feed event says
only that the feed changed: the platform pulls the feed itself, so no hash crosses a webhook.

Signatures follow the common "timestamp.body" scheme: the header
``Takedown-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from casework.bank.models import BankChange
from casework.bank.quarantine import quarantined_among
from casework.db import utcnow
from casework.hosts import host_of
from casework.platforms.apikeys import Scope
from casework.platforms.checks import issue_token
from casework.platforms.feed import feed_kinds
from casework.platforms.models import (
    ApiKey,
    DeliveryStatus,
    PlatformAccount,
    PlatformDomain,
    PlatformKey,
    WebhookDelivery,
)
from casework.platforms.platforms import algorithms_of, platform_for_host
from casework.reports.models import Match, MatchStatus, ReportItem, VideoMatch
from casework.reports.reviews import KINDS, AnyMatch, M, found_url
from casework.reports.videos import parse_ranges
from casework.vault import Vault
from hashing.fingerprint import Algorithm
from hashing.videos import VPDQ

EVENT_MATCH = "match.found"
EVENT_VIDEO_MATCH = "video_match.found"
EVENT_FEED = "feed.changed"
#: Attempts per delivery, and the waits between them (RQ retries the job after each).
DELIVERY_ATTEMPTS = 6
RETRY_INTERVALS_SECONDS = [10, 60, 300, 1800, 7200]
#: A pending delivery with no live job this long after it was queued is queued again.
REQUEUE_AFTER_SECONDS = 120
#: Matches considered per platform per scan; the rest wait for the next scan.
SCAN_BATCH = 500
#: How far back a scan looks again for matches committed after a later id was seen.
RESCAN_SECONDS = 300


@dataclass(frozen=True)
class PreparedDelivery:
    """What the worker sends: the URL, the exact body and its headers."""

    url: str
    body: bytes
    headers: dict[str, str]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The Takedown-Signature header value for a body sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """Check a signature header as a receiver should (tests and the docs use it)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def scan(session: Session, *, vault: Vault) -> list[int]:
    """Turn new matches and feed changes into deliveries; returns the new deliveries' ids."""
    platforms = list(
        session.execute(
            select(PlatformAccount)
            .where(PlatformAccount.webhook_url.is_not(None), PlatformAccount.disabled_at.is_(None))
            .order_by(PlatformAccount.id)
            .with_for_update(skip_locked=True)
        ).scalars()
    )
    if not platforms:
        return []
    domains = dict(
        session.execute(
            select(PlatformDomain.domain, PlatformDomain.platform_id).where(
                PlatformDomain.platform_id.in_([p.id for p in platforms])
            )
        ).all()
    )
    created: list[int] = []
    for platform in platforms:
        created += _scan_found(session, vault=vault, platform=platform, domains=domains, kind=Match)
        created += _scan_found(
            session, vault=vault, platform=platform, domains=domains, kind=VideoMatch
        )
        feed_delivery = _scan_feed(session, vault=vault, platform=platform)
        if feed_delivery is not None:
            created.append(feed_delivery)
    session.flush()
    return created


def _scan_found(
    session: Session,
    *,
    vault: Vault,
    platform: PlatformAccount,
    domains: dict[str, int],
    kind: type[M],
) -> list[int]:
    # Match ids are not committed in id order (jobs run in parallel), so recent matches behind
    # the watermark are looked at again; the delivery's event key keeps each match to one event.
    video = kind is VideoMatch
    watermark = platform.video_match_watermark if video else platform.match_watermark
    recent = utcnow() - timedelta(seconds=RESCAN_SECONDS)
    rows = session.execute(
        select(kind, ReportItem.url)
        .join(ReportItem, ReportItem.id == kind.item_id)
        .where(or_(kind.id > watermark, kind.created_at >= recent))
        .order_by(kind.id)
        .limit(SCAN_BATCH)
    ).all()
    if not rows:
        return []
    if video:
        platform.video_match_watermark = max(watermark, rows[-1][0].id)
    else:
        platform.match_watermark = max(watermark, rows[-1][0].id)
    held = _held_back(session, [match for match, _ in rows])
    # An event key names the match as the audit log does: "match:<id>", "video_match:<id>".
    keys = {match.id: f"{KINDS[kind].object_type}:{match.id}" for match, _ in rows}
    sent = set(
        session.execute(
            select(WebhookDelivery.event_key).where(
                WebhookDelivery.platform_id == platform.id,
                WebhookDelivery.event_key.in_(list(keys.values())),
            )
        ).scalars()
    )
    created: list[int] = []
    for match, page_url in rows:
        if keys[match.id] in sent:
            continue
        urls = [
            url
            for url in dict.fromkeys((found_url(match), page_url))
            if platform_for_host(domains, host_of(url)) == platform.id
        ]
        if not urls or match.id in held:
            continue
        token, token_id = _token_for(session, platform=platform, match=match)
        delivery_id = _add_delivery(
            session,
            vault=vault,
            platform=platform,
            event=EVENT_VIDEO_MATCH if video else EVENT_MATCH,
            event_key=keys[match.id],
            data=match_event(match, urls=urls, token=token),
            match_token_id=token_id,
        )
        if delivery_id is not None:
            created.append(delivery_id)
    return created


def _held_back(session: Session, matches: list[M]) -> set[int]:
    """The ids of image matches whose fingerprint is quarantined (a video cannot be)."""
    images = [match for match in matches if isinstance(match, Match)]
    quarantined = quarantined_among(session, {match.fingerprint_id for match in images})
    return {match.id for match in images if match.fingerprint_id in quarantined}


def _token_for(
    session: Session, *, platform: PlatformAccount, match: AnyMatch
) -> tuple[str | None, int | None]:
    """A match token for an image match, and its row's id; none for a video match, as the
    outcome API takes image matches only."""
    if isinstance(match, VideoMatch):
        return None, None
    token, token_row = issue_token(
        session,
        platform_id=platform.id,
        fingerprint_id=match.fingerprint_id,
        algorithm=Algorithm(match.algorithm),
        distance=match.distance,
        match_id=match.id,
    )
    session.flush()
    return token, token_row.id


def match_event(match: AnyMatch, *, urls: list[str], token: str | None) -> dict[str, object]:
    """A match event's data: its token (images), the URLs on the platform's domains, how it
    matched (an image's algorithm and distance, a video's share of frames and time ranges),
    when it was found and whether a caseworker has decided it."""
    how: dict[str, object]
    if isinstance(match, VideoMatch):
        how = {
            "urls": urls,
            "algorithm": VPDQ,
            "frames_matched_percent": round(match.query_percent, 1),
            "time_ranges": [
                {"start_seconds": start, "end_seconds": end}
                for start, end in parse_ranges(match.ranges)
            ],
        }
    else:
        how = {
            "match_token": token,
            "urls": urls,
            "algorithm": match.algorithm,
            "distance": match.distance,
        }
    return {
        **how,
        "found_at": match.created_at.isoformat(),
        "reviewed": match.status != MatchStatus.PENDING,
    }


def _scan_feed(session: Session, *, vault: Vault, platform: PlatformAccount) -> int | None:
    newest = session.execute(
        select(func.max(BankChange.id)).where(
            BankChange.id > platform.feed_watermark,
            BankChange.algorithm.in_(feed_kinds(algorithms_of(platform))),
            # The feed carries the victims' bank only (casework/platforms/feed.py).
            BankChange.bank_id.is_(None),
        )
    ).scalar_one()
    if newest is None:
        return None
    platform.feed_watermark = int(newest)
    if not _has_feed_scope(session, platform):
        return None
    return _add_delivery(
        session,
        vault=vault,
        platform=platform,
        event=EVENT_FEED,
        event_key=f"feed:{newest}",
        data={"message": "the feed has new entries; read it from your last cursor"},
    )


def _has_feed_scope(session: Session, platform: PlatformAccount) -> bool:
    scopes = session.execute(
        select(ApiKey.scopes)
        .join(PlatformKey, PlatformKey.api_key_id == ApiKey.id)
        .where(PlatformKey.platform_id == platform.id, ApiKey.revoked_at.is_(None))
    ).scalars()
    return any(Scope.FEED.value in s.split(",") for s in scopes)


def _add_delivery(
    session: Session,
    *,
    vault: Vault,
    platform: PlatformAccount,
    event: str,
    event_key: str,
    data: dict[str, object],
    match_token_id: int | None = None,
) -> int | None:
    public_id = "evt_" + secrets.token_hex(12)
    payload = {"id": public_id, "type": event, "created_at": utcnow().isoformat(), "data": data}
    insert = postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(WebhookDelivery)
        .values(
            public_id=public_id,
            platform_id=platform.id,
            match_token_id=match_token_id,
            event=event,
            event_key=event_key,
            payload_sealed=vault.seal_text(json.dumps(payload, separators=(",", ":"))),
            status=DeliveryStatus.PENDING,
            attempts=0,
            created_at=utcnow(),
            enqueued_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["platform_id", "event_key"])
        .returning(WebhookDelivery.id)
    )
    return session.execute(statement).scalar_one_or_none()


def prepare(
    session: Session, *, vault: Vault, delivery_id: int, now: datetime | None = None
) -> PreparedDelivery | None:
    """Count an attempt and build the signed request, or None if nothing is left to send."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    platform = session.get_one(PlatformAccount, delivery.platform_id)
    if platform.webhook_url is None or platform.webhook_secret_sealed is None:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = "webhook_removed"
        session.flush()
        return None
    if delivery.attempts >= DELIVERY_ATTEMPTS:
        # A job that died mid-attempt was re-queued after its last allowed attempt.
        delivery.status = DeliveryStatus.FAILED
        session.flush()
        return None
    delivery.attempts += 1
    session.flush()
    body = vault.open_text(delivery.payload_sealed).encode()
    timestamp = int((now or utcnow()).timestamp())
    secret = vault.open_text(platform.webhook_secret_sealed)
    return PreparedDelivery(
        url=platform.webhook_url,
        body=body,
        headers={
            "Content-Type": "application/json",
            "Takedown-Event": delivery.event,
            "Takedown-Delivery": delivery.public_id,
            "Takedown-Signature": sign(secret, timestamp, body),
        },
    )


def record_result(
    session: Session, *, delivery_id: int, status: int | None, error: str | None
) -> bool:
    """Record one attempt's result; True when the delivery should be tried again."""
    delivery = session.get_one(WebhookDelivery, delivery_id)
    delivery.last_status = status
    delivery.last_error = error[:40] if error else None
    if status is not None and 200 <= status < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = utcnow()
        session.flush()
        return False
    retry = delivery.attempts < DELIVERY_ATTEMPTS
    if not retry:
        delivery.status = DeliveryStatus.FAILED
    session.flush()
    return retry


def stale_deliveries(session: Session, *, now: datetime | None = None) -> list[WebhookDelivery]:
    """Pending deliveries whose job may have been lost; the caller re-queues the dead ones."""
    cutoff = (now or utcnow()) - timedelta(seconds=REQUEUE_AFTER_SECONDS)
    return list(
        session.execute(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING.value,
                or_(WebhookDelivery.enqueued_at.is_(None), WebhookDelivery.enqueued_at < cutoff),
            )
            .order_by(WebhookDelivery.id)
            .limit(500)
        ).scalars()
    )
