"""Peak memory of the API under 8 concurrent hostile uploads to /v1/check/image (issue 15.4).

The upload is a 36-megapixel PNG gradient (~120 KB on the wire, under the decoder's pixel cap,
~1.2 GB to hash). Before: the API hashed uploads in its own threads, so this measures
``checks.hash_upload`` run the same way (1 and 2 at once, in threads) in a fresh process, as
peak RSS above the process's size after imports. After: `takedown api` (SQLite, this machine's
Redis) hashes in its pool; psutil samples the API process and its pool processes every 10 ms
while 8 uploads are sent at once, with the default settings and with a 256 MB limit.

  python -m benchmarks.upload_memory
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
from PIL import Image

from benchmarks.corpus import REPO
from benchmarks.report import table
from benchmarks.robustness import encode
from casework.db import migrate, transaction
from casework.platforms import platforms
from casework.platforms.apikeys import Scope
from casework.runtime import Runtime
from casework.settings import Settings

BENCH_REDIS_URL = os.environ.get("TAKEDOWN_BENCH_REDIS", "redis://127.0.0.1:6379/13")
SIDE = 6000
UPLOADS = 8
MB = 2**20
#: Hashing in threads of a fresh process, as the API did before the pool.
IN_PROCESS = """
import resource, sys, threading
from pathlib import Path
from casework import checks
data = Path(sys.argv[1]).read_bytes()
start = int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize()
count = int(sys.argv[2])
threads = [threading.Thread(target=checks.hash_upload, args=(data,)) for _ in range(count)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def hostile_png() -> bytes:
    """The upload: a gradient that compresses to ~120 KB and decodes to 36 megapixels."""
    return encode(Image.linear_gradient("L").resize((SIDE, SIDE)).convert("RGB"), "PNG")


def before(path: Path, concurrent: int) -> list[object]:
    """Peak RSS of a process that hashes ``concurrent`` uploads in its own threads."""
    out = subprocess.run(
        [sys.executable, "-c", IN_PROCESS, str(path), str(concurrent)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    start, peak = int(out[0]), int(out[1])
    return [
        f"before: in the API's threads, {concurrent} at once",
        start // MB,
        peak // MB,
        "-",
        "-",
    ]


def after(body: bytes, label: str, extra_env: dict[str, str]) -> list[object]:
    """Peak RSS of `takedown api` and of its pool while UPLOADS hostile uploads arrive at once."""
    workdir = Path(tempfile.mkdtemp())
    url = f"sqlite:///{workdir / 'bench.db'}"
    migrate(url)
    env = {
        "TAKEDOWN_ENVIRONMENT": "test",
        "TAKEDOWN_DATABASE_URL": url,
        "TAKEDOWN_REDIS_URL": BENCH_REDIS_URL,
        "TAKEDOWN_SECRET_KEY": secrets.token_urlsafe(48),
        **extra_env,
    }
    settings = Settings.model_validate(
        {k.removeprefix("TAKEDOWN_").lower(): v for k, v in env.items()}
    )
    runtime = Runtime.build(settings)
    with transaction(runtime.sessions) as session:
        platform = platforms.create_platform(
            session, name="bench", domains=[], algorithms=platforms.parse_algorithms(None)
        )
        token = platforms.issue_platform_key(
            session, vault=runtime.vault, platform=platform, scopes=[Scope.CHECK]
        ).token
    runtime.engine.dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    takedown = str(Path(sys.executable).parent / "takedown")
    server = subprocess.Popen(
        [takedown, "api", "--port", str(port)],
        env={k: v for k, v in os.environ.items() if not k.startswith("TAKEDOWN_")} | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        api = psutil.Process(server.pid)
        start = api.memory_info().rss
        peaks = {"api": start, "pool": 0}
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.01):
                try:
                    children = api.children(recursive=True)
                    pool = sum(child.memory_info().rss for child in children)
                except psutil.Error:
                    continue
                peaks["api"] = max(peaks["api"], api.memory_info().rss)
                peaks["pool"] = max(peaks["pool"], pool)

        sampler = threading.Thread(target=sample)
        sampler.start()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"}
        with ThreadPoolExecutor(UPLOADS) as uploads:
            answers = list(
                uploads.map(
                    lambda _: httpx.post(
                        base + "/v1/check/image", content=body, headers=headers, timeout=600
                    ),
                    range(UPLOADS),
                )
            )
        stop.set()
        sampler.join()
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(workdir)
    statuses = Counter(answer.status_code for answer in answers)
    said = ", ".join(f"{count}x {status}" for status, count in sorted(statuses.items()))
    return [f"after: {label}", start // MB, peaks["api"] // MB, peaks["pool"] // MB, said]


def main() -> None:
    body = hostile_png()
    with tempfile.NamedTemporaryFile(suffix=".png") as upload:
        upload.write(body)
        upload.flush()
        rows = [before(Path(upload.name), 1), before(Path(upload.name), 2)]
    rows.append(after(body, "pool of 2, 4 waiting, 3072 MB each (defaults)", {}))
    rows.append(
        after(
            body,
            "pool of 2, 2 waiting, 256 MB each",
            {
                "TAKEDOWN_CHECK_IMAGE_WAITING": "2",
                "TAKEDOWN_CHECK_IMAGE_MEMORY_MB": "256",
            },
        )
    )
    print(f"### {UPLOADS} concurrent uploads of a {SIDE}x{SIDE} PNG ({len(body) // 1024} KB)\n")
    print(
        table(
            [
                "run",
                "API RSS at start (MB)",
                "API peak RSS (MB)",
                "pool peak RSS, all (MB)",
                "answers",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
