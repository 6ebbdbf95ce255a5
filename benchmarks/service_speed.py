"""Service throughput on loopback: the service's /v1/check vs a constant endpoint, and the
worker's fetch-and-hash rate on images served by a local server.

1. A PostgreSQL database is filled with a bank of 1M fingerprints (benchmarks/check_app.py:
   sealed as the service seals them; PDQ and pHash of 500k realistic codes) and a platform key;
   uvicorn (1 worker, uvloop + httptools) serves the service's own app in production mode, with
   GET /const added. wrk (Debian's `wrk`) gets /const, then posts batches of 100 fingerprints
   that miss the bank to /v1/check with the key (c=32, same duration, same server). The ratio is
   the share of the web layer's ceiling that a batch-100 check keeps; the CPU time of the index
   lookups alone, measured in this process on the same bank and batches, says where the rest went.
2. Worker: a ThreadingHTTPServer on 127.0.0.1 serves corpus photos as JPEG (native size, and a
   few upscaled to 12 MP); each item is fetched with httpx and hashed by
   workers.collection.hash_image, the worker's own function. RQ and the database are left out
   (perf.md Q1 puts RQ's overhead at ~2 ms a job with SimpleWorker).

  python -m benchmarks.service_speed [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
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
import numpy as np
import psycopg

from benchmarks.check_app import Bank, prepare
from benchmarks.corpus import REPO, big_photo, corpus_paths, load_rgb
from benchmarks.report import median, save, table
from benchmarks.robustness import encode
from casework.bank.bank import MATCH_RADIUS_BITS
from casework.db import migrate
from casework.settings import Settings
from hashing.fingerprint import Algorithm, Fingerprint
from hashing.index import HammingIndex

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
#: The production path: PostgreSQL and Redis, as the tests use them on this machine.
POSTGRES_ADMIN_URL = os.environ.get(
    "TAKEDOWN_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BENCH_REDIS_URL = os.environ.get("TAKEDOWN_BENCH_REDIS", "redis://127.0.0.1:6379/13")
#: Fingerprints per /v1/check request (the issue's batch) and distinct request bodies sent.
BATCH = 100
BODIES = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url: str, seconds: int, script: Path | None, server: int) -> dict[str, float]:
    cmd = ["wrk", "-t1", "-c32", f"-d{seconds}s", "--latency"]
    if script is not None:
        cmd += ["-s", str(script)]
    cpu = cpu_seconds(server)
    out = subprocess.run(
        cmd + [url], capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    cpu = cpu_seconds(server) - cpu
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    result["server_cpu_ms"] = 1000 * cpu / max(requests, 1)
    for p in ("50", "99"):
        match = re.search(rf"^\s+{p}(?:\.0+)?%\s+([\d.]+)(us|ms|s)", out, re.M)
        result[f"p{p}_ms"] = float(match.group(1)) * UNITS[match.group(2)] if match else -1.0
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    return result


def production_settings(
    database_url: str, redis_url: str, secret_key: str | None = None
) -> tuple[dict[str, str], Settings]:
    """TAKEDOWN_* variables of a production process on these stores, and the same as Settings."""
    env = {
        "TAKEDOWN_ENVIRONMENT": "production",
        "TAKEDOWN_DATABASE_URL": database_url,
        "TAKEDOWN_REDIS_URL": redis_url,
        "TAKEDOWN_SECRET_KEY": secret_key or secrets.token_urlsafe(48),
        # Budgets far above what the processes can serve: the limiter runs, never refuses.
        "TAKEDOWN_PLATFORM_REQUESTS_PER_MINUTE": str(10**9),
        "TAKEDOWN_PLATFORM_CHECKS_PER_MINUTE": str(10**11),
    }
    settings = Settings.model_validate(
        {k.removeprefix("TAKEDOWN_").lower(): v for k, v in env.items()}
    )
    return env, settings


def http_benchmark(bank: int, seconds: int) -> tuple[list[list[object]], dict[str, float]]:
    """wrk against the service's /v1/check (batches of 100) and /const, same server, same run."""
    name = f"takedown_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    workdir = Path(tempfile.mkdtemp())
    server = None
    try:
        migrate(url)
        env, settings = production_settings(url, BENCH_REDIS_URL)
        started = time.perf_counter()
        prepared = prepare(settings, bank, BATCH, BODIES)
        fill_s = time.perf_counter() - started
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "benchmarks.check_app:create_app", "--factory"]
            + ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
            + ["--no-access-log", "--loop", "uvloop", "--http", "httptools"],
            cwd=REPO,
            env={**os.environ, **env, "PYTHONPATH": str(REPO)},
            start_new_session=True,
        )
        started = time.perf_counter()
        _wait_ready(base, server)
        load_s = time.perf_counter() - started
        bodies = [_check_body(batch) for batch in prepared.batches]
        headers = {"Authorization": f"Bearer {prepared.token}", "Content-Type": "application/json"}
        answer = httpx.post(base + "/v1/check", content=bodies[0], headers=headers, timeout=30)
        verdicts = {result["verdict"] for result in answer.json()["results"]}
        assert answer.status_code == 200 and verdicts == {"no_match"}, answer.text
        script = workdir / "post.lua"
        script.write_text(_wrk_script(bodies, prepared.token))
        # One upload (its PDQ and pHash) per request: what a check costs besides the index.
        single = workdir / "single.lua"
        single.write_text(
            _wrk_script([_check_body(batch[:2]) for batch in prepared.batches], prepared.token)
        )
        # The server's own CPU time per request too: wall-clock rates on a shared machine
        # depend on what else runs, CPU time per request much less.
        const = wrk(base + "/const", seconds, None, server.pid)
        posted = wrk(base + "/v1/check", seconds, script, server.pid)
        upload = wrk(base + "/v1/check", seconds, single, server.pid)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(workdir)
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    lookup_ms = _lookup_cpu_ms(prepared)
    rows: list[list[object]] = [
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
            f"POST /v1/check, {BATCH} (PDQ + pHash of {BATCH // 2} uploads), bank {bank:,}",
            f"{posted['rps']:.0f}",
            f"{BATCH * posted['rps']:.0f}",
            f"{posted['p50_ms']:.2f}",
            f"{posted['p99_ms']:.2f}",
            f"{posted['rps'] / const['rps']:.2f}",
            posted["non_2xx"],
        ],
        [
            f"index lookups alone, {BATCH} a batch (the ceiling: CPU of this process, no HTTP)",
            f"{1000 / lookup_ms:.0f}",
            f"{BATCH * 1000 / lookup_ms:.0f}",
            "–",
            "–",
            f"{1000 / lookup_ms / const['rps']:.2f}",
            0,
        ],
        [
            f"POST /v1/check, 2 (PDQ + pHash of 1 upload), bank {bank:,}",
            f"{upload['rps']:.0f}",
            f"{2 * upload['rps']:.0f}",
            f"{upload['p50_ms']:.2f}",
            f"{upload['p99_ms']:.2f}",
            f"{upload['rps'] / const['rps']:.2f}",
            upload["non_2xx"],
        ],
    ]
    costs = {
        "bank_fill_s": fill_s,
        "server_ready_s": load_s,
        "const_ms_per_request": 1000 / const["rps"],
        "check_ms_per_request": 1000 / posted["rps"],
        "one_upload_check_ms_per_request": 1000 / upload["rps"],
        "lookup_cpu_ms_per_batch": lookup_ms,
        "batch_check_share_of_lookup_ceiling": posted["rps"] * lookup_ms / 1000,
        "const_server_cpu_ms_per_request": const["server_cpu_ms"],
        "check_server_cpu_ms_per_request": posted["server_cpu_ms"],
        "one_upload_check_server_cpu_ms_per_request": upload["server_cpu_ms"],
        "lookups_share_of_batch_check_cpu": lookup_ms / posted["server_cpu_ms"],
    }
    return rows, costs


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    """Until /readyz says the bank index is loaded (the first load reads and opens every row)."""
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the service exited with {server.returncode}")
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the service did not load its bank within 15 minutes")


