"""A reported URL that is a video, or a page with one, is matched frame-wise against the bank."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from redis import Redis
from sqlalchemy import select

from casework.bank.videos import add_video
from casework.db import transaction
from casework.models import Case, ReportItem, VideoMatch
from casework.reports.videos import parse_ranges
from casework.runtime import Runtime
from hashing.algorithms import sha256_of
from hashing.videos import hash_bank_video, hash_video
from tests import videos
from tests.factories import report
from tests.harness import ContentServer
from tests.platformkeys import bank_case
from workers.context import WorkerContext
from workers.reports import fetch_and_match

#: Paths opened for writing while the flag is up (an audit hook cannot be removed, so it is
#: added once and consulted only while a test holds the flag).
_WRITES: list[str] = []
_WATCHING: list[bool] = [False]


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _WATCHING[0] and event == "open":
        path, mode = args[0], args[1]
        flags = args[2] if len(args) > 2 else 0
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & 0o3
        )
        if writing:
            _WRITES.append(str(path))


sys.addaudithook(_audit)


@pytest.fixture
def watched_writes() -> Iterator[list[str]]:
    _WRITES.clear()
    _WATCHING[0] = True
    try:
        yield _WRITES
    finally:
        _WATCHING[0] = False


def warm_index(context: WorkerContext, watched_writes: list[str]) -> None:
    """Load the worker's bank index before the job, then forget what loading it wrote.

    The first refresh publishes the index to /dev/shm (casework/bank/snapshot.py): hashes of
    the bank, in memory, not fetched content. The watch is then left with the job's writes.
    """
    with context.runtime.sessions() as session:
        context.runtime.bank.refresh(session)
    watched_writes.clear()


def test_the_write_watch_sees_a_file_written(watched_writes: list[str], tmp_path) -> None:
    (tmp_path / "seen").write_bytes(b"x")
    assert str(tmp_path / "seen") in watched_writes


@pytest.fixture
def banked_video(runtime: Runtime) -> int:
    """A case holding the source test video's vPDQ fingerprint; returns the case's id."""
    source = videos.source_video(0)
    case = bank_case(runtime, [sha256_of(b"another file of the victim")])
    with transaction(runtime.sessions) as session:
        add_video(
            session,
            case=session.get_one(Case, case.id),
            text=hash_video(source).to_vpdq(),
            vault=runtime.vault,
        )
    return case.id


def _video_matches(runtime: Runtime, item_id: int) -> list[VideoMatch]:
    with runtime.sessions() as session:
        return list(session.scalars(select(VideoMatch).where(VideoMatch.item_id == item_id)))


def test_a_reported_video_url_matches_with_its_share_and_time_ranges_and_nothing_is_written(
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
    redis: Redis,
    banked_video: int,
    watched_writes: list[str],
) -> None:
    leak = videos.excerpt(videos.source_video(0), start=3.0, seconds=10.0)
    url = content_server.add("/clip.mp4", "video/mp4", leak)
    [item_id] = report(runtime, [url])
    warm_index(loopback_context, watched_writes)

    fetch_and_match(item_id)

    (found,) = _video_matches(runtime, item_id)
    assert found.case_id == banked_video and found.video_url == url
    assert found.query_percent == 100.0 and found.compared_percent < 100.0
    assert parse_ranges(found.ranges) == [(0.0, 9.0)]
    with runtime.sessions() as session:
        item = session.get_one(ReportItem, item_id)
        assert (item.status, item.images_found, item.images_hashed) == ("done", 1, 1)
    assert watched_writes == []
    window = leak[len(leak) // 2 : len(leak) // 2 + 32]
    for key in redis.scan_iter():
        value = redis.dump(key) or b""
        assert window not in value


def test_a_page_with_a_mirrored_video_in_a_source_tag_matches(
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
    banked_video: int,
    watched_writes: list[str],
) -> None:
    content_server.add("/m.mp4", "video/mp4", videos.mirrored(videos.source_video(0)))
    page = b'<html><body><video controls><source src="/m.mp4"></video></body></html>'
    [item_id] = report(runtime, [content_server.add("/watch.html", "text/html", page)])
    warm_index(loopback_context, watched_writes)

    fetch_and_match(item_id)

    (found,) = _video_matches(runtime, item_id)
    assert found.video_url.endswith("/m.mp4") and found.query_percent >= 80.0
    assert watched_writes == []


def test_another_video_or_a_broken_one_records_no_video_match(
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
    banked_video: int,
) -> None:
    other = content_server.add("/other.mp4", "video/mp4", videos.source_video(13))
    broken = content_server.add("/broken.mp4", "video/mp4", videos.source_video(0)[:3000])
    item_ids = report(runtime, [other, broken])

    for item_id in item_ids:
        fetch_and_match(item_id)

    for item_id in item_ids:
        assert _video_matches(runtime, item_id) == []
        with runtime.sessions() as session:
            assert session.get_one(ReportItem, item_id).status == "done"


def test_a_reported_cropped_leak_matches_through_the_crops_the_victims_device_sent(
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
) -> None:
    source = videos.source_video(0)
    banked = hash_bank_video(source)
    case = bank_case(runtime, [sha256_of(b"another file of the victim")])
    with transaction(runtime.sessions) as session:
        add_video(
            session,
            case=session.get_one(Case, case.id),
            text=banked.video.to_vpdq(),
            crops=[crop.to_vpdq() for crop in banked.crops],
            vault=runtime.vault,
        )
    cropped = content_server.add("/cropped.mp4", "video/mp4", videos.cropped(source))
    other = content_server.add("/other.mp4", "video/mp4", videos.cropped(videos.source_video(13)))
    [cropped_item, other_item] = report(runtime, [cropped, other])

    fetch_and_match(cropped_item)
    fetch_and_match(other_item)

    (found,) = _video_matches(runtime, cropped_item)
    assert found.case_id == case.id and found.query_percent == 100.0
    # Every banked frame is in the leak: through its crops, not itself (the leak is near none).
    assert found.compared_percent == 100.0
    assert _video_matches(runtime, other_item) == []
