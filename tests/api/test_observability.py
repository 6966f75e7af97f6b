"""/metrics, request ids that follow a job into its worker, and JSON logs."""

from __future__ import annotations

import json
import logging

import pytest

from fittingroom.observability.logs import configure_logging, job_id_var, request_id_var
from tests.api.conftest import Harness
from tests.conftest import PERSON, TEE


def submit(harness: Harness, headers: dict[str, str] | None = None) -> tuple[str, str]:
    response = harness.client.post(
        "/api/tryon",
        files={"person_image": PERSON.read_bytes(), "clothing_image": TEE.read_bytes()},
        headers=headers or {},
    )
    assert response.status_code == 202, response.text
    return response.json()["job_id"], response.headers["X-Request-ID"]


def test_metrics_report_jobs_stages_queue_and_latency(harness: Harness) -> None:
    done, _ = submit(harness)
    harness.run(done)
    submit(harness)  # stays queued
    response = harness.client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'fittingroom_jobs{provider="local",status="completed"} 1.0' in text
    assert 'fittingroom_jobs{provider="",status="queued"} 1.0' in text
    assert "fittingroom_queue_depth 1.0" in text
    for stage in ("segmentation", "pose", "warp", "blend"):
        assert f'fittingroom_job_stage_seconds{{quantile="0.5",stage="{stage}"}}' in text
    assert 'fittingroom_job_processing_seconds{provider="local",quantile="0.95"}' in text
    assert (
        'fittingroom_http_request_duration_seconds_count{method="POST",route="/api/tryon",status="202"} 2.0'
        in text
    )


def test_a_request_id_is_echoed_and_follows_the_job(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    job_id, echoed = submit(harness, {"X-Request-ID": "shop-req-42"})
    assert echoed == "shop-req-42"
    _, generated = submit(harness, {"X-Request-ID": "not ok\n{injected}"})
    assert len(generated) == 32 and generated.isalnum(), "odd ids are replaced, never echoed"
    harness.run(job_id)  # in this thread, as a worker would: the ids are set while it runs
    assert (request_id_var.get(), job_id_var.get()) == ("shop-req-42", job_id)
    with harness.services.factory() as session:
        from fittingroom.jobs import records

        job = records.get(session, job_id)
        assert job is not None and job.options["request_id"] == "shop-req-42"


def test_json_logs_carry_the_request_and_job_ids(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json")
    try:
        request_token, job_token = request_id_var.set("req-1"), job_id_var.set("job-1")
        logging.getLogger("fittingroom.test").info("rendered %s", "a top")
        request_id_var.reset(request_token)
        job_id_var.reset(job_token)
        line = capsys.readouterr().err.strip().splitlines()[-1]
        record = json.loads(line)
        assert (record["message"], record["request_id"], record["job_id"]) == (
            "rendered a top",
            "req-1",
            "job-1",
        )
        assert record["level"] == "INFO" and record["name"] == "fittingroom.test" and "time" in record
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_fittingroom", False)]:
            root.removeHandler(handler)
