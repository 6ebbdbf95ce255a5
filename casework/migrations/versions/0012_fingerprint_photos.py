"""a case's fingerprints say which photo they come from and whether from a crop or trimmed copy

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 00:30:00.000000

Fingerprints stored before this revision keep photo NULL: nothing recorded says which of them
came from the same image, so they stay counted as fingerprints.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_fingerprints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("derived", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("case_fingerprints", schema=None) as batch_op:
        batch_op.drop_column("derived")
        batch_op.drop_column("photo")
