"""Tables. Rows never leave the service: the API maps them to per-surface schemas.

`tryon_sessions` holds every job from every surface (contracts.md section B's columns);
`stored_files` every uploaded or produced blob.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


class StoredFile(Base):
    __tablename__ = "stored_files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    blob_key: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)  # bytes
    width: Mapped[int] = mapped_column(Integer)  # pixels, after EXIF orientation
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TryOnSession(Base):
    """One try-on job. Its status, step and progress change only through `fittingroom.jobs.records`."""

    __tablename__ = "tryon_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(16), index=True)
    user_id: Mapped[str | None] = mapped_column(String(255), index=True)
    person_file_id: Mapped[str] = mapped_column(ForeignKey("stored_files.id"))
    garment_file_id: Mapped[str] = mapped_column(ForeignKey("stored_files.id"))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    step: Mapped[str | None] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    result_file_id: Mapped[str | None] = mapped_column(ForeignKey("stored_files.id"))
    processing_time: Mapped[float | None] = mapped_column(Float)  # seconds, pipeline start to result stored
    stage_seconds: Mapped[dict[str, float] | None] = mapped_column(JSON)  # {"segmentation": 0.12, ...}
    quality_score: Mapped[float | None] = mapped_column(Float)  # [0, 1]
    confidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # signals, each in [0, 1]
    provider: Mapped[str | None] = mapped_column(String(32))  # the one that produced the result
    # Each provider's part, in order: [{"provider", "outcome", "reason"?, "seconds"?}] where
    # outcome is "skipped", "failed" or "completed".
    provider_attempts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # sent to a broker
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_tryon_sessions_status_created", "status", "created_at"),)


class User(Base):
    """A user seen in a valid token (`sub`). `gems_balance` always equals the sum of their ledger."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    gems_balance: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (CheckConstraint("gems_balance >= 0", name="ck_users_gems_balance_non_negative"),)


class GemLedgerEntry(Base):
    """One change of a user's balance. Append-only: rows are never updated or deleted."""

    __tablename__ = "gem_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    delta: Mapped[int] = mapped_column(Integer)  # + grant or refund, - debit
    kind: Mapped[str] = mapped_column(String(16))  # "grant" | "debit" | "refund"
    tryon_id: Mapped[str | None] = mapped_column(String(36), index=True)
    note: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AiConfig(Base):
    """Settings of generative providers that operators edit at run time (e.g. `system_prompt`)."""

    __tablename__ = "ai_config"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class TryOnHistory(Base):
    """One answer of /process-tryon: a fresh try-on (id == its job id) or a cached replay of one."""

    __tablename__ = "tryon_history"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    job_id: Mapped[str] = mapped_column(ForeignKey("tryon_sessions.id"))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # category, name, sub_category, is_primary
    quality: Mapped[str] = mapped_column(String(16))
    gems_used: Mapped[int] = mapped_column(Integer)
    cached: Mapped[bool] = mapped_column(default=False)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("ix_tryon_history_user_created", "user_id", "created_at"),
        Index("ix_tryon_history_user_fingerprint", "user_id", "fingerprint"),
    )


class IdempotencyKey(Base):
    """The first answer given to a user's `Idempotency-Key`, replayed for the same body."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)  # None while the first request runs
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(Base):
    """A job's final state, owed to its `webhook_url` (an outbox row).

    Written in the transaction that ends the job, so no final state is ever left unsent;
    `status` goes pending -> delivered | failed (after `webhook_max_attempts` or a refused URL).
    """

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the `webhook-id` header: msg_<uuid>
    job_id: Mapped[str] = mapped_column(ForeignKey("tryon_sessions.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(32))  # "tryon.completed" | "tryon.failed"
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)
