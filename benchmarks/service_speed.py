"""Service throughput on loopback: a check endpoint over the index vs a constant endpoint, and
the worker's fetch-and-hash rate on images served by a local server.

1. uvicorn (1 worker, uvloop + httptools) serves benchmarks/check_app.py with a bank of 1M
   pHash codes; wrk (Debian's `wrk`) posts batches of 100 fingerprints to /check, then gets
   /const, from a separate process on the same machine (c=32, same duration). The ratio of the
   two is the share of the web layer's ceiling that a batch-100 check keeps.
2. Worker: a ThreadingHTTPServer on 127.0.0.1 serves corpus photos as JPEG (native size, and a
   few upscaled to 12 MP); each item is fetched with httpx and hashed by workers.reports._hash,
   the worker's own function. RQ and the database are left out (perf.md Q1 puts RQ's overhead at
   ~2 ms a job with SimpleWorker).

  python -m benchmarks.service_speed [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from benchmarks.corpus import REPO, big_photo, corpus_paths, load_rgb
from benchmarks.report import save, table
from benchmarks.robustness import encode

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wrk(url: str, seconds: int, script: Path | None) -> dict[str, float]:
    cmd = ["wrk", "-t1", "-c32", f"-d{seconds}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    out = subprocess.run(
        cmd + [url], capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for p in ("50", "99"):
        match = re.search(rf"^\s+{p}(?:\.0+)?%\s+([\d.]+)(us|ms|s)", out, re.M)
        result[f"p{p}_ms"] = float(match.group(1)) * UNITS[match.group(2)] if match else -1.0
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    return result


def http_benchmark(bank: int, seconds: int) -> list[list[object]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TAKEDOWN_BENCH_BANK": str(bank), "PYTHONPATH": str(REPO)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.check_app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ],
        cwd=REPO,
        env=env,
        start_new_session=True,
    )
    rng = random.Random(0)
    body = json.dumps(
        {
            "fingerprints": [
                {"algorithm": "phash", "value": f"{rng.getrandbits(64):016x}"} for _ in range(100)
            ]
        }
    )
    workdir = Path(tempfile.mkdtemp())
    script = workdir / "post.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [[{body}]]\n"
    )
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/const", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        check = httpx.post(
            base + "/check", content=body, headers={"content-type": "application/json"}, timeout=10
        )
        assert check.status_code == 200 and len(check.json()["matches"]) == 100, check.text
        const = wrk(base + "/const", seconds, None)
        posted = wrk(base + "/check", seconds, script)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(workdir)
    return [
        [
            "GET /const",
            f"{const['rps']:.0f}",
            "–",
            f"{const['p50_ms']:.2f}",
            f"{const['p99_ms']:.2f}",
            "1.00",
            const["non_2xx"],
        ],
        [
            f"POST /check, 100 pHash, bank {bank:,}",
            f"{posted['rps']:.0f}",
            f"{100 * posted['rps']:.0f}",
            f"{posted['p50_ms']:.2f}",
            f"{posted['p99_ms']:.2f}",
            f"{posted['rps'] / const['rps']:.2f}",
            posted["non_2xx"],
        ],
    ]


class Images(BaseHTTPRequestHandler):
    bodies: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = self.bodies[self.path]
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


def worker_benchmark(photos: int, big: int) -> list[list[object]]:
    from workers.reports import _hash

    paths = corpus_paths(limit=photos)
    sets = {
        "corpus photos (native size, JPEG q85)": {
            f"/p{i}.jpg": encode(load_rgb(p), "JPEG", quality=85) for i, p in enumerate(paths)
        },
        "12 MP JPEG q90": {
            f"/b{i}.jpg": big_photo(p, (4000, 3000), "JPEG", seed=i)
            for i, p in enumerate(paths[:big])
        },
    }
    Images.bodies = {k: v for bodies in sets.values() for k, v in bodies.items()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Images)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    rows = []
    try:
        with httpx.Client() as client:
            for label, bodies in sets.items():
                if not bodies:
                    continue
                t0 = time.perf_counter()
                for path in bodies:
                    _hash(base + path, client.get(base + path).content)
                seconds = time.perf_counter() - t0
                rows.append(
                    [
                        label,
                        len(bodies),
                        f"{len(bodies) / seconds:.1f}",
                        f"{1000 * seconds / len(bodies):.0f}",
                    ]
                )
    finally:
        server.shutdown()
        server.server_close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="small bank, 1 s load, few images")
    cfg = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    http_rows = http_benchmark(20_000 if cfg.smoke else 1_000_000, 1 if cfg.smoke else 8)
    worker_rows = worker_benchmark(4 if cfg.smoke else 60, 0 if cfg.smoke else 2)
    markdown = "\n\n".join(
        [
            "### HTTP on loopback: uvicorn 1 worker, wrk -t1 -c32 (same run)",
            table(
                [
                    "endpoint",
                    "requests/s",
                    "fingerprints/s",
                    "p50 ms",
                    "p99 ms",
                    "vs /const",
                    "non-2xx",
                ],
                http_rows,
            ),
            "### Worker: fetch over loopback + workers.reports._hash, one process",
            table(["images", "count", "items/s", "ms per item"], worker_rows),
        ]
    )
    save("service_speed", {"http": http_rows, "worker": worker_rows}, markdown, smoke=cfg.smoke)


if __name__ == "__main__":
    main()
