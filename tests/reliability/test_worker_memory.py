"""F13: the work horse's memory limit, breached by an image the decoder's pixel caps let through."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PIL import Image
from redis import Redis

from casework.db import transaction
from casework.models import ItemStatus, ReportItem
from casework.runtime import Runtime
from casework.settings import Settings
from hashing.images import MAX_IMAGE_PIXELS
from tests.factories import leak, report
from tests.harness import ContentServer, WorkerProcess, encode
from tests.jobs import item_state, match_count, wait_for
from workers.context import WorkerContext
from workers.queues import enqueue_items
from workers.reports import MAX_ATTEMPTS, fetch_and_match

#: What a horse may add to the worker's address space here: a 640x480 photo needs ~10 MB.
JOB_MEMORY_MB = 256
#: Hashing takes ~34 bytes a pixel (PDQ's buffers, one flip or rotation at a time): ~1.2 GB here.
HOSTILE_SIDE = 6000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Worker settings with a job memory limit small enough to breach in a test."""
    return settings.model_copy(update={"worker_job_memory_mb": JOB_MEMORY_MB})


def hostile_png() -> bytes:
    """A 36-megapixel gradient: 120 KB on the wire, under the pixel cap, ~1.2 GB to hash."""
    assert HOSTILE_SIDE**2 <= MAX_IMAGE_PIXELS
    gradient = Image.linear_gradient("L").resize((HOSTILE_SIDE, HOSTILE_SIDE))
    return encode(gradient.convert("RGB"), "PNG")


@pytest.mark.battery("F13")
def test_f13_an_image_over_the_job_memory_limit_fails_its_url_and_the_worker_carries_on(
    runtime: Runtime,
    redis: Redis,
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
    lost: Callable[[str, int], None],
) -> None:
    hostile_url = content_server.add("/huge.png", "image/png", hostile_png())
    leak_url = content_server.add("/leak.png", "image/png", leak(runtime))
    worker = start_worker()
    [hostile_id] = report(runtime, [hostile_url])
    enqueue_items(redis, [hostile_id])
    hostile = wait_for(runtime, hostile_id, {ItemStatus.DONE, ItemStatus.FAILED}, 120)
    assert (hostile.status, hostile.reason, hostile.attempts) == (
        ItemStatus.FAILED,
        "image_too_large",
        1,
    )
    assert "memory" in (hostile.reason_message or "")
    assert worker.process.poll() is None
    [leak_id] = report(runtime, [leak_url])
    enqueue_items(redis, [leak_id])
    after = wait_for(runtime, leak_id, {ItemStatus.DONE, ItemStatus.FAILED}, 120)
    lost("report items", int(after.status != ItemStatus.DONE))
    assert after.status == ItemStatus.DONE
    assert match_count(runtime) == 4
    assert worker.process.poll() is None


@pytest.mark.battery("F13")
def test_an_item_whose_every_attempt_died_with_its_process_fails_instead_of_running_again(
    runtime: Runtime, content_server: ContentServer, loopback_context: WorkerContext
) -> None:
    # What the reconciler finds after a horse was killed (the OOM killer, a decoder crash) on
    # every attempt RQ allowed: the item still says fetching, with all its attempts spent.
    url = content_server.add("/leak.png", "image/png", leak(runtime))
    [item_id] = report(runtime, [url])
    with transaction(runtime.sessions) as session:
        item = session.get_one(ReportItem, item_id)
        item.status, item.attempts = ItemStatus.FETCHING.value, MAX_ATTEMPTS
    fetch_and_match(item_id)
    assert item_state(runtime, item_id) == (ItemStatus.FAILED, "worker_crashed")
    assert content_server.requests == []
