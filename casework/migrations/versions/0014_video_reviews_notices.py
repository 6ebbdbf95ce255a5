"""video matches are reviewed and covered by notices like image matches

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ONE_KIND = "(match_id IS NULL) <> (video_match_id IS NULL)"


def upgrade() -> None:
    with op.batch_alter_table("match_reviews", schema=None) as batch_op:
        batch_op.alter_column("match_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("video_match_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_match_reviews_video_match_id_video_matches"),
            "video_matches",
            ["video_match_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_match_reviews_video_match_id"), ["video_match_id"]
        )
        batch_op.create_check_constraint("one_kind_of_match", ONE_KIND)
    with op.batch_alter_table("takedown_items", schema=None) as batch_op:
        batch_op.alter_column("match_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("video_match_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_takedown_items_video_match_id"), ["video_match_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_takedown_items_video_match_id_video_matches"),
            "video_matches",
            ["video_match_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_takedown_items_takedown_id_video_match_id"),
            ["takedown_id", "video_match_id"],
        )
        batch_op.create_check_constraint("one_kind_of_match", ONE_KIND)


def downgrade() -> None:
    op.execute("DELETE FROM takedown_items WHERE video_match_id IS NOT NULL")
    op.execute("DELETE FROM match_reviews WHERE video_match_id IS NOT NULL")
    with op.batch_alter_table("takedown_items", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_takedown_items_one_kind_of_match"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("uq_takedown_items_takedown_id_video_match_id"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_takedown_items_video_match_id_video_matches"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_takedown_items_video_match_id"))
        batch_op.drop_column("video_match_id")
        batch_op.alter_column("match_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("match_reviews", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_match_reviews_one_kind_of_match"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_match_reviews_video_match_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_match_reviews_video_match_id_video_matches"), type_="foreignkey"
        )
        batch_op.drop_column("video_match_id")
        batch_op.alter_column("match_id", existing_type=sa.Integer(), nullable=False)
