"""/metrics and JSON logs after real traffic: the families asked for, and no identifier anywhere.

`takedown api` and `takedown worker` run as processes with TAKEDOWN_LOG_FORMAT=json; a victim
opens a case and reports a leak, the worker fetches and matches it, a platform checks a hit and a
miss. Then the whole exposition and every log line are scanned for hashes, URLs, addresses and
case IDs.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

from casework.credentials import format_case_id
from casework.db import transaction
from casework.platforms import platforms
from casework.platforms.apikeys import Scope
from casework.runtime import Runtime
from casework.settings import Settings
from hashing.algorithms import hash_file
from hashing.fingerprint import Algorithm
from tests.conftest import SHARED, free_port
from tests.harness import TAKEDOWN, ContentServer, worker_environment
from tests.platformkeys import bearer

TOKEN = "metrics-token-for-the-scraper-0123"  # noqa: S105 - a test's own
WAIT_SECONDS = 90

#: What must never be in a label or a log line. Numbers (1.7650491234567893e+09) are taken
#: out before hex runs and case IDs are looked for.
NUMBER = re.compile(r"\d*\.\d+(?:[eE][+-]?\d+)?")
HEX_RUN = re.compile(r"[0-9a-fA-F]{16,}")
URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")
IPV4 = re.compile(r"(?<![\d.])\d{1,3}(\.\d{1,3}){3}(?![\d.])")
IPV6 = re.compile(r"(?<![0-9a-fA-F:])[0-9a-fA-F]{0,4}::[0-9a-fA-F:]*")
CASE_ID = re.compile(
    r"(?<![0-9A-Z])[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}"
)


@dataclass
class Processes:
    url: str
    api_log: Path
    worker_log: Path


@pytest.fixture
def processes(settings: Settings, redis: Redis, tmp_path: Path) -> Iterator[Processes]:
    """`takedown api` with a metrics token and `takedown worker`, both logging JSON lines."""
    env = {
        **worker_environment(settings),
        "TAKEDOWN_METRICS_TOKEN": TOKEN,
        "TAKEDOWN_LOG_FORMAT": "json",
        "TAKEDOWN_INDEX_REFRESH_SECONDS": "0.2",
    }
    port = free_port()
    api_log, worker_log = tmp_path / "api.log", tmp_path / "worker.log"
    started = []
    for command, log in ((["api", "--port", str(port)], api_log), (["worker"], worker_log)):
        with log.open("ab") as output:
            started.append(
                subprocess.Popen(
                    [TAKEDOWN, *command],
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _answers(url + "/readyz"), "the API to be ready", api_log)
    yield Processes(url, api_log, worker_log)
    for process in started:
        os.killpg(process.pid, signal.SIGTERM)
    for process in started:
        process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
            return True
    except OSError:
        return False


def wait_for(condition: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"waited for {what}: {log.read_text()}"
        time.sleep(0.3)


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def test_the_exposition_after_real_traffic_has_every_family_and_no_identifier(
    processes: Processes, runtime: Runtime, content_server: ContentServer
) -> None:
    photo = next(
        path
        for path in sorted((SHARED / "corpus" / "dev").glob("*.jpg"))
        if Algorithm.PDQ in {fp.algorithm for fp in hash_file(path.read_bytes()).fingerprints}
    )
    hashed = hash_file(photo.read_bytes())
    items = [
        {"algorithm": fp.algorithm.value, "value": fp.hex}
        | ({"quality": hashed.pdq_quality} if fp.algorithm is Algorithm.PDQ else {})
        for fp in hashed.fingerprints
    ]
    with transaction(runtime.sessions) as session:
        platform = platforms.create_platform(
            session, name="checker", domains=[], algorithms=platforms.parse_algorithms(None)
        )
        key = platforms.issue_platform_key(
            session, vault=runtime.vault, platform=platform, scopes=[Scope.CHECK]
        ).token
    image_url = content_server.add("/u/leak.jpg", "image/jpeg", photo.read_bytes())
    unknown = {"algorithm": "sha256", "value": "ab" * 32}
    scrape = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=processes.url, timeout=30) as api:
        opened = api.post("/v1/cases", json={"fingerprints": items}).json()
        case_id = opened["case_id"]
        auth = (case_id, opened["pin"])
        # A path with the case ID in it is counted and logged under its route template.
        assert api.get(f"/v1/reports/{case_id}").status_code == 401
        assert api.post("/v1/reports", json={"urls": [image_url]}, auth=auth).status_code == 202

        def checked() -> bool:
            answer = api.post(
                "/v1/check",
                json={"fingerprints": [items[-1], unknown]},
                headers=bearer(key),
            ).json()
            return [result["verdict"] for result in answer["results"]] == ["match", "no_match"]

        wait_for(checked, "the bank to hold the case", processes.api_log)

        def reported() -> bool:
            text = api.get("/metrics", headers=scrape).text
            return 'reason="matched"' in text

        wait_for(reported, "the worker to count the report", processes.worker_log)
        exposition = api.get("/metrics", headers=scrape)
        refusals = [
            api.get("/metrics").status_code,
            api.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code,
            api.get("/metrics", headers=bearer(key)).status_code,
        ]
    assert exposition.status_code == 200
    assert exposition.headers["content-type"].startswith("text/plain")
    assert refusals == [404, 404, 404]
    found = samples(exposition.text)
    names = {name for name, _labels in found}

    def value(name: str, **labels: str) -> float:
        return sum(v for (n, ls), v in found.items() if n == name and labels.items() <= set(ls))

    assert value("takedown_http_requests_total", route="/v1/check", status="200") >= 1
    assert value("takedown_http_requests_total", route="/v1/cases", status="201") == 1
    assert value("takedown_http_requests_total", route="/v1/reports/{report_id}") == 1
    assert value("takedown_http_request_duration_seconds_count", route="/v1/check") >= 1
    assert "takedown_http_request_duration_seconds_bucket" in names
    assert value("takedown_checks_total", verdict="match") >= 1
    assert value("takedown_checks_total", verdict="no_match") >= 1
    assert value("takedown_job_outcomes_total", job="report", outcome="done") == 1
    assert {("queue", q) for q in ("reports", "webhooks", "maintenance")} <= {
        label for n, ls in found if n == "takedown_queue_jobs" for label in ls
    }
    assert value("takedown_bank_fingerprints") == len(items)
    assert value("takedown_bank_index_version") >= 1
    assert "takedown_bank_index_load_seconds" in names

    logs = processes.api_log.read_text() + processes.worker_log.read_text()
    lines = [json.loads(line) for line in logs.splitlines() if line.strip()]
    assert {"service.accesslog", "rq.worker"} <= {line["logger"] for line in lines}
    assert any(line["message"].startswith("POST /v1/check 200") for line in lines)
    secrets_told = [case_id, format_case_id(case_id), image_url, *(i["value"] for i in items)]
    for text in (exposition.text, logs):
        found_anyway = {
            pattern.pattern: pattern.findall(text if pattern is IPV4 else NUMBER.sub(" ", text))
            for pattern in (HEX_RUN, URL, IPV4, IPV6, CASE_ID)
        }
        assert {pattern: hits for pattern, hits in found_anyway.items() if hits} == {}
        assert [secret for secret in secrets_told if secret in text] == []


def test_with_two_api_processes_every_scrape_counts_the_requests_of_both(
    settings: Settings, redis: Redis, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "api.log"
    env = {**worker_environment(settings), "TAKEDOWN_METRICS_TOKEN": TOKEN}
    with log.open("ab") as output:
        api = subprocess.Popen(
            [TAKEDOWN, "api", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url + "/healthz"), "the API to answer", log)
        # Each on a new connection, so that both processes take some.
        for _ in range(40):
            assert httpx.get(url + "/healthz").status_code == 200
        scraped = [
            samples(httpx.get(url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text)
            for _ in range(6)
        ]
    finally:
        os.killpg(api.pid, signal.SIGTERM)
        api.wait(timeout=30)
    healthz = [
        sum(
            value
            for (name, labels), value in found.items()
            if name == "takedown_http_requests_total" and ("route", "/healthz") in labels
        )
        for found in scraped
    ]
    # The polls before the 40 are counted too: at least 41 in every scrape, whichever answers.
    assert min(healthz) >= 41, healthz
    assert len({count for count in healthz}) == 1, healthz
