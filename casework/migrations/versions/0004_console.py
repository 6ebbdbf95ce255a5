"""caseworker console: organisations, accounts, sessions, reviews, allow-list, takedowns, audit log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 13:43:38.160898
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import casework.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=24), nullable=False),
        sa.Column("object_id", sa.String(length=40), nullable=False),
        sa.Column("details_json", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("postal_address", sa.String(length=500), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("slug", name=op.f("uq_organisations_slug")),
    )
    op.create_table(
        "caseworkers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", casework.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_caseworkers_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caseworkers")),
        sa.UniqueConstraint("email", name=op.f("uq_caseworkers_email")),
    )
    with op.batch_alter_table("caseworkers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_caseworkers_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=True),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", casework.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["caseworker_id"],
            ["caseworkers.id"],
            name=op.f("fk_console_sessions_caseworker_id_caseworkers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sessions")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_console_sessions_token_digest")),
    )
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_console_sessions_caseworker_id"), ["caseworker_id"], unique=False
        )

    op.create_table(
        "takedowns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=500), nullable=False),
        sa.Column("regime", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fields_json", sa.Text(), nullable=False),
        sa.Column("deadline_hours", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", casework.db.UTCDateTime(), nullable=False),
        sa.Column("approved_at", casework.db.UTCDateTime(), nullable=True),
        sa.Column("sent_at", casework.db.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", casework.db.UTCDateTime(), nullable=True),
        sa.Column("removed_at", casework.db.UTCDateTime(), nullable=True),
        sa.Column("refused_at", casework.db.UTCDateTime(), nullable=True),
        sa.Column("no_response_at", casework.db.UTCDateTime(), nullable=True),
        sa.Column("deadline_at", casework.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_takedowns_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["caseworkers.id"],
            name=op.f("fk_takedowns_created_by_caseworkers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_takedowns_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_takedowns")),
        sa.UniqueConstraint("reference", name=op.f("uq_takedowns_reference")),
    )
    with op.batch_alter_table("takedowns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_takedowns_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_takedowns_status"), ["status"], unique=False)

    op.create_table(
        "match_allowlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint_id", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("found_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.Column("created_at", casework.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fingerprint_id"],
            ["case_fingerprints.id"],
            name=op.f("fk_match_allowlist_fingerprint_id_case_fingerprints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_match_allowlist_match_id_matches"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_allowlist")),
    )
    with op.batch_alter_table("match_allowlist", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_match_allowlist_fingerprint_id"), ["fingerprint_id"], unique=False
        )

    op.create_table(
        "match_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("decided_at", casework.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["caseworker_id"],
            ["caseworkers.id"],
            name=op.f("fk_match_reviews_caseworker_id_caseworkers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_match_reviews_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_reviews")),
        sa.UniqueConstraint("match_id", name=op.f("uq_match_reviews_match_id")),
    )
    op.create_table(
        "takedown_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("takedown_id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_takedown_items_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["takedown_id"],
            ["takedowns.id"],
            name=op.f("fk_takedown_items_takedown_id_takedowns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_takedown_items")),
        sa.UniqueConstraint(
            "takedown_id", "match_id", name=op.f("uq_takedown_items_takedown_id_match_id")
        ),
    )
    with op.batch_alter_table("takedown_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_takedown_items_match_id"), ["match_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_takedown_items_takedown_id"), ["takedown_id"], unique=False
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("under_18", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            batch_op.f("ix_cases_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_organisation_id_organisations"),
            "organisations",
            ["organisation_id"],
            ["id"],
            ondelete="SET NULL",
        )

    _create_append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_cases_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_cases_organisation_id"))
        batch_op.drop_column("under_18")
        batch_op.drop_column("organisation_id")

    with op.batch_alter_table("takedown_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_takedown_items_takedown_id"))
        batch_op.drop_index(batch_op.f("ix_takedown_items_match_id"))

    op.drop_table("takedown_items")
    op.drop_table("match_reviews")
    with op.batch_alter_table("match_allowlist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_allowlist_fingerprint_id"))

    op.drop_table("match_allowlist")
    with op.batch_alter_table("takedowns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_takedowns_status"))
        batch_op.drop_index(batch_op.f("ix_takedowns_case_id"))

    op.drop_table("takedowns")
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_sessions_caseworker_id"))

    op.drop_table("console_sessions")
    with op.batch_alter_table("caseworkers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_caseworkers_organisation_id"))

    op.drop_table("caseworkers")
    op.drop_table("organisations")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")


# The audit log is append-only in the database itself, not only in the code: a trigger refuses
# every UPDATE and DELETE, on both backends (TRUNCATE by a superuser is outside its reach; the
# hash chain and `takedown audit verify` catch what triggers cannot).
APPEND_ONLY_MESSAGE = "audit_events is append-only"


def _create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        return
    for verb in ("update", "delete"):
        op.execute(
            f"CREATE TRIGGER audit_events_no_{verb} BEFORE {verb.upper()} ON audit_events "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
        )


def _drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{verb}")
