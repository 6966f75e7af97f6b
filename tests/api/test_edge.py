"""Contract C: /process-tryon and /api/history, every status code and error shape.

Jobs run in this process on the real runner and pipeline (`InlineQueue`); the synchronous
answer waits for them as it does in production.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from fittingroom.billing import ledger
from fittingroom.config import Settings
from fittingroom.db.session import transaction
from fittingroom.jobs import records
from fittingroom.jobs.runner import run_job
from fittingroom.pipeline.models import Models
from tests.api.conftest import Harness, make_harness
from tests.conftest import FIXTURES, PERSON, SHIRT, TEE, encode, plain_image

PANTS = FIXTURES / "garment_bottom_pants.jpg"


class InlineQueue:
    """Runs each enqueued job on a thread with the harness's worker context."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.threads: list[threading.Thread] = []

    def enqueue(self, job_id: str) -> None:
        thread = threading.Thread(target=run_job, args=(self.harness.ctx, job_id))
        self.threads.append(thread)
        thread.start()

    def start(self) -> None:
        pass

    def stop(self, timeout: float = 10.0) -> None:
        for thread in self.threads:
            thread.join(timeout)

    @property
    def models_loaded(self) -> bool:
        return True

    def problem(self) -> str | None:
        return None


class IdleQueue(InlineQueue):
    """Accepts jobs and never runs them: a saturated worker pool."""

    def enqueue(self, job_id: str) -> None:
        pass


@pytest.fixture
def edge(settings: Settings, models: Models) -> Iterator[Harness]:
    settings.rate_limit = "100/minute"
    for h in make_harness(settings, models):
        h.services.queue = InlineQueue(h)  # type: ignore[assignment]
        yield h


def b64(data: bytes, prefix: str = "") -> str:
    return prefix + base64.b64encode(data).decode()


def body(
    *garments: tuple[bytes, str], person: bytes | None = None, quality: str = "standard", **extra: Any
) -> dict[str, Any]:
    items = [{"image": b64(data), "category": category, **extra} for data, category in garments]
    return {"model_image": b64(person or PERSON.read_bytes()), "clothing_images": items, "quality": quality}


def token(h: Harness, user: str = "alice", gems: int = 0) -> dict[str, str]:
    if gems:
        with transaction(h.services.factory) as session:
            ledger.grant(session, user, gems)
    return {"Authorization": f"Bearer {h.services.verifier.issue(user)}"}


def balance(h: Harness, user: str) -> int:
    with h.services.factory() as session:
        return ledger.balance(session, user)


