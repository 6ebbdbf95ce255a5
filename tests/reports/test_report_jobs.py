"""fetch_and_match run in this process: SSRF refusals, hostile content, idempotency."""

from __future__ import annotations

import gzip
import socket
import zlib
from collections.abc import Iterator

import pytest
from PIL import Image
from redis import Redis
from sqlalchemy import func, select

from casework import cases
from casework.db import transaction
from casework.models import CaseFingerprint, ItemStatus, Match, ReportItem
from casework.reports import Reporter, ReporterKind, create_report
from casework.runtime import Runtime
from hashing.algorithms import hash_file
from tests.factories import submitted
from tests.harness import ContentServer, encode
from tests.hashing.test_images import png_header_only
from tests.netguard import socket_connects
from workers import context as worker_context
from workers.context import WorkerContext
from workers.fetcher import FetchPolicy
from workers.reports import fetch_and_match

__all__ = ["socket_connects"]

STUB_DNS = {
    "metadata.test": ["169.254.169.254"],
    "intranet.test": ["10.0.0.1"],
    "mixed.test": ["93.184.216.34", "127.0.0.1"],
}


def stub_resolver(host: str, port: int) -> list[str]:
    """Names resolve from a table, numeric forms (2130706433, 0x7f000001) as the OS parses them."""
    if host in STUB_DNS:
        return STUB_DNS[host]
    answers = socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST)
    return [str(answer[4][0]) for answer in answers]


def install_context(runtime: Runtime, redis: Redis, policy: FetchPolicy) -> WorkerContext:
    context = WorkerContext(runtime=runtime, policy=policy, redis=redis, resolver=stub_resolver)
    worker_context._current = context
    return context


@pytest.fixture
def loopback_context(runtime: Runtime, redis: Redis) -> Iterator[WorkerContext]:
    """A worker context whose fetcher may reach the loopback test server (tests only)."""
    yield install_context(
        runtime, redis, FetchPolicy(allow_loopback=True, extra_ports=frozenset(range(1024, 65536)))
    )
    worker_context._current = None


@pytest.fixture
def production_context(runtime: Runtime, redis: Redis) -> Iterator[WorkerContext]:
    """A worker context with the production policy: public addresses, ports 80 and 443 only."""
    yield install_context(runtime, redis, FetchPolicy(deadline_seconds=3))
    worker_context._current = None


def report(runtime: Runtime, urls: list[str]) -> list[int]:
    """Store a flagger-style report (no case) and return its item ids."""
    with transaction(runtime.sessions) as session:
        made = create_report(
            session,
            reporter=Reporter(ReporterKind.FLAGGER),
            urls=urls,
            note=None,
            vault=runtime.vault,
        )
        return [item.id for item in made.items]


def item_state(runtime: Runtime, item_id: int) -> tuple[str, str | None]:
    with runtime.sessions() as session:
        item = session.get_one(ReportItem, item_id)
        return item.status, item.reason


SSRF_URLS = [
    "http://127.0.0.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://127.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.test/latest/meta-data/",
    "http://intranet.test/",
    "http://mixed.test/",
    "http://10.1.2.3/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://[fd00:ec2::254]/",
]


@pytest.mark.battery("S1", "S2", "S4", "S5", "S6", "S7", "S8")
@pytest.mark.parametrize("url", SSRF_URLS)
def test_internal_addresses_end_blocked_without_any_connection(
    runtime: Runtime,
    production_context: WorkerContext,
    url: str,
    socket_connects: list[tuple[str, int]],
) -> None:
    [item_id] = report(runtime, [url])
    fetch_and_match(item_id)
    status, reason = item_state(runtime, item_id)
    assert status == ItemStatus.FAILED
    assert reason == "blocked_address", url
    assert [c for c in socket_connects if c[1] != 6379] == []


