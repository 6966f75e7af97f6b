"""Stored files: a blob in the store plus its `stored_files` row."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from fittingroom.db.models import StoredFile, new_id
from fittingroom.images import EXTENSIONS, ImageInfo
from fittingroom.storage.base import BlobStore


def save_file(
    session: Session,
    store: BlobStore,
    data: bytes,
    *,
    media_type: str,
    width: int,
    height: int,
    folder: str,
    user_id: str | None = None,
) -> StoredFile:
    """Write the blob under `<folder>/<file id>.<ext>` and add its row to the caller's transaction.

    The blob is written first: a failed commit leaves an orphan blob, never a row without bytes.
    """
    file_id = new_id()
    key = f"{folder}/{file_id}.{EXTENSIONS.get(media_type, 'bin')}"
    store.put(key, data, media_type)
    row = StoredFile(
        id=file_id,
        blob_key=key,
        content_type=media_type,
        size=len(data),
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        user_id=user_id,
    )
    session.add(row)
    session.flush()
    return row


def save_upload(
    session: Session,
    store: BlobStore,
    data: bytes,
    info: ImageInfo,
    *,
    user_id: str | None,
    folder: str = "inputs",
) -> StoredFile:
    """`save_file` for an upload that `inspect_image` has validated."""
    return save_file(
        session,
        store,
        data,
        media_type=info.media_type,
        width=info.width,
        height=info.height,
        folder=folder,
        user_id=user_id,
    )
