"""One `takedown api` process, this checkout's beside another's: a check's cost and start-up.

Both checkouts serve the same PostgreSQL bank (benchmarks/check_app.py: PDQ and pHash of
realistic codes, sealed as the service seals them) and the same Redis database, each as one
`takedown api` process started the way production starts it (production settings, the shared
index in /dev/shm). Every number is taken in interleaved rounds, so both checkouts see the same
neighbours, and reported per round and as medians:

1. check: each round runs wrk (-t1 -c8) on GET /healthz, then on POST /v1/check with one upload
   (its PDQ and pHash, missing the bank), on each server in turn. Per server and round: the
   requests/s ratio check / healthz (issue 19's target: >= 0.3x) and the server's own CPU time
   per request of each (from /proc/PID/stat), which moves far less with the load than wall rates.
2. startup: each round imports what `takedown api` and `takedown worker` import (wall and CPU
   of a fresh interpreter), and starts a further `takedown api` of each checkout while the
   first keeps the snapshot: seconds from exec to /readyz, and its index attach.

  python -m benchmarks.api_process [--baseline /work/main] [--bank 200000] [--rounds 5] [--smoke]

The database is migrated by this checkout: a baseline must be at the same migration head (one
with another schema answers the checks with errors, and the run stops at the first of them).
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from benchmarks.check_app import prepare
from benchmarks.corpus import REPO
from benchmarks.report import median, save, table
from benchmarks.service_speed import (
    BENCH_REDIS_URL,
    POSTGRES_ADMIN_URL,
    UNITS,
    _check_body,
    _wrk_script,
    cpu_seconds,
    free_port,
    production_settings,
)
from casework.db import migrate

IMPORTS = {
    "api": "import service.cli, uvicorn, service.app",
    "worker": "import service.cli, workers.worker",
}
READY_TIMEOUT_S = 900


@dataclass
class Server:
    """A started `takedown api` of one checkout."""

    checkout: str
    popen: subprocess.Popen[bytes]
    port: int
    started: float

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start(checkout: Path, env: dict[str, str], log: Path) -> Server:
    port = free_port()
    command = [str(checkout / ".venv/bin/takedown"), "api", "--host", "127.0.0.1"]
    with log.open("ab") as output:
        popen = subprocess.Popen(
            command + ["--port", str(port)],
            cwd=checkout,
            env=env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    return Server(str(checkout), popen, port, time.perf_counter())


def wait_ready(server: Server) -> float:
    """Seconds from exec until /readyz answers 200."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.popen.poll() is not None:
            raise RuntimeError(f"{server.checkout}: takedown api exited")
        try:
            if httpx.get(server.url + "/readyz", timeout=2).status_code == 200:
                return time.perf_counter() - server.started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{server.checkout}: not ready in time")


def stop(server: Server) -> None:
    os.killpg(server.popen.pid, signal.SIGTERM)
    server.popen.wait(timeout=60)


