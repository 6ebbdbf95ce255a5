"""the bank's change log names each change's photo and carries videos; a video names its digests'
photo

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-07 03:50:00.000000

Changes logged before this revision keep case_id and photo NULL: the feed reads an addition's
photo from its fingerprint, and a withdrawal logged before it names no photo.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("photo", sa.Integer(), nullable=True))
    with op.batch_alter_table("case_videos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_videos", schema=None) as batch_op:
        batch_op.drop_column("photo")
    with op.batch_alter_table("bank_changes", schema=None) as batch_op:
        batch_op.drop_column("photo")
        batch_op.drop_column("case_id")
