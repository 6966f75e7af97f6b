"""seconds each pipeline stage of a job took, for /metrics

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tryon_sessions") as batch:
        batch.add_column(sa.Column("stage_seconds", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tryon_sessions") as batch:
        batch.drop_column("stage_seconds")
