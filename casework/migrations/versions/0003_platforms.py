"""platform accounts, keys, match tokens, outcomes, quarantine, webhooks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 13:46:20.632510
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import casework.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("algorithms", sa.String(length=64), nullable=False),
        sa.Column("webhook_url", sa.String(length=2048), nullable=True),
        sa.Column("webhook_secret_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("match_watermark", sa.Integer(), nullable=False),
        sa.Column("feed_watermark", sa.Integer(), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("disabled_at", casework.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_platform_accounts_name")),
    )
    op.create_table(
        "platform_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform_accounts.id"],
            name=op.f("fk_platform_domains_platform_id_platform_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_domains")),
        sa.UniqueConstraint("domain", name=op.f("uq_platform_domains_domain")),
    )
    with op.batch_alter_table("platform_domains", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_domains_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "platform_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_platform_keys_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform_accounts.id"],
            name=op.f("fk_platform_keys_platform_id_platform_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_keys")),
        sa.UniqueConstraint("api_key_id", name=op.f("uq_platform_keys_api_key_id")),
    )
    with op.batch_alter_table("platform_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_keys_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "fingerprint_quarantines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint_id", sa.Integer(), nullable=False),
        sa.Column("platforms", sa.Integer(), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("released_at", casework.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fingerprint_id"],
            ["case_fingerprints.id"],
            name=op.f("fk_fingerprint_quarantines_fingerprint_id_case_fingerprints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fingerprint_quarantines")),
        sa.UniqueConstraint(
            "fingerprint_id", name=op.f("uq_fingerprint_quarantines_fingerprint_id")
        ),
    )
    op.create_table(
        "match_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint_id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fingerprint_id"],
            ["case_fingerprints.id"],
            name=op.f("fk_match_tokens_fingerprint_id_case_fingerprints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_match_tokens_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform_accounts.id"],
            name=op.f("fk_match_tokens_platform_id_platform_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_tokens")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_match_tokens_token_digest")),
    )
    with op.batch_alter_table("match_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_match_tokens_fingerprint_id"), ["fingerprint_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_match_tokens_match_id"), ["match_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_match_tokens_platform_id"), ["platform_id"], unique=False
        )

    op.create_table(
        "platform_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("match_token_id", sa.Integer(), nullable=True),
        sa.Column("takedown_reference", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_token_id"],
            ["match_tokens.id"],
            name=op.f("fk_platform_outcomes_match_token_id_match_tokens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform_accounts.id"],
            name=op.f("fk_platform_outcomes_platform_id_platform_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_outcomes")),
        sa.UniqueConstraint("public_id", name=op.f("uq_platform_outcomes_public_id")),
    )
    with op.batch_alter_table("platform_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_platform_outcomes_match_token_id"), ["match_token_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_platform_outcomes_platform_id"), ["platform_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_platform_outcomes_takedown_reference"),
            ["takedown_reference"],
            unique=False,
        )

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("match_token_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("payload_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=40), nullable=True),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("enqueued_at", casework.db.UTCDateTime(), nullable=True),
        sa.Column("delivered_at", casework.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["match_token_id"],
            ["match_tokens.id"],
            name=op.f("fk_webhook_deliveries_match_token_id_match_tokens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platform_accounts.id"],
            name=op.f("fk_webhook_deliveries_platform_id_platform_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "platform_id", "event_key", name=op.f("uq_webhook_deliveries_platform_id_event_key")
        ),
        sa.UniqueConstraint("public_id", name=op.f("uq_webhook_deliveries_public_id")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_match_token_id"), ["match_token_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_platform_id"), ["platform_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_status"))
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_platform_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_match_token_id"))

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("platform_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_outcomes_takedown_reference"))
        batch_op.drop_index(batch_op.f("ix_platform_outcomes_platform_id"))
        batch_op.drop_index(batch_op.f("ix_platform_outcomes_match_token_id"))

    op.drop_table("platform_outcomes")
    with op.batch_alter_table("match_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_tokens_platform_id"))
        batch_op.drop_index(batch_op.f("ix_match_tokens_match_id"))
        batch_op.drop_index(batch_op.f("ix_match_tokens_fingerprint_id"))

    op.drop_table("match_tokens")
    op.drop_table("fingerprint_quarantines")
    with op.batch_alter_table("platform_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_keys_platform_id"))

    op.drop_table("platform_keys")
    with op.batch_alter_table("platform_domains", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_domains_platform_id"))

    op.drop_table("platform_domains")
    op.drop_table("platform_accounts")
