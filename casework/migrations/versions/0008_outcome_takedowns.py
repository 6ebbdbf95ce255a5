"""platform outcomes linked to their takedown notice, and confirmed quarantine removals

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import casework.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("platform_outcomes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("takedown_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_platform_outcomes_takedown_id"), ["takedown_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_platform_outcomes_takedown_id_takedowns"),
            "takedowns",
            ["takedown_id"],
            ["id"],
            ondelete="CASCADE",
        )
    # Outcomes stored before this revision name their notice only by its reference; references
    # are random, so a platform only ever knew one that was sent to it.
    op.execute(
        "UPDATE platform_outcomes SET takedown_id = (SELECT t.id FROM takedowns t"
        " WHERE t.reference = platform_outcomes.takedown_reference)"
        " WHERE takedown_reference IS NOT NULL"
    )
    with op.batch_alter_table("fingerprint_quarantines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removed_at", casework.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fingerprint_quarantines", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
    with op.batch_alter_table("platform_outcomes", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_platform_outcomes_takedown_id_takedowns"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_platform_outcomes_takedown_id"))
        batch_op.drop_column("takedown_id")
