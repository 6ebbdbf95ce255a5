"""The platform path at scale: a big PostgreSQL bank, API processes and workers as in production.

1. A dedicated PostgreSQL database (dropped afterwards, unless ``--keep`` keeps it and the
   codes for the next run of that size) gets a bank of ``--fingerprints`` (PDQ and pHash of
   half as many realistic codes, benchmarks/check_app.py: sealed by the service's own vault in
   two processes, and written with binary COPY), a platform key, and one victim's case opened
   through the domain (its PDQ and pHash), to withdraw at the end.
2. ``takedown api`` (one process each, on its own port, as the compose file's replicas) and
   ``takedown worker``, with production settings from TAKEDOWN_* variables. The first API
   process starts alone: its ready time (/readyz) is the first build. The other API processes
   and the workers then start together; each API's ready time is until its /readyz answers,
   each worker's until its first job (a removal check of no notice: the worker refreshes its
   index before every job, so the first job waits for the whole build) is done. RSS is read
   from /proc once all are ready: the process, and its descendants (the upload hashers).
3. wrk on every API process at once (-t1 -c8 each, bounded by --seconds), ``--rounds`` times in
   turn: GET /healthz (the service's constant endpoint), POST /v1/check with one upload (PDQ +
   pHash), and with batches of 100 fingerprints; all miss the bank. Requests/s are summed over
   the processes; p50 and p99 are the worst process's; each round's ratios are printed.
4. The case is withdrawn through the domain, and every API process is asked for its PDQ and
   pHash every 50 ms: the seconds until each stops matching them.

  nice -n 5 python -m benchmarks.scale [--fingerprints 1000000] [--apis 4] [--workers 2]
      [--seconds 8] [--rounds 3] [--keep DIR] [--smoke]

TAKEDOWN_BENCH_POSTGRES names the PostgreSQL server; TAKEDOWN_BENCH_REDIS a Redis database that
the run owns (it is emptied before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from redis import Redis

from benchmarks.check_app import Bank, fill, plan, platform_key
from benchmarks.report import save, table
from benchmarks.service_speed import (
    BATCH,
    BODIES,
    POSTGRES_ADMIN_URL,
    _check_body,
    _wrk_script,
    cpu_seconds,
    free_port,
    production_settings,
)
from casework.bank.fingerprints import SubmittedFingerprint
from casework.db import migrate, transaction
from casework.models import Case
from casework.runtime import Runtime
from casework.settings import Settings
from casework.victims import cases
from hashing.fingerprint import Algorithm, Fingerprint
from workers.queues import enqueue_removal_check

SCALE_REDIS_URL = os.environ.get("TAKEDOWN_BENCH_REDIS", "redis://127.0.0.1:6379/14")
TAKEDOWN = str(Path(sys.executable).parent / "takedown")
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
READY_TIMEOUT_S = 3600
METRICS_TOKEN = secrets.token_urlsafe(24)
WITHDRAWAL_TIMEOUT_S = 120
#: A removal check of a notice that does not exist: done at once, after the index refresh.
NO_NOTICE = 2**31 - 1


@dataclass
class Process:
    """One started process, its log, and when it became ready."""

    role: str
    popen: subprocess.Popen[bytes]
    log: Path
    started: float
    port: int | None = None
    ready_s: float | None = None
    rss: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start(role: str, args: list[str], env: dict[str, str], workdir: Path) -> Process:
    port = free_port() if role == "api" else None
    log = workdir / f"{role}-{len(list(workdir.glob(f'{role}-*')))}.log"
    command = [TAKEDOWN, *args] + (["--host", "127.0.0.1", "--port", str(port)] if port else [])
    with log.open("wb") as output:
        popen = subprocess.Popen(
            command, env=env, stdout=output, stderr=output, start_new_session=True
        )
    return Process(role, popen, log, time.perf_counter(), port)


def wait_api(process: Process) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"API exited: {process.log.read_text()[-2000:]}")
        try:
            if httpx.get(process.url + "/readyz", timeout=2).status_code == 200:
                process.ready_s = time.perf_counter() - process.started
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("an API process was not ready in time")


def wait_ready(apis: list[Process], workers: list[Process]) -> None:
    """Poll every process until each is ready: an API's /readyz, a worker's first job done."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    waiting = apis + workers
    while waiting and time.monotonic() < deadline:
        for process in list(waiting):
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.role} exited: {process.log.read_text()[-2000:]}")
            if process.role == "api":
                try:
                    ready = httpx.get(process.url + "/readyz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    ready = False
            else:
                ready = "Job OK" in process.log.read_text(errors="replace")
            if ready:
                process.ready_s = time.perf_counter() - process.started
                waiting.remove(process)
        time.sleep(0.2)
    if waiting:
        raise RuntimeError("some processes were not ready in time")


def wait_log(process: Process, pattern: str, count: int = 1) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.role} exited: {process.log.read_text()[-2000:]}")
        if process.log.read_text(errors="replace").count(pattern) >= count:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{process.role} never logged {pattern!r}")


