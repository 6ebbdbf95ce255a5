"""The victim page's video fingerprints against the CLI's: frame agreement and leak recall.

The page decodes with Chromium's own decoder (Debian's chromium, headless, no GPU) and converts
frames to RGB its own way, so its frame hashes cannot be bit-identical to the CLI's (PyAV's
FFmpeg with swscale's area filter). Measured on the test videos of benchmarks/videos.py (the
sources and their seven leak edits) and a 720p 30 fps clip:

- agreement: each page frame against the CLI's frame at the same timestamp, the share within
  PDQ distance 0, 10 and 31 bits (31 is vPDQ's frame match radius), and how many files got the
  same frame count and timestamps; the sources also as a phone stores a portrait video (a
  quarter turn in the MP4 track header, which Chromium applies and the CLI does not);
- the same for the frames' centre crops (VIDEO_CROP_RULES): each crop the page sends against the
  CLI's crop of the same rule, frame by frame;
- recall: every leak edit, fingerprinted as the worker does (hash_query_video: as found and
  mirrored), against a bank made by the page (its video and crops, as the page sends them),
  beside the same leaks against a bank made by the CLI (hash_bank_video, benchmarks/videos.py),
  and false matches against the other sources' page-made banks;
- speed: wall seconds per minute of video, the page (seeking, drawing, PDQ of each frame and its
  crops in the worker) beside the CLI's hash_bank_video in the same run.

The page's modules are served from service/static by a loopback HTTP server; the bytes go to the
page as a File, as the file picker gives them.

  python -m benchmarks.page_videos [--smoke]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from benchmarks.report import save, table
from benchmarks.videos import (
    false_matches_between,
    found_queries,
    leak_videos,
    recall_by_edit,
    source_size,
)
from hashing.videos import BankVideo, hash_bank_video
from tests import videos
from tests.browser.video_hasher import Agreement, agreement, hash_video_in_page
from tests.conftest import CHROMIUM, CHROMIUM_ARGS

SERVICE = Path(__file__).resolve().parents[1] / "service"


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def static_server() -> Iterator[str]:
    """service/static over HTTP on a free loopback port; yields the hasher folder's URL."""
    handler = functools.partial(_Files, directory=str(SERVICE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/static/hasher/"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny inputs, no timing claims")
    smoke = parser.parse_args().smoke
    started = time.monotonic()
    size, fps = source_size(smoke)
    sources, edited = leak_videos(smoke)
    clip_seconds = 4 if smoke else 20
    clip = videos.make_video(
        videos.photos(300)[3::45][: max(2, clip_seconds // 3)],
        size=(320, 240) if smoke else (1280, 720),
        fps=30,
        shot_seconds=clip_seconds / max(2, clip_seconds // 3),
    )
    files: dict[Any, bytes] = {(offset, "source"): data for offset, data in sources.items()}
    files |= edited
    # Each source as a phone stores a portrait video: frames as they are, a turn in the header.
    files |= {(offset, "turned_90"): videos.turned(video, 1) for offset, video in sources.items()}
    files["clip"] = clip

    with static_server() as url, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url)
        version = browser.version
        made: dict[Any, BankVideo] = {}
        refused: dict[str, str] = {}
        page_seconds = 0.0
        for key, data in files.items():
            began = time.monotonic()
            result = hash_video_in_page(page, data)
            if key == "clip":
                page_seconds = time.monotonic() - began
            if result.refused:
                refused[str(key)] = result.refused
            made[key] = BankVideo(result.fingerprint, result.crops)
        browser.close()

    began = time.monotonic()
    cli = {key: hash_bank_video(data) for key, data in files.items() if key != "clip"}
    clip_began = time.monotonic()
    cli["clip"] = hash_bank_video(clip)
    cli_seconds = time.monotonic() - clip_began
    cli_all_seconds = clip_began - began

    compared = {
        key: agreement(made[key].video, cli[key].video) for key in files if key not in refused
    }
    crop_counts_equal = sum(
        len(made[key].crops) == len(cli[key].crops) for key in files if key not in refused
    )
    crops_compared = [
        agreement(mine, theirs)
        for key in files
        if key not in refused
        for mine, theirs in zip(made[key].crops, cli[key].crops, strict=False)
    ]
    crop_totals = _totals(crops_compared) if crops_compared else None
    totals = _totals(compared.values())
    clip_totals = _totals([compared["clip"]]) if "clip" in compared else None
    turned = [row for key, row in compared.items() if key[1:] == ("turned_90",)]
    turned_totals = _totals(turned) if turned else None

    queries = found_queries(sources, edited)
    page_bank = {offset: made[offset, "source"] for offset in sources}
    cli_bank = {offset: cli[offset, "source"] for offset in sources}
    page_rows, page_recall = recall_by_edit(queries, page_bank)
    cli_rows, cli_recall = recall_by_edit(queries, cli_bank)
    pairs, false_matches = false_matches_between(queries, page_bank)
    recall_rows = [
        [page_row[0], cli_row[1], page_row[1], cli_row[2], page_row[2]]
        for page_row, cli_row in zip(page_rows, cli_rows, strict=True)
    ]
    per_minute_page = page_seconds / clip_seconds * 60
    per_minute_cli = cli_seconds / clip_seconds * 60
    clip_name = "320x240" if smoke else "1280x720"
    data: dict[str, Any] = {
        "sources": len(sources),
        "size": size,
        "fps": fps,
        "refused": refused,
        "agreement": totals,
        "crop_agreement": crop_totals,
        "files_with_the_cli_s_crop_count": crop_counts_equal,
        "clip_agreement": clip_totals,
        "turned_agreement": turned_totals,
        "recall_page_bank": page_recall,
        "recall_cli_bank": cli_recall,
        "false_pairs": pairs,
        "false_matches": false_matches,
        "page_wall_seconds_per_minute": per_minute_page,
        "cli_wall_seconds_per_minute": per_minute_cli,
        "cli_wall_seconds_other_files": cli_all_seconds,
    }
    sections = [
        f"Test videos: {len(sources)} sources of 6 shots x 2.5 s at {size[0]}x{size[1]}, "
        f"{fps} fps, each with {len(videos.LEAK_EDITS)} leak edits, and a {clip_seconds} s "
        f"{clip_name} 30 fps clip; Chromium {version}. Refused by the page: "
        f"{len(refused)} of {len(files)} files. Files with as many crops as the CLI's: "
        f"{crop_counts_equal}.",
        "",
        table(
            ["files", "frames", "same count and timestamps", "d = 0", "d <= 10", "d <= 31"],
            [
                [
                    label,
                    row["frames"],
                    f"{row['aligned']}/{row['files']}",
                    f"{row['share_0']:.1%}",
                    f"{row['share_10']:.1%}",
                    f"{row['share_31']:.1%}",
                ]
                for label, row in [
                    ("all", totals),
                    ("their crops (each rule against the CLI's)", crop_totals),
                    ("the 30 fps clip", clip_totals),
                    ("the sources turned 90° in their tkhd", turned_totals),
                ]
                if row is not None
            ],
        ),
        "",
        table(
            [
                "edit",
                "found, CLI bank",
                "found, page bank",
                "mean share %, CLI bank",
                "mean share %, page bank",
            ],
            recall_rows,
        ),
        "",
        f"False matches against the page's banks among {pairs} pairs of videos of different "
        f"sources: {false_matches}.",
        "",
        table(
            ["hasher", f"wall s / min of {clip_name} 30 fps", "ratio to the CLI"],
            [
                ["CLI (hash_bank_video, PyAV, 1 thread)", f"{per_minute_cli:.2f}", "1.00"],
                [
                    "page (Chromium <video> + canvas, PDQs in a worker)",
                    f"{per_minute_page:.2f}",
                    f"{per_minute_page / per_minute_cli:.2f}",
                ],
            ],
        ),
        "",
        f"Wall time {time.monotonic() - started:.0f} s.",
    ]
    save("page_videos", data, "\n".join(sections), smoke=smoke)


def _totals(rows: Iterable[Agreement]) -> dict[str, Any]:
    rows = list(rows)
    frames = sum(row.frames for row in rows)
    return {
        "files": len(rows),
        "aligned": sum(row.aligned for row in rows),
        "frames": frames,
        "share_0": sum(row.within_0 for row in rows) / max(frames, 1),
        "share_10": sum(row.within_10 for row in rows) / max(frames, 1),
        "share_31": sum(row.within_31 for row in rows) / max(frames, 1),
    }


if __name__ == "__main__":
    main()
