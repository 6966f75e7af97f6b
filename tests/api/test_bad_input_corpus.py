"""The bad input corpus: every item answered with its surface's documented 4xx and a precise
message (or accepted and converted, where it should be), and the service healthy afterwards."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from urllib.parse import unquote

import numpy as np
import pytest
from PIL import Image

from fittingroom.config import Settings
from fittingroom.pipeline.models import Models
from tests.api.conftest import Harness, make_harness
from tests.api.test_edge import InlineQueue, b64, body, token
from tests.conftest import PERSON, TEE, encode, plain_image


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, models: Models) -> Iterator[Harness]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("corpus"), workers=1, rate_limit="1000/minute")  # type: ignore[arg-type]
    for harness in make_harness(settings, models):
        harness.services.queue = InlineQueue(harness)  # type: ignore[assignment]
        yield harness


def jpeg(size: tuple[int, int] = (64, 80)) -> bytes:
    return encode(plain_image(*size, (120, 60, 40)), "JPEG")


def png_with_bad_crc() -> bytes:
    data = bytearray(encode(plain_image(40, 40), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 6] ^= 0xFF  # one byte of compressed pixels changes; its chunk's CRC no longer matches
    return bytes(data)


def bomb() -> bytes:
    """A valid PNG header declaring 100,000 x 100,000 pixels, a few hundred bytes long."""
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(idat))
        + b"IDAT"
        + idat
        + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    )


def animated_webp() -> bytes:
    frames = [Image.new("RGB", (64, 64), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def cmyk_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("CMYK", (64, 80), (10, 200, 30, 5)).save(buffer, format="JPEG")
    return buffer.getvalue()


def png16() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((80, 64), 40000, np.uint16)).save(buffer, format="PNG")
    return buffer.getvalue()


REFUSED = [
    ("empty file", b"", "The uploaded file is empty"),
    ("truncated JPEG", jpeg((400, 500))[:900], "Corrupt or truncated image/jpeg image"),
    ("PNG with a bad CRC", png_with_bad_crc(), "Corrupt or truncated image/png image"),
    ("decompression bomb", bomb(), "Image has too many pixels (max 40000000)"),
    ("1x1 pixel", encode(plain_image(1, 1), "PNG"), "Image too small: 1x1 (min 16 px per side)"),
    ("animated WEBP", animated_webp(), "Animated images are not supported (image/webp with 3 frames)"),
    (
        "SVG named .jpg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "Unsupported image type: image/svg+xml",
    ),
    ("HTML named .jpg", b"<!DOCTYPE html><html><body>hi</body></html>", "Unsupported image type: text/html"),
    ("PDF named .jpg", b"%PDF-1.7\n1 0 obj <<>> endobj\n", "Unsupported image type: application/pdf"),
    ("GIF", b"GIF89a" + b"\0" * 40, "Unsupported image type: image/gif"),
]


@pytest.mark.parametrize(("case", "data", "detail"), REFUSED, ids=[case for case, _, _ in REFUSED])
def test_bad_images_are_refused_on_every_upload_surface(
    app: Harness, case: str, data: bytes, detail: str
) -> None:
    job_api = app.client.post(
        "/api/tryon",
        files={"person_image": ("photo.jpg", data, "image/jpeg"), "clothing_image": TEE.read_bytes()},
    )
    assert (job_api.status_code, job_api.json()) == (400, {"detail": detail}), case
    files_api = app.client.post("/api/files", files={"file": ("photo.jpg", data, "image/jpeg")})
    assert (files_api.status_code, files_api.json()) == (400, {"success": False, "message": detail}), case
    if data:
        edge = app.client.post(
            "/process-tryon", json=body((data, "top")), headers=token(app, "corpus", gems=1)
        ).json()
        assert detail in edge["error"], case


@pytest.mark.parametrize(("case", "data"), [("CMYK JPEG", cmyk_jpeg()), ("16-bit PNG", png16())])
def test_cmyk_and_16_bit_are_accepted_and_converted(app: Harness, case: str, data: bytes) -> None:
    response = app.client.post("/api/files", files={"file": ("x", data)})
    assert response.status_code == 201, (case, response.text)
    assert (response.json()["width"], response.json()["height"]) == (64, 80)


EDGE_REFUSALS = [
    (
        "invalid base64",
        {"model_image": "***not base64***", "clothing_images": [{"image": b64(jpeg()), "category": "top"}]},
        "model_image",
    ),
    (
        "data URI of the wrong type",
        {
            "model_image": "data:image/png;base64," + b64(jpeg()),
            "clothing_images": [{"image": b64(jpeg()), "category": "top"}],
        },
        "declared as image/png but the data is image/jpeg",
    ),
    (
        "five clothing items",
        {"model_image": b64(jpeg()), "clothing_images": [{"image": b64(jpeg()), "category": "top"}] * 5},
        "5",
    ),
    (
        "unknown category",
        {"model_image": b64(jpeg()), "clothing_images": [{"image": b64(jpeg()), "category": "cape"}]},
        "cape",
    ),
]


@pytest.mark.parametrize(("case", "payload", "words"), EDGE_REFUSALS, ids=[c for c, _, _ in EDGE_REFUSALS])
def test_bad_edge_bodies_are_400_with_the_reason(app: Harness, case: str, payload: dict, words: str) -> None:  # type: ignore[type-arg]
    response = app.client.post("/process-tryon", json=payload, headers=token(app, "edge-corpus", gems=1))
    assert response.status_code == 400 and words in response.json()["error"], (case, response.text)


def test_deeply_nested_and_huge_json(app: Harness) -> None:
    headers = {**token(app, "json-corpus", gems=1), "Content-Type": "application/json"}
    nested = app.client.post("/process-tryon", content=b"[" * 200_000 + b"]" * 200_000, headers=headers)
    assert nested.status_code == 400 and "JSON" in nested.json()["error"]
    huge = app.client.post(
        "/process-tryon", content=b'{"a": "' + b"x" * (150 * 1024 * 1024) + b'"}', headers=headers
    )
    assert huge.status_code == 400 and "larger than" in huge.json()["error"]
    processing = app.client.post(
        "/api/tryon/process", content=b"[" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert processing.status_code == 400 and processing.json()["success"] is False


@pytest.mark.parametrize(
    "job_id",
    ["../../etc/passwd", "..%2F..%2Fsecret.key", "1' OR '1'='1", "1; DROP TABLE tryon_sessions;--", "%00"],
)
def test_traversal_and_sql_in_ids_find_nothing(app: Harness, job_id: str) -> None:
    assert app.client.get(f"/api/tryon/{job_id}").status_code == 404
    process = app.client.get(f"/api/tryon/process/{job_id}")
    assert process.status_code == 404
    if "/" not in unquote(
        job_id
    ):  # else the path names another route, which does not exist: 404 all the same
        assert process.json() == {"success": False, "message": "Job not found"}
    assert app.client.get(f"/api/files/{job_id}").status_code == 404
    assert app.client.get(f"/api/blobs/{job_id}").status_code in (400, 403, 404)


def test_odd_file_names_are_never_used_as_paths(app: Harness) -> None:
    for name in ("../../../../etc/passwd.jpg", "x'; DROP TABLE stored_files;--.jpg", "\u202ejpg.exe"):
        response = app.client.post("/api/files", files={"file": (name, TEE.read_bytes(), "image/jpeg")})
        assert response.status_code == 201, response.text
        stored = app.client.get(f"/api/files/{response.json()['fileId']}")
        assert stored.status_code == 200 and stored.content == TEE.read_bytes()
    blobs = app.services.settings.blob_dir
    assert all(blobs in path.resolve().parents for path in blobs.rglob("*")), (
        "everything stays inside the store"
    )


def test_photos_without_a_person_or_a_garment_fail_with_the_reason(app: Harness) -> None:
    wall = encode(plain_image(320, 400, (200, 200, 200)), "JPEG")
    blank = encode(plain_image(320, 400, (255, 255, 255)), "JPEG")
    cases = (
        (wall, TEE.read_bytes(), "No person found in the person image"),
        (PERSON.read_bytes(), blank, "No garment found in the clothing image"),
    )
    for person, garment, reason in cases:
        response = app.client.post("/api/tryon", files={"person_image": person, "clothing_image": garment})
        # One at a time, as a worker process runs them (the models are not shared across threads).
        app.services.queue.stop()  # type: ignore[call-arg] - the InlineQueue's thread ends
        failed = app.client.get(f"/api/tryon/{response.json()['job_id']}")
        assert failed.status_code == 500 and failed.json()["detail"]["error"] == reason


def test_the_service_is_healthy_after_the_corpus(app: Harness) -> None:
    health = app.client.get("/health").json()
    assert health["checks"]["database"] == "ok" and health["checks"]["storage"] == "ok"
    ok = app.client.post(
        "/api/tryon", files={"person_image": PERSON.read_bytes(), "clothing_image": TEE.read_bytes()}
    )
    assert ok.status_code == 202
