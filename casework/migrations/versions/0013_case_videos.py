"""victims' videos (one sealed vPDQ fingerprint each) and the videos reports found matching

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 00:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import casework.db

revision = "0013"
down_revision = "0012"
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
    op.create_table(
        "video_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.Integer(), nullable=False),
        sa.Column("video_url", sa.String(length=2048), nullable=False),
        sa.Column("video_url_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("query_percent", sa.Float(), nullable=False),
        sa.Column("compared_percent", sa.Float(), nullable=False),
        sa.Column("ranges", sa.String(length=4000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_video_matches_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["report_items.id"],
            name=op.f("fk_video_matches_item_id_report_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["video_id"],
            ["case_videos.id"],
            name=op.f("fk_video_matches_video_id_case_videos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_matches")),
        sa.UniqueConstraint(
            "item_id",
            "video_url_digest",
            "video_id",
            name=op.f("uq_video_matches_item_id_video_url_digest_video_id"),
        ),
    )
    with op.batch_alter_table("video_matches", schema=None) as batch_op:
        for column in ("case_id", "item_id", "video_id"):
            batch_op.create_index(batch_op.f(f"ix_video_matches_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("video_matches", schema=None) as batch_op:
        for column in ("case_id", "item_id", "video_id"):
            batch_op.drop_index(batch_op.f(f"ix_video_matches_{column}"))
    op.drop_table("video_matches")
    with op.batch_alter_table("case_videos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_videos_case_id"))
    op.drop_table("case_videos")
