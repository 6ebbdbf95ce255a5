"""A harness guard (a pytest plugin) that keeps every socket and lookup of this test process here.

The fetcher's own `backend.connected` record proves what the fetcher tried; this guard is
independent of it, so a bug in the fetcher cannot hide a stray connection. For kernel-level
containment as well, run the tests in a fresh network namespace:

    unshare -n sh -c 'ip link set lo up && .venv/bin/pytest tests/workers'
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def socket_connects(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int]]]:
    """Record every TCP connect; fail any that leaves loopback and any non-numeric lookup."""
    attempts: list[tuple[str, int]] = []
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host, port = str(address[0]), int(address[1])
            attempts.append((host, port))
            if not ipaddress.ip_address(host).is_loopback:
                raise AssertionError(f"a test tried to connect to {host}:{port}")
        real_connect(self, address)

    def getaddrinfo(
        host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> Any:
        # AI_NUMERICHOST: literal forms like 2130706433 still parse, but no query leaves.
        return real_getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts
