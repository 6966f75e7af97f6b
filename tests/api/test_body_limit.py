"""Oversized bodies are refused while they stream in, in each surface's shape, on a real server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fittingroom.app import create_app
from fittingroom.config import Settings
from tests.fakes.serve import serve

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("limits"), workers=1, max_upload_bytes=2 * MIB)  # type: ignore[arg-type]
    with serve(create_app(settings, start_queue=False), lifespan="on") as url:
        yield url


class Chunks:
    """A chunked body (no Content-Length) of `total` bytes that counts what was pulled from it;
    it starts as a multipart file part, so that the server keeps reading it as an upload."""

    HEAD = (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n"
    )

    def __init__(self, total: int, chunk: int = 64 * 1024, slow_after: int | None = None) -> None:
        """`slow_after`: past that many bytes, send at a network's pace (5 ms a chunk) rather
        than loopback's, so that the last few MB cannot all sit in socket buffers before the
        server has answered."""
        self.total, self.chunk, self.sent, self.slow_after = total, chunk, 0, slow_after

    def __iter__(self) -> Iterator[bytes]:
        yield self.HEAD
        while self.sent < self.total:
            if self.slow_after is not None and self.sent > self.slow_after:
                time.sleep(0.005)
            self.sent += self.chunk
            yield b"\0" * self.chunk


def post(url: str, content: object, headers: dict[str, str] | None = None) -> httpx.Response | None:
    """The answer, or None when the server closed the connection before the client finished."""
    try:
        return httpx.post(url, content=content, headers=headers or {}, timeout=30)  # type: ignore[arg-type]
    except (httpx.RemoteProtocolError, httpx.WriteError, httpx.ReadError):
        return None


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/api/tryon", {"detail"}),
        ("/api/files", {"success", "message"}),
        ("/process-tryon", {"error"}),
    ],
)
def test_a_declared_length_over_the_limit_is_refused_before_reading(
    server: str, path: str, shape: set[str]
) -> None:
    body = Chunks(30 * MIB)
    headers = {"Content-Length": str(30 * MIB), "Content-Type": "application/octet-stream"}
    response = post(server + path, iter(body), headers)
    if response is not None:
        assert response.status_code == 400 and set(response.json()) == shape, response.text
        assert "larger than" in next(v for v in response.json().values() if isinstance(v, str))
    assert body.sent < 30 * MIB, "the server did not take the whole body"


def test_a_chunked_body_is_refused_once_it_passes_the_limit(server: str) -> None:
    body = Chunks(60 * MIB)
    response = post(server + "/api/files", iter(body), {"Content-Type": "multipart/form-data; boundary=x"})
    assert body.sent < 60 * MIB, "refused while streaming, not after buffering it all"
    if response is not None:
        assert response.status_code == 400 and response.json()["success"] is False


def test_the_server_is_healthy_afterwards(server: str) -> None:
    assert httpx.get(server + "/health", timeout=10).json()["checks"]["database"] == "ok"


def test_a_body_within_the_limit_still_works(server: str, tmp_path: Path) -> None:
    from tests.conftest import TEE

    response = httpx.post(server + "/api/files", files={"file": ("t.jpg", TEE.read_bytes())}, timeout=30)
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def default_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("defaults"), workers=1)
    with serve(create_app(settings, start_queue=False), lifespan="on") as url:
        yield url


def test_a_25_mb_upload_is_refused_while_streaming(default_server: str) -> None:
    """One 25 MB file part, well inside the 41 MiB body limit of two files: refused as soon
    as the part passes 20 MiB, not after the 25 MB were buffered."""
    body = Chunks(25 * 1000 * 1000, slow_after=20 * MIB)
    response = post(
        default_server + "/api/tryon", iter(body), {"Content-Type": "multipart/form-data; boundary=x"}
    )
    assert body.sent < 25 * 1000 * 1000
    if response is not None:
        assert response.status_code == 400
        assert response.json() == {"detail": f"File too large: a file exceeds {20 * MIB} bytes"}
    assert httpx.get(default_server + "/health", timeout=10).status_code == 200