def rss_of(pid: int) -> dict[str, float]:
    """MB of resident memory: all of it, anonymous, and shared memory (a shared index's pages)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssShmem"):
            fields[name] = int(value.split()[0]) / 1024
    return fields


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def measure_rss(process: Process) -> None:
    own = rss_of(process.popen.pid)
    below = 0.0
    for pid in descendants(process.popen.pid):
        try:
            below += rss_of(pid).get("VmRSS", 0.0)
        except OSError:
            continue
    process.rss = {**own, "descendants": below}


def wrk_all(urls: list[str], seconds: int, script: Path | None) -> dict[str, float]:
    """wrk -t1 -c8 on every URL at once; requests/s summed, p50 and p99 of the worst."""
    command = ["wrk", "-t1", "-c8", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    runs = [subprocess.Popen(command + [url], stdout=subprocess.PIPE, text=True) for url in urls]
    outs = [run.communicate(timeout=seconds + 60)[0] for run in runs]
    total = {"rps": 0.0, "p50_ms": 0.0, "p99_ms": 0.0, "non_2xx": 0.0}
    for out in outs:
        total["rps"] += float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        for p in ("50", "99"):
            match = re.search(rf"^\s+{p}(?:\.0+)?%\s+([\d.]+)(us|ms|s)", out, re.M)
            if match:
                value = float(match.group(1)) * UNITS[match.group(2)]
                total[f"p{p}_ms"] = max(total[f"p{p}_ms"], value)
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        total["non_2xx"] += int(errors.group(1)) if errors else 0
    return total


def index_load_seconds(url: str) -> float | None:
    """The process's own time for its index's first load (read, open, build or attach)."""
    answer = httpx.get(
        url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
    )
    found = re.search(
        r"^takedown_bank_index_load_seconds(?:\{[^}]*\})? ([\d.e+-]+)$", answer.text, re.M
    )
    return float(found.group(1)) if found else None


def verdicts(url: str, token: str, body: str) -> set[str]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    answer = httpx.post(url + "/v1/check", content=body, headers=headers, timeout=30)
    answer.raise_for_status()
    return {result["verdict"] for result in answer.json()["results"]}


def seal_rate_us(settings: Settings, count: int = 20_000) -> float:
    """µs to seal and MAC one fingerprint with the service's vault (as the fill does per row)."""
    runtime = Runtime.build(settings)
    values = [Fingerprint(Algorithm.PDQ, secrets.randbits(256)) for _ in range(count)]
    started = time.perf_counter()
    for value in values:
        runtime.vault.seal(value)
        runtime.vault.mac(value)
    runtime.engine.dispose()
    return 1e6 * (time.perf_counter() - started) / count


