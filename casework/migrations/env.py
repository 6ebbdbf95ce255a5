"""Alembic environment: the URL comes from the caller (casework.db.migrate), never from env."""

from __future__ import annotations

from alembic import context

from casework.db import Base, make_engine
from casework.models import Case  # noqa: F401 - registers every table on Base.metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("casework.db.migrate() passes the database URL")

engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
