"""The victim's timeline tells each step of the follow-through: checks, overdue, re-uploads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from sqlalchemy import select

from casework.models import Case, WatchedUrl
from casework.runtime import Runtime
from casework.victims.timeline import Event, case_timeline
from hashing.translations import translation
from tests.followup.conftest import Leak
from tests.harness import ContentServer
from workers.followup import check_removal, check_watched

MakeLeak = Callable[..., Leak]


def timeline(runtime: Runtime, case_id: int) -> list[Event]:
    with runtime.sessions() as session:
        return case_timeline(session, case=session.get_one(Case, case_id))


def test_a_check_that_finds_the_image_gone_is_told_before_the_removal(
    runtime: Runtime, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak(page=False)
    del content_server.routes[leak.image_path]
    check_removal(leak.takedown_id)
    events = timeline(runtime, leak.case_id)
    kinds = [event.kind for event in events]
    assert kinds.index("notice_sent") < kinds.index("checked") <= kinds.index("removed")
    checked = next(event for event in events if event.kind == "checked")
    assert checked.text == "We checked 127.0.0.1: the image is gone."
    assert checked.params == {"platform": "127.0.0.1", "result": "gone"}
    removed = next(event for event in events if event.kind == "removed")
    assert removed.params["hours"] == 1
    assert "removed the image 1 hour after the notice" in removed.text


def test_a_notice_past_its_deadline_says_still_there_and_overdue_once(
    runtime: Runtime, make_leak: MakeLeak
) -> None:
    leak = make_leak(deadline_in=-timedelta(minutes=5))
    check_removal(leak.takedown_id)
    check_removal(leak.takedown_id)
    events = timeline(runtime, leak.case_id)
    checked = [event for event in events if event.kind == "checked"]
    assert len(checked) == 2
    assert all(event.params["result"] == "still_there" for event in checked)
    overdue = [event for event in events if event.kind == "overdue"]
    assert [event.text for event in overdue] == [
        "127.0.0.1 missed its deadline; your caseworker is taking the next step."
    ]


def test_watch_checks_and_a_reupload_are_told_without_the_url(
    runtime: Runtime, redis: Redis, make_leak: MakeLeak, content_server: ContentServer
) -> None:
    leak = make_leak(page=False)
    del content_server.routes[leak.image_path]
    check_removal(leak.takedown_id)
    with runtime.sessions() as session:
        watched_id = session.scalars(select(WatchedUrl.id)).one()
    check_watched(watched_id)
    content_server.add(leak.image_path, "image/png", leak.body)
    redis.delete("watch-host:127.0.0.1")
    check_watched(watched_id)

    events = timeline(runtime, leak.case_id)
    [watching] = [event for event in events if event.kind == "reupload_checked"]
    assert watching.params["count"] == 2
    assert watching.text.startswith("We checked 127.0.0.1 for re-uploads 2 times since ")
    [reupload] = [event for event in events if event.kind == "reupload"]
    assert reupload.params == {"host": "127.0.0.1", "count": 1}
    # The re-upload is told once, as a re-upload, not again as an ordinary find.
    found = [event for event in events if event.kind == "found"]
    assert len(found) == 1
    assert all(leak.image_path not in event.text for event in events)


@pytest.mark.parametrize(
    ("locale", "hours", "told"),
    [
        ("en", 1, "Tube removed the video 1 hour after the notice; we checked that it is gone."),
        ("en", 5, "Tube removed the video 5 hours after the notice; we checked that it is gone."),
        (
            "nl",
            1,
            "Tube heeft de video 1 uur na het verwijderverzoek verwijderd; we hebben "
            "gecontroleerd dat die weg is.",
        ),
    ],
)
def test_a_removal_tells_its_hours_in_the_form_for_their_number(
    locale: str, hours: int, told: str
) -> None:
    removed = Event(datetime.now(UTC), "removed", {"platform": "Tube", "hours": hours, "video": 1})
    assert removed.tell(translation(locale)) == told


def test_a_count_of_one_is_told_in_the_singular_and_more_in_the_plural() -> None:
    at = datetime.now(UTC)
    assert Event(at, "fingerprints", {"count": 1}).text == "1 fingerprint is in the hash bank."
    assert Event(at, "fingerprints", {"count": 2}).text == "2 fingerprints are in the hash bank."
    assert Event(
        at, "reupload_checked", {"host": "x.example", "count": 1, "since": "2026-12-01"}
    ).text == ("We checked x.example for re-uploads once since 2026-12-01.")
