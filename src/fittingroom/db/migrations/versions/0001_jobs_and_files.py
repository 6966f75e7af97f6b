"""jobs and stored files

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("blob_key", sa.String(255), nullable=False, unique=True),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_stored_files_user_id", "stored_files", ["user_id"])
    op.create_table(
        "tryon_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("person_file_id", sa.String(36), sa.ForeignKey("stored_files.id"), nullable=False),
        sa.Column("garment_file_id", sa.String(36), sa.ForeignKey("stored_files.id"), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("step", sa.String(16), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("result_file_id", sa.String(36), sa.ForeignKey("stored_files.id"), nullable=True),
        sa.Column("processing_time", sa.Float(), nullable=True),
        sa.Column("quality_score", sa.Float(), nullable=True),
        sa.Column("confidence", sa.JSON(), nullable=True),
        sa.Column("provider", sa.String(32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_tryon_sessions_status", "tryon_sessions", ["status"])
    op.create_index("ix_tryon_sessions_user_id", "tryon_sessions", ["user_id"])
    op.create_index("ix_tryon_sessions_status_created", "tryon_sessions", ["status", "created_at"])


def downgrade() -> None:
    op.drop_table("tryon_sessions")
    op.drop_table("stored_files")
