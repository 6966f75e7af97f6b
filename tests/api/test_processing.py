"""Contract B: file uploads, starting a job by file ids, and tracking its row."""

from __future__ import annotations

import uuid

from fittingroom.db.session import transaction
from fittingroom.jobs import records
from fittingroom.jobs.estimate import estimated_seconds
from tests.api.conftest import Harness
from tests.conftest import PERSON, TEE, encode, plain_image


def upload(h: Harness, data: bytes, name: str = "image.jpg") -> dict:  # type: ignore[type-arg]
    response = h.client.post("/api/files", files={"file": (name, data, "application/octet-stream")})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_upload_and_download(harness: Harness) -> None:
    stored = upload(harness, PERSON.read_bytes())
    assert set(stored) == {"fileId", "url", "contentType", "size", "width", "height"}
    assert (stored["contentType"], stored["width"], stored["height"]) == ("image/jpeg", 572, 1024)
    assert stored["size"] == len(PERSON.read_bytes()) and uuid.UUID(stored["fileId"]).version == 4
    fetched = harness.client.get(stored["url"])
    assert fetched.status_code == 200 and fetched.content == PERSON.read_bytes()
    gif = harness.client.post("/api/files", files={"file": ("x.gif", encode(plain_image(), "GIF"))})
    assert gif.status_code == 400
    assert gif.json() == {"success": False, "message": "Unsupported image type: image/gif"}
    assert harness.client.post("/api/files").json() == {
        "success": False,
        "message": "Missing required field: file",
    }
    missing = harness.client.get(f"/api/files/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["success"] is False


def test_process_then_track_to_completion(harness: Harness) -> None:
    person, garment = upload(harness, PERSON.read_bytes()), upload(harness, TEE.read_bytes())
    response = harness.client.post(
        "/api/tryon/process",
        json={
            "personFileId": person["fileId"],
            "garmentFileId": garment["fileId"],
            "userId": "shop-user-7",
            "options": {"category": "top", "quality": "standard", "seed": 42, "output_format": "jpeg"},
        },
    )
    assert response.status_code == 200, response.text
    accepted = response.json()
    assert set(accepted) == {"jobId", "estimatedTime", "status"} and accepted["status"] == "queued"
    assert isinstance(accepted["estimatedTime"], int) and accepted["estimatedTime"] >= 1
    job_id = accepted["jobId"]
    queued = harness.client.get(f"/api/tryon/process/{job_id}").json()
    assert (queued["status"], queued["progress"], queued["resultUrl"]) == ("queued", 0, None)
    assert harness.run(job_id) == "completed"
    row = harness.client.get(f"/api/tryon/process/{job_id}").json()
    assert set(row) == {
        "jobId",
        "status",
        "userId",
        "garmentFileId",
        "personFileId",
        "options",
        "step",
        "progress",
        "resultUrl",
        "processingTime",
        "qualityScore",
        "confidence",
        "provider",
        "providerAttempts",
        "error",
        "createdAt",
        "updatedAt",
    }
    assert (row["status"], row["step"], row["progress"], row["provider"]) == (
        "completed",
        "done",
        100,
        "local",
    )
    assert row["userId"] == "shop-user-7" and row["options"]["seed"] == 42 and row["error"] is None
    assert [(a["provider"], a["outcome"]) for a in row["providerAttempts"]] == [("local", "completed")]
    assert row["processingTime"] > 0 and 0 <= row["confidence"]["pose_visibility"] <= 1
    assert 0.5 < row["qualityScore"] <= 1 and 0 <= row["confidence"]["score_face"] <= 1
    assert harness.client.get(row["resultUrl"]).content.startswith(b"\xff\xd8"), "output_format jpeg"


def test_process_refusals(harness: Harness) -> None:
    person = upload(harness, PERSON.read_bytes())

    def process(payload: dict) -> tuple[int, dict]:  # type: ignore[type-arg]
        response = harness.client.post("/api/tryon/process", json=payload)
        return response.status_code, response.json()

    missing = {"success": False, "message": "Missing required fields"}
    assert process({"personFileId": person["fileId"]}) == (400, missing)
    assert process({"personFileId": person["fileId"], "garmentFileId": ""}) == (400, missing)
    unknown = str(uuid.uuid4())
    assert process({"personFileId": person["fileId"], "garmentFileId": unknown}) == (
        400,
        {"success": False, "message": f"Unknown file id: {unknown}"},
    )
    code, body = process(
        {"personFileId": person["fileId"], "garmentFileId": person["fileId"], "options": {"category": "hat"}}
    )
    assert code == 400 and body["message"].startswith("Invalid category 'hat'")
    code, body = process(
        {
            "personFileId": person["fileId"],
            "garmentFileId": person["fileId"],
            "options": {"providers": ["midjourney", "local"]},
        }
    )
    assert code == 400 and body["message"].startswith("Unknown provider(s): midjourney")
    code, body = process(
        {
            "personFileId": person["fileId"],
            "garmentFileId": person["fileId"],
            "options": {"webhook_url": "http://127.0.0.1:9/hook"},
        }
    )
    assert code == 400 and "non-public address" in body["message"], "SSRF guard: loopback refused by default"
    assert harness.client.get("/api/tryon/process/nope").json() == {
        "success": False,
        "message": "Job not found",
    }


def test_estimated_time_follows_recent_durations(harness: Harness) -> None:
    factory = harness.services.factory
    person, garment = upload(harness, PERSON.read_bytes()), upload(harness, TEE.read_bytes())
    assert estimated_seconds(factory, "local", queued_ahead=0, workers=2, default_s=7) == 7, "no history yet"
    for seconds in (4.0, 6.0, 100.0):
        with transaction(factory) as session:
            job_id = records.create(
                session, person_file_id=person["fileId"], garment_file_id=garment["fileId"], options={}
            ).id
        records.claim(factory, job_id)
        records.complete(
            factory,
            job_id,
            result_file_id=person["fileId"],
            provider="local",
            processing_time=seconds,
            quality_score=None,
            confidence=None,
        )
    assert estimated_seconds(factory, "local", queued_ahead=0, workers=2) == 6, "the median, not the mean"
    assert estimated_seconds(factory, "local", queued_ahead=4, workers=2) == 18, "three rounds of work"
