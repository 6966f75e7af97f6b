"""`GET /api/blobs/{key}`: serves filesystem-stored blobs through signed, expiring URLs."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response

from fittingroom.api.deps import ServicesDep
from fittingroom.errors import FileNotFound
from fittingroom.images import EXTENSIONS
from fittingroom.storage.filesystem import FilesystemStore

router = APIRouter(prefix="/api/blobs", tags=["Files"])

_MEDIA_TYPES = {ext: media for media, ext in EXTENSIONS.items()}


@router.get("/{key:path}", summary="Fetch a stored image by signed URL", response_class=Response)
def get_blob(
    key: str, services: ServicesDep, expires: int = Query(...), signature: str = Query(..., max_length=128)
) -> Response:
    store = services.store
    if not isinstance(store, FilesystemStore) or not store.verify(key, expires, signature):
        raise FileNotFound()
    data = store.get(key)
    media_type = _MEDIA_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")
    return Response(data, media_type=media_type, headers={"Cache-Control": "private, max-age=300"})
