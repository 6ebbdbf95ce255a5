"""The worker's CPU time per leak against a reference commit, measured in the same run.

Issue 16 asks that the query side's extra guesses cost no more worker time per leak than
before. CPU seconds move with the machine's load (cache and memory contention), so the two
trees are timed side by side: the reference commit (default ``main``) is exported with
``git archive`` into a temporary directory, and two child processes, one per tree, hash the
same leaks with their own ``workers.collection.hash_image`` in lockstep: both get a leak, both
answer, then the next. Each leak is hashed ``--repeats`` times per tree and the least CPU time
kept (``time.process_time``, one thread). The leaks are the rows of ``benchmarks/robustness.py``
(and the photo as it is) on an even sample of the dev corpus.

  python -m benchmarks.worker_cpu [--reference main] [--limit 20] [--repeats 3] [--smoke]

The smoke run compares HEAD with the working tree (a fresh clone may have no ``main``).
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

from PIL import Image

from benchmarks import robustness
from benchmarks.corpus import REPO, corpus_paths, load_rgb
from benchmarks.report import median, percentile, save, table

#: What each child runs, in its own tree: read a length-prefixed leak, hash it ``repeats``
#: times, answer with the least CPU seconds.
CHILD = """
import struct, sys, time
from workers.collection import hash_image
from hashing.images import ImageRejected
repeats = int(sys.argv[1])
read, write = sys.stdin.buffer, sys.stdout
while header := read.read(4):
    data = read.read(struct.unpack(">I", header)[0])
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        try:
            hash_image("https://leak.example/image", data)
        except ImageRejected:
            pass
        best = min(best, time.process_time() - started)
    write.write(f"{best}\\n")
    write.flush()
"""


def leaks(limit: int, kinds: list[str]) -> list[tuple[str, bytes]]:
    """(kind, bytes) of every kind of leak of each sampled photo, as robustness.py makes them."""
    out = []
    for path in corpus_paths(limit=limit):
        original = load_rgb(path)
        if max(original.size) > robustness.ORIGINAL_MAX_SIDE:
            side = robustness.ORIGINAL_MAX_SIDE
            original.thumbnail((side, side), Image.Resampling.LANCZOS)
        out.append(("original", robustness.encode(original)))
        out += [(kind, robustness.TRANSFORMS[kind][0](original)[0]) for kind in kinds]
    return out


def child(tree: Path, repeats: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(repeats)],
        cwd=tree,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def send(stream: IO[str], data: bytes) -> None:
    stream.buffer.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--reference", help="commit to compare against (default main; HEAD for --smoke)"
    )
    parser.add_argument("--limit", type=int, default=20, help="an even sample of corpus photos")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="3 photos, 3 kinds, 1 repeat")
    cfg = parser.parse_args()
    kinds = ["jpeg_q80", "phone_screenshot", "crop_caption_jpeg"]
    if not cfg.smoke:
        kinds = list(robustness.TRANSFORMS)
    sample = leaks(3 if cfg.smoke else cfg.limit, kinds)
    repeats = 1 if cfg.smoke else cfg.repeats
    commit = subprocess.run(
        ["git", "rev-parse", "--short", cfg.reference or ("HEAD" if cfg.smoke else "main")],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as reference:
        archive = subprocess.run(
            ["git", "archive", commit], cwd=REPO, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", reference], input=archive, check=True)
        trees = {"reference": child(Path(reference), repeats), "this tree": child(REPO, repeats)}
        seconds: dict[str, list[float]] = {name: [] for name in trees}
        for _, data in sample:
            for process in trees.values():
                assert process.stdin is not None
                send(process.stdin, data)
            for name, process in trees.items():
                assert process.stdout is not None
                seconds[name].append(float(process.stdout.readline()))
        for process in trees.values():
            assert process.stdin is not None
            process.stdin.close()
            process.wait()
    ref, ours = seconds["reference"], seconds["this tree"]
    by_kind = {kind: [i for i, (k, _) in enumerate(sample) if k == kind] for kind in dict(sample)}
    rows = []
    for kind, indices in by_kind.items():
        before = median([ref[i] for i in indices])
        after = median([ours[i] for i in indices])
        rows.append([kind, f"{before:.3f}", f"{after:.3f}", f"{after / before:.2f}"])
    summary = {
        "reference": commit,
        "leaks": len(sample),
        "repeats": repeats,
        "median": {"reference": median(ref), "this tree": median(ours)},
        "p90": {"reference": percentile(ref, 90), "this tree": percentile(ours, 90)},
        "total": {"reference": sum(ref), "this tree": sum(ours)},
    }
    ratio = {
        key: summary[key]["this tree"] / summary[key]["reference"]
        for key in ("median", "p90", "total")
    }
    markdown = "\n\n".join(
        [
            f"### Worker CPU per leak: this tree against {commit}, same run "
            f"({len(sample)} leaks, least of {repeats} per leak and tree)",
            table(["leak", f"{commit} s (median)", "this tree s (median)", "ratio"], rows),
            f"All leaks: median {summary['median']['reference']:.3f} s -> "
            f"{summary['median']['this tree']:.3f} s (**{ratio['median']:.2f}x**), p90 "
            f"{summary['p90']['reference']:.3f} -> {summary['p90']['this tree']:.3f} s "
            f"({ratio['p90']:.2f}x), total {summary['total']['reference']:.1f} -> "
            f"{summary['total']['this tree']:.1f} s ({ratio['total']:.2f}x).",
        ]
    )
    save("worker_cpu", {**summary, "ratio": ratio, "rows": rows}, markdown, smoke=cfg.smoke)


if __name__ == "__main__":
    main()
