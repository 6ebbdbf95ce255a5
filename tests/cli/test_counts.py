"""What the victim CLI counts reads right for one and for more: "1 photo", "2 photos"."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from PIL import Image

from hashing.batches import Photo
from hashing.cli import CliError, Sending
from hashing.ledger import Ledger
from hashing.videofiles import video_photo
from service.cli import main
from tests import videos
from tests.factories import corpus_images


def unreachable(body: object) -> None:
    raise CliError("cannot reach the service")


@pytest.mark.parametrize(
    ("photos", "told"),
    [(1, "Stopped after 0 of 1 photo; the case is open."), (2, "Stopped after 0 of 2 photos;")],
)
def test_a_stopped_run_counts_its_photos_in_the_form_for_their_number(
    photos: int, told: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sending = Sending(
        [
            Photo(f"{n}.jpg", f"digest{n}", ({"algorithm": "md5", "value": f"{n:032x}"},), "x")
            for n in range(photos)
        ]
    )
    with pytest.raises(CliError):
        sending.send_rest(unreachable, Ledger.new(), resume="takedown add", post_video=unreachable)
    assert told in capsys.readouterr().err


def test_a_video_with_one_distinct_frame_says_frame_not_frames(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    still = Image.open(corpus_images(1)[0]).convert("RGB").resize((128, 96))
    clip = tmp_path / "still.mp4"
    clip.write_bytes(videos.encode([still] * 10, fps=5))

    assert video_photo(clip, "digest", clip.read_bytes()).kind == "too_plain"
    assert "still.mp4: vpdq: 1 distinct frame with enough detail; a video needs 2" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("sent", "told"),
    [
        (1, "Of these, 1 was sent without saying which photo it came from, so it is not counted "),
        (2, "Of these, 2 were sent without saying which photo they came from, so they are not "),
    ],
)
def test_status_counts_fingerprints_sent_without_their_photo_in_the_form_for_their_number(
    live_server: str,
    tmp_path: Path,
    sent: int,
    told: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # As an older client sends them: fingerprints that name no photo.
    fingerprints = [{"algorithm": "md5", "value": f"{n:032x}"} for n in range(sent)]
    opened = httpx.post(f"{live_server}/v1/cases", json={"fingerprints": fingerprints}).json()
    saved = tmp_path / "case.json"
    saved.write_text(json.dumps({"server": live_server, **opened}))

    assert main(["status", "--credentials", str(saved)]) == 0
    assert told in capsys.readouterr().out
