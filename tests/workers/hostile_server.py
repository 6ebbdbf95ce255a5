"""A hostile HTTP server on 127.0.0.1 and stub resolvers, for the fetcher's test batteries.

Every loop here is bounded in bytes and seconds, and stops when the server does, so a fetcher
bug can slow a test down but never hang the run.
"""

from __future__ import annotations

import datetime
import io
import socket
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from PIL import Image

MIB = 1024 * 1024
MAX_ROUTE_SECONDS = 10.0
MAX_ENDLESS_BYTES = 64 * MIB


# --- Payloads -----------------------------------------------------------------------------


def image_bytes(fmt: str, size: tuple[int, int] = (8, 8)) -> bytes:
    """A small real image in a Pillow format (JPEG, PNG, GIF, WEBP, BMP, TIFF, ICO...)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(buffer, format=fmt)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int, *, bit_depth: int = 1, rows: bool = False) -> bytes:
    """A 1-bit greyscale PNG of the given size; without rows its IDAT is empty (header only)."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    raw = b""
    if rows:
        row_bytes = 1 + (width * bit_depth + 7) // 8
        raw = bytes(row_bytes * height)
    idat = zlib.compress(raw, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def gzip_of_zeros(size: int, *, prefix: bytes = b"") -> bytes:
    """gzip of prefix + `size` zero bytes, built 1 MiB at a time so the input is never held."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(min(size, MIB))
    parts = [compressor.compress(prefix)]
    parts += [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + compressor.flush()


def compress(data: bytes, *, wbits: int = 31) -> bytes:
    """gzip (31), zlib (15) or raw deflate (-15) of data."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


# --- Server -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Static:
    """A canned response."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = "application/octet-stream"
    headers: Mapping[str, str] = field(default_factory=dict)


class HostileServer:
    """ThreadingHTTPServer on 127.0.0.1 with canned and misbehaving routes."""

    def __init__(self, tls: ssl.SSLContext | None = None, bind: str = "127.0.0.1") -> None:
        self.routes: dict[str, Static] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.server_names: list[str | None] = []
        self.stopping = threading.Event()
        self.bind = bind
        server_class = _Server6 if ":" in bind else _Server
        self._server = server_class((bind, 0), _Handler)
        self._server.hostile = self
        self.scheme = "http"
        if tls is not None:
            self.scheme = "https"
            tls.sni_callback = self._record_sni
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The ephemeral port the server listens on."""
        return int(self._server.server_address[1])

    def url(self, path: str, host: str | None = None) -> str:
        """An absolute URL for a path on this server, optionally under another host name."""
        if host is None:
            host = f"[{self.bind}]" if ":" in self.bind else self.bind
        return f"{self.scheme}://{host}:{self.port}{path}"

    def _record_sni(self, sock: ssl.SSLObject, name: str | None, context: ssl.SSLContext) -> None:
        self.server_names.append(name)

    def serve(self, path: str, response: Static) -> str:
        """Register a canned response and return its URL."""
        self.routes[path] = response
        return self.url(path)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hostile: HostileServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-response is the point of most routes; stay quiet."""


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # an idle client cannot pin a handler thread
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """No access log on stderr."""

    def do_GET(self) -> None:
        hostile = self.server.hostile
        parts = urlsplit(self.path)
        hostile.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path in hostile.routes:
            self._send_static(hostile.routes[parts.path])
        elif parts.path.startswith("/chain/"):
            self._chain(int(parts.path.rsplit("/", 1)[1]))
        elif parts.path == "/trickle":
            self._trickle(float(query.get("interval", "0.2")))
        elif parts.path == "/slow-headers":
            self._slow_headers(float(query.get("interval", "0.2")))
        elif parts.path == "/endless":
            self._endless()
        elif parts.path == "/truncated":
            self._truncated()
        else:
            self._send_static(Static(b"not found", 404, "text/plain"))

    def _send_static(self, response: Static) -> None:
        self.send_response(response.status)
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(response.body)

    def _chain(self, remaining: int) -> None:
        if remaining > 0:
            location = f"/chain/{remaining - 1}"
            self._send_static(Static(status=302, headers={"Location": location}))
        else:
            self._send_static(Static(image_bytes("PNG"), 200, "image/png"))

    def _begin(self, content_type: str, headers: Mapping[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()

    def _running(self, started: float) -> bool:
        elapsed = time.monotonic() - started
        return elapsed < MAX_ROUTE_SECONDS and not self.server.hostile.stopping.is_set()

    def _trickle(self, interval: float) -> None:
        """A body promising a megabyte and delivering one byte per interval."""
        started = time.monotonic()
        self._begin("image/png", {"Content-Length": "1000000"})
        self.wfile.write(b"\x89PNG\r\n\x1a\n")
        while self._running(started):
            self.wfile.write(b"\x00")
            self.wfile.flush()
            time.sleep(interval)

    def _slow_headers(self, interval: float) -> None:
        """A status line, then one header byte per interval: no body chunk ever arrives."""
        started = time.monotonic()
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while self._running(started):
            self.wfile.write(b"a")
            self.wfile.flush()
            time.sleep(interval)

    def _endless(self) -> None:
        """Chunked zeros with no Content-Length, until the client hangs up (or 64 MiB)."""
        started = time.monotonic()
        self._begin("image/png", {"Transfer-Encoding": "chunked"})
        chunk = b"\x89PNG\r\n\x1a\n" + bytes(64 * 1024 - 8)
        sent = 0
        while self._running(started) and sent < MAX_ENDLESS_BYTES:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
            chunk = bytes(len(chunk))
        self.wfile.write(b"0\r\n\r\n")

    def _truncated(self) -> None:
        """Content-Length 1000, 100 bytes sent, then the connection closes."""
        self._begin("image/png", {"Content-Length": "1000"})
        self.wfile.write(b"\x89PNG\r\n\x1a\n" + bytes(92))
        self.wfile.flush()
        self.close_connection = True


def self_signed_certificate(hostname: str) -> tuple[bytes, bytes]:
    """A throwaway (certificate PEM, private key PEM) pair for hostname."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


# --- Resolvers ----------------------------------------------------------------------------


class StubResolver:
    """Answers from a fixed table; unknown names fail like NXDOMAIN. Records every lookup."""

    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        self.table = dict(table)
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.table[host])


class RebindingResolver:
    """Gives each successive lookup the next answer set (the last one repeats)."""

    def __init__(self, answers: Sequence[Sequence[str]]) -> None:
        self._answers: Iterator[Sequence[str]] = iter(answers)
        self._last: Sequence[str] = ()
        self.lookups = 0

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups += 1
        self._last = next(self._answers, self._last)
        return list(self._last)


class HangingResolver:
    """Never answers until released (or 10 s pass), like a DNS server that drops queries."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, host: str, port: int) -> list[str]:
        self.release.wait(10)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
