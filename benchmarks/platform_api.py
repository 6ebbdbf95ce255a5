"""Platform API speed: /v1/check batches against a PDQ bank, /v1/check/image, and 1-hash checks
over real HTTP (uvicorn on loopback), on SQLite in a temporary folder and Redis db 14.

  python -m benchmarks.platform_api [--bank 100000]

Prints medians; nothing is asserted. The bank is written straight into the tables (sealed as the
service seals it), because opening cases through the API would time argon2, not checks.
"""

from __future__ import annotations

import argparse
import random
import secrets
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import uvicorn
from fastapi.testclient import TestClient
from redis import Redis

from casework import platforms
from casework.apikeys import Scope
from casework.checks import Query, look_up
from casework.db import migrate, transaction
from casework.models import Case, CaseFingerprint
from casework.runtime import Runtime
from casework.settings import Environment, Settings
from hashing.fingerprint import Algorithm, Fingerprint
from service.app import create_app

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "dev"


def balanced(rng: random.Random) -> Fingerprint:
    """A PDQ hash with about half its bits set, like one of a detailed photo."""
    while True:
        bits = rng.getrandbits(256)
        if abs(bits.bit_count() - 128) < 32:
            return Fingerprint(Algorithm.PDQ, bits)


def near(fingerprint: Fingerprint, flips: int, rng: random.Random) -> Fingerprint:
    bits = fingerprint.bits
    for position in rng.sample(range(256), flips):
        bits ^= 1 << position
    return Fingerprint(Algorithm.PDQ, bits)


def median_ms(action: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bank", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="takedown-bench-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    migrate(url)
    settings = Settings(
        environment=Environment.TEST,
        database_url=url,
        redis_url="redis://127.0.0.1:6379/14",
        secret_key=secrets.token_urlsafe(48),
        platform_requests_per_minute=0,
        platform_checks_per_minute=0,
    )
    runtime = Runtime.build(settings)
    rng = random.Random(7)
    bank = [balanced(rng) for _ in range(args.bank)]
    with transaction(runtime.sessions) as session:
        for start in range(0, len(bank), 5000):
            case = Case(public_id=secrets.token_hex(6), pin_hash="-")
            session.add(case)
            session.flush()
            session.add_all(
                CaseFingerprint(
                    case_id=case.id,
                    algorithm="pdq",
                    value_sealed=runtime.vault.seal(fp),
                    value_mac=runtime.vault.mac(fp),
                    quality=100,
                )
                for fp in bank[start : start + 5000]
            )
        platform = platforms.create_platform(
            session, name="bench", domains=[], algorithms=list(Algorithm)
        )
        token = platforms.issue_platform_key(
            session, vault=runtime.vault, platform=platform, scopes=[Scope.CHECK]
        ).token
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(runtime=runtime, redis=Redis.from_url(settings.redis_url))

    def body(fingerprints: list[Fingerprint]) -> dict[str, object]:
        return {
            "fingerprints": [
                {"algorithm": "pdq", "value": fp.hex, "quality": 90} for fp in fingerprints
            ]
        }

    print(f"bank: {len(bank)} PDQ hashes")
    with TestClient(app) as client:
        while not runtime.bank.loaded:
            time.sleep(0.05)
        misses = [balanced(rng) for _ in range(1000)]
        hits = [near(bank[i], 12, rng) for i in range(1000)]
        for label, batch, rounds in (
            ("1,000 misses", misses, 5),
            ("1,000 hits at 12 bits", hits, 5),
            ("1 miss", misses[:1], 200),
        ):
            ms = median_ms(
                lambda b=batch: client.post("/v1/check", json=body(b), headers=headers), rounds
            )
            print(f"POST /v1/check, {label}: {ms:.1f} ms (in process)")
        queries = [Query(fp) for fp in misses]
        lookup_ms = median_ms(lambda: look_up(runtime.bank, queries), 5)
        print(f"index lookup alone, 1,000 PDQ: {lookup_ms:.1f} ms")
        photo = sorted(CORPUS.glob("*.jpg"))[0].read_bytes()
        image_headers = {**headers, "Content-Type": "application/octet-stream"}
        ms = median_ms(
            lambda: client.post("/v1/check/image", content=photo, headers=image_headers), 5
        )
        print(f"POST /v1/check/image, a {len(photo)}-byte JPEG: {ms:.0f} ms")

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
        )
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        one = body(misses[:1])
        for clients in (1, 8):
            latencies: list[float] = []

            def run(count: int, out: list[float] = latencies) -> None:
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
                    for _ in range(count):
                        started = time.perf_counter()
                        http.post("/v1/check", json=one).raise_for_status()
                        out.append(time.perf_counter() - started)

            threads = [threading.Thread(target=run, args=(300 // clients,)) for _ in range(clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            latencies.sort()
            print(
                f"uvicorn, {clients} client(s), 1-hash checks: "
                f"{len(latencies) / elapsed:.0f} req/s, "
                f"p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
                f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms"
            )
        server.should_exit = True


if __name__ == "__main__":
    main()
