"""tryon history (answers of /process-tryon, fresh or cached)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tryon_history",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(255), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("job_id", sa.String(36), sa.ForeignKey("tryon_sessions.id"), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("quality", sa.String(16), nullable=False),
        sa.Column("gems_used", sa.Integer(), nullable=False),
        sa.Column("cached", sa.Boolean(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tryon_history_user_created", "tryon_history", ["user_id", "created_at"])
    op.create_index("ix_tryon_history_user_fingerprint", "tryon_history", ["user_id", "fingerprint"])


def downgrade() -> None:
    op.drop_table("tryon_history")
