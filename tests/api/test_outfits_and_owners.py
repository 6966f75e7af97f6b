"""Beyond the documents, for the studio: the plan preview, layered outfits on the processing
API, reading one's own token-made job, and /process-tryon with `Prefer: respond-async`."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Harness
from tests.api.test_edge import IdleQueue, body, token
from tests.conftest import FIXTURES, PERSON, SHIRT, TEE

PANTS = FIXTURES / "garment_bottom_pants.jpg"


def upload(harness: Harness, data: bytes) -> str:
    return str(harness.client.post("/api/files", files={"file": ("x.jpg", data)}).json()["fileId"])


def test_the_plan_preview_resolves_layers_drops_and_providers(harness: Harness) -> None:
    response = harness.client.post(
        "/api/outfit/plan",
        json={
            "items": [
                {"category": "top", "sub_category": "button-down"},
                {"category": "bottom", "sub_category": "trousers"},
                {"category": "shoes"},
            ],
            "providers": ["replicate"],
        },
    )
    assert response.status_code == 200, response.text
    plan = response.json()
    assert [(layer["category"], layer["style"]) for layer in plan["layers"]] == [
        ("bottom", None),
        ("top", "tucked"),
    ]
    assert [(d["index"], d["reason"]) for d in plan["dropped"]] == [(2, "unsupported_by_provider")]
    assert plan["providers"] == ["local"]
    assert plan["notices"] == ["replicate skipped: no API key configured (FITTINGROOM_REPLICATE_API_TOKEN)"]


def test_the_plan_preview_refuses_bad_items(harness: Harness) -> None:
    def refusal(payload: dict[str, Any]) -> tuple[int, Any]:
        response = harness.client.post("/api/outfit/plan", json=payload)
        return response.status_code, response.json()["detail"]

    code, detail = refusal({"items": [{"category": "hat"}]})
    assert code == 400 and detail.startswith("Invalid category 'hat' of item 0")
    assert refusal({"items": []})[0] == 400
    assert refusal({"items": [{"category": "top"}] * 5})[0] == 400
    code, detail = refusal({"items": [{"category": "shoes"}]})
    assert code == 400 and "No available provider renders shoes" in detail


def test_a_layered_outfit_through_the_processing_api(harness: Harness) -> None:
    person = upload(harness, PERSON.read_bytes())
    shirt, pants = upload(harness, SHIRT.read_bytes()), upload(harness, PANTS.read_bytes())
    garments = [
        {"fileId": shirt, "category": "top", "sub_category": "button-down"},
        {"fileId": pants, "category": "bottom", "sub_category": "trousers", "is_primary": True},
    ]
    response = harness.client.post(
        "/api/tryon/process",
        json={"personFileId": person, "garmentFileId": shirt, "options": {"garments": garments}},
    )
    assert response.status_code == 200, response.text
    job_id = response.json()["jobId"]
    row = harness.client.get(f"/api/tryon/process/{job_id}").json()
    assert row["garmentFileId"] == pants, "the primary item is the job's garment"
    options = row["options"]
    assert options["garment_file_ids"] == [shirt, pants] and options["category"] == "bottom"
    assert [(layer["category"], layer["style"]) for layer in options["plan"]["layers"]] == [
        ("bottom", None),
        ("top", "tucked"),
    ]
    assert "tucked into the bottom" in options["prompt"]
    assert harness.run(job_id) == "completed"


def test_layered_outfit_refusals(harness: Harness) -> None:
    person, shirt = upload(harness, PERSON.read_bytes()), upload(harness, SHIRT.read_bytes())

    def start(garment_file_id: str, garments: list[dict[str, Any]]) -> tuple[int, str]:
        response = harness.client.post(
            "/api/tryon/process",
            json={
                "personFileId": person,
                "garmentFileId": garment_file_id,
                "options": {"garments": garments},
            },
        )
        return response.status_code, response.json()["message"]

    assert start(person, [{"fileId": shirt, "category": "top"}]) == (
        400,
        "garmentFileId must be one of options.garments",
    )
    missing = "0b0c1d2e-3f40-4152-8364-758697a8b9c0"
    assert start(
        shirt, [{"fileId": shirt, "category": "top"}, {"fileId": missing, "category": "bottom"}]
    ) == (
        400,
        f"Unknown file id: {missing}",
    )
    code, message = start(shirt, [{"fileId": shirt, "category": "cape"}])
    assert code == 400 and message.startswith("Invalid category 'cape'")


def test_a_token_made_job_is_readable_by_its_owner_only(harness: Harness) -> None:
    harness.services.queue = IdleQueue(harness)  # type: ignore[assignment]
    alice = token(harness, "alice", gems=1)
    response = harness.client.post(
        "/process-tryon", json=body((TEE.read_bytes(), "top")), headers={**alice, "Prefer": "respond-async"}
    )
    assert response.status_code == 202, response.text
    assert response.headers["Preference-Applied"] == "respond-async"
    job_id = response.json()["tryon_id"]
    assert harness.client.get(f"/api/tryon/process/{job_id}", headers=alice).json()["status"] == "queued"
    assert harness.client.get(f"/api/tryon/{job_id}", headers=alice).json()["status"] == "pending"
    for headers in ({}, token(harness, "mallory"), {"Authorization": "Bearer not-a-jwt"}):
        assert harness.client.get(f"/api/tryon/process/{job_id}", headers=headers).status_code == 404
        assert harness.client.get(f"/api/tryon/{job_id}", headers=headers).status_code == 404
