"""Fault tests own their Redis (and, where they stop it, their PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from casework.settings import Settings
from tests.conftest import make_settings
from tests.servers import OwnRedis


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    """A redis-server with AOF on (everysec), as docker-compose.yml runs it."""
    server = OwnRedis(tmp_path / "redis", aof=True)
    yield server
    server.close()


@pytest.fixture
def settings(database_url: str, own_redis: OwnRedis) -> Settings:
    """Test settings whose Redis this test may kill."""
    return make_settings(database_url, own_redis.url)
