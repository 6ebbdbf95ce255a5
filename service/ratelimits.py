"""Per-key rate limits for platform requests, shared by every API process through Redis.

The algorithm is GCRA (a token bucket kept as one timestamp per key): a key may spend
``per_minute`` units a minute, in bursts of up to a minute's worth. It runs as one Lua script, so
concurrent processes cannot both spend the last unit. If Redis is unreachable the limiter falls
back to the same algorithm in this process: limits then hold per process instead of overall,
which keeps the API answering checks (they need only the in-memory index) during a Redis outage.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import hiredis
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.commands.core import AsyncScript
from redis.connection import SSLConnection, UnixDomainSocketConnection
from redis.exceptions import DataError, RedisError
from redis.typing import EncodableT
from starlette.concurrency import run_in_threadpool

from casework.errors import RateLimited

logger = logging.getLogger(__name__)

# Every charge in order, stopping at the first exhausted one (the ones before it stay spent, as
# separate calls would leave them), and the watched key's value read in the same call.
_SCRIPT = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local burst = tonumber(ARGV[1])
local watched = false
if ARGV[2] == '1' then watched = redis.call('GET', KEYS[1]) or '' end
for i = 2, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local cost = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now_ms)
  if tat < now_ms then tat = now_ms end
  local new_tat = tat + interval * cost
  local wait = new_tat - burst - now_ms
  if wait > 0 then return {watched, tostring(wait)} end
  redis.call('SET', KEYS[i], tostring(new_tat), 'PX', math.ceil(new_tat - now_ms) + 1000)
end
return {watched, '0'}
"""
# The same arithmetic as _SCRIPT for a cost of one, without spending: "would a unit be left?"
_PEEK_SCRIPT = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now_ms)
if tat < now_ms then tat = now_ms end
local wait = tat + tonumber(ARGV[1]) - tonumber(ARGV[2]) - now_ms
if wait > 0 then return wait end
return 0
"""
_MINUTE_MS = 60_000


@dataclass(frozen=True)
class Charge:
    """``cost`` units from one key's bucket, which holds ``per_minute`` a minute (0: unlimited)."""

    key: str
    bucket: str
    per_minute: int
    cost: int = 1


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RateLimiter:
    """Budgets per key and bucket; ``spend`` raises RateLimited when one is exhausted."""

    def __init__(self, redis: Redis, *, prefix: str = "takedown:rate") -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_SCRIPT)
        self._peek = redis.register_script(_PEEK_SCRIPT)
        self._local: dict[str, float] = {}
        self._lock = threading.Lock()
        self._async_scripts: dict[asyncio.AbstractEventLoop, AsyncScript] = {}

    def use_async(self, client: AsyncRedis | None) -> None:
        """Spend through ``client`` in spend_all_async on the running event loop (None: on a
        worker thread again, as spend_all).

        An asyncio client belongs to the event loop it first connects in: the app's lifespan
        gives one here when serving starts and takes it back when serving stops. One app can
        be served from several loops at once (test clients), so each loop keeps its own.
        """
        loop = asyncio.get_running_loop()
        if client is None:
            self._async_scripts.pop(loop, None)
        else:
            self._async_scripts[loop] = client.register_script(_SCRIPT)

    def spend(self, *, key: str, bucket: str, per_minute: int, cost: int = 1) -> None:
        """Take ``cost`` units from the key's bucket, or raise RateLimited with the wait."""
        self.spend_all([Charge(key, bucket, per_minute, cost)])

    def spend_all(self, charges: Sequence[Charge], *, watch: str | None = None) -> str | None:
        """Spend every charge in one Redis call, and read the Redis key ``watch`` in the same call.

        Charges are taken in order; the first exhausted one raises RateLimited and leaves the
        later ones untouched. Returns the watched key's value ('' when unset), or None when
        nothing was watched or Redis could not be reached (the charges then fall back to this
        process).
        """
        names, args = self._arguments(charges, watch)
        if not names and not watch:
            return None
        try:
            watched, wait = self._script(keys=[watch or "", *names], args=args)
        except RedisError as error:
            watched, wait = None, self._fall_back(names, args, error)
        return self._settle(watched, wait, watch)

    async def spend_all_async(
        self, charges: Sequence[Charge], *, watch: str | None = None
    ) -> str | None:
        """spend_all on the event loop, without a thread, once use_async has given a client."""
        script = self._async_scripts.get(asyncio.get_running_loop())
        if script is None:
            return await run_in_threadpool(partial(self.spend_all, charges, watch=watch))
        names, args = self._arguments(charges, watch)
        if not names and not watch:
            return None
        try:
            watched, wait = await script(keys=[watch or "", *names], args=args)
        except RedisError as error:
            watched, wait = None, self._fall_back(names, args, error)
        return self._settle(watched, wait, watch)

    def _arguments(
        self, charges: Sequence[Charge], watch: str | None
    ) -> tuple[list[str], list[float]]:
        names: list[str] = []
        args: list[float] = [_MINUTE_MS, 1 if watch else 0]
        for charge in charges:
            if charge.per_minute <= 0:
                continue
            # A request bigger than a whole minute's budget could never pass: charge the budget.
            names.append(f"{self._prefix}:{charge.bucket}:{charge.key}")
            args += [_MINUTE_MS / charge.per_minute, max(1, min(charge.cost, charge.per_minute))]
        return names, args

    def _fall_back(self, names: list[str], args: list[float], error: RedisError) -> float:
        logger.warning("rate limiter falling back to this process: %s", type(error).__name__)
        wait = 0.0
        for name, interval, cost in zip(names, args[2::2], args[3::2], strict=True):
            wait = self._spend_locally(name, interval, int(cost))
            if wait > 0:
                break
        return wait

    @staticmethod
    def _settle(watched: bytes | str | None, wait: float | str, watch: str | None) -> str | None:
        if float(wait) > 0:
            raise RateLimited(math.ceil(float(wait) / 1000))
        return None if watched is None or not watch else _text(watched)

    def check(self, *, key: str, bucket: str, per_minute: int) -> None:
        """Raise RateLimited if the bucket has no unit left, without spending one."""
        if per_minute <= 0:
            return
        interval = _MINUTE_MS / per_minute
        name = f"{self._prefix}:{bucket}:{key}"
        try:
            wait_ms = float(self._peek(keys=[name], args=[interval, _MINUTE_MS]))
        except RedisError as error:
            logger.warning("rate limiter falling back to this process: %s", type(error).__name__)
            with self._lock:
                now = time.monotonic() * 1000
                wait_ms = max(self._local.get(name, now), now) + interval - _MINUTE_MS - now
        if wait_ms > 0:
            raise RateLimited(math.ceil(wait_ms / 1000))

    def _spend_locally(self, name: str, interval: float, cost: int) -> float:
        now = time.monotonic() * 1000
        with self._lock:
            tat = max(self._local.get(name, now), now)
            new_tat = tat + interval * cost
            wait = new_tat - _MINUTE_MS - now
            if wait > 0:
                return wait
            self._local[name] = new_tat
            return 0.0


