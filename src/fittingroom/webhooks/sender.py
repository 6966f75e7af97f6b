"""Sending owed webhooks: sign, POST, retry with exponential backoff, give up after
`webhook_max_attempts`.

Body: {"type": "tryon.completed" | "tryon.failed", "timestamp": ISO-8601,
       "data": <the job row, as GET /api/tryon/process/{jobId} returns it>}
Headers (Standard Webhooks): webhook-id (stable across retries, for the receiver's
de-duplication), webhook-timestamp (Unix seconds), webhook-signature ("v1,<base64 HMAC-SHA256>"
of "<id>.<timestamp>.<body>" with the configured secret).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks import Webhook

from fittingroom.config import Settings
from fittingroom.db.models import TryOnSession, WebhookDelivery
from fittingroom.db.session import transaction
from fittingroom.errors import InvalidOption
from fittingroom.webhooks import outbox
from fittingroom.webhooks.destination import check_webhook_url

log = logging.getLogger(__name__)

DescribeJob = Callable[[TryOnSession], dict[str, Any]]


class WebhookSender:
    """Delivers due webhooks from a daemon thread (`start`/`stop`), or on demand (`send_due`)."""

    def __init__(
        self,
        settings: Settings,
        factory: sessionmaker[Session],
        describe: DescribeJob,
        poll_interval_s: float = 0.5,
    ) -> None:
        self.settings = settings
        self.factory = factory
        self.describe = describe
        self.poll_interval_s = poll_interval_s
        self._signer = Webhook(settings.resolved_webhook_secret())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.webhook_timeout_s + 5)

    def _loop(self) -> None:
        with httpx.Client(timeout=self.settings.webhook_timeout_s, follow_redirects=False) as client:
            while not self._stop.is_set():
                try:
                    self.send_due(client)
                except Exception:  # the database may be away for a moment; try again next round
                    log.exception("webhook round failed")
                self._stop.wait(self.poll_interval_s)

    def send_due(self, client: httpx.Client) -> int:
        """Attempt every due delivery once; returns how many were attempted."""
        with transaction(self.factory) as session:
            due = outbox.claim_due(session)
            jobs = {d.id: session.get(TryOnSession, d.job_id) for d in due}
            payloads = {d.id: self._body(d, jobs[d.id]) for d in due}
        for delivery in due:
            self._attempt(client, delivery, payloads[delivery.id])
        return len(due)

    def _body(self, delivery: WebhookDelivery, job: TryOnSession | None) -> str:
        data = self.describe(job) if job is not None else {"jobId": delivery.job_id}
        body = {"type": delivery.event, "timestamp": datetime.now(UTC).isoformat(), "data": data}
        return json.dumps(body, separators=(",", ":"), default=str)

    def headers(self, msg_id: str, body: str, now: datetime | None = None) -> dict[str, str]:
        now = now or datetime.now(UTC)
        return {
            "content-type": "application/json",
            "user-agent": "fittingroom-webhooks",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._signer.sign(msg_id, now, body),
        }

    def _attempt(self, client: httpx.Client, delivery: WebhookDelivery, body: str) -> None:
        error: str | None = None
        retry = True
        try:
            check_webhook_url(delivery.url, self.settings.webhook_allow_private)
            response = client.post(delivery.url, content=body, headers=self.headers(delivery.id, body))
            if response.is_success:
                self._settle(delivery, delivered=True, error=None, retry=False)
                return
            error = f"HTTP {response.status_code}"
        except InvalidOption as exc:  # the URL became unacceptable: retrying will not help
            error, retry = str(exc), False
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        self._settle(delivery, delivered=False, error=error, retry=retry)

    def _settle(self, delivery: WebhookDelivery, *, delivered: bool, error: str | None, retry: bool) -> None:
        attempts = delivery.attempts + 1
        retry_at = None
        if retry and attempts < self.settings.webhook_max_attempts:
            delay = self.settings.webhook_backoff_s * 2 ** (attempts - 1)
            retry_at = datetime.now(UTC) + timedelta(seconds=delay)
        if not delivered:
            log.warning(
                "webhook %s for job %s: %s (attempt %d)", delivery.id, delivery.job_id, error, attempts
            )
        with transaction(self.factory) as session:
            outbox.settle(session, delivery.id, delivered=delivered, error=error, retry_at=retry_at)
