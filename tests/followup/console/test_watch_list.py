"""Caseworkers add pages and whole sites to a case's watch list in the console, and remove them."""

from __future__ import annotations

from redis import Redis
from sqlalchemy import select

from casework.models import AuditEvent, WatchedUrl
from casework.runtime import Runtime
from tests.personas import Console, World
from workers.queues import make_queue, watch_job_id


def watches(runtime: Runtime) -> list[WatchedUrl]:
    with runtime.sessions() as session:
        return list(session.scalars(select(WatchedUrl).order_by(WatchedUrl.id)))


def test_a_caseworker_watches_a_whole_site_and_its_first_check_is_queued(
    carol: Console, world: World, runtime: Runtime, redis: Redis
) -> None:
    added = carol.post(
        f"/console/cases/{world.case_id}/watches",
        {"url": "https://mirror.example/forum/", "scope": "site"},
    )
    assert added.status_code == 303, added.text
    [watched] = watches(runtime)
    assert (watched.scope, watched.source, watched.host) == ("site", "caseworker", "mirror.example")
    assert make_queue("maintenance", redis).job_ids == [watch_job_id(watched.id)]
    page = carol.client.get(f"/console/cases/{world.case_id}").text
    assert "https://mirror.example/forum/" in page and "whole site" in page
    with runtime.sessions() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "watch_added" in actions

    removed = carol.post(f"/console/cases/{world.case_id}/watches/{watched.id}/remove")
    assert removed.status_code == 303
    assert watches(runtime) == []
    assert (
        "Nothing is watched for this case yet."
        in carol.client.get(f"/console/cases/{world.case_id}").text
    )


def test_an_unusable_url_or_an_unknown_notice_is_refused_and_nothing_is_watched(
    carol: Console, world: World, runtime: Runtime
) -> None:
    for form, reason in (
        ({"url": "ftp://mirror.example/", "scope": "page"}, "only http and https"),
        ({"url": "https://mirror.example/", "scope": "everything"}, "Watch a page or a whole site"),
        (
            {"url": "https://mirror.example/", "scope": "page", "takedown": "TD-NOPE"},
            "no notice with that reference",
        ),
    ):
        refused = carol.post(f"/console/cases/{world.case_id}/watches", form)
        assert refused.status_code == 422, refused.text
        assert reason in refused.text
    assert watches(runtime) == []


def test_another_organisation_cannot_watch_or_unwatch_for_the_case(
    carol: Console, mallory: Console, world: World, runtime: Runtime
) -> None:
    carol.post(f"/console/cases/{world.case_id}/watches", {"url": "https://m.example/"})
    [watched] = watches(runtime)
    assert (
        mallory.post(
            f"/console/cases/{world.case_id}/watches", {"url": "https://n.example/"}
        ).status_code
        == 404
    )
    assert (
        mallory.post(f"/console/cases/{world.case_id}/watches/{watched.id}/remove").status_code
        == 404
    )
    assert len(watches(runtime)) == 1
