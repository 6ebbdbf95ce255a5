"""Marking a notice sent queues its removal checks: one now, one just after the deadline."""

from __future__ import annotations

from datetime import timedelta

from redis import Redis
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from casework.models import Takedown
from casework.runtime import Runtime
from tests.factories import confirmed_draft
from tests.personas import Console, World
from workers.queues import make_queue, removal_job_id


def test_marking_a_notice_sent_queues_a_check_now_and_one_after_the_deadline(
    carol: Console, world: World, runtime: Runtime, redis: Redis
) -> None:
    takedown_id = confirmed_draft(carol, world, runtime)
    queue = make_queue("maintenance", redis)
    for status in ("approved", "sent"):
        response = carol.post(f"/console/takedowns/{takedown_id}/status", {"status": status})
        assert response.status_code == 303, response.text
    now_job = Job.fetch(
        removal_job_id(takedown_id, "sent"), connection=redis, serializer=JSONSerializer
    )
    assert (now_job.func_name, now_job.args) == ("workers.followup.check_removal", [takedown_id])
    registry = ScheduledJobRegistry(queue=queue)
    deadline_job = removal_job_id(takedown_id, "deadline")
    assert registry.get_job_ids() == [deadline_job]
    with runtime.sessions() as session:
        deadline_at = session.get_one(Takedown, takedown_id).deadline_at
    assert deadline_at is not None
    scheduled_at = registry.get_scheduled_time(deadline_job)
    grace = timedelta(minutes=runtime.settings.removal_check_grace_minutes)
    assert abs(scheduled_at.replace(tzinfo=deadline_at.tzinfo) - (deadline_at + grace)) < timedelta(
        seconds=2
    )
