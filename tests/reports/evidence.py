"""Searches for fetched image bytes wherever the service could have put them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from redis import Redis
from sqlalchemy import text

from casework.db import Base
from casework.runtime import Runtime

WINDOW = 48


def probes(bodies: Iterable[bytes]) -> list[bytes]:
    """Distinctive slices of each body (past headers, where pixel data lives)."""
    found = []
    for body in bodies:
        for offset in (len(body) // 3, len(body) // 2, 2 * len(body) // 3):
            found.append(body[offset : offset + WINDOW])
    return found


def database_bytes(runtime: Runtime) -> bytes:
    """Every value of every table, as bytes; plus the SQLite files themselves."""
    chunks = []
    with runtime.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(text(f'SELECT * FROM "{table.name}"')):
                for value in row:
                    chunks.append(
                        bytes(value)
                        if isinstance(value, bytes | memoryview)
                        else str(value).encode()
                    )
    url = runtime.settings.database_url
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for candidate in (path, Path(f"{path}-wal")):
            if candidate.exists():
                chunks.append(candidate.read_bytes())
    return b"\n".join(chunks)


def redis_bytes(redis: Redis) -> bytes:
    """Every key and value in the test database, read by type (DUMP would LZF-compress)."""
    chunks: list[bytes] = []
    for key in redis.scan_iter(count=1000):
        chunks.append(key)
        kind = redis.type(key)
        if kind == b"string":
            chunks.append(redis.get(key) or b"")
        elif kind == b"hash":
            chunks.extend(b"%s=%s" % pair for pair in redis.hgetall(key).items())
        elif kind == b"list":
            chunks.extend(redis.lrange(key, 0, -1))
        elif kind == b"set":
            chunks.extend(redis.smembers(key))
        elif kind == b"zset":
            chunks.extend(member for member, _score in redis.zrange(key, 0, -1, withscores=True))
        elif kind == b"stream":
            for _id, fields in redis.xrange(key):
                chunks.extend(b"%s=%s" % pair for pair in fields.items())
    return b"\n".join(chunks)


def folder_bytes(folder: Path) -> bytes:
    """Every file's content under a folder."""
    return b"\n".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def leaked(probes_: list[bytes], haystack: bytes) -> int:
    """How many probes occur in the haystack."""
    return sum(1 for probe in probes_ if probe in haystack)
