"""Jobs through the orchestrator with a real Replicate adapter against the fake Replicate and
the real local pipeline as the fallback: which provider renders, what the job row says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fittingroom.config import Settings
from fittingroom.jobs import records
from fittingroom.pipeline.models import Models
from fittingroom.providers.breaker import CircuitBreaker
from fittingroom.providers.orchestrator import Orchestrator
from fittingroom.providers.registry import build_providers
from tests.api.conftest import Harness, make_harness
from tests.api.test_edge import InlineQueue, body, token
from tests.conftest import PERSON, TEE
from tests.fakes import replicate as fake
from tests.fakes.serve import serve


@pytest.fixture
def script() -> fake.Script:
    return fake.Script()


@pytest.fixture
def keyed(tmp_path: Path, script: fake.Script, models: Models) -> Iterator[Harness]:
    """A harness whose worker has `replicate` (pointing at the fake) before `local`."""
    with serve(fake.make_app(script)) as url:
        settings = Settings(
            data_dir=tmp_path / "data",
            workers=1,
            secret_key="test-secret",  # type: ignore[arg-type]
            replicate_api_token=fake.TOKEN,  # type: ignore[arg-type]
            replicate_base_url=url,
            replicate_timeout_s=10,
            provider_failure_threshold=2,
        )
        for harness in make_harness(settings, models):
            harness.ctx.orchestrator = Orchestrator(
                build_providers(settings, harness.ctx.local), CircuitBreaker(2, 300)
            )
            yield harness


def start(harness: Harness, **options: Any) -> dict[str, Any]:
    ids = []
    for data in (PERSON.read_bytes(), TEE.read_bytes()):
        response = harness.client.post("/api/files", files={"file": ("x.jpg", data, "image/jpeg")})
        ids.append(response.json()["fileId"])
    response = harness.client.post(
        "/api/tryon/process", json={"personFileId": ids[0], "garmentFileId": ids[1], "options": options}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def finish(harness: Harness, job_id: str) -> dict[str, Any]:
    harness.run(job_id)
    return dict(harness.client.get(f"/api/tryon/process/{job_id}").json())


def outcomes(row: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["provider"], a["outcome"]) for a in row["providerAttempts"]]


def test_with_a_key_replicate_renders_and_is_scored(keyed: Harness, script: fake.Script) -> None:
    row = finish(keyed, start(keyed)["jobId"])
    assert (row["status"], row["provider"], row["error"]) == ("completed", "replicate", None)
    assert outcomes(row) == [("replicate", "completed")]
    assert 0 <= row["qualityScore"] <= 1 and 0 <= row["confidence"]["score_face"] <= 1
    prompt = script.creates[0]["body"]["input"]["prompt"]
    assert "image 2" in prompt and "top" in prompt.lower(), "the layering-aware prompt of a one-top outfit"
    assert keyed.client.get(row["resultUrl"]).status_code == 200


def test_a_failing_provider_falls_back_to_local(keyed: Harness, script: fake.Script) -> None:
    script.create_status = 500
    row = finish(keyed, start(keyed, providers=["replicate", "local"])["jobId"])
    assert (row["status"], row["provider"]) == ("completed", "local")
    assert outcomes(row) == [("replicate", "failed"), ("local", "completed")]
    assert row["providerAttempts"][0]["reason"].startswith("HTTP 500")


def test_the_circuit_opens_after_repeated_failures(keyed: Harness, script: fake.Script) -> None:
    script.create_status = 503
    for _ in range(2):
        assert finish(keyed, start(keyed)["jobId"])["provider"] == "local"
    assert len(script.creates) == 2
    row = finish(keyed, start(keyed)["jobId"])
    assert len(script.creates) == 2, "the open circuit kept the request from Replicate"
    assert outcomes(row) == [("replicate", "skipped"), ("local", "completed")]
    assert "circuit open" in row["providerAttempts"][0]["reason"]


def test_without_a_key_only_local_is_used_and_the_answer_says_so(harness: Harness) -> None:
    accepted = start(harness, provider="replicate")
    assert accepted["notices"] == [
        "replicate skipped: no API key configured (FITTINGROOM_REPLICATE_API_TOKEN)"
    ]
    row = finish(harness, accepted["jobId"])
    assert (row["status"], row["provider"]) == ("completed", "local")
    assert outcomes(row) == [("replicate", "skipped"), ("local", "completed")]


def test_with_a_key_the_edge_keeps_shoes_for_replicate(keyed: Harness, script: fake.Script) -> None:
    keyed.services.queue = InlineQueue(keyed)  # type: ignore[assignment]
    payload = body((TEE.read_bytes(), "top"), (TEE.read_bytes(), "shoes"))
    response = keyed.client.post("/process-tryon", json=payload, headers=token(keyed, gems=1))
    assert response.status_code == 200, response.text
    with keyed.services.factory() as session:
        job = records.get(session, response.json()["tryon_id"])
        assert job is not None
        assert [layer["category"] for layer in job.options["plan"]["layers"]] == ["top", "shoes"]
        assert job.options["providers"] == ["replicate"], "local cannot render shoes"
        assert job.options["skipped_providers"][0]["reason"] == "cannot render shoes"
        assert job.provider == "replicate"
    sent = script.creates[0]["body"]["input"]
    assert len(sent["image_input"]) == 3 and "shoes" in sent["prompt"].lower()
