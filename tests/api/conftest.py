"""An app with its queue not started, plus an in-process runner over real models (the
`harness` fixture itself is in tests/conftest.py, for every test folder)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

from fittingroom.app import create_app
from fittingroom.config import Settings
from fittingroom.jobs.runner import WorkerContext, run_job
from fittingroom.pipeline.models import Models
from fittingroom.providers.local import LocalProvider
from fittingroom.services import Services


class Harness:
    def __init__(self, client: TestClient, models: Models) -> None:
        self.client = client
        self.services: Services = client.app.state.services  # type: ignore[attr-defined]
        self.ctx = WorkerContext(
            factory=self.services.factory,
            store=self.services.store,
            local=LocalProvider(self.services.settings, models=models),
            progress_min_interval_s=0.0,
        )

    def run(self, job_id: str) -> str:
        """Run a queued job in this process, exactly as a worker would."""
        return run_job(self.ctx, job_id)


def make_harness(settings: Settings, models: Models) -> Iterator[Harness]:
    with TestClient(create_app(settings, start_queue=False)) as client:
        yield Harness(client, models)
