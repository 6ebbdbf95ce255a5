"""cases, fingerprints and the bank change log

Revision ID: 0001
Revises:
Create Date: 2026-11-28 13:22:28.249200
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import casework.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fingerprint_id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_changes")),
    )
    with op.batch_alter_table("bank_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_changes_version"), ["version"], unique=False)

    op.create_table(
        "bank_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_checkpoint")),
    )
    op.bulk_insert(
        sa.table("bank_checkpoint", sa.column("id", sa.Integer), sa.column("version", sa.Integer)),
        [{"id": 1, "version": 0}],
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", casework.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", casework.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("public_id", name=op.f("uq_cases_public_id")),
    )
    op.create_table(
        "case_fingerprints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("value_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("value_mac", sa.LargeBinary(length=32), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_fingerprints_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_fingerprints")),
        sa.UniqueConstraint(
            "case_id",
            "algorithm",
            "value_mac",
            name=op.f("uq_case_fingerprints_case_id_algorithm_value_mac"),
        ),
    )
    with op.batch_alter_table("case_fingerprints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_fingerprints_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_fingerprints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_fingerprints_case_id"))

    op.drop_table("case_fingerprints")
    op.drop_table("cases")
    op.drop_table("bank_checkpoint")
    with op.batch_alter_table("bank_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_changes_version"))

    op.drop_table("bank_changes")
