"""follow-up: removal-check evidence and the re-upload watch list

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 14:39:06.203292
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import casework.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watched_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("takedown_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("url_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("next_check_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("last_checked_at", casework.db.UTCDateTime(), nullable=True),
        sa.Column("last_outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_watched_urls_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["takedown_id"],
            ["takedowns.id"],
            name=op.f("fk_watched_urls_takedown_id_takedowns"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watched_urls")),
        sa.UniqueConstraint(
            "case_id", "url_digest", name=op.f("uq_watched_urls_case_id_url_digest")
        ),
    )
    with op.batch_alter_table("watched_urls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watched_urls_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_watched_urls_host"), ["host"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_watched_urls_next_check_at"), ["next_check_at"], unique=False
        )

    op.create_table(
        "takedown_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("takedown_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("checked_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("headers_json", sa.Text(), nullable=False),
        sa.Column("images_seen", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=True),
        sa.Column("distance", sa.Integer(), nullable=True),
        sa.Column("found_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("sha256_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_takedown_checks_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_takedown_checks_match_id_matches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["takedown_id"],
            ["takedowns.id"],
            name=op.f("fk_takedown_checks_takedown_id_takedowns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_takedown_checks")),
    )
    with op.batch_alter_table("takedown_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_takedown_checks_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_takedown_checks_takedown_id"), ["takedown_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("takedown_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_takedown_checks_takedown_id"))
        batch_op.drop_index(batch_op.f("ix_takedown_checks_case_id"))

    op.drop_table("takedown_checks")
    with op.batch_alter_table("watched_urls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watched_urls_next_check_at"))
        batch_op.drop_index(batch_op.f("ix_watched_urls_host"))
        batch_op.drop_index(batch_op.f("ix_watched_urls_case_id"))

    op.drop_table("watched_urls")
