"""Every pooled database connection taken: the API answers 503 with Retry-After, not 500."""

from __future__ import annotations

import random
from contextlib import ExitStack

import httpx
import pytest

from casework.runtime import Runtime
from casework.settings import Settings
from tests.conftest import make_settings
from tests.factories import image_set, wire


@pytest.fixture
def settings(database_url: str) -> Settings:
    """A pool of two connections that gives up on waiting after a fraction of a second."""
    return make_settings(database_url).model_copy(
        update={
            "database_pool_size": 2,
            "database_pool_overflow": 0,
            "database_pool_timeout_seconds": 0.5,
        }
    )


@pytest.mark.battery("F15")
def test_a_request_that_finds_the_pool_empty_gets_503_with_retry_after_and_then_succeeds(
    live_server: str, runtime: Runtime
) -> None:
    body = wire(image_set(random.Random(3), 1))
    with ExitStack() as held:
        for _ in range(runtime.settings.database_pool_size):
            held.enter_context(runtime.engine.connect())
        refused = httpx.post(f"{live_server}/v1/cases", json=body, timeout=10)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"].isdigit()
    assert refused.json()["error"]["code"] == "unavailable"
    assert httpx.post(f"{live_server}/v1/cases", json=body, timeout=10).status_code == 201