def test_success_then_cached(edge: Harness) -> None:
    headers = token(edge, gems=5)
    response = edge.client.post("/process-tryon", json=body((TEE.read_bytes(), "top")), headers=headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {
        "tryon_id",
        "result_image_url",
        "gems_remaining",
        "gems_used",
        "cached",
        "processing_time_ms",
    }
    assert (answer["gems_remaining"], answer["gems_used"], answer["cached"]) == (4, 1, False)
    assert answer["processing_time_ms"] > 0
    image = edge.client.get(answer["result_image_url"])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert response.headers["RateLimit-Limit"] == "100"
    # A job created with a token is not readable on the anonymous surfaces.
    assert edge.client.get(f"/api/tryon/{answer['tryon_id']}").status_code == 404
    assert edge.client.get(f"/api/tryon/process/{answer['tryon_id']}").status_code == 404
    # The same images again, one sent as a data URI: answered from cache for free.
    again = body((TEE.read_bytes(), "top"))
    again["model_image"] = b64(PERSON.read_bytes(), "data:image/jpeg;base64,")
    cached = edge.client.post("/process-tryon", json=again, headers=headers).json()
    assert (cached["cached"], cached["gems_used"], cached["gems_remaining"]) == (True, 0, 4)
    assert cached["tryon_id"] != answer["tryon_id"]
    assert balance(edge, "alice") == 4
    hd = edge.client.post(
        "/process-tryon", json=body((TEE.read_bytes(), "top"), quality="hd"), headers=headers
    )
    assert hd.json()["gems_used"] == 2 and hd.json()["cached"] is False, "quality is part of the fingerprint"


def test_unauthorized(edge: Harness) -> None:
    payload = body((TEE.read_bytes(), "top"))
    missing = edge.client.post("/process-tryon", json=payload)
    assert missing.status_code == 401 and missing.json() == {
        "error": "Unauthorized",
        "detail": "Missing bearer token",
    }
    expired = jwt.encode(
        {"sub": "alice", "exp": int(time.time()) - 10}, edge.services.settings.resolved_jwt_secret(), "HS256"
    )
    response = edge.client.post(
        "/process-tryon", json=payload, headers={"Authorization": f"Bearer {expired}"}
    )
    assert response.status_code == 401 and response.json()["detail"] == "JWT expired"


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"model_image": "x"}, "clothing_images array is required"),
        (
            {
                "model_image": b64(PERSON.read_bytes()),
                "clothing_images": [{"image": b64(TEE.read_bytes()), "category": "top"}] * 5,
            },
            "clothing_images has 5 items; 1 to 4 are allowed",
        ),
        (
            {
                "model_image": b64(PERSON.read_bytes()),
                "clothing_images": [{"image": b64(TEE.read_bytes()), "category": "hat"}],
            },
            "clothing_images[0].category 'hat' is not one of",
        ),
        (
            {"model_image": "!!!", "clothing_images": [{"image": b64(TEE.read_bytes()), "category": "top"}]},
            "model_image is not valid base64 image data",
        ),
        (
            {
                "model_image": b64(PERSON.read_bytes(), "data:image/png;base64,"),
                "clothing_images": [{"image": b64(TEE.read_bytes()), "category": "top"}],
            },
            "model_image: declared as image/png but the data is image/jpeg",
        ),
        (
            {
                "model_image": b64(encode(plain_image(), "GIF")),
                "clothing_images": [{"image": b64(TEE.read_bytes()), "category": "top"}],
            },
            "model_image: Unsupported image type: image/gif",
        ),
        (
            {
                "model_image": b64(PERSON.read_bytes()),
                "clothing_images": [{"image": b64(TEE.read_bytes()), "category": "top"}],
                "quality": "4k",
            },
            "quality must be 'standard' or 'hd'",
        ),
    ],
)
def test_bad_bodies_are_400(edge: Harness, payload: dict[str, Any], error: str) -> None:
    response = edge.client.post("/process-tryon", json=payload, headers=token(edge, gems=3))
    assert response.status_code == 400
    assert set(response.json()) == {"error"} and response.json()["error"].startswith(error)


def test_not_json_or_too_large_is_400(edge: Harness) -> None:
    response = edge.client.post("/process-tryon", content=b"{nope", headers=token(edge))
    assert response.status_code == 400 and response.json() == {
        "error": "The request body must be a JSON object"
    }
    edge.services.settings.max_upload_bytes = 1000
    response = edge.client.post("/process-tryon", content=b"x" * 80_000, headers=token(edge))
    assert response.status_code == 400 and response.json()["error"].startswith(
        "The request body is larger than"
    )


def test_insufficient_gems_in_vietnamese(edge: Harness) -> None:
    response = edge.client.post(
        "/process-tryon",
        json=body((TEE.read_bytes(), "top"), quality="hd"),
        headers={**token(edge, gems=1), "Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"},
    )
    assert response.status_code == 402
    assert response.json() == {
        "error": "INSUFFICIENT_GEMS",
        "gems_required": 2,
        "gems_balance": 1,
        "message": "Không đủ gems: lần thử này cần 2, bạn còn 1.",
    }


def test_rate_limit_is_429_with_headers(edge: Harness) -> None:
    edge.services.limiter.item = type(edge.services.limiter.item)(5, 1)  # 5 per minute
    headers = {**token(edge), "Accept-Language": "vi"}
    codes = [edge.client.post("/process-tryon", content=b"{}", headers=headers).status_code for _ in range(6)]
    assert codes == [400] * 5 + [429], "the limit is checked before the body"
    response = edge.client.post(
        "/process-tryon", content=b"{}", headers={**token(edge), "Accept-Language": "en"}
    )
    assert response.status_code == 429 and response.json()["error"] == "RATE_LIMIT_EXCEEDED"
    assert response.json()["message"].startswith("You have reached the limit of 5 try-ons per minute")
    assert int(response.headers["Retry-After"]) >= 1 and response.headers["RateLimit-Remaining"] == "0"
    other = edge.client.post("/process-tryon", content=b"{}", headers=token(edge, "bob"))
    assert other.status_code == 400, "limits are per user"


