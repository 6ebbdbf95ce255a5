"""Per-key rate limits for platform requests, shared by every API process through Redis.

The algorithm is GCRA (a token bucket kept as one timestamp per key): a key may spend
``per_minute`` units a minute, in bursts of up to a minute's worth. It runs as one Lua script, so
concurrent processes cannot both spend the last unit. If Redis is unreachable the limiter falls
back to the same algorithm in this process: limits then hold per process instead of overall,
which keeps the API answering checks (they need only the in-memory index) during a Redis outage.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from redis import Redis
from redis.exceptions import RedisError

from casework.errors import RateLimited

logger = logging.getLogger(__name__)

_SCRIPT = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now_ms)
if tat < now_ms then tat = now_ms end
local new_tat = tat + interval * cost
local wait = new_tat - burst - now_ms
if wait > 0 then return wait end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now_ms) + 1000)
return 0
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


class RateLimiter:
    """Budgets per key and bucket; ``spend`` raises RateLimited when one is exhausted."""

    def __init__(self, redis: Redis, *, prefix: str = "takedown:rate") -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_SCRIPT)
        self._peek = redis.register_script(_PEEK_SCRIPT)
        self._local: dict[str, float] = {}
        self._lock = threading.Lock()

    def spend(self, *, key: str, bucket: str, per_minute: int, cost: int = 1) -> None:
        """Take ``cost`` units from the key's bucket, or raise RateLimited with the wait."""
        if per_minute <= 0:
            return
        # A request bigger than a whole minute's budget could never pass: charge the budget.
        cost = max(1, min(cost, per_minute))
        interval = _MINUTE_MS / per_minute
        name = f"{self._prefix}:{bucket}:{key}"
        try:
            wait_ms = float(self._script(keys=[name], args=[interval, _MINUTE_MS, cost]))
        except RedisError as error:
            logger.warning("rate limiter falling back to this process: %s", type(error).__name__)
            wait_ms = self._spend_locally(name, interval, cost)
        if wait_ms > 0:
            raise RateLimited(math.ceil(wait_ms / 1000))

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