def _check_body(batch: list[Fingerprint]) -> str:
    items = [
        {"algorithm": fp.algorithm.value, "value": fp.hex}
        | ({"quality": 100} if fp.algorithm is Algorithm.PDQ else {})
        for fp in batch
    ]
    return json.dumps({"fingerprints": items})


def _wrk_script(bodies: list[str], token: str) -> str:
    """A wrk script that posts the bodies in turn (each a different set of uploads)."""
    listed = ",\n".join(f"[[{body}]]" for body in bodies)
    return (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        f"local bodies = {{\n{listed}\n}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        "  return wrk.format(nil, nil, nil, bodies[i])\n"
        "end\n"
    )


def _lookup_cpu_ms(prepared: Bank) -> float:
    """CPU ms of the index lookups of one batch alone (BankIndex.match_many's work), median."""
    indexes = {}
    for algorithm, codes in prepared.codes.items():
        index = HammingIndex(algorithm.bits)
        index.add_codes(np.arange(len(codes), dtype=np.int64), codes)
        indexes[algorithm] = index
    times = []
    for _ in range(3):
        for batch in prepared.batches:
            started = time.thread_time()
            for algorithm, index in indexes.items():
                values = [fp.bits for fp in batch if fp.algorithm is algorithm]
                index.query_many(values, MATCH_RADIUS_BITS[algorithm])
            times.append(time.thread_time() - started)
    return 1000 * median(times)


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
    from workers.collection import hash_image

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
                    hash_image(base + path, client.get(base + path).content)
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
    http_rows, costs = http_benchmark(20_000 if cfg.smoke else 1_000_000, 1 if cfg.smoke else 8)
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
            "### Where a check's time goes (ms per request; lookups: CPU of this process)",
            table(["measure", "value"], [[k, f"{v:.2f}"] for k, v in costs.items()]),
            "### Worker: fetch over loopback + workers.collection.hash_image, one process",
            table(["images", "count", "items/s", "ms per item"], worker_rows),
        ]
    )
    save(
        "service_speed",
        {"http": http_rows, "costs": costs, "worker": worker_rows},
        markdown,
        smoke=cfg.smoke,
    )


if __name__ == "__main__":
    main()