@pytest.mark.battery("S10")
def test_a_redirect_to_the_metadata_address_is_blocked_at_the_second_hop(
    runtime: Runtime, loopback_context: WorkerContext, content_server: ContentServer
) -> None:
    content_server.redirects["/go"] = "http://metadata.test/latest/meta-data/"
    [item_id] = report(runtime, [content_server.base + "/go"])
    fetch_and_match(item_id)
    assert item_state(runtime, item_id) == (ItemStatus.FAILED, "blocked_address")
    assert content_server.requests == ["/go"]


def truncated_jpeg() -> bytes:
    photo = Image.effect_noise((256, 256), 60).convert("RGB")
    return encode(photo, "JPEG")[:2000]


@pytest.mark.battery("H1", "H3", "H4")
@pytest.mark.parametrize(
    ("name", "content_type", "body", "reason"),
    [
        (
            "pixel bomb header",
            "image/png",
            png_header_only(100_000, 100_000, zlib.compress(b"\0")),
            "image_too_large",
        ),
        ("truncated jpeg", "image/jpeg", truncated_jpeg(), "decode_error"),
        (
            "text labelled as an image",
            "image/png",
            b"hello, not an image" * 10,
            "unsupported_content",
        ),
    ],
)
def test_hostile_images_end_with_their_reason(
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
    name: str,
    content_type: str,
    body: bytes,
    reason: str,
) -> None:
    [item_id] = report(runtime, [content_server.add("/x", content_type, body)])
    fetch_and_match(item_id)
    assert item_state(runtime, item_id) == (ItemStatus.FAILED, reason), name


@pytest.mark.battery("H8")
def test_a_gzip_bomb_is_cut_at_the_byte_cap(
    runtime: Runtime, loopback_context: WorkerContext, content_server: ContentServer
) -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))
    url = content_server.add("/bomb", "image/png", bomb)
    content_server.headers["/bomb"] = {"Content-Encoding": "gzip"}
    [item_id] = report(runtime, [url])
    fetch_and_match(item_id)
    status, reason = item_state(runtime, item_id)
    assert status == ItemStatus.FAILED and reason in ("too_large", "unsupported_content")


@pytest.mark.battery("H10")
def test_a_page_with_ten_thousand_images_checks_a_bounded_number(
    runtime: Runtime, loopback_context: WorkerContext, content_server: ContentServer
) -> None:
    tags = "".join(f'<img src="/img/{n}.png">' for n in range(10_000))
    url = content_server.add(
        "/huge.html", "text/html", f"<html><body>{tags}</body></html>".encode()
    )
    [item_id] = report(runtime, [url])
    fetch_and_match(item_id)
    with runtime.sessions() as session:
        item = session.get_one(ReportItem, item_id)
        assert (item.status, item.images_found, item.images_hashed) == ("done", 50, 0)
    assert len(content_server.requests) == 51


@pytest.mark.battery("H13")
def test_a_job_that_runs_twice_records_each_match_once(
    runtime: Runtime, loopback_context: WorkerContext, content_server: ContentServer
) -> None:
    photo = Image.effect_noise((320, 240), 80).convert("RGB").resize((640, 480))
    body = encode(photo, "PNG")
    hashed = hash_file(body)
    with transaction(runtime.sessions) as session:
        cases.open_case(
            session,
            fingerprints=[
                submitted(fp, hashed.pdq_quality if fp.algorithm.value == "pdq" else None)
                for fp in hashed.fingerprints
            ],
            limits=runtime.limits,
            vault=runtime.vault,
            pins=runtime.pins,
        )
    [item_id] = report(runtime, [content_server.add("/leak.png", "image/png", body)])
    fetch_and_match(item_id)
    with runtime.sessions() as session:
        first = session.scalar(select(func.count()).select_from(Match))
        session.get_one(ReportItem, item_id).status = ItemStatus.QUEUED.value
        session.commit()
    fetch_and_match(item_id)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Match)) == first
        assert first == session.scalar(select(func.count()).select_from(CaseFingerprint))
