"""A real worker process runs removal checks: the queued job, or its reconciler's copy.

Within the reconciler's second round (about 30 s) even a job lost to Redis is run again, so the
wait allows for that.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from redis import Redis

from casework.models import Takedown, TakedownStatus
from casework.runtime import Runtime
from tests.followup.conftest import Leak
from tests.harness import ContentServer, WorkerProcess
from workers.queues import enqueue_removal_checks


def test_a_worker_marks_a_notice_removed_after_its_url_starts_answering_404(
    runtime: Runtime,
    redis: Redis,
    make_leak: Callable[..., Leak],
    content_server: ContentServer,
    start_worker: Callable[[], WorkerProcess],
) -> None:
    leak = make_leak(page=False)
    del content_server.routes[leak.image_path]
    start_worker()
    enqueue_removal_checks(redis, leak.takedown_id, deadline_at=None, grace=timedelta(0))
    deadline = time.monotonic() + 90
    status = TakedownStatus.SENT.value
    while time.monotonic() < deadline:
        with runtime.sessions() as session:
            status = session.get_one(Takedown, leak.takedown_id).status
        if status == TakedownStatus.REMOVED:
            break
        time.sleep(0.2)
    assert status == TakedownStatus.REMOVED
