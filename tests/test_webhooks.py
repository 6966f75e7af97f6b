"""Webhooks: signed per Standard Webhooks and verified by a receiver on loopback with the
reference library, retried with backoff, refused for private addresses (SSRF)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from standardwebhooks import Webhook

from fittingroom.config import Settings
from fittingroom.db.models import WebhookDelivery
from fittingroom.errors import InvalidOption
from fittingroom.pipeline.models import Models
from fittingroom.webhooks.destination import check_webhook_url
from tests.api.conftest import Harness, make_harness
from tests.conftest import PERSON, TEE, encode, plain_image
from tests.fakes.serve import serve

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@dataclass
class Receiver:
    """Answers `fail_first` deliveries with 500, then 204; keeps what it verified."""

    fail_first: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    refused: int = 0

    def app(self) -> FastAPI:
        app = FastAPI()
        verifier = Webhook(SECRET)

        @app.post("/hook")
        async def hook(request: Request) -> JSONResponse:
            body = await request.body()
            if self.refused < self.fail_first:
                self.refused += 1
                return JSONResponse({"error": "try later"}, 500)
            self.received.append(verifier.verify(body, dict(request.headers)))  # raises if forged
            self.headers.append(dict(request.headers))
            return JSONResponse(None, 204)

        return app


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def hooked(tmp_path: Path, models: Models, receiver: Receiver) -> Iterator[tuple[Harness, str]]:
    with serve(receiver.app()) as url:
        settings = Settings(
            data_dir=tmp_path / "data",
            workers=1,
            secret_key="test-secret",  # type: ignore[arg-type]
            webhook_secret=SECRET,  # type: ignore[arg-type]
            webhook_allow_private=True,
            webhook_backoff_s=0.05,
            webhook_max_attempts=3,
        )
        for harness in make_harness(settings, models):
            yield harness, f"{url}/hook"


def start(harness: Harness, person: bytes, webhook_url: str) -> str:
    ids = []
    for data in (person, TEE.read_bytes()):
        ids.append(harness.client.post("/api/files", files={"file": ("x.png", data)}).json()["fileId"])
    response = harness.client.post(
        "/api/tryon/process",
        json={"personFileId": ids[0], "garmentFileId": ids[1], "options": {"webhook_url": webhook_url}},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["jobId"])


def deliveries(harness: Harness) -> list[WebhookDelivery]:
    with harness.services.factory() as session:
        return list(session.scalars(select(WebhookDelivery)))


def drain(harness: Harness, rounds: int = 20) -> None:
    """Send due deliveries until none is pending (retries wait for their backoff)."""
    with httpx.Client(timeout=5) as client:
        for _ in range(rounds):
            harness.services.webhooks.send_due(client)
            if all(d.status != "pending" for d in deliveries(harness)):
                return
            time.sleep(0.06)


def test_the_final_state_arrives_signed(hooked: tuple[Harness, str], receiver: Receiver) -> None:
    harness, url = hooked
    job_id = start(harness, PERSON.read_bytes(), url)
    harness.run(job_id)
    drain(harness)
    [event] = receiver.received
    assert event["type"] == "tryon.completed"
    data = event["data"]
    assert (data["jobId"], data["status"], data["provider"]) == (job_id, "completed", "local")
    assert data["resultUrl"].startswith("http") and 0 <= data["qualityScore"] <= 1
    assert data == {
        **harness.client.get(f"/api/tryon/process/{job_id}").json(),
        "resultUrl": data["resultUrl"],
    }
    headers = receiver.headers[0]
    assert headers["webhook-id"].startswith("msg_") and headers["webhook-signature"].startswith("v1,")
    [delivery] = deliveries(harness)
    assert (delivery.status, delivery.attempts) == ("delivered", 1)


def test_a_forged_signature_is_refused_by_the_receiver(hooked: tuple[Harness, str]) -> None:
    harness, url = hooked
    body = '{"type":"tryon.completed","data":{}}'
    headers = harness.services.webhooks.headers("msg_1", body)
    assert Webhook(SECRET).verify(body, headers) is not None
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(SECRET).verify(body.replace("completed", "failed"), headers)


def test_failed_deliveries_are_retried_then_given_up(hooked: tuple[Harness, str], receiver: Receiver) -> None:
    harness, url = hooked
    receiver.fail_first = 2
    job_id = start(harness, PERSON.read_bytes(), url)
    harness.run(job_id)
    drain(harness)
    assert len(receiver.received) == 1 and receiver.refused == 2
    assert [(d.status, d.attempts, d.last_error) for d in deliveries(harness)] == [("delivered", 3, None)]

    receiver.fail_first, receiver.refused = 10, 0
    harness.run(start(harness, PERSON.read_bytes(), url))
    drain(harness)
    given_up = [d for d in deliveries(harness) if d.status == "failed"]
    assert [(d.attempts, d.last_error) for d in given_up] == [(3, "HTTP 500")], "webhook_max_attempts = 3"


def test_a_failed_job_is_announced_too(hooked: tuple[Harness, str], receiver: Receiver) -> None:
    harness, url = hooked
    blank = encode(plain_image(320, 400, (200, 200, 200)))
    job_id = start(harness, blank, url)
    assert harness.run(job_id) == "failed"
    drain(harness)
    [event] = receiver.received
    assert event["type"] == "tryon.failed" and event["data"]["error"] == "No person found in the person image"


def test_the_sender_thread_delivers_on_its_own(hooked: tuple[Harness, str], receiver: Receiver) -> None:
    harness, url = hooked
    harness.services.webhooks.start()
    harness.run(start(harness, PERSON.read_bytes(), url))
    deadline = time.monotonic() + 10
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert receiver.received and receiver.received[0]["type"] == "tryon.completed"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://93.184.216.34/hook",
        "http://user:secret@93.184.216.34/hook",
        "not a url",
    ],
)
def test_private_and_odd_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidOption, match="webhook_url"):
        check_webhook_url(url, allow_private=False)


def test_public_addresses_pass_and_the_setting_opens_loopback() -> None:
    check_webhook_url("https://93.184.216.34/hooks/tryon", allow_private=False)
    check_webhook_url("http://127.0.0.1:9/hook", allow_private=True)
