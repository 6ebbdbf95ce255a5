"""Video fingerprints: recall per leak edit, false matches, agreement with vpdq, speed, memory.

Test videos are made here from the dev photos (tests/videos.py: pans and zooms, a cut every
2.5 s), nothing downloaded. Each source gets the seven leak edits of issue #18; a leak counts as
found when it, or its mirrored fingerprint, matches its own source. Three rules side by side:
vPDQ's own (31 bits a frame, the source's frames only), 48 bits a frame, and ours (48 bits, and
the source's centre-crop fingerprints too: hashing/videos.py, hash_bank_video). False matches:
every pair of videos of different sources (sources and edits, as found and mirrored, against
every other source), 0 allowed. Cost of the crops: hashing CPU per minute of 720p video and
fingerprint characters per minute, with and without them.

The reference is Meta's vpdq, built from its sdist, run in another interpreter
(``--vpdq-python``, a virtualenv with ``vpdq`` and ``threatexchange`` installed): its frame
hashes on the same files (share of frames at PDQ distance 0, <= 10, <= 31), its
``VPDQSignal.compare_hash`` verdicts on our fingerprints, and its hashing CPU time on the same
720p clip beside ours (CPU seconds per minute of video; ours decodes on one thread, vpdq with
its default threads, and CPU time counts every thread). Peak memory: a fresh process that imports
the worker's collection module and fingerprints the 720p clip as a fetched body
(workers.collection.hash_found_video), max RSS before and after.

  python -m benchmarks.videos [--smoke] [--vpdq-python PATH]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from itertools import product
from pathlib import Path
from typing import Any

from benchmarks.report import save, table
from hashing.videos import (
    FRAME_MATCH_RADIUS_BITS,
    VPDQ_FRAME_RADIUS_BITS,
    BankVideo,
    VideoFingerprint,
    compare_videos,
    frame_words,
    hamming,
    hash_bank_video,
    hash_query_video,
    hash_video,
)
from tests import videos

REFERENCE_SCRIPT = r"""
import json, sys, time, resource
import vpdq
job = json.load(sys.stdin)
out = {"frames": {}, "verdicts": [], "cpu": None}
for path in job["files"]:
    out["frames"][path] = [[f.hex, f.quality, f.timestamp] for f in vpdq.computeHash(path)]
if job["pairs"]:
    from threatexchange.extensions.vpdq.vpdq import VPDQSignal
    for query, bank in job["pairs"]:
        out["verdicts"].append(bool(VPDQSignal.compare_hash(query, bank).match))
if job["timed"]:
    before = resource.getrusage(resource.RUSAGE_SELF)
    vpdq.computeHash(job["timed"])
    after = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
json.dump(out, sys.stdout)
"""

MEMORY_SCRIPT = r"""
import json, sys


def high_water_kib():
    # VmHWM belongs to this process's own address space (ru_maxrss survives exec on Linux).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])


from workers.collection import hash_found_video

