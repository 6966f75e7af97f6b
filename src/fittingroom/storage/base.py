"""The storage protocol every backend implements.

Keys are relative, '/'-separated paths of [A-Za-z0-9._-] segments (e.g. 'inputs/<uuid>.jpg');
`validate_key` refuses anything else, so a key can never escape a store's root.
"""

from __future__ import annotations

import re
from typing import Protocol

from fittingroom.errors import FileNotFound

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def validate_key(key: str) -> str:
    segments = key.split("/")
    if not key or len(key) > 255 or not all(_SEGMENT.match(s) and s not in (".", "..") for s in segments):
        raise FileNotFound(key)
    return key


class BlobStore(Protocol):
    #: True when `url()` gives a URL served by the store itself (presigned S3), which
    #: contract A then returns as `result_url`; False when the app serves blobs itself.
    external_urls: bool

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store bytes under key, replacing any previous value atomically."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under key; raises FileNotFound when absent, StorageUnavailable on failure."""
        ...

    def delete(self, key: str) -> None:
        """Remove key; absent keys are not an error."""
        ...

    def url(self, key: str, expires_in: int) -> str:
        """A URL that fetches key for `expires_in` seconds (absolute for S3, path for filesystem)."""
        ...

    def check(self) -> None:
        """Raise StorageUnavailable when the store cannot take writes now."""
        ...