def run(
    size: int, apis: int, workers: int, seconds: int, rounds: int = 3, keep: Path | None = None
) -> tuple[dict[str, object], str]:
    kept = keep / f"scale_{size}.json" if keep is not None else None
    stored = json.loads(kept.read_text()) if kept is not None and kept.exists() else None
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        if (
            stored is not None
            and not admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (stored["database"],)
            ).fetchone()
        ):
            stored = None
        name = stored["database"] if stored else f"takedown_scale_{secrets.token_hex(4)}"
        if stored is None:
            admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    workdir = Path(tempfile.mkdtemp())
    redis = Redis.from_url(SCALE_REDIS_URL)
    redis.flushdb()
    processes: list[Process] = []
    try:
        env, settings = production_settings(
            url, SCALE_REDIS_URL, stored["secret_key"] if stored else None
        )
        env["TAKEDOWN_METRICS_TOKEN"] = METRICS_TOKEN
        seal_us = seal_rate_us(settings)
        started = time.perf_counter()
        planned = plan(size, BATCH, BODIES + 1, keep)
        plan_s = time.perf_counter() - started
        fill_s = None
        if stored is None:
            migrate(url)
            started = time.perf_counter()
            fill(settings, planned.codes)
            fill_s = time.perf_counter() - started
            if kept is not None:
                kept.touch(mode=0o600)
                kept.write_text(
                    json.dumps(
                        {
                            "database": name,
                            "secret_key": settings.secret_key.get_secret_value(),
                        }
                    )
                )
        prepared = Bank(platform_key(settings), planned.batches, planned.codes)
        victim = prepared.batches[-1][:2]
        runtime = Runtime.build(settings)
        with transaction(runtime.sessions) as session:
            case_id = cases.open_case(
                session,
                fingerprints=[
                    SubmittedFingerprint(
                        fp.algorithm.value, fp.hex, 100 if fp.algorithm is Algorithm.PDQ else None
                    )
                    for fp in victim
                ],
                limits=runtime.limits,
                vault=runtime.vault,
                pins=runtime.pins,
            ).case.id
        child_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TAKEDOWN_")},
            **env,
        }

        first = start("api", ["api"], child_env, workdir)
        processes.append(first)
        wait_api(first)
        first_cpu_s = cpu_seconds(first.popen.pid)
        first_load_s = index_load_seconds(first.url)
        load = os.getloadavg()[0]
        others = [start("api", ["api"], child_env, workdir) for _ in range(apis - 1)]
        crew = [start("worker", ["worker"], child_env, workdir) for _ in range(workers)]
        processes += others + crew
        for worker in crew:
            wait_log(worker, "Listening on")
        for i in range(workers):
            enqueue_removal_check(redis, NO_NOTICE - i, when="reconciled")
        wait_ready(others, crew)
        for process in processes:
            measure_rss(process)
        attach_s = [index_load_seconds(p.url) for p in others]

        api_procs = [p for p in processes if p.role == "api"]
        urls = [p.url for p in api_procs]
        bodies = [_check_body(batch) for batch in prepared.batches[:BODIES]]
        probe = _check_body(victim)
        for api in api_procs:
            assert verdicts(api.url, prepared.token, bodies[0]) == {"no_match"}
            assert verdicts(api.url, prepared.token, probe) == {"match"}
        batch_script = workdir / "batch.lua"
        batch_script.write_text(_wrk_script(bodies, prepared.token))
        single_script = workdir / "single.lua"
        single_script.write_text(
            _wrk_script(
                [_check_body(batch[:2]) for batch in prepared.batches[:BODIES]], prepared.token
            )
        )
        runs = []
        for _ in range(rounds):
            runs.append(
                {
                    "const": wrk_all([u + "/healthz" for u in urls], seconds, None),
                    "single": wrk_all([u + "/v1/check" for u in urls], seconds, single_script),
                    "batch": wrk_all([u + "/v1/check" for u in urls], seconds, batch_script),
                }
            )

        with transaction(runtime.sessions) as session:
            cases.withdraw_case(session, case=session.get_one(Case, case_id))
        withdrawn = time.perf_counter()
        stopped: dict[int, float] = {}
        while (
            len(stopped) < len(api_procs) and time.perf_counter() - withdrawn < WITHDRAWAL_TIMEOUT_S
        ):
            for i, api in enumerate(api_procs):
                if i not in stopped and verdicts(api.url, prepared.token, probe) == {"no_match"}:
                    stopped[i] = time.perf_counter() - withdrawn
            time.sleep(0.05)
        runtime.engine.dispose()
    finally:
        for process in processes:
            if process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
        shutil.rmtree(workdir, ignore_errors=True)
        redis.flushdb()
        if keep is None:
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    process_rows = [
        [
            f"{p.role} {sum(q.role == p.role for q in processes[: i + 1])}"
            + (" (first build)" if p is first else ""),
            f"{p.ready_s:.1f}" if p.ready_s is not None else "not ready",
            f"{p.rss.get('VmRSS', 0):.0f}",
            f"{p.rss.get('RssAnon', 0):.0f}",
            f"{p.rss.get('RssShmem', 0):.0f}",
            f"{p.rss.get('descendants', 0):.0f}",
        ]
        for i, p in enumerate(processes)
    ]
    http_rows = [
        [
            f"{number + 1}: {label}",
            f"{r['rps']:.0f}",
            f"{r['rps'] * per:.0f}",
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            f"{r['rps'] / run['const']['rps']:.2f}",
            int(r["non_2xx"]),
        ]
        for number, run in enumerate(runs)
        for label, r, per in (
            ("GET /healthz (constant)", run["const"], 0),
            ("POST /v1/check, 2 (PDQ + pHash of 1 upload)", run["single"], 2),
            (
                f"POST /v1/check, {BATCH} (PDQ + pHash of {BATCH // 2} uploads)",
                run["batch"],
                BATCH,
            ),
        )
    ]
    ratios = {
        kind: sorted(run[kind]["rps"] / run["const"]["rps"] for run in runs)
        for kind in ("single", "batch")
    }
    withdrawal = [stopped.get(i) for i in range(len(api_procs))]
    data: dict[str, object] = {
        "fingerprints": size,
        "apis": apis,
        "workers": workers,
        "seconds": seconds,
        "seal_us_per_row": seal_us,
        "plan_s": plan_s,
        "fill_s": fill_s,
        "first_build_s": first.ready_s,
        "first_build_index_load_s": first_load_s,
        "first_build_cpu_s": first_cpu_s,
        "load_average_at_first_build": load,
        "attach_index_load_s": attach_s,
        "processes": [{"role": p.role, "ready_s": p.ready_s, "rss_mb": p.rss} for p in processes],
        "http": runs,
        "ratios_to_const": ratios,
        "withdrawal_s": withdrawal,
    }
    stops = ", ".join(f"{s:.2f}" if s is not None else "never" for s in withdrawal)
    markdown = "\n\n".join(
        [
            f"### Bank of {size:,} fingerprints in PostgreSQL; "
            f"{apis} API processes, {workers} workers",
            table(
                ["measure", "value"],
                [
                    ["seal + MAC per row, one thread (µs)", f"{seal_us:.1f}"],
                    ["codes and misses: generated or read from --keep (s)", f"{plan_s:.1f}"],
                    [
                        "fill: sealing, binary COPY, indexes (s)",
                        f"{fill_s:.1f}" if fill_s is not None else "kept from an earlier run",
                    ],
                    ["first build: first API process ready (s)", f"{first.ready_s:.1f}"],
                    [
                        "first build: its index load (read, open, build, publish; s)",
                        f"{first_load_s:.1f}" if first_load_s is not None else "?",
                    ],
                    ["first build: the process's CPU until ready (s)", f"{first_cpu_s:.1f}"],
                    ["load average (1 min) when it was ready", f"{load:.1f}"],
                    [
                        "other API processes: index load, attach + overlay (s)",
                        ", ".join(f"{a:.2f}" if a is not None else "?" for a in attach_s),
                    ],
                    ["withdrawal: s until each API process stops matching", stops],
                ],
            ),
            "#### Each process: ready time and memory (MB, read once all were ready)",
            table(["process", "ready s", "RSS", "anon", "shmem", "descendants RSS"], process_rows),
            f"#### wrk on every API process at once, -t1 -c8 each, {seconds} s; {rounds} rounds "
            "of the three, in turn",
            table(
                [
                    "endpoint",
                    "requests/s (sum)",
                    "fingerprints/s",
                    "p50 ms (worst)",
                    "p99 ms (worst)",
                    "vs /healthz",
                    "non-2xx",
                ],
                http_rows,
            ),
            "One upload vs /healthz, per round (sorted): "
            + ", ".join(f"{r:.2f}" for r in ratios["single"])
            + f"; batch of {BATCH}: "
            + ", ".join(f"{r:.2f}" for r in ratios["batch"]),
        ]
    )
    return data, markdown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fingerprints", type=int, default=1_000_000)
    parser.add_argument("--apis", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="wrk rounds of the three endpoints")
    parser.add_argument(
        "--keep",
        type=Path,
        help="a folder: keep the filled database (its name and secret key in scale_N.json, "
        "mode 0600) and the generated codes there, and reuse them on the next run of that size",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="20,000 fingerprints, 2 APIs, 1 worker, 2 rounds of 1 s",
    )
    cfg = parser.parse_args()
    # Stopped with SIGTERM, the run still stops its processes and drops its database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    if cfg.smoke:
        cfg.fingerprints, cfg.apis, cfg.workers, cfg.seconds, cfg.rounds = 20_000, 2, 1, 1, 2
    data, markdown = run(cfg.fingerprints, cfg.apis, cfg.workers, cfg.seconds, cfg.rounds, cfg.keep)
    save(f"scale_{cfg.fingerprints}" if not cfg.smoke else "scale", data, markdown, smoke=cfg.smoke)
    print(json.dumps(data["withdrawal_s"]))


if __name__ == "__main__":
    main()
