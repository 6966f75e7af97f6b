"""Blobs as files under one directory; URLs are app paths signed with HMAC-SHA256 and expiring.

A signed URL looks like `/api/blobs/<key>?expires=<unix s>&signature=<hex>`; the app's blob
route checks it with `verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
import time
from pathlib import Path

from fittingroom.errors import FileNotFound, StorageUnavailable
from fittingroom.storage.base import validate_key

BLOB_ROUTE = "/api/blobs"


class FilesystemStore:
    external_urls = False

    def __init__(self, root: Path, secret: bytes) -> None:
        self.root = Path(root)
        self._secret = secret
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write beside the target and rename: readers never see half a file.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            raise StorageUnavailable(f"Cannot write to storage: {exc.strerror or exc}") from exc

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise FileNotFound(key) from None
        except OSError as exc:
            raise StorageUnavailable(f"Cannot read from storage: {exc.strerror or exc}") from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _signature(self, key: str, expires: int) -> str:
        return hmac.new(self._secret, f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def url(self, key: str, expires_in: int) -> str:
        expires = int(time.time()) + expires_in
        return f"{BLOB_ROUTE}/{validate_key(key)}?expires={expires}&signature={self._signature(key, expires)}"

    def verify(self, key: str, expires: int, signature: str) -> bool:
        """True when the signature matches key and expiry and the URL has not expired."""
        if expires < time.time():
            return False
        # Compared as bytes: compare_digest refuses str with non-ASCII characters.
        return hmac.compare_digest(
            self._signature(key, expires).encode(), signature.encode("utf-8", "replace")
        )

    def check(self) -> None:
        probe = self.root / ".health"
        try:
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StorageUnavailable(f"Storage is not writable: {exc.strerror or exc}") from exc
