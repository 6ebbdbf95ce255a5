"""A video's journey: banked by the victim, found edited at a reported URL by the worker,
confirmed in the console, named with its time ranges in every regime's letter, sent, checked
until it is gone, and told to the victim."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import select

from casework.db import transaction
from casework.desk.evidence import deployment_key_id, export_case, verify_bundle
from casework.desk.models import Organisation
from casework.models import (
    AuditEvent,
    Case,
    MatchReview,
    Report,
    ReportItem,
    Takedown,
    TakedownCheck,
    VideoMatch,
    WatchedUrl,
)
from casework.notices.notices import render_letter
from casework.notices.regimes import Regime
from casework.runtime import Runtime
from hashing.videos import hash_video
from tests import videos
from tests.factories import open_case
from tests.harness import ContentServer
from tests.personas import Console, World
from workers.context import WorkerContext
from workers.followup import check_removal, check_watched
from workers.reports import fetch_and_match

SENTENCE = re.compile(
    r"the video at (\S+), (\d\d:\d\d-\d\d:\d\d), matches a video the person depicted reported"
)


def _victim_reports_a_leaked_video(
    client: TestClient, content_server: ContentServer, runtime: Runtime
) -> tuple[tuple[str, str], str, int, str]:
    """The victim's case banks two videos and reports a page playing an excerpt of the second.

    Returns the victim's credentials, the leaked video's URL, the report item's id and the
    report's.
    """
    opened = open_case(client)
    auth = (opened["case_id"], opened["pin"])
    for offset in (13, 0):
        banked = client.post(
            "/v1/case/videos",
            json={"vpdq": hash_video(videos.source_video(offset)).to_vpdq()},
            auth=auth,
        )
        assert banked.status_code == 201, banked.text
    leak = videos.excerpt(videos.source_video(0), start=3.0, seconds=10.0)
    video_url = content_server.add("/media/clip.mp4", "video/mp4", leak)
    page_url = content_server.add(
        "/watch/1", "text/html", b'<html><body><video src="/media/clip.mp4"></video></body></html>'
    )
    reported = client.post("/v1/reports", json={"urls": [page_url]}, auth=auth)
    assert reported.status_code == 202, reported.text
    with runtime.sessions() as session:
        (item_id,) = session.scalars(select(ReportItem.id).where(ReportItem.url == page_url)).all()
    return auth, video_url, item_id, reported.json()["report_id"]


def test_a_video_found_edited_is_confirmed_noticed_with_its_times_removed_and_told(
    client: TestClient,
    carol: Console,
    world: World,
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
) -> None:
    auth, video_url, item_id, report_id = _victim_reports_a_leaked_video(
        client, content_server, runtime
    )

    fetch_and_match(item_id)

    with runtime.sessions() as session:
        found = session.scalars(select(VideoMatch).where(VideoMatch.item_id == item_id)).one()
        case_id = session.get_one(ReportItem, item_id).report.case_id
        match_id, found_url = found.id, found.video_url
    assert found_url == video_url
    queue = carol.client.get("/console/queue").text
    card = queue[queue.index(f'id="video-match-{match_id}"') :]
    assert video_url in card and "Video 2 of the case" in card
    assert "00:00-00:09" in card and "100% of the found video" in card
    told = client.get("/v1/case", auth=auth).json()["timeline"]
    assert "A possible copy of your video was found on 127.0.0.1" in told[-1]["text"]
    (progress,) = client.get(f"/v1/reports/{report_id}", auth=auth).json()["items"]
    assert (progress["matches"], progress["videos"]) == (0, 1)
    assert progress["text"] == "Checked: 1 video matching yours found."

    assert carol.post(f"/console/video-matches/{match_id}/confirm").status_code == 303
    assert carol.post(f"/console/video-matches/{match_id}/confirm").status_code == 409
    with runtime.sessions() as session:
        review = session.scalars(
            select(MatchReview).where(MatchReview.video_match_id == match_id)
        ).one()
        assert (review.decision, review.match_id) == ("confirmed", None)
        assert session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "match_confirmed", AuditEvent.object_type == "video_match"
            )
        ).one()
    case_page = carol.client.get(f"/console/cases/{case_id}").text
    assert "Video 2" in case_page and "00:00-00:09" in case_page

    assert carol.post(f"/console/cases/{case_id}/takedowns").status_code == 303
    with runtime.sessions() as session:
        takedown = session.scalars(select(Takedown).where(Takedown.case_id == case_id)).one()
        takedown_id = takedown.id
        assert SENTENCE.search(json.loads(takedown.fields_json)["locations"])
        assert [item.video_match_id for item in takedown.items] == [match_id]
        organisation = session.get_one(Organisation, world.organisation_id)
        for regime in Regime:
            takedown.regime = regime.value
            letter = render_letter(takedown, organisation=organisation)
            body = letter.body
            assert SENTENCE.findall(body) == [(video_url, "00:00-00:09")], regime
            # The notice names a video only: no sentence of it, prefilled fields included,
            # speaks of images.
            assert "images" not in letter.subject + body, regime
            assert "the person shown in the videos identified below" in body, regime
            assert f"found on the page {content_server.base}/watch/1" in body
        session.rollback()
    for status in ("approved", "sent"):
        moved = carol.post(f"/console/takedowns/{takedown_id}/status", {"status": status})
        assert moved.status_code == 303, moved.text

    check_removal(takedown_id)
    with runtime.sessions() as session:
        checks = session.scalars(
            select(TakedownCheck).where(TakedownCheck.takedown_id == takedown_id)
        ).all()
        assert {(check.url, check.outcome) for check in checks} == {
            (f"{content_server.base}/watch/1", "still_there"),
            (video_url, "still_there"),
        }
        # Each row keeps what it found of the video: the page's row its video's URL too.
        for check in checks:
            assert (check.reason, check.videos_seen, check.video_url) == (
                "matching_video",
                1,
                video_url,
            )
            assert check.video_percent is not None and check.video_percent > 50
            assert check.video_ranges and check.video_ranges.startswith("0.0-")
        assert session.get_one(Takedown, takedown_id).status == "sent"
    evidence = carol.client.get(f"/console/takedowns/{takedown_id}").text
    share = re.findall(
        r"(\d+)% of the found video&#39;s frames match the case&#39;s video", evidence
    )
    assert len(share) == 2 and all(int(percent) > 50 for percent in share), evidence
    assert "at 00:00-00:09" in evidence
    with transaction(runtime.sessions) as session:
        public_id = session.get_one(Case, case_id).public_id
        secret = runtime.settings.secret_key.get_secret_value()
        exported = export_case(
            session, case_public_id=public_id, secret=secret, vault=runtime.vault
        )
    bundle = verify_bundle(exported, expected_key_id=deployment_key_id(secret)).bundle
    assert {
        (c["videos_seen"], c["video_url"], c["video_time_ranges"]) for c in bundle["checks"]
    } == {(1, video_url, "00:00-00:09")}
    assert all(c["video_frames_matched_percent"] > 50 for c in bundle["checks"])

    # Another video now plays at the URL and on the page: what was there is gone.
    content_server.add("/media/clip.mp4", "video/mp4", videos.noise_video())
    check_removal(takedown_id)

    with runtime.sessions() as session:
        assert session.get_one(Takedown, takedown_id).status == "removed"
        latest = session.scalars(
            select(TakedownCheck)
            .where(TakedownCheck.takedown_id == takedown_id)
            .order_by(TakedownCheck.id.desc())
            .limit(2)
        ).all()
        assert {
            (c.outcome, c.reason, c.videos_seen, c.video_url, c.video_percent, c.video_ranges)
            for c in latest
        } == {("gone", "no_matching_video", 1, None, None, None)}
    evidence = carol.client.get(f"/console/takedowns/{takedown_id}").text
    assert "no video there matches the case&#39;s video any more" in evidence
    told = [event["text"] for event in client.get("/v1/case", auth=auth).json()["timeline"]]
    assert "A caseworker confirmed a copy of your video on 127.0.0.1." in told
    assert "A removal notice was sent to 127.0.0.1." in told
    assert "We checked 127.0.0.1: the video is still there." in told
    assert "We checked 127.0.0.1: the video is gone." in told
    assert any(re.fullmatch(r"127\.0\.0\.1 removed the video .*gone\.", text) for text in told)
    dutch = client.get("/v1/case", auth=auth, headers={"Accept-Language": "nl"}).json()
    dutch_videos = [e["text"] for e in dutch["timeline"] if e["params"].get("video")]
    assert dutch_videos and not set(dutch_videos) & set(told)


def test_a_removed_video_put_back_opens_one_pending_video_match_and_withdrawal_clears_it(
    client: TestClient,
    carol: Console,
    world: World,
    runtime: Runtime,
    redis: Redis,
    loopback_context: WorkerContext,
    content_server: ContentServer,
) -> None:
    auth, video_url, item_id, _ = _victim_reports_a_leaked_video(client, content_server, runtime)
    fetch_and_match(item_id)
    with runtime.sessions() as session:
        first = session.scalars(select(VideoMatch).where(VideoMatch.item_id == item_id)).one()
        case_id = first.case_id
    assert carol.post(f"/console/video-matches/{first.id}/confirm").status_code == 303
    assert carol.post(f"/console/cases/{case_id}/takedowns").status_code == 303
    with runtime.sessions() as session:
        takedown_id = session.scalars(select(Takedown.id).where(Takedown.case_id == case_id)).one()
    for status in ("approved", "sent"):
        assert carol.post(f"/console/takedowns/{takedown_id}/status", {"status": status})
    leak = content_server.routes.pop("/media/clip.mp4")
    check_removal(takedown_id)
    content_server.routes["/media/clip.mp4"] = leak
    with runtime.sessions() as session:
        watched = {url: id_ for url, id_ in session.execute(select(WatchedUrl.url, WatchedUrl.id))}

    for url in (video_url, f"{content_server.base}/watch/1"):
        redis.delete("watch-host:127.0.0.1")
        check_watched(watched[url])

    with runtime.sessions() as session:
        (again,) = session.scalars(
            select(VideoMatch).where(VideoMatch.status == "pending", VideoMatch.case_id == case_id)
        ).all()
        assert (again.video_url, again.video_id) == (video_url, first.video_id)
        assert again.item_id != item_id
        assert session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "reupload_found", AuditEvent.object_type == "video_match"
            )
        ).one()
    assert f'id="video-match-{again.id}"' in carol.client.get("/console/queue").text

    assert client.post("/v1/case/withdraw", auth=auth).status_code == 200
    with runtime.sessions() as session:
        assert session.scalars(select(VideoMatch)).all() == []
        assert session.scalars(select(Report).where(Report.case_id.is_(None))).all() == []
        assert (
            session.scalars(
                select(MatchReview).where(MatchReview.video_match_id.is_not(None))
            ).all()
            == []
        )


def test_a_rejected_video_match_leaves_the_queue_and_does_not_come_back_for_that_url(
    client: TestClient,
    carol: Console,
    world: World,
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
) -> None:
    auth, video_url, item_id, _ = _victim_reports_a_leaked_video(client, content_server, runtime)
    fetch_and_match(item_id)
    with runtime.sessions() as session:
        match_id = session.scalars(select(VideoMatch.id).where(VideoMatch.item_id == item_id)).one()

    rejected = carol.post(
        f"/console/video-matches/{match_id}/reject", {"reason": "different_image"}
    )

    assert rejected.status_code == 303
    assert f'id="video-match-{match_id}"' not in carol.client.get("/console/queue").text
    again = client.post("/v1/reports", json={"urls": [video_url]}, auth=auth)
    with runtime.sessions() as session:
        report = session.scalars(
            select(Report).where(Report.public_id == again.json()["report_id"])
        ).one()
        new_item = report.items[0].id
    fetch_and_match(new_item)
    with runtime.sessions() as session:
        assert session.scalars(select(VideoMatch).where(VideoMatch.item_id == new_item)).all() == []
    told = [event["kind"] for event in client.get("/v1/case", auth=auth).json()["timeline"]]
    assert "video_found" not in told


def test_another_organisation_cannot_see_or_decide_a_video_match(
    client: TestClient,
    mallory: Console,
    world: World,
    runtime: Runtime,
    loopback_context: WorkerContext,
    content_server: ContentServer,
) -> None:
    _auth, video_url, item_id, _ = _victim_reports_a_leaked_video(client, content_server, runtime)
    fetch_and_match(item_id)
    with runtime.sessions() as session:
        match_id = session.scalars(select(VideoMatch.id).where(VideoMatch.item_id == item_id)).one()

    assert video_url not in mallory.client.get("/console/queue").text
    assert mallory.post(f"/console/video-matches/{match_id}/confirm").status_code == 404
    assert mallory.client.get(f"/console/video-matches/{match_id}/open").status_code == 404
    with runtime.sessions() as session:
        assert session.get_one(VideoMatch, match_id).status == "pending"
