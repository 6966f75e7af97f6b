"""/health as in contract A, and documentation pages that work offline."""

from __future__ import annotations

import re
import shutil

from tests.api.conftest import Harness


def test_health_ok_shape(harness: Harness) -> None:
    body = harness.client.get("/health").json()
    assert set(body) == {"status", "models_loaded", "cuda_available", "gpu", "checks"}
    assert body["cuda_available"] is False and body["gpu"] is None  # detected: no GPU on this machine
    assert body["models_loaded"] is False  # queue not started in this harness
    assert body["checks"]["database"] == "ok" and body["checks"]["storage"] == "ok"
    assert body["status"] == "degraded" and body["checks"]["queue"] == "dispatcher is not running"


def test_health_degraded_when_storage_is_unwritable(harness: Harness) -> None:
    root = harness.services.settings.blob_dir
    shutil.rmtree(root)
    root.write_text("not a directory")  # root ignores permissions, but not this
    response = harness.client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["storage"].startswith("Storage is not writable")


def test_docs_and_redoc_use_local_assets(harness: Harness) -> None:
    for page in ("/docs", "/redoc"):
        html = harness.client.get(page).text
        assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html)
        assert assets, page
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from another host"
            assert harness.client.get(asset).status_code == 200
    spec = harness.client.get("/openapi.json").json()
    assert {"/api/tryon", "/api/tryon/{job_id}", "/health"} <= set(spec["paths"])


def test_unknown_route_and_method_are_json(harness: Harness) -> None:
    response = harness.client.get("/nope")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}
    response = harness.client.delete("/api/tryon")
    assert response.status_code == 405 and "detail" in response.json()
