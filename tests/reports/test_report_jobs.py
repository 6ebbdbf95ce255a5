"""fetch_and_match run in this process: SSRF refusals, hostile content, idempotency."""

from __future__ import annotations

import gzip
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from casework.db import transaction
from casework.models import CaseFingerprint, ItemStatus, Match, ReportItem
from casework.runtime import Runtime
from casework.victims import cases
from tests.factories import png_header_only, report, sent_for
from tests.harness import ContentServer, encode
from tests.jobs import item_state
from workers.context import WorkerContext
from workers.reports import fetch_and_match

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
    with transaction(runtime.sessions) as session:
        cases.open_case(
            session,
            fingerprints=sent_for(body),
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
