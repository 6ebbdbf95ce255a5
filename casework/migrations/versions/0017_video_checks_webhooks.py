"""removal and watch checks record what they found of a video; platforms' webhooks cover video
matches

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 04:50:00.000000

Checks made before this revision keep videos_seen 0 and no video share: they recorded no video.
A platform's video watermark starts at 0, so its first scan considers every video match so far.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("takedown_checks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("videos_seen", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("video_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("video_percent", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("video_ranges", sa.String(length=4000), nullable=True))
    with op.batch_alter_table("platform_accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("video_match_watermark", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("platform_accounts", schema=None) as batch_op:
        batch_op.drop_column("video_match_watermark")
    with op.batch_alter_table("takedown_checks", schema=None) as batch_op:
        batch_op.drop_column("video_ranges")
        batch_op.drop_column("video_percent")
        batch_op.drop_column("video_url")
        batch_op.drop_column("videos_seen")
