"""Check keys this API process has verified, so that a check needs no database round trip.

A key verified against the database is trusted by this process until any key is revoked
anywhere, or for a minute at most. A revocation's commit sets a new random generation in Redis
(casework.platforms.apikeys.on_revocation); every check reads the generation in the same Redis
call that spends its budgets, and a key remembered under another generation is verified again
before the check is answered. After a minute a key is verified again anyway, which also records
its last use. When Redis cannot be read, every check is verified against the database.

Only keys that verified are remembered, by the SHA-256 of the whole token, never the token.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session, sessionmaker

from casework.platforms.apikeys import LAST_USED_RESOLUTION, on_revocation

logger = logging.getLogger(__name__)

GENERATION = "takedown:api-keys:generation"
MAX_AGE_SECONDS = LAST_USED_RESOLUTION.total_seconds()


@dataclass(frozen=True)
class CheckCaller:
    """A platform allowed to check, by the ids a check needs: no database row is held."""

    platform_id: int
    key_id: str
    #: Whether this key is told which bank a match came from (takedown keys issue --sees-banks).
    sees_banks: bool = False


@dataclass(frozen=True)
class Verified:
    """A caller as verified at a generation (None: just now, by this request)."""

    caller: CheckCaller
    generation: str | None
    at: float


class VerifiedKeys:
    """The check keys this process verified, each with the generation it was verified under."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._known: dict[bytes, Verified] = {}

    def recall(self, token: str) -> Verified | None:
        """The remembered verification of ``token``, if under a minute old."""
        known = self._known.get(_digest(token))
        if known is None or time.monotonic() - known.at > MAX_AGE_SECONDS:
            return None
        return known

    def remember(self, token: str, caller: CheckCaller, generation: str | None) -> None:
        """Trust ``caller`` for ``token`` while the generation stays ``generation``."""
        if generation is None:
            self.forget(token)
            return
        self._known[_digest(token)] = Verified(caller, generation, time.monotonic())

    def forget(self, token: str) -> None:
        """Verify ``token`` against the database next time."""
        self._known.pop(_digest(token), None)

    def generation(self) -> str | None:
        """The current generation ('' before any revocation), or None if Redis is unreachable."""
        try:
            value = self._redis.get(GENERATION)
        except RedisError as error:
            logger.warning("key generation unreadable: %s", type(error).__name__)
            return None
        if value is None:
            return ""
        return value.decode() if isinstance(value, bytes) else str(value)

    def revoked(self) -> None:
        """Make every process verify its remembered keys again: a key was revoked."""
        try:
            self._redis.set(GENERATION, secrets.token_hex(16))
        except RedisError as error:
            # The revocation is committed; processes that remembered the key notice it within
            # MAX_AGE_SECONDS, when they verify it again.
            logger.warning(
                "revocation committed but not announced (%s): API processes refuse the key "
                "within %d seconds",
                type(error).__name__,
                MAX_AGE_SECONDS,
            )

    def watch(self, sessions: sessionmaker[Session]) -> None:
        """Announce every revocation committed through ``sessions``."""
        on_revocation(sessions, self.revoked)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()
