"""Body caps hold however the body is sent: with a Content-Length or chunked without one."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from casework.runtime import Runtime
from tests.conftest import table_counts

MIB = 1024 * 1024


def chunked_json(size: int) -> Iterator[bytes]:
    """A JSON body of about ``size`` bytes in 64 KiB chunks; no Content-Length is sent."""
    yield b'{"fingerprints": ['
    for _ in range(size // (64 * 1024)):
        yield b" " * (64 * 1024)
    yield b"]}"


@pytest.mark.battery("A23")
def test_an_oversized_chunked_json_body_answers_413_not_400(
    live_server: str, runtime: Runtime
) -> None:
    response = httpx.post(
        f"{live_server}/v1/cases",
        content=chunked_json(3 * MIB),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert table_counts(runtime)["cases"] == 0


def test_a_chunked_json_body_under_the_cap_is_read_whole(live_server: str) -> None:
    response = httpx.post(
        f"{live_server}/v1/cases",
        content=chunked_json(MIB),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    # Read whole and parsed: refused for what it says (no fingerprints), not for its size.
    assert response.status_code == 422
