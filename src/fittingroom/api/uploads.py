"""Reading an uploaded file under the size limit and validating it as an image."""

from __future__ import annotations

from fastapi import UploadFile

from fittingroom.config import Settings
from fittingroom.errors import MissingField, UploadTooLarge
from fittingroom.images import inspect_image
from fittingroom.jobs.submit import Upload

_CHUNK = 1024 * 1024


def read_upload(upload: UploadFile | None, field: str, settings: Settings) -> Upload:
    """Read at most `max_upload_bytes` + 1 bytes and validate them (type, size, pixels).

    Raises MissingField when the part is absent, plus everything `inspect_image` raises.
    """
    if upload is None or isinstance(upload, str):
        raise MissingField(field)
    limit = settings.max_upload_bytes
    chunks: list[bytes] = []
    size = 0
    while chunk := upload.file.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise UploadTooLarge(f"File too large: {field} exceeds {limit} bytes")
        chunks.append(chunk)
    data = b"".join(chunks)
    info = inspect_image(
        data, max_bytes=limit, max_pixels=settings.max_image_pixels, min_side=settings.min_image_side
    )
    return Upload(data=data, info=info)
