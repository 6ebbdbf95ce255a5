"""The long-lived objects one process needs, built from settings at an entry point."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from casework.bank.bank import BankIndex
from casework.bank.fingerprints import Limits
from casework.bank.snapshot import SnapshotStore, store_key
from casework.bank.videos import VideoBank
from casework.credentials import PinHasher
from casework.db import make_engine, make_sessions
from casework.settings import Settings
from casework.vault import Vault
from casework.victims.cases import LockoutPolicy


@dataclass
class Runtime:
    """Engine, sessions, keys and the bank index of one API or worker process."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    vault: Vault
    pins: PinHasher
    bank: BankIndex
    videos: VideoBank
    limits: Limits
    lockout: LockoutPolicy

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """Construct everything; opens no connection until first use."""
        engine = make_engine(
            settings.database_url,
            pool_size=settings.database_pool_size,
            pool_overflow=settings.database_pool_overflow,
            pool_timeout_seconds=settings.database_pool_timeout_seconds,
            lock_wait_seconds=settings.database_lock_wait_seconds,
        )
        vault = Vault(settings.secret_key.get_secret_value(), source=settings.secret_source)
        return cls(
            settings=settings,
            engine=engine,
            sessions=make_sessions(engine),
            vault=vault,
            pins=PinHasher(
                memory_kib=settings.argon2_memory_kib,
                time_cost=settings.argon2_time_cost,
                concurrency=settings.argon2_concurrency,
                wait_seconds=settings.argon2_wait_seconds,
            ),
            bank=BankIndex(vault, store=_snapshot_store(settings, vault)),
            videos=VideoBank(vault),
            limits=Limits(
                per_request=settings.max_fingerprints_per_request,
                per_case=settings.max_fingerprints_per_case,
                photos_per_request=settings.max_photos_per_request,
                photos_per_case=settings.max_photos_per_case,
            ),
            lockout=LockoutPolicy(
                failures=settings.pin_lockout_failures, minutes=settings.pin_lockout_minutes
            ),
        )


def _snapshot_store(settings: Settings, vault: Vault) -> SnapshotStore | None:
    """Where this machine's processes share the bank index, if they do."""
    if not settings.index_shared or not SnapshotStore.available():
        return None
    return SnapshotStore(store_key(settings.database_url, vault.key_id))
