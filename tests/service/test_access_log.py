"""`takedown api` logs each request's method, route template, status and duration, no address."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis import Redis

from casework.settings import Settings
from tests.conftest import free_port
from tests.harness import start_api, worker_environment

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

#: A loopback address no other line of the log has reason to contain.
CLIENT = "127.0.0.2"


@dataclass
class Api:
    url: str
    port: int
    log: Path


@pytest.fixture
def api(settings: Settings, redis: Redis, tmp_path: Path) -> Iterator[Api]:
    """`takedown api` in its own process, its stdout and stderr in one file."""
    port = free_port()
    log = tmp_path / "api.log"
    process = start_api(worker_environment(settings), port, log)
    url = f"http://127.0.0.1:{port}"
    yield Api(url, port, log)
    process.terminate()
    process.wait(timeout=30)


def ask(api: Api, request: bytes) -> tuple[int, int]:
    """Send one raw request from CLIENT; the response's status and the client's own port."""
    with socket.create_connection(("127.0.0.1", api.port), source_address=(CLIENT, 0)) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
        return int(answer.split(b" ", 2)[1]), conn.getsockname()[1]


def logged_after(api: Api, text: str) -> str:
    """The log once a line with ``text`` is in it: a line is written after its response."""
    deadline = time.monotonic() + 10
    while text not in (log := api.log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return log


@pytest.mark.battery("A22")
def test_the_access_log_names_routes_and_statuses_but_no_client_address_or_port(
    api: Api,
) -> None:
    asked = [
        ask(api, b"GET /v1/reports/rp_secretish HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        ask(api, b"GET /no/such/page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        ask(
            api,
            b"POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: 9999999\r\n"
            b"Connection: close\r\n\r\n",
        ),
    ]
    assert [status for status, _ in asked] == [401, 404, 413]
    log = logged_after(api, "413")
    assert CLIENT not in log
    lines = log.splitlines()
    assert any("GET /v1/reports/{report_id} 401" in line and " ms" in line for line in lines), log
    assert any("GET (not routed) 404" in line for line in lines), log
    assert any("POST (not routed) 413" in line for line in lines), log
    assert "rp_secretish" not in log and "/no/such/page" not in log
    for _, port in asked:
        assert str(port) not in log
