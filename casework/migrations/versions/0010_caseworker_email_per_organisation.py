"""an e-mail address may hold a console account in each organisation

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 19:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("caseworkers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_caseworkers_email"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_caseworkers_organisation_id_email"), ["organisation_id", "email"]
        )
        batch_op.create_index(batch_op.f("ix_caseworkers_email"), ["email"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("caseworkers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_caseworkers_email"))
        batch_op.drop_constraint(batch_op.f("uq_caseworkers_organisation_id_email"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_caseworkers_email"), ["email"])
