"""A relay between the victim CLI and the live server: a real HTTP server of the test's own
that forwards each request and records what went through, and can drop a connection, hold a
request or fail one: that is how a run is interrupted half way."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Passed:
    """One request that reached the relay, and what the service answered."""

    method: str
    path: str
    fingerprints: int
    status: int
    answer: dict[str, object]
    photos: int = 0


class Relay:
    """Forwards requests to the live server; drops or holds the n-th one when told to, or
    answers the next request to a path with a 500 of its own."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.passed: list[Passed] = []
        self.drop_from: int | None = None
        self.hold_at: int | None = None
        #: The path whose next request gets a 500 without reaching the service.
        self.fail_once: str | None = None
        self.holding = threading.Event()
        self.requests = 0
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                relay.forward(self)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                relay.forward(self)

            def log_message(self, *_args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def forward(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        self.requests += 1
        if self.drop_from is not None and self.requests >= self.drop_from:
            handler.close_connection = True
            return
        if self.hold_at == self.requests:
            self.holding.set()
            time.sleep(60)
            return
        if self.fail_once == handler.path:
            self.fail_once = None
            failed = b'{"error": {"code": "internal", "message": "the service failed"}}'
            self.passed.append(Passed(handler.command, handler.path, 0, 500, json.loads(failed)))
            handler.send_response(500)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(failed)))
            handler.end_headers()
            handler.wfile.write(failed)
            return
        request = urllib.request.Request(  # noqa: S310 - loopback test server
            self.upstream + handler.path, data=body or None, method=handler.command
        )
        for name in ("Authorization", "Content-Type", "Accept"):
            if handler.headers.get(name):
                request.add_header(name, handler.headers[name])
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status, headers, answer = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, answer = error.code, error.headers, error.read()
        entries = json.loads(body)["fingerprints"] if body and b"fingerprints" in body else []
        photos = len({entry.get("photo") for entry in entries})
        self.passed.append(
            Passed(
                handler.command,
                handler.path,
                len(entries),
                status,
                json.loads(answer or b"{}"),
                photos,
            )
        )
        handler.send_response(status)
        for name in ("Content-Type", "Retry-After"):
            if headers.get(name):
                handler.send_header(name, headers[name])
        handler.send_header("Content-Length", str(len(answer)))
        handler.end_headers()
        handler.wfile.write(answer)

    def fingerprint_posts(self) -> list[Passed]:
        """Requests that the service accepted with fingerprints in them."""
        return [p for p in self.passed if p.status in (200, 201) and p.fingerprints]
