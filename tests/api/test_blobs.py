"""Filesystem blobs are served only through signed, unexpired URLs."""

from __future__ import annotations

import time

from fittingroom.storage.filesystem import FilesystemStore
from tests.api.conftest import Harness


def test_signed_url_serves_the_blob_and_nothing_else(harness: Harness) -> None:
    store = harness.services.store
    assert isinstance(store, FilesystemStore)
    store.put("results/x.png", b"\x89PNG data", "image/png")
    url = store.url("results/x.png", expires_in=60)
    response = harness.client.get(url)
    assert response.status_code == 200 and response.content == b"\x89PNG data"
    assert response.headers["content-type"] == "image/png"
    tampered = url.replace("results/x.png", "results/y.png")
    assert harness.client.get(tampered).status_code == 404
    bad_signature = url[:-4] + "0000"
    assert harness.client.get(bad_signature).status_code == 404
    expired = store.url("results/x.png", expires_in=-1)
    assert harness.client.get(expired).json() == {"detail": "File not found"}
    assert harness.client.get("/api/blobs/results/x.png").status_code == 400  # no signature at all
    traversal = f"/api/blobs/../secret.key?expires={int(time.time()) + 60}&signature=00"
    assert harness.client.get(traversal).status_code == 404
