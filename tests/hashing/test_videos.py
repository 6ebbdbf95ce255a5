"""vPDQ fingerprints of videos: compatibility with vpdq, leak edits, refusals and bounds."""

from __future__ import annotations

import hashlib
import io
import json
from itertools import combinations, permutations
from pathlib import Path

import pytest
from PIL import Image

from hashing.crops import VIDEO_CROP_RULES
from hashing.fingerprint import Algorithm, InvalidFingerprint
from hashing.videos import (
    VPDQ_FRAME_RADIUS_BITS,
    FrameHash,
    VideoFingerprint,
    VideoLimits,
    clock,
    compare_videos,
    hash_bank_video,
    hash_query_video,
    hash_video,
    hash_video_file,
    time_ranges,
)
from tests import videos

VECTORS = Path(__file__).parents[1] / "vectors" / "vpdq"
REFERENCE = json.loads((VECTORS / "reference.json").read_text())


def test_test_videos_are_made_the_same_way_every_time():
    made = {
        videos.make_video(videos.photos(2), size=(96, 64), fps=4, shot_seconds=1) for _ in range(3)
    }
    assert len(made) == 1


@pytest.mark.parametrize("name", sorted(REFERENCE["videos"]))
def test_frame_hashes_equal_the_vpdq_reference_implementation(name):
    reference = REFERENCE["videos"][name]
    data = (VECTORS / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == reference["sha256"], "not the file vpdq hashed"

    ours = json.loads(hash_video(data).to_vpdq())

    assert ours == reference["frames"]


def test_the_text_form_is_what_threatexchange_reads_and_round_trips():
    fingerprint = hash_video(videos.source_video(0))
    text = fingerprint.to_vpdq()
    entries = json.loads(text)
    hex_value, quality, seconds = entries[1].split(",")
    assert len(hex_value) == 64 and 0 <= int(quality) <= 100 and float(seconds) == 1.0
    assert VideoFingerprint.from_vpdq(text) == fingerprint


@pytest.mark.parametrize(
    "text",
    ['{"a": 1}', "[1, 2]", '["ab,100,0.0"]', '["' + "0" * 64 + ',101,0.0"]', "not json"],
)
def test_a_malformed_vpdq_text_is_refused_with_a_reason(text):
    with pytest.raises(InvalidFingerprint):
        VideoFingerprint.from_vpdq(text)


@pytest.mark.parametrize(
    "edit",
    ["reencoded_vp8_low_bitrate", "resized_50", "trimmed_first_2s", "excerpt_10s", "mirrored"],
)
def test_a_leak_edit_matches_its_source_video(edit):
    bank = hash_video(videos.source_video(0))
    leak = videos.LEAK_EDITS[edit](videos.source_video(0))

    as_found, mirrored = hash_query_video(leak)
    best = max(compare_videos(as_found, bank), compare_videos(mirrored, bank), key=_share)

    assert best.matched
    assert best.query_ranges


def test_distinct_videos_and_their_edits_do_not_match():
    originals = {offset: hash_video(videos.source_video(offset)) for offset in (0, 13, 27)}
    for one, other in combinations(originals, 2):
        assert not compare_videos(originals[one], originals[other]).matched
    leak = videos.reencoded(videos.source_video(13))
    for query in hash_query_video(leak):
        assert not compare_videos(query, originals[0]).matched
        assert not compare_videos(query, originals[27]).matched


def test_an_excerpt_matches_with_the_time_range_it_covers_in_the_leak():
    bank = hash_video(videos.source_video(0))
    leak = videos.excerpt(videos.source_video(0), start=3.0, seconds=10.0)

    found = compare_videos(hash_video(leak), bank)

    assert found.query_percent == 100.0
    assert found.query_ranges == ((0.0, 9.0),)
    assert found.compared_percent < 100.0


def test_time_ranges_split_where_matches_stop_and_clock_formats_them():
    assert time_ranges([0, 1, 2, 7, 8, 30]) == ((0, 2), (7, 8), (30, 30))
    assert clock(72) == "01:12" and clock(220.4) == "03:40" and clock(3725) == "1:02:05"


def test_frames_are_sampled_once_a_second_with_their_timestamps():
    fingerprint = hash_video(videos.source_video(0))

    assert [frame.seconds for frame in fingerprint.frames] == [float(s) for s in range(15)]
    assert all(frame.pdq.algorithm is Algorithm.PDQ for frame in fingerprint.frames)


def test_progress_is_told_in_seconds_of_video():
    told: list[tuple[float, float]] = []
    hash_video(videos.source_video(0), progress=lambda done, total: told.append((done, total)))

    assert [done for done, _ in told] == [float(s) for s in range(15)]
    # Six shots of 12 frames at 5 frames a second, as the container states.
    assert all(total == pytest.approx(14.4) for _, total in told)


def test_a_flat_frame_is_kept_with_its_low_quality_but_never_matches():
    black = [Image.new("RGB", (64, 48)) for _ in range(10)]
    fingerprint = hash_video(videos.encode(black, fps=5))

    assert [frame.quality for frame in fingerprint.frames] == [0, 0]
    assert not compare_videos(fingerprint, fingerprint).matched


def _image_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


def _corrupt() -> bytes:
    data = bytearray(videos.source_video(0))
    # Keep the container header so the demuxer accepts it, and garble the coded frames.
    for position in range(4000, len(data), 97):
        data[position] ^= 0x5A
    return bytes(data)


@pytest.mark.parametrize(
    ("make", "limits", "reason"),
    [
        (_image_bytes, VideoLimits(), "unsupported_format"),
        (lambda: b"just some text, not a video", VideoLimits(), "unsupported_format"),
        (lambda: videos.source_video(0)[:3000], VideoLimits(), "decode_error"),
        (lambda: videos.source_video(0), VideoLimits(max_seconds=5), "too_long"),
        (lambda: videos.source_video(0), VideoLimits(max_frames=20), "too_long"),
        (lambda: videos.source_video(0), VideoLimits(max_pixels=200 * 150), "too_large"),
    ],
)
def test_a_file_that_is_not_a_readable_video_is_refused_and_keeps_its_digests(make, limits, reason):
    data = make()

    hashed = hash_video_file(data, limits=limits)

    assert hashed.video is None
    assert hashed.reason == reason and hashed.message
    assert [fp.algorithm for fp in hashed.digests] == [Algorithm.MD5, Algorithm.SHA256]
    assert hashed.digests[1].hex == hashlib.sha256(data).hexdigest()


def test_a_corrupt_video_is_refused_or_hashed_but_never_raises():
    hashed = hash_video_file(_corrupt())

    assert hashed.digests
    assert (hashed.video is None) == (hashed.reason is not None)


def test_a_frame_hash_refuses_values_outside_its_range():
    fingerprint = hash_video(videos.source_video(0))
    frame = fingerprint.frames[0]
    with pytest.raises(InvalidFingerprint):
        FrameHash(frame.pdq, 101, 0.0)
    with pytest.raises(InvalidFingerprint):
        FrameHash(frame.pdq, 100, -1.0)
    assert "frames" in repr(fingerprint) and frame.pdq.hex not in repr(fingerprint)


def _share(found):
    return found.query_percent


def test_a_cropped_leak_matches_through_the_victims_crops_and_a_logo_within_the_wider_radius():
    source = videos.source_video(0)
    banked = hash_bank_video(source)
    cropped = hash_video(videos.cropped(source))
    logo = hash_video(videos.logo(source))

    assert not compare_videos(cropped, banked.video).matched
    through_crops = compare_videos(cropped, banked.video, banked.crops)
    assert through_crops.matched and through_crops.compared_percent == 100.0
    assert not compare_videos(logo, banked.video, radius=VPDQ_FRAME_RADIUS_BITS).matched
    assert compare_videos(logo, banked.video).matched


def test_the_victims_crops_keep_the_videos_frames_and_timestamps_and_match_no_other_video():
    banked = {offset: hash_bank_video(videos.source_video(offset)) for offset in (0, 13, 27)}
    video = banked[0]
    assert video.video == hash_video(videos.source_video(0))
    assert len(video.crops) == len(VIDEO_CROP_RULES)
    for crop in video.crops:
        assert [f.seconds for f in crop.frames] == [f.seconds for f in video.video.frames]
        assert crop.frames != video.video.frames
    for one, other in permutations(banked, 2):
        leak = videos.cropped(videos.source_video(one))
        for query in (banked[one].video, *hash_query_video(leak)):
            assert not compare_videos(query, banked[other].video, banked[other].crops).matched


def test_a_video_too_small_to_crop_is_fingerprinted_without_crops():
    tiny = videos.make_video(videos.photos(2), size=(32, 32), fps=2, shot_seconds=2)

    banked = hash_bank_video(tiny)

    assert banked.video.frames and banked.crops == ()