def test_failure_is_refunded(edge: Harness) -> None:
    # A photo with no person in it: the job fails in the pipeline and the gem comes back.
    payload = body((TEE.read_bytes(), "top"), person=encode(plain_image(384, 512), "JPEG"))
    response = edge.client.post("/process-tryon", json=payload, headers=token(edge, gems=2))
    assert response.status_code == 500
    assert response.json() == {
        "error": "TRYON_FAILED",
        "gems_refunded": 1,
        "message": "The try-on failed: No person found in the person image",
    }
    assert balance(edge, "alice") == 2
    with edge.services.factory() as session:
        assert ledger.ledger_sum(session, "alice") == 2


def test_layered_outfit_plan_is_stored_and_shoes_are_skipped(edge: Harness) -> None:
    payload = body((SHIRT.read_bytes(), "top"), (PANTS.read_bytes(), "bottom"), (TEE.read_bytes(), "shoes"))
    payload["clothing_images"][0]["sub_category"] = "button-down"
    payload["clothing_images"][1]["sub_category"] = "trousers"
    response = edge.client.post("/process-tryon", json=payload, headers=token(edge, gems=1))
    assert response.status_code == 200, response.text
    with edge.services.factory() as session:
        job = records.get(session, response.json()["tryon_id"])
        assert job is not None
        plan = job.options["plan"]
    assert [(layer["category"], layer["style"]) for layer in plan["layers"]] == [
        ("bottom", None),
        ("top", "tucked"),
    ]
    assert [(d["category"], d["reason"]) for d in plan["dropped"]] == [("shoes", "unsupported_by_provider")]


def test_timeout_answers_202_and_history_shows_it(edge: Harness) -> None:
    edge.services.settings.sync_timeout_s = 0.2
    edge.services.queue = IdleQueue(edge)
    response = edge.client.post(
        "/process-tryon", json=body((TEE.read_bytes(), "top")), headers=token(edge, gems=1)
    )
    assert response.status_code == 202
    assert response.json()["status"] == "processing" and response.json()["gems_used"] == 1
    page = edge.client.get("/api/history", headers=token(edge)).json()
    assert page["total"] == 1 and page["items"][0]["tryon_id"] == response.json()["tryon_id"]
    assert page["items"][0]["status"] == "queued" and page["items"][0]["result_image_url"] is None


def test_history_is_per_user_newest_first_and_paginated(edge: Harness) -> None:
    headers = token(edge, gems=3)
    first = edge.client.post("/process-tryon", json=body((TEE.read_bytes(), "top")), headers=headers).json()
    second = edge.client.post("/process-tryon", json=body((TEE.read_bytes(), "top")), headers=headers).json()
    page = edge.client.get("/api/history?per_page=1", headers=headers).json()
    assert page["total"] == 2 and page["per_page"] == 1
    assert [i["tryon_id"] for i in page["items"]] == [second["tryon_id"]]
    assert page["items"][0]["cached"] is True and page["items"][0]["gems_used"] == 0
    older = edge.client.get("/api/history?page=2&per_page=1", headers=headers).json()
    assert [i["tryon_id"] for i in older["items"]] == [first["tryon_id"]]
    assert older["items"][0]["items"] == [
        {"category": "top", "name": None, "sub_category": None, "is_primary": False}
    ]
    assert edge.client.get("/api/history", headers=token(edge, "mallory")).json()["total"] == 0
    assert edge.client.get("/api/history").status_code == 401
    assert edge.client.get("/api/history?per_page=500", headers=headers).status_code == 400


