"""named banks of outside fingerprints (imports, federation, threatexchange URLs)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import casework.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("source_url", sa.String(length=2048), nullable=True),
        sa.Column("key_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("cursor", sa.String(length=64), nullable=True),
        sa.Column("pulled_at", casework.db.UTCDateTime(), nullable=True),
        sa.Column("pull_result", sa.String(length=200), nullable=True),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_banks")),
        sa.UniqueConstraint("name", name=op.f("uq_banks_name")),
    )
    with op.batch_alter_table("case_fingerprints", schema=None) as batch_op:
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("bank_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("remote_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_case_fingerprints_bank_id"), ["bank_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_case_fingerprints_bank_id_banks"),
            "banks",
            ["bank_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_case_fingerprints_bank_id_remote_id"), ["bank_id", "remote_id"]
        )
        batch_op.create_check_constraint("case_or_bank", "(case_id IS NULL) <> (bank_id IS NULL)")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sees_banks", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("bank_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bank_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM case_fingerprints WHERE bank_id IS NOT NULL")
    with op.batch_alter_table("bank_changes", schema=None) as batch_op:
        batch_op.drop_column("bank_id")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("sees_banks")
    with op.batch_alter_table("case_fingerprints", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_case_fingerprints_case_or_bank"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("uq_case_fingerprints_bank_id_remote_id"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_case_fingerprints_bank_id_banks"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_case_fingerprints_bank_id"))
        batch_op.drop_column("remote_id")
        batch_op.drop_column("bank_id")
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("banks")
