"""Contract A: every response shape of POST /api/tryon and GET /api/tryon/{job_id}."""

from __future__ import annotations

import base64
import uuid

import numpy as np
import pytest

from fittingroom.images import decode_rgb
from fittingroom.jobs import records
from fittingroom.pipeline.stages import Step
from tests.api.conftest import Harness
from tests.conftest import PERSON, SHIRT, TEE, encode, plain_image


def files(person: bytes | None = None, garment: bytes | None = None) -> dict[str, tuple[str, bytes, str]]:
    parts = {}
    if person is not None:
        parts["person_image"] = ("person.jpg", person, "image/jpeg")
    if garment is not None:
        parts["clothing_image"] = ("shirt.jpg", garment, "image/jpeg")
    return parts


def submit(h: Harness, person: bytes, garment: bytes, **form: str) -> str:
    response = h.client.post("/api/tryon", files=files(person, garment), data=form)
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"job_id", "status"} and body["status"] == "queued"
    assert uuid.UUID(body["job_id"]).version == 4
    return str(body["job_id"])


def test_submit_then_pending(harness: Harness) -> None:
    job_id = submit(harness, PERSON.read_bytes(), TEE.read_bytes())
    response = harness.client.get(f"/api/tryon/{job_id}")
    assert response.status_code == 200
    assert response.json() == {"job_id": job_id, "status": "pending", "progress": 0}


def test_processing_shape_follows_the_step(harness: Harness) -> None:
    job_id = submit(harness, PERSON.read_bytes(), TEE.read_bytes())
    factory = harness.services.factory
    records.claim(factory, job_id)
    for step in (Step.SEGMENTATION, Step.POSE, Step.WARP, Step.INPAINTING, Step.BLEND):
        records.report_step(factory, job_id, step)
        assert harness.client.get(f"/api/tryon/{job_id}").json() == {
            "job_id": job_id,
            "status": "processing",
            "step": step.value,
            "progress": step.progress,
        }


def test_completed_answers_base64_png_without_s3(harness: Harness) -> None:
    job_id = submit(harness, PERSON.read_bytes(), SHIRT.read_bytes())
    assert harness.run(job_id) == "completed"
    response = harness.client.get(f"/api/tryon/{job_id}")
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"job_id", "status", "progress", "result_b64"}
    assert body["status"] == "completed" and body["progress"] == 100
    png = base64.b64decode(body["result_b64"])
    assert png.startswith(b"\x89PNG")
    assert decode_rgb(png, max_pixels=10**8).shape == (1024, 572, 3)


def test_output_format_option_is_honoured(harness: Harness) -> None:
    job_id = submit(harness, PERSON.read_bytes(), TEE.read_bytes(), output_format="jpeg")
    harness.run(job_id)
    data = base64.b64decode(harness.client.get(f"/api/tryon/{job_id}").json()["result_b64"])
    assert data.startswith(b"\xff\xd8\xff")


def test_failed_job_shape_from_a_real_failing_input(harness: Harness) -> None:
    # A photo with no person in it passes upload validation and fails in the pipeline.
    job_id = submit(harness, encode(plain_image(384, 512), "JPEG"), TEE.read_bytes())
    assert harness.run(job_id) == "failed"
    response = harness.client.get(f"/api/tryon/{job_id}")
    assert response.status_code == 500
    assert response.json() == {
        "job_id": job_id,
        "status": "failed",
        "detail": {"error": "No person found in the person image", "job_id": job_id},
    }


@pytest.mark.parametrize("job_id", [str(uuid.uuid4()), "not-a-uuid", "%2E%2E", "1' OR '1'='1", "x" * 300])
def test_unknown_or_malformed_id_is_404(harness: Harness, job_id: str) -> None:
    response = harness.client.get(f"/api/tryon/{job_id}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Job not found"}


@pytest.mark.parametrize(
    ("parts", "form", "message"),
    [
        (files(garment=TEE.read_bytes()), {}, "Missing required field: person_image"),
        (files(person=PERSON.read_bytes()), {}, "Missing required field: clothing_image"),
        (files(encode(plain_image(), "GIF"), TEE.read_bytes()), {}, "Unsupported image type: image/gif"),
        (files(b"%PDF-1.4 fake", TEE.read_bytes()), {}, "Unsupported image type: application/pdf"),
        (files(b"", TEE.read_bytes()), {}, "The uploaded file is empty"),
        (files(PERSON.read_bytes()[:200], TEE.read_bytes()), {}, "Corrupt or truncated"),
        (files(PERSON.read_bytes(), TEE.read_bytes()), {"category": "hat"}, "Invalid category 'hat'"),
        (files(PERSON.read_bytes(), TEE.read_bytes()), {"quality": "ultra"}, "Invalid quality 'ultra'"),
    ],
)
def test_bad_submissions_are_400_with_detail(harness: Harness, parts: dict, form: dict, message: str) -> None:
    response = harness.client.post("/api/tryon", files=parts, data=form)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"detail"} and message in response.json()["detail"]


def test_upload_over_the_limit_is_400(harness: Harness) -> None:
    harness.services.settings.max_upload_bytes = 10_000
    response = harness.client.post("/api/tryon", files=files(PERSON.read_bytes(), TEE.read_bytes()))
    assert response.status_code == 400 and "too large" in response.json()["detail"]


def test_full_queue_is_503_with_retry_after(harness: Harness) -> None:
    harness.services.settings.queue_max_pending = 1
    submit(harness, PERSON.read_bytes(), TEE.read_bytes())
    response = harness.client.post("/api/tryon", files=files(PERSON.read_bytes(), TEE.read_bytes()))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(harness.services.settings.queue_retry_after_s)
    assert "queue is full" in response.json()["detail"]


def test_result_pixels_differ_only_where_dressed(harness: Harness) -> None:
    job_id = submit(harness, PERSON.read_bytes(), TEE.read_bytes())
    harness.run(job_id)
    result = decode_rgb(
        base64.b64decode(harness.client.get(f"/api/tryon/{job_id}").json()["result_b64"]), max_pixels=10**8
    )
    person = decode_rgb(PERSON.read_bytes(), max_pixels=10**8)
    changed = np.abs(result.astype(int) - person.astype(int)).max(axis=2) > 12
    assert 0.03 < changed.mean() < 0.4


def test_garment_worn_by_a_model_is_cut_out_of_the_photo(harness: Harness) -> None:
    # The jacket worn in one fixture photo, put on the person of another.
    worn = (PERSON.parent / "person_studio_avatar_b.jpg").read_bytes()
    job_id = submit(harness, PERSON.read_bytes(), worn, category="outerwear", garment_photo_type="model")
    assert harness.run(job_id) == "completed"
    with harness.services.factory() as session:
        job = records.get(session, job_id)
        assert job is not None and job.options["garment_photo_type"] == "model"
    response = harness.client.post(
        "/api/tryon", files=files(PERSON.read_bytes(), worn), data={"garment_photo_type": "mannequin"}
    )
    assert (
        response.status_code == 400 and "Invalid garment_photo_type 'mannequin'" in response.json()["detail"]
    )
