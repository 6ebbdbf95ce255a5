"""A platform checks a video's vPDQ fingerprint against the banked videos."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from casework.bank.videos import add_video
from casework.db import transaction
from casework.runtime import Runtime
from casework.victims.models import Case
from hashing.algorithms import sha256_of
from hashing.videos import VideoFingerprint, hash_bank_video, hash_query_video, hash_video
from tests import videos
from tests.conftest import table_counts
from tests.factories import open_case
from tests.platformkeys import PlatformKeys, bank_case, bearer, withdraw


@pytest.fixture
def banked(runtime: Runtime) -> Case:
    """A case holding the source test video's digest and its vPDQ fingerprint."""
    source = videos.source_video(0)
    case = bank_case(runtime, [sha256_of(source)])
    with transaction(runtime.sessions) as session:
        assert add_video(
            session,
            case=session.get_one(Case, case.id),
            text=hash_video(source).to_vpdq(),
            vault=runtime.vault,
        )
    return case


def check(client: TestClient, token: str, text: str):
    return client.post("/v1/check/video", json={"vpdq": text}, headers=bearer(token))


def test_a_resized_leak_matches_with_its_share_and_time_ranges_and_nothing_else(
    client: TestClient, runtime: Runtime, keys: PlatformKeys, banked: Case
) -> None:
    leak = hash_video(videos.resized(videos.source_video(0)))

    response = check(client, keys.alpha, leak.to_vpdq())

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["verdict"] == "match"
    assert answer["matched_percent"] >= 80.0
    assert answer["ranges"] and answer["ranges"][0][0] == 0.0
    assert banked.public_id not in response.text


def test_a_mirrored_leak_matches_when_the_platform_sends_its_mirrored_fingerprint(
    client: TestClient, keys: PlatformKeys, banked: Case
) -> None:
    as_found, mirrored = hash_query_video(videos.mirrored(videos.source_video(0)))

    assert check(client, keys.alpha, as_found.to_vpdq()).json()["verdict"] == "no_match"
    assert check(client, keys.alpha, mirrored.to_vpdq()).json()["verdict"] == "match"


def test_another_video_is_no_match_with_no_share_and_a_withdrawn_case_stops_matching(
    client: TestClient, runtime: Runtime, keys: PlatformKeys, banked: Case
) -> None:
    other = check(client, keys.alpha, hash_video(videos.source_video(13)).to_vpdq()).json()
    assert other == {
        "verdict": "no_match",
        "matched_percent": None,
        "ranges": None,
        "reason": None,
    }

    withdraw(runtime, banked)

    again = check(client, keys.alpha, hash_video(videos.source_video(0)).to_vpdq()).json()
    assert again["verdict"] == "no_match"


def test_a_malformed_or_flat_video_fingerprint_is_refused_with_a_reason(
    client: TestClient, keys: PlatformKeys
) -> None:
    black = hash_video(videos.encode([Image.new("RGB", (64, 48))] * 10, fps=5)).to_vpdq()
    for text in ["not json", json.dumps(["zz,100,0.0"]), black]:
        response = check(client, keys.alpha, text)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["message"]


def test_a_feed_only_key_cannot_check_videos(client: TestClient, keys: PlatformKeys) -> None:
    text = hash_video(videos.source_video(0)).to_vpdq()
    assert check(client, keys.gamma_feed_only, text).status_code == 403


def test_the_threatexchange_export_carries_each_banked_video_as_a_vpdq_line(
    client: TestClient, runtime: Runtime, keys: PlatformKeys, banked: Case
) -> None:
    response = client.get("/v1/feed/threatexchange", headers=bearer(keys.alpha))

    assert response.status_code == 200, response.text
    lines = [line for line in response.text.splitlines() if line.startswith("vpdq ")]
    assert len(lines) == 1
    # threatexchange's local_file exchange splits at the first space.
    signal_type, _, signal = lines[0].partition(" ")
    assert signal_type == "vpdq"
    assert VideoFingerprint.from_vpdq(signal) == hash_video(videos.source_video(0))
    withdraw(runtime, banked)
    after = client.get("/v1/feed/threatexchange", headers=bearer(keys.alpha)).text
    assert "vpdq " not in after


def upload(client: TestClient, token: str, body: bytes, content_type: str = "video/mp4"):
    headers = {**bearer(token), "Content-Type": content_type}
    return client.post("/v1/check/video/file", content=body, headers=headers)


def test_an_uploaded_mirrored_video_is_fingerprinted_in_memory_and_matches(
    client: TestClient, keys: PlatformKeys, banked: Case
) -> None:
    response = upload(client, keys.alpha, videos.mirrored(videos.source_video(0)))

    assert response.status_code == 200, response.text
    assert response.json()["verdict"] == "match"
    other = upload(client, keys.alpha, videos.source_video(13)).json()
    assert other["verdict"] == "no_match"


def test_an_uploaded_file_that_is_not_a_readable_video_is_unusable_with_its_reason(
    client: TestClient, keys: PlatformKeys
) -> None:
    for body in (b"plain text", videos.source_video(0)[:3000]):
        answer = upload(client, keys.alpha, body).json()
        assert answer["verdict"] == "unusable" and answer["reason"]
    form = upload(client, keys.alpha, b"--x\r\n", "multipart/form-data; boundary=x")
    assert form.status_code == 415


