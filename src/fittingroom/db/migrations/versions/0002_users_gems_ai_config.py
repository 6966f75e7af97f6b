"""users, gem ledger, ai_config (seeded with the default system prompt)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen copy: a migration must not change when the application's default does.
DEFAULT_SYSTEM_PROMPT = (
    "You are a virtual try-on renderer. Dress the person in the first image in the garments "
    "that follow, as one photograph: keep their garments' colours, patterns, logos and fabric, "
    "and fit them naturally to the person's body and pose."
)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("gems_balance", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("gems_balance >= 0", name="ck_users_gems_balance_non_negative"),
    )
    op.create_table(
        "gem_ledger",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(255), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("tryon_id", sa.String(36), nullable=True),
        sa.Column("note", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_gem_ledger_user_id", "gem_ledger", ["user_id"])
    op.create_index("ix_gem_ledger_tryon_id", "gem_ledger", ["tryon_id"])
    ai_config = op.create_table(
        "ai_config",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.bulk_insert(
        ai_config, [{"key": "system_prompt", "value": DEFAULT_SYSTEM_PROMPT, "updated_at": datetime.now(UTC)}]
    )


def downgrade() -> None:
    op.drop_table("ai_config")
    op.drop_table("gem_ledger")
    op.drop_table("users")
