"""victims' videos: one sealed vPDQ fingerprint per video

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-07 00:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import casework.db

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_videos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("value_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("value_mac", sa.LargeBinary(length=32), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_videos_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_videos")),
        sa.UniqueConstraint("case_id", "value_mac", name=op.f("uq_case_videos_case_id_value_mac")),
    )
    with op.batch_alter_table("case_videos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_videos_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_videos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_videos_case_id"))
    op.drop_table("case_videos")