def test_idempotency_key_concurrent_duplicates_are_charged_once(edge: Harness) -> None:
    from concurrent.futures import ThreadPoolExecutor

    headers = {**token(edge, gems=3), "Idempotency-Key": "order-42"}
    payload = body((TEE.read_bytes(), "top"))

    def post(_: int) -> Any:
        return edge.client.post("/process-tryon", json=payload, headers=headers)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(post, range(8)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["tryon_id"] for r in responses}) == 1, "one try-on, one answer"
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 7
    assert balance(edge, "alice") == 2, "charged once"
    changed = edge.client.post("/process-tryon", json=body((SHIRT.read_bytes(), "top")), headers=headers)
    assert changed.status_code == 422 and changed.json()["error"] == "IDEMPOTENCY_KEY_REUSED"
    mine = edge.client.post(
        "/process-tryon", json=payload, headers={**token(edge, "bob", gems=1), "Idempotency-Key": "order-42"}
    )
    assert mine.status_code == 200 and mine.json()["tryon_id"] != responses[0].json()["tryon_id"], (
        "keys are per user"
    )


def test_idempotency_key_is_not_spent_by_a_rate_limited_request(edge: Harness) -> None:
    edge.services.limiter.item = type(edge.services.limiter.item)(1, 1)  # 1 per minute
    headers = {**token(edge, gems=2)}
    assert edge.client.post("/process-tryon", content=b"{}", headers=headers).status_code == 400
    limited = edge.client.post(
        "/process-tryon", json=body((TEE.read_bytes(), "top")), headers={**headers, "Idempotency-Key": "k1"}
    )
    assert limited.status_code == 429
    edge.services.limiter.item = type(edge.services.limiter.item)(100, 1)
    edge.services.limiter = type(edge.services.limiter)(edge.services.settings)
    retried = edge.client.post(
        "/process-tryon", json=body((TEE.read_bytes(), "top")), headers={**headers, "Idempotency-Key": "k1"}
    )
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried.headers
    assert (
        edge.client.post(
            "/process-tryon",
            json=body((TEE.read_bytes(), "top")),
            headers={**headers, "Idempotency-Key": "x" * 300},
        ).status_code
        == 400
    )


def test_the_prompt_comes_from_ai_config_and_the_plan(edge: Harness) -> None:
    from fittingroom.db.models import AiConfig

    with transaction(edge.services.factory) as session:
        row = session.get(AiConfig, "system_prompt")
        assert row is not None
        row.value = "House style: studio light."
    payload = body((SHIRT.read_bytes(), "top"), (PANTS.read_bytes(), "bottom"))
    payload["clothing_images"][0].update(sub_category="button-down", name="Blue Shirt", is_primary=True)
    payload["clothing_images"][1].update(sub_category="trousers")
    response = edge.client.post("/process-tryon", json=payload, headers=token(edge, gems=1))
    with edge.services.factory() as session:
        job = records.get(session, response.json()["tryon_id"])
        assert job is not None
        prompt = job.options["prompt"]
    assert prompt.startswith("House style: studio light.\n\nPerson: image 1.\n")
    expected = (
        '2. Top: button down ("Blue Shirt") - image 3; '
        "the primary item, most visible; tucked into the bottom."
    )
    assert expected in prompt


def test_users_are_created_on_first_sight_with_the_welcome_grant(edge: Harness) -> None:
    edge.services.settings.new_user_gems = 3
    assert edge.client.get("/api/history", headers=token(edge, "newcomer")).status_code == 200
    assert balance(edge, "newcomer") == 3
    assert (
        edge.client.post("/process-tryon", content=b"{}", headers=token(edge, "another")).status_code == 400
    )
    assert balance(edge, "another") == 3, "created by a valid token even when the body is refused"


def test_full_queue_is_503_before_any_gem_is_taken(edge: Harness) -> None:
    edge.services.settings.queue_max_pending = 0
    response = edge.client.post(
        "/process-tryon", json=body((TEE.read_bytes(), "top")), headers=token(edge, gems=2)
    )
    assert response.status_code == 503 and response.json()["error"] == "QUEUE_FULL"
    assert response.headers["Retry-After"] == str(edge.services.settings.queue_retry_after_s)
    assert balance(edge, "alice") == 2
