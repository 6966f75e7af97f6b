"""The S3 store over real HTTP, against moto's standalone server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fittingroom.config import Settings
from fittingroom.errors import FileNotFound, StorageUnavailable
from fittingroom.pipeline.models import Models
from fittingroom.storage import make_store
from fittingroom.storage.s3 import S3Store
from tests import servers
from tests.api.conftest import make_harness
from tests.conftest import PERSON, TEE

BUCKET = "tryon-results"


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    process, url = servers.start_moto(tmp_path_factory.mktemp("moto") / "moto.log", (BUCKET,))
    try:
        yield url
    finally:
        servers.stop(process)


def s3_settings(tmp_path: Path, url: str, bucket: str = BUCKET) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        storage="s3",
        s3_bucket=bucket,
        s3_endpoint_url=url,  # type: ignore[arg-type]
        s3_access_key_id="test",
        s3_secret_access_key="test",
        s3_prefix="fr/",
        workers=1,
    )


def test_put_get_delete_and_presigned_url(moto_url: str, tmp_path: Path) -> None:
    store = make_store(s3_settings(tmp_path, moto_url))
    assert isinstance(store, S3Store) and store.external_urls
    store.check()
    store.put("results/a.png", b"\x89PNG fake", "image/png")
    assert store.get("results/a.png") == b"\x89PNG fake"
    url = store.url("results/a.png", expires_in=60)
    assert url.startswith(moto_url) and "X-Amz-Signature=" in url and "/fr/results/a.png" in url
    fetched = httpx.get(url)
    assert fetched.status_code == 200 and fetched.content == b"\x89PNG fake"
    store.delete("results/a.png")
    with pytest.raises(FileNotFound):
        store.get("results/a.png")


def test_missing_bucket_is_reported(moto_url: str, tmp_path: Path) -> None:
    store = make_store(s3_settings(tmp_path, moto_url, bucket="no-such-bucket"))
    with pytest.raises(StorageUnavailable, match="no-such-bucket"):
        store.check()


def test_completed_job_answers_presigned_result_url(moto_url: str, tmp_path: Path, models: Models) -> None:
    for h in make_harness(s3_settings(tmp_path, moto_url), models):
        response = h.client.post(
            "/api/tryon",
            files={
                "person_image": ("p.jpg", PERSON.read_bytes()),
                "clothing_image": ("g.jpg", TEE.read_bytes()),
            },
        )
        job_id = response.json()["job_id"]
        assert h.run(job_id) == "completed"
        body = h.client.get(f"/api/tryon/{job_id}").json()
        assert set(body) == {"job_id", "status", "progress", "result_url"}
        image = httpx.get(body["result_url"])
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        assert h.client.get("/health").json()["checks"]["storage"] == "ok"
        assert "result_b64" not in body  # S3 configured: never base64


def test_presigned_urls_can_name_a_public_endpoint(moto_url: str, tmp_path: Path) -> None:
    settings = s3_settings(tmp_path, moto_url).model_copy(
        update={"s3_public_endpoint_url": "https://files.example.test"}
    )
    store = make_store(settings)
    store.put("results/b.png", b"\x89PNG", "image/png")  # written through the internal endpoint
    url = store.url("results/b.png", 60)
    assert url.startswith("https://files.example.test/") and "X-Amz-Signature=" in url
