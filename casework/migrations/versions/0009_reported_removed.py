"""a caseworker's report that a notice's content was removed, kept apart from the proof

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 18:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import casework.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("takedowns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reported_removed_at", casework.db.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("reported_removed_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_takedowns_reported_removed_by_caseworkers"),
            "caseworkers",
            ["reported_removed_by"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("takedowns", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_takedowns_reported_removed_by_caseworkers"), type_="foreignkey"
        )
        batch_op.drop_column("reported_removed_by")
        batch_op.drop_column("reported_removed_at")