def async_twin(client: Redis) -> AsyncRedis:
    """An asyncio client of the same server and database as ``client`` (TCP, TLS or socket)."""
    pool = client.connection_pool
    settings = pool.connection_kwargs
    common = {
        "db": settings.get("db", 0),
        "username": settings.get("username"),
        "password": settings.get("password"),
        "socket_connect_timeout": settings.get("socket_connect_timeout"),
        "socket_timeout": settings.get("socket_timeout"),
        "health_check_interval": settings.get("health_check_interval", 0),
    }
    if issubclass(pool.connection_class, UnixDomainSocketConnection):
        twin = AsyncRedis(unix_socket_path=settings["path"], **common)
    else:
        if issubclass(pool.connection_class, SSLConnection):
            common.update({k: v for k, v in settings.items() if k.startswith("ssl_")})
            common["ssl"] = True
        twin = AsyncRedis(host=settings["host"], port=settings["port"], **common)
    connections = twin.connection_pool
    connections.connection_class = type(
        f"Hiredis{connections.connection_class.__name__}",
        (_HiredisPacking, connections.connection_class),
        {},
    )
    return twin


class _HiredisPacking:
    """Commands packed by hiredis, as redis-py's sync client packs them; its asyncio one does not.

    Packing a check's EVALSHA in Python cost about 15 µs of the event loop, hiredis 2 µs.
    """

    def pack_command(self, *args: EncodableT) -> list[bytes]:
        # As redis-py's packers do: a command name of several words goes as several arguments.
        first = args[0]
        if isinstance(first, str):
            args = (*first.encode().split(), *args[1:])
        elif isinstance(first, bytes) and b" " in first:
            args = (*first.split(), *args[1:])
        try:
            # hiredis's stub declares a tuple of one element; it takes any number.
            return [hiredis.pack_command(args)]  # type: ignore[arg-type]
        except TypeError as error:
            raise DataError(str(error)) from error
