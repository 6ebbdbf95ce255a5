"""The worker process's long-lived objects, set once by the entry point before jobs run."""

from __future__ import annotations

import os
from dataclasses import dataclass

from redis import Redis

from casework.runtime import Runtime
from casework.settings import Settings
from workers.fetcher import FetchPolicy, Resolver
from workers.queues import connect

#: With loopback fetching on (tests only), test servers listen on ephemeral ports.
_UNPRIVILEGED_PORTS = frozenset(range(1024, 65536))


@dataclass
class WorkerContext:
    """Database runtime, fetch policy and queue connection of one worker process."""

    runtime: Runtime
    policy: FetchPolicy
    redis: Redis
    #: None resolves with the system resolver; tests pass a stub so no name leaves the machine.
    resolver: Resolver | None = None


_current: WorkerContext | None = None
_owner_pid = 0


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The fetch budgets and allowlists this deployment uses."""
    if settings.fetch_allow_loopback:
        return FetchPolicy(allow_loopback=True, extra_ports=_UNPRIVILEGED_PORTS)
    return FetchPolicy()


def configure(settings: Settings) -> WorkerContext:
    """Build and install the context for this process."""
    return install(
        WorkerContext(
            runtime=Runtime.build(settings),
            policy=fetch_policy(settings),
            redis=connect(settings.redis_url),
        )
    )


def install(context: WorkerContext) -> WorkerContext:
    """Make ``context`` the one jobs find, owned by this process.

    Only a process that did not install it (a forked work horse) drops the pool's connections
    in current(): done in the owner, it would leave them open for the garbage collector.
    """
    global _current, _owner_pid
    _owner_pid = os.getpid()
    _current = context
    return context


def current() -> WorkerContext:
    """The installed context; jobs call this (in a forked work horse, too)."""
    global _owner_pid
    if _current is None:
        raise RuntimeError("worker context not configured: start jobs through `takedown worker`")
    if os.getpid() != _owner_pid:
        # A forked horse must not share the parent's database connections.
        _current.runtime.engine.dispose(close=False)
        _owner_pid = os.getpid()
    return _current