def test_check_answers_videos_beside_images_as_the_video_check_does(
    client: TestClient, keys: PlatformKeys, banked: Case
) -> None:
    leak = hash_video(videos.resized(videos.source_video(0))).to_vpdq()
    other = hash_video(videos.source_video(13)).to_vpdq()
    body = {
        "fingerprints": [{"algorithm": "sha256", "value": sha256_of(videos.source_video(0)).hex}],
        "videos": [{"vpdq": other}, {"vpdq": leak}],
    }

    response = client.post("/v1/check", json=body, headers=bearer(keys.alpha))

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["results"][0]["verdict"] == "match"
    missed, found = answer["videos"]
    assert missed == {"index": 0, "verdict": "no_match", "matched_percent": None, "ranges": None}
    alone = check(client, keys.alpha, leak).json()
    assert found == {
        "index": 1,
        "verdict": "match",
        "matched_percent": alone["matched_percent"],
        "ranges": alone["ranges"],
    }
    assert found["matched_percent"] >= 80.0
    assert banked.public_id not in response.text


def test_check_takes_videos_alone_and_refuses_a_bad_one_by_its_position_among_the_videos(
    client: TestClient, keys: PlatformKeys, banked: Case
) -> None:
    good = hash_video(videos.source_video(0)).to_vpdq()
    alone = client.post("/v1/check", json={"videos": [{"vpdq": good}]}, headers=bearer(keys.alpha))
    assert alone.status_code == 200, alone.text
    assert alone.json()["results"] == [] and alone.json()["videos"][0]["verdict"] == "match"

    bad = {"videos": [{"vpdq": good}, {"vpdq": "not json"}]}
    refused = client.post("/v1/check", json=bad, headers=bearer(keys.alpha))
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_videos"
    assert [detail["index"] for detail in error["details"]] == [1]
    empty = client.post("/v1/check", json={"fingerprints": []}, headers=bearer(keys.alpha))
    assert empty.status_code == 422


def test_a_video_costs_one_check_a_minute_of_frames_on_either_route(
    client: TestClient, runtime: Runtime, keys: PlatformKeys, banked: Case
) -> None:
    # 15 frames: one check each time; the budget of 3 allows three checks, by either route.
    runtime.settings.platform_checks_per_minute = 3
    text = hash_video(videos.source_video(0)).to_vpdq()
    body = {"videos": [{"vpdq": text}]}
    statuses = [
        client.post("/v1/check", json=body, headers=bearer(keys.alpha)).status_code,
        check(client, keys.alpha, text).status_code,
        client.post("/v1/check", json=body, headers=bearer(keys.alpha)).status_code,
        check(client, keys.alpha, text).status_code,
    ]
    assert statuses == [200, 200, 200, 429]
    # 120 frames (the 15 repeated, later in time) are two minutes: two checks.
    runtime.settings.platform_checks_per_minute = 3
    frames = list(VideoFingerprint.from_vpdq(text).frames) * 8
    longer = VideoFingerprint(
        tuple(replace(frame, seconds=float(n)) for n, frame in enumerate(frames))
    ).to_vpdq()
    statuses = [
        client.post("/v1/check", json={"videos": [{"vpdq": longer}]}, headers=bearer(keys.beta)),
        check(client, keys.beta, text),
        check(client, keys.beta, text),
    ]
    assert [response.status_code for response in statuses] == [200, 200, 429]


def test_a_video_banked_with_its_crops_catches_a_cropped_leak_and_refuses_an_oversized_crop(
    client: TestClient, runtime: Runtime, keys: PlatformKeys
) -> None:
    opened = open_case(client)
    auth = (opened["case_id"], opened["pin"])
    banked = hash_bank_video(videos.source_video(0))
    body = {"vpdq": banked.video.to_vpdq(), "crops": [c.to_vpdq() for c in banked.crops]}
    longer = banked.video.frames + (replace(banked.video.frames[-1], seconds=99.0),)
    oversized = {**body, "crops": [VideoFingerprint(longer).to_vpdq()]}

    refused = client.post("/v1/case/videos", json=oversized, auth=auth)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"] == [
        {"index": 1, "reason": "crop: more frames than the video"}
    ]
    assert table_counts(runtime)["case_videos"] == 0
    added = client.post("/v1/case/videos", json=body, auth=auth)
    assert added.status_code == 201, added.text

    leak = hash_video(videos.cropped(videos.source_video(0))).to_vpdq()
    response = client.post(
        "/v1/check", json={"videos": [{"vpdq": leak}]}, headers=bearer(keys.alpha)
    )
    assert response.json()["videos"][0]["verdict"] == "match"
    # The same video banked without its crops (as the web page banks one) misses that leak.
    assert client.post("/v1/case/withdraw", json={}, auth=auth).status_code == 200
    other = open_case(client, seed=3)
    plain = {"vpdq": banked.video.to_vpdq()}
    assert client.post("/v1/case/videos", json=plain, auth=(other["case_id"], other["pin"]))
    assert check(client, keys.alpha, leak).json()["verdict"] == "no_match"
