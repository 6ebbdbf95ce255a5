"""victims' videos keep their centre crops' vPDQ fingerprints, sealed, beside the video's own

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07 03:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_videos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("crops_sealed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_videos", schema=None) as batch_op:
        batch_op.drop_column("crops_sealed")
