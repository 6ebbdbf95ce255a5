"""Worker tests run under the loopback-only network guard (tests/netguard.py), always."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _loopback_only(socket_connects: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return socket_connects
