"""Caddy, run with the Caddyfile's own site handlers, tells the API who connected, and only that.

The Caddyfile is adapted to Caddy's JSON for TAKEDOWN_DOMAIN=localhost with TAKEDOWN_TLS=internal
(the local try of docs/deployment.md); only what a test machine cannot have is changed: the
HTTPS port, no HTTP redirect port, no admin endpoint, storage in a temporary folder, and the
upstream, which is an echo server on loopback instead of Docker's `api` replicas.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

REPO = Path(__file__).resolve().parent.parent


class Echo(BaseHTTPRequestHandler):
    """Answers with the X-Forwarded-For values it was sent, as JSON."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = json.dumps(self.headers.get_all("X-Forwarded-For") or []).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def caddy_url(upstream: int, tmp_path: Path) -> Iterator[str]:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy is not installed (Debian: apt-get install caddy): proxy unchecked")
    env = {
        **os.environ,
        "TAKEDOWN_DOMAIN": "localhost",
        "TAKEDOWN_TLS": "internal",
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    adapted = subprocess.run(
        [caddy, "adapt", "--config", str(REPO / "Caddyfile"), "--adapter", "caddyfile"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    config = json.loads(adapted.stdout)
    port = free_port()
    config["admin"] = {"disabled": True}
    server = config["apps"]["http"]["servers"]["srv0"]
    server["listen"] = [f"127.0.0.1:{port}"]
    server["automatic_https"] = {"disable_redirects": True}
    config["apps"]["http"]["https_port"] = port
    proxy = server["routes"][0]["handle"][0]["routes"][0]["handle"][1]
    assert proxy["handler"] == "reverse_proxy"
    del proxy["dynamic_upstreams"]
    proxy["upstreams"] = [{"dial": f"127.0.0.1:{upstream}"}]
    (tmp_path / "caddy.json").write_text(json.dumps(config))
    with (tmp_path / "caddy.log").open("wb") as log:
        process = subprocess.Popen(
            [caddy, "run", "--config", str(tmp_path / "caddy.json")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"https://localhost:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, verify=False, timeout=2)  # noqa: S501 - Caddy's own test CA
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "caddy.log").read_text()) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_api_is_told_the_connecting_address_and_never_a_clients_own_header(
    caddy_url: str,
) -> None:
    plain = httpx.get(caddy_url, verify=False, timeout=10)  # noqa: S501
    assert plain.status_code == 200
    assert plain.json() == ["127.0.0.1"]

    forged = httpx.get(
        caddy_url,
        headers={"X-Forwarded-For": "203.0.113.7, 198.51.100.9"},
        verify=False,  # noqa: S501
        timeout=10,
    )
    assert forged.json() == ["127.0.0.1"]


def test_it_answers_only_over_tls_for_the_configured_domain(caddy_url: str) -> None:
    other = caddy_url.replace("localhost", "127.0.0.1")
    with pytest.raises(httpx.ConnectError):
        httpx.get(other, verify=False, timeout=10)  # noqa: S501
    plain = httpx.get(caddy_url.replace("https://", "http://"), timeout=10)
    assert plain.status_code == 400 and "HTTPS" in plain.text
