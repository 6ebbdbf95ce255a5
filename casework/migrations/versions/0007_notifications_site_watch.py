"""victim notifications, site-wide watches, and watch checks linked to their watch

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import casework.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("notified_through", casework.db.UTCDateTime(), nullable=False),
        sa.Column("last_sent_at", casework.db.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=40), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_notifications_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notifications")),
    )
    with op.batch_alter_table("case_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_notifications_case_id"), ["case_id"], unique=True)
    with op.batch_alter_table("watched_urls", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scope", sa.String(length=8), server_default="page", nullable=False)
        )
    with op.batch_alter_table("takedown_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("watched_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_takedown_checks_watched_id"), ["watched_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_takedown_checks_watched_id_watched_urls"),
            "watched_urls",
            ["watched_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Watch checks recorded before this revision name their watched URL only by its text.
    op.execute(
        "UPDATE takedown_checks SET watched_id = (SELECT w.id FROM watched_urls w"
        " WHERE w.case_id = takedown_checks.case_id AND w.url = takedown_checks.url)"
        " WHERE purpose = 'watch'"
    )


def downgrade() -> None:
    with op.batch_alter_table("takedown_checks", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_takedown_checks_watched_id_watched_urls"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_takedown_checks_watched_id"))
        batch_op.drop_column("watched_id")
    with op.batch_alter_table("watched_urls", schema=None) as batch_op:
        batch_op.drop_column("scope")
    with op.batch_alter_table("case_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_notifications_case_id"))
    op.drop_table("case_notifications")
