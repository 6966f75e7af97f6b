"""Blob storage: the `BlobStore` protocol, a filesystem store and an S3 store."""

from __future__ import annotations

from fittingroom.config import Settings
from fittingroom.storage.base import BlobStore


def make_store(settings: Settings) -> BlobStore:
    """The store the settings name: filesystem under the data dir by default, else S3."""
    if settings.storage == "s3":
        from fittingroom.storage.s3 import S3Store

        return S3Store.from_settings(settings)
    from fittingroom.storage.filesystem import FilesystemStore

    return FilesystemStore(settings.blob_dir, secret=settings.resolved_secret_key())
