"""Webhook delivery rows: owed with the job's final state, claimed and settled by the sender."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fittingroom.db.models import TryOnSession, WebhookDelivery, utcnow
from fittingroom.jobs.status import JobStatus

EVENTS = {JobStatus.COMPLETED: "tryon.completed", JobStatus.FAILED: "tryon.failed"}
CLAIM_LEASE_S = 60  # a claimed delivery is not due again for this long: one sender at a time


def owe(session: Session, job_id: str, status: JobStatus) -> None:
    """In the transaction that ends the job: a pending delivery when it asked for a webhook."""
    options = session.scalar(select(TryOnSession.options).where(TryOnSession.id == job_id)) or {}
    url = options.get("webhook_url")
    if url:
        session.add(
            WebhookDelivery(
                id=f"msg_{uuid.uuid4().hex}",
                job_id=job_id,
                url=url,
                event=EVENTS[status],
                status="pending",
                attempts=0,
                next_attempt_at=utcnow(),
            )
        )


def claim_due(session: Session, limit: int = 16) -> list[WebhookDelivery]:
    """Pending deliveries whose time has come, each leased to this caller for CLAIM_LEASE_S
    (a conditional UPDATE, so two senders never send one delivery at once)."""
    now = utcnow()
    due = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    ).all()
    claimed = []
    for delivery in due:
        lease = now + timedelta(seconds=CLAIM_LEASE_S)
        result = session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery.id,
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at == delivery.next_attempt_at,
            )
            .values(next_attempt_at=lease)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            claimed.append(delivery)
    return claimed


def settle(
    session: Session,
    delivery_id: str,
    *,
    delivered: bool,
    error: str | None,
    retry_at: datetime | None,
) -> None:
    """Record one attempt: delivered, to be retried at `retry_at`, or (no retry_at) given up."""
    values: dict[str, object] = {"attempts": WebhookDelivery.attempts + 1, "last_error": error}
    if delivered:
        values.update(status="delivered", delivered_at=utcnow())
    elif retry_at is not None:
        values.update(next_attempt_at=retry_at)
    else:
        values.update(status="failed")
    session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values))
