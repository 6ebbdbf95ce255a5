"""Engine, sessions and transaction(): the one place where a transaction is committed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, String, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from casework.errors import CaseworkError

# Named constraints keep Alembic's batch mode on SQLite and plain ALTERs on Postgres in step.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


E = TypeVar("E", bound=StrEnum)


class EnumString(TypeDecorator[E]):
    """A StrEnum stored as its value in a VARCHAR: the strings a plain String column holds.

    Rows load as members; binding refuses a string that is no member's value.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[E], length: int) -> None:
        super().__init__(length)
        self.enum_class = enum_class

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_class(value).value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_class(value)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    pool_overflow: int = 10,
    pool_timeout_seconds: float = 10.0,
    lock_wait_seconds: float = 30.0,
) -> Engine:
    """An engine for SQLite (the laptop default) or PostgreSQL (production).

    A request that finds every pooled connection taken waits ``pool_timeout_seconds`` and then
    fails with SQLAlchemy's TimeoutError, which the API answers 503. A statement waits at most
    ``lock_wait_seconds`` for a lock another connection holds (SQLite's one writer, a row on
    PostgreSQL) and then fails with OperationalError, also 503.
    """
    lock_wait_ms = max(1, round(lock_wait_seconds * 1000))
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    pool = {
        "pool_size": pool_size,
        "max_overflow": pool_overflow,
        "pool_timeout": pool_timeout_seconds,
    }
    # Parameters never appear in error messages: they hold URLs and sealed hashes, and errors end
    # up in logs and in RQ's failed-job records.
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": lock_wait_seconds, "check_same_thread": False},
            hide_parameters=True,
            **pool,
        )
        event.listen(engine, "connect", partial(_configure_sqlite, lock_wait_ms=lock_wait_ms))
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args={"options": f"-c lock_timeout={lock_wait_ms}"},
        **pool,
    )


def _configure_sqlite(dbapi_connection: Any, _record: Any, *, lock_wait_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={lock_wait_ms}")
    cursor.close()


def database_answers(engine: Engine) -> bool:
    """True when the database takes a connection and answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """Run one unit of work: commit on success, roll back on error.

    Domain functions only flush. A CaseworkError whose ``persist`` flag is set (a failed PIN
    attempt, say) is committed before it propagates, so the counter it bumped survives.
    """
    session = sessions()
    try:
        yield session
        session.commit()
    except CaseworkError as error:
        if error.persist:
            session.commit()
        else:
            session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Any:
    """Alembic configuration for this package's migrations and the given database."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database schema to the newest revision."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
