"""Queue names and connections. Jobs take ids only and travel as JSON, never pickle."""

from __future__ import annotations

from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer

#: Named by purpose, most urgent first: a worker drains them in this order.
QUEUE_NAMES = ("reports", "maintenance")


def connect(redis_url: str) -> Redis:
    """A Redis connection from a redis:// or unix:// URL."""
    return Redis.from_url(redis_url, health_check_interval=30, socket_connect_timeout=5)


def make_queue(name: str, connection: Redis) -> Queue:
    """A queue that serialises job arguments as JSON."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=connection, serializer=JSONSerializer)