body = open(sys.argv[1], "rb").read()
before = high_water_kib()
found = hash_found_video("https://leak.example/clip.mp4", body)
after = high_water_kib()
json.dump({"before_kib": before, "after_kib": after, "frames": len(found.videos[0].frames),
           "body_bytes": len(body)}, sys.stdout)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny inputs, no timing claims")
    parser.add_argument("--vpdq-python", help="an interpreter with vpdq and threatexchange")
    args = parser.parse_args()
    smoke = args.smoke
    size, fps = source_size(smoke)
    started = time.monotonic()
    sources, edited = leak_videos(smoke)
    banked = {offset: hash_bank_video(data) for offset, data in sources.items()}
    bank = {offset: video.video for offset, video in banked.items()}
    queries = found_queries(sources, edited)

    recall: dict[str, dict[str, float]] = {}
    shares: dict[str, dict[str, float]] = {}
    false_matches: dict[str, int] = {}
    false_pairs = 0
    for rule, (radius, crops) in RULES.items():
        recall[rule], shares[rule] = _recall(queries, banked, radius, crops)
        false_pairs, false_matches[rule] = _false_matches(queries, banked, radius, crops)
    recall_rows = [
        [name]
        + [
            f"{round(recall[rule][name] * len(sources))}/{len(sources)} ({shares[rule][name]:.1f})"
            for rule in RULES
        ]
        for name in ["source", *videos.LEAK_EDITS]
    ]
    recall_rows.append(
        [f"false matches in {false_pairs} pairs"] + [str(false_matches[rule]) for rule in RULES]
    )
    closest = _closest_impostor(queries, banked)

    data: dict[str, Any] = {
        "sources": len(sources),
        "size": size,
        "fps": fps,
        "recall": recall,
        "mean_query_share": shares,
        "false_matches": false_matches,
        "false_pairs": false_pairs,
        "closest_impostor_frame_bits": closest,
    }
    sections = [
        f"Test videos: {len(sources)} sources of {SHOTS} shots x 2.5 s at "
        f"{size[0]}x{size[1]}, {fps} fps, each with {len(videos.LEAK_EDITS)} leak edits.",
        "",
        "Found (as found or mirrored) per rule, and the mean query share %:",
        "",
        table(["edit", *RULES], recall_rows),
        "",
        f"Closest frame of a video of another source to any query frame (any crop): {closest} "
        f"bits.",
    ]

    clip_seconds = 4 if smoke else 20
    clip = videos.make_video(
        videos.photos(300)[3::45][: max(2, clip_seconds // 3)],
        size=(320, 240) if smoke else (1280, 720),
        fps=30,
        shot_seconds=clip_seconds / max(2, clip_seconds // 3),
    )
    with tempfile.TemporaryDirectory() as folder:
        paths = _write(Path(folder), sources, edited, clip)
        cpu_ours = _cpu(lambda: hash_video(clip))
        per_minute_ours = cpu_ours / clip_seconds * 60
        clip_banked: list[BankVideo] = []
        per_minute_crops = _cpu(lambda: clip_banked.append(hash_bank_video(clip)))
        per_minute_crops *= 60 / clip_seconds
        data["ours_cpu_seconds_per_minute"] = per_minute_ours
        data["ours_with_crops_cpu_seconds_per_minute"] = per_minute_crops
        whole_chars = len(clip_banked[0].video.to_vpdq()) * 60 / clip_seconds
        crop_chars = sum(len(crop.to_vpdq()) for crop in clip_banked[0].crops) * 60 / clip_seconds
        data["vpdq_chars_per_minute"] = whole_chars
        data["crops_chars_per_minute"] = crop_chars
        speed_rows = [
            ["ours (PyAV, 1 thread)", f"{per_minute_ours:.2f}", "1.00"],
            [
                f"ours with {len(clip_banked[0].crops)} crops (the victim's side)",
                f"{per_minute_crops:.2f}",
                f"{per_minute_crops / per_minute_ours:.2f}",
            ],
        ]
        if args.vpdq_python:
            reference = _reference(args.vpdq_python, paths, queries, bank, clip_path=paths["clip"])
            agreement = _agreement(paths, reference["frames"])
            data["agreement"] = agreement
            sections += ["", "Frame hashes against vpdq 0.2.5 on the same files:", ""]
            sections.append(
                table(
                    ["frames compared", "same count and timestamps", "d = 0", "d <= 10", "d <= 31"],
                    [
                        [
                            agreement["frames"],
                            f"{agreement['files_aligned']}/{agreement['files']} files",
                            f"{agreement['share_0']:.1%}",
                            f"{agreement['share_10']:.1%}",
                            f"{agreement['share_31']:.1%}",
                        ]
                    ],
                )
            )
            verdicts = _verdict_agreement(queries, bank, reference["verdicts"])
            data["verdicts"] = verdicts
            sections += [
                "",
                f"threatexchange VPDQSignal.compare_hash on our fingerprints agrees with our "
                f"verdict on {verdicts['agree']}/{verdicts['pairs']} pairs.",
            ]
            per_minute_ref = reference["cpu"] / clip_seconds * 60
            data["vpdq_cpu_seconds_per_minute"] = per_minute_ref
            speed_rows.append(
                [
                    "vpdq (FFmpeg 5.1, default threads)",
                    f"{per_minute_ref:.2f}",
                    f"{per_minute_ref / per_minute_ours:.2f}",
                ]
            )
        memory = json.loads(
            subprocess.run(
                [sys.executable, "-c", MEMORY_SCRIPT, str(paths["clip"])],
                capture_output=True,
                text=True,
                check=True,
                timeout=900,
            ).stdout
        )
        data["worker_memory"] = memory
    clip_name = "320x240" if smoke else "1280x720"
    sections += [
        "",
        f"Hashing CPU seconds per minute of {clip_name} 30 fps video ({clip_seconds} s clip):",
        "",
        table(["hasher", "CPU s / min of video", "ratio to ours"], speed_rows),
        "",
        f"Fingerprint per minute of video: {whole_chars:.0f} characters of vPDQ text, "
        f"{whole_chars + crop_chars:.0f} with the crops' "
        f"({(whole_chars + crop_chars) / whole_chars:.2f}x).",
        "",
        f"Worker peak RSS fingerprinting the {clip_name} clip ({memory['body_bytes']} bytes) "
        f"from memory: {memory['after_kib'] / 1024:.0f} MiB, "
        f"{(memory['after_kib'] - memory['before_kib']) / 1024:.0f} MiB over the process "
        f"after imports.",
        "",
        f"Wall time {time.monotonic() - started:.0f} s.",
    ]
    save("videos", data, "\n".join(sections), smoke=smoke)


#: Shots of 2.5 s per source: 15 s, enough for the 10-second excerpt.
SHOTS = 6

Queries = dict[tuple[int, str], tuple[VideoFingerprint, VideoFingerprint]]


def source_size(smoke: bool) -> tuple[tuple[int, int], int]:
    """The sources' frame size and rate."""
    return ((160, 120), 5) if smoke else ((320, 240), 10)


def leak_videos(smoke: bool) -> tuple[dict[int, bytes], dict[tuple[int, str], bytes]]:
    """The source videos by photo offset, and each one's leak edits by (offset, edit name)."""
    offsets = [0, 13] if smoke else [0, 7, 13, 20, 27, 34]
    size, fps = source_size(smoke)
    sources = {
        offset: videos.make_video(
            videos.photos(300)[offset::45][:SHOTS], size=size, fps=fps, shot_seconds=2.5
        )
        for offset in offsets
    }
    edited = {
        (offset, name): edit(data)
        for (offset, data), (name, edit) in product(sources.items(), videos.LEAK_EDITS.items())
    }
    return sources, edited


def found_queries(sources: dict[int, bytes], edited: dict[tuple[int, str], bytes]) -> Queries:
    """Each edit and source as the worker fingerprints a found video: as found and mirrored."""
    queries = {key: hash_query_video(data) for key, data in edited.items()}
    for offset, data in sources.items():
        queries[offset, "source"] = hash_query_video(data)
    return queries


def recall_by_edit(
    queries: Queries, banked: dict[int, BankVideo]
) -> tuple[list[list[object]], dict[str, float]]:
    """Per edit, against banks with their crops (the service's rule): found, and the mean
    share."""
    recall, shares = _recall(queries, banked, FRAME_MATCH_RADIUS_BITS, crops=True)
    rows: list[list[object]] = [
        [name, f"{round(recall[name] * len(banked))}/{len(banked)}", f"{shares[name]:.1f}"]
        for name in recall
    ]
    return rows, recall


def false_matches_between(queries: Queries, banked: dict[int, BankVideo]) -> tuple[int, int]:
    """Pairs of a query and another source's banked video (with its crops), and how many
    match."""
    return _false_matches(queries, banked, FRAME_MATCH_RADIUS_BITS, crops=True)


#: The rules compared: (frame radius in bits, whether the source's crop fingerprints count).
RULES = {
    f"vPDQ ({VPDQ_FRAME_RADIUS_BITS} bits)": (VPDQ_FRAME_RADIUS_BITS, False),
    f"{FRAME_MATCH_RADIUS_BITS} bits": (FRAME_MATCH_RADIUS_BITS, False),
    f"ours ({FRAME_MATCH_RADIUS_BITS} bits + crops)": (FRAME_MATCH_RADIUS_BITS, True),
}


def _compare(query: VideoFingerprint, banked: BankVideo, radius: int, crops: bool) -> Any:
    return compare_videos(query, banked.video, banked.crops if crops else (), radius=radius)


def _recall(
    queries: Queries,
    banked: dict[int, BankVideo],
    radius: int,
    crops: bool,
) -> tuple[dict[str, float], dict[str, float]]:
    recall: dict[str, float] = {}
    mean_share: dict[str, float] = {}
    for name in ["source", *videos.LEAK_EDITS]:
        found, shares = 0, []
        keys = [key for key in queries if key[1] == name]
        for offset, _ in keys:
            best = max(
                (_compare(q, banked[offset], radius, crops) for q in queries[offset, name]),
                key=lambda m: m.query_percent,
            )
            found += best.matched
            shares.append(best.query_percent)
        recall[name] = found / len(keys)
        mean_share[name] = sum(shares) / len(shares)
    return recall, mean_share


def _false_matches(
    queries: Queries,
    banked: dict[int, BankVideo],
    radius: int,
    crops: bool,
) -> tuple[int, int]:
    pairs = matched = 0
    for (offset, _), fingerprints in queries.items():
        for other, video in banked.items():
            if other == offset:
                continue
            pairs += 1
            matched += any(_compare(q, video, radius, crops).matched for q in fingerprints)
    return pairs, matched


def _closest_impostor(
    queries: Queries,
    banked: dict[int, BankVideo],
) -> int:
    closest = 256
    for (offset, _), fingerprints in queries.items():
        for other, video in banked.items():
            if other == offset:
                continue
            theirs = frame_words([f for v in (video.video, *video.crops) for f in v.usable()])
            for query in fingerprints:
                closest = min(closest, int(hamming(frame_words(query.usable()), theirs).min()))
    return closest


def _write(
    folder: Path,
    sources: dict[int, bytes],
    edited: dict[tuple[int, str], bytes],
    clip: bytes,
) -> dict[Any, Path]:
    paths: dict[Any, Path] = {}
    for offset, data in sources.items():
        paths[offset, "source"] = folder / f"s{offset}.bin"
        paths[offset, "source"].write_bytes(data)
    for (offset, name), data in edited.items():
        paths[offset, name] = folder / f"s{offset}-{name}.bin"
        paths[offset, name].write_bytes(data)
    paths["clip"] = folder / "clip.bin"
    paths["clip"].write_bytes(clip)
    return paths


def _pairs(
    queries: Queries,
    bank: dict[int, VideoFingerprint],
) -> list[tuple[tuple[int, str], int]]:
    return [(key, other) for key in queries for other in bank]


def _reference(
    python: str,
    paths: dict[Any, Path],
    queries: Queries,
    bank: dict[int, VideoFingerprint],
    *,
    clip_path: Path,
) -> dict[str, Any]:
    job = {
        "files": [str(path) for path in paths.values()],
        "pairs": [
            [queries[key][0].to_vpdq(), bank[other].to_vpdq()]
            for key, other in _pairs(queries, bank)
        ],
        "timed": str(clip_path),
    }
    done = subprocess.run(
        [python, "-c", REFERENCE_SCRIPT],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _agreement(paths: dict[Any, Path], reference: dict[str, list[list[Any]]]) -> dict[str, Any]:
    frames = within_0 = within_10 = within_31 = aligned = 0
    for path in paths.values():
        ours = hash_video(path.read_bytes()).frames
        theirs = reference[str(path)]
        same_shape = len(ours) == len(theirs) and all(
            abs(mine.seconds - other[2]) < 1e-3 for mine, other in zip(ours, theirs, strict=True)
        )
        aligned += same_shape
        for mine, other in zip(ours, theirs, strict=False):
            distance = (mine.pdq.bits ^ int(other[0], 16)).bit_count()
            frames += 1
            within_0 += distance == 0
            within_10 += distance <= 10
            within_31 += distance <= 31
    return {
        "files": len(paths),
        "files_aligned": aligned,
        "frames": frames,
        "share_0": within_0 / frames,
        "share_10": within_10 / frames,
        "share_31": within_31 / frames,
    }


def _verdict_agreement(
    queries: Queries,
    bank: dict[int, VideoFingerprint],
    theirs: list[bool],
) -> dict[str, int]:
    ours = [
        compare_videos(queries[key][0], bank[other], radius=VPDQ_FRAME_RADIUS_BITS).matched
        for key, other in _pairs(queries, bank)
    ]
    return {"pairs": len(ours), "agree": sum(a == b for a, b in zip(ours, theirs, strict=True))}


def _cpu(work: Any) -> float:
    before = resource.getrusage(resource.RUSAGE_SELF)
    work()
    after = resource.getrusage(resource.RUSAGE_SELF)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


if __name__ == "__main__":
    main()