def wrk(url: str, seconds: int, script: Path | None, pid: int) -> dict[str, float]:
    """requests/s, p50 ms and the server's CPU ms per request of one wrk run (-t1 -c8)."""
    command = ["wrk", "-t1", "-c8", f"-d{seconds}s", "--latency"]
    command += ["-s", str(script)] if script is not None else []
    cpu = cpu_seconds(pid)
    out = subprocess.run(
        command + [url], capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    cpu = cpu_seconds(pid) - cpu
    requests = int(out.split(" requests in", 1)[0].rsplit(maxsplit=1)[-1])
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk {url}: answers other than 2xx\n{out}")
    p50 = next(line.split()[1] for line in out.splitlines() if line.strip().startswith("50%"))
    unit = next(u for u in ("us", "ms", "s") if p50.endswith(u))
    return {
        "rps": float(out.split("Requests/sec:", 1)[1].split()[0]),
        "p50_ms": float(p50.removesuffix(unit)) * UNITS[unit],
        "cpu_ms": 1000 * cpu / max(requests, 1),
    }


def import_cost(checkout: Path, statement: str) -> tuple[float, float]:
    """Wall and CPU seconds of a fresh interpreter of ``checkout`` running ``statement``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(checkout / ".venv/bin/python"), "-c", statement], cwd=checkout, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def run(checkouts: list[Path], bank: int, rounds: int, seconds: int) -> tuple[str, dict]:
    name = f"takedown_api_process_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    workdir = Path(tempfile.mkdtemp())
    servers: list[Server] = []
    try:
        migrate(url)
        env, settings = production_settings(url, BENCH_REDIS_URL)
        prepared = prepare(settings, bank, 2, 8)
        child_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TAKEDOWN_")},
            **env,
        }
        # The first process builds the shared index; the others attach to it, as in production.
        first = start(checkouts[0], child_env, workdir / "first.log")
        servers.append(first)
        first_ready = wait_ready(first)
        for checkout in checkouts[1:]:
            servers.append(start(checkout, child_env, workdir / "server.log"))
            wait_ready(servers[-1])
        script = workdir / "one_upload.lua"
        bodies = [_check_body(batch) for batch in prepared.batches]
        script.write_text(_wrk_script(bodies, prepared.token))
        checks: dict[str, list[dict[str, float]]] = {str(c): [] for c in checkouts}
        startup: dict[str, list[dict[str, float]]] = {str(c): [] for c in checkouts}
        for _ in range(rounds):
            for server in servers:
                health = wrk(server.url + "/healthz", seconds, None, server.popen.pid)
                check = wrk(server.url + "/v1/check", seconds, script, server.popen.pid)
                checks[server.checkout].append(
                    {
                        "healthz_rps": health["rps"],
                        "check_rps": check["rps"],
                        "ratio": check["rps"] / health["rps"],
                        "healthz_cpu_ms": health["cpu_ms"],
                        "check_cpu_ms": check["cpu_ms"],
                        "cpu_ratio": health["cpu_ms"] / check["cpu_ms"],
                        "check_p50_ms": check["p50_ms"],
                    }
                )
            for checkout in checkouts:
                measured: dict[str, float] = {}
                for role, statement in IMPORTS.items():
                    wall, cpu = import_cost(checkout, statement)
                    measured[f"{role}_import_s"], measured[f"{role}_import_cpu_s"] = wall, cpu
                further = start(checkout, child_env, workdir / "further.log")
                measured["further_ready_s"] = wait_ready(further)
                measured["further_cpu_s"] = cpu_seconds(further.popen.pid)
                stop(further)
                measured["load"] = os.getloadavg()[0]
                startup[str(checkout)].append(measured)
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(workdir)
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return report(checkouts, bank, first_ready, checks, startup)


def report(
    checkouts: list[Path],
    bank: int,
    first_ready: float,
    checks: dict[str, list[dict[str, float]]],
    startup: dict[str, list[dict[str, float]]],
) -> tuple[str, dict]:
    def med(rows: list[dict[str, float]], field: str) -> float:
        return median([row[field] for row in rows])

    rounds = [
        [str(c), i + 1, f"{r['healthz_rps']:.0f}", f"{r['check_rps']:.0f}", f"{r['ratio']:.2f}"]
        + [f"{r['healthz_cpu_ms']:.3f}", f"{r['check_cpu_ms']:.3f}", f"{r['cpu_ratio']:.2f}"]
        for c in checkouts
        for i, r in enumerate(checks[str(c)])
    ]
    summary = [
        [
            str(c),
            f"{med(checks[str(c)], 'ratio'):.2f}",
            f"{min(r['ratio'] for r in checks[str(c)]):.2f}",
            f"{med(checks[str(c)], 'healthz_cpu_ms'):.3f}",
            f"{med(checks[str(c)], 'check_cpu_ms'):.3f}",
            f"{med(checks[str(c)], 'cpu_ratio'):.2f}",
            f"{med(checks[str(c)], 'check_p50_ms'):.2f}",
        ]
        for c in checkouts
    ]
    starts = [
        [str(c)]
        + [
            f"{med(startup[str(c)], field):.2f} ({min(r[field] for r in startup[str(c)]):.2f}-"
            f"{max(r[field] for r in startup[str(c)]):.2f})"
            for field in (
                "api_import_s",
                "api_import_cpu_s",
                "worker_import_s",
                "worker_import_cpu_s",
                "further_ready_s",
                "further_cpu_s",
            )
        ]
        for c in checkouts
    ]
    loads = [r["load"] for rows in startup.values() for r in rows]
    markdown = "\n\n".join(
        [
            f"Bank {bank:,} fingerprints; first process ready in {first_ready:.1f} s; "
            f"load average {min(loads):.1f}-{max(loads):.1f} during the start-up rounds.",
            table(
                [
                    "checkout",
                    "round",
                    "GET /healthz req/s",
                    "one-upload /v1/check req/s",
                    "check / healthz",
                    "healthz CPU ms/req",
                    "check CPU ms/req",
                    "CPU: healthz / check",
                ],
                rounds,
            ),
            table(
                [
                    "checkout",
                    "check / healthz req/s, median",
                    "worst round",
                    "healthz CPU ms/req",
                    "check CPU ms/req",
                    "CPU: healthz / check",
                    "check p50 ms",
                ],
                summary,
            ),
            table(
                [
                    "checkout (median, min-max over rounds)",
                    "api imports s",
                    "api imports CPU s",
                    "worker imports s",
                    "worker imports CPU s",
                    "further api ready s",
                    "its CPU s until ready",
                ],
                starts,
            ),
        ]
    )
    data = {"bank": bank, "first_ready_s": first_ready, "checks": checks, "startup": startup}
    return markdown, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="another checkout (built by make install)")
    parser.add_argument("--bank", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="small and short: 2 rounds of 1 s")
    args = parser.parse_args()
    checkouts = [REPO] + ([args.baseline.resolve()] if args.baseline else [])
    bank, rounds, seconds = (2_000, 2, 1) if args.smoke else (args.bank, args.rounds, args.seconds)
    markdown, data = run(checkouts, bank, rounds, seconds)
    save("api_process" if args.smoke else f"api_process_{bank}", data, markdown, smoke=args.smoke)


if __name__ == "__main__":
    main()
