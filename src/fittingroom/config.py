"""The one validated configuration object.

`Settings` is built once (by the CLI or the test) and passed in; no other module reads the
environment. Every field can be set with an environment variable named `FITTINGROOM_<FIELD>`
(for example `FITTINGROOM_DATA_DIR=/srv/fittingroom`) or from a `.env` file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FITTINGROOM_", env_file=".env", extra="ignore")

    # --- where state lives -------------------------------------------------------------------
    data_dir: Path = Field(
        Path("./var"),
        description="Holds the SQLite database, stored blobs and generated secrets. "
        "Two servers with two data dirs share nothing.",
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL. Default: SQLite (WAL) at <data_dir>/fittingroom.db."
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Signs filesystem result URLs. Generated once into <data_dir>/secret.key when unset.",
    )

    # --- HTTP --------------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    # --- queue and workers -------------------------------------------------------------------
    queue: Literal["embedded"] = Field(
        "embedded", description="embedded: worker processes owned by the server."
    )
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1, le=64, description="Worker processes."
    )
    queue_max_pending: int = Field(
        64, ge=1, description="Jobs waiting for a worker beyond which submissions get 503."
    )
    queue_retry_after_s: int = Field(10, ge=1, description="Retry-After sent with a 503 for a full queue.")
    progress_min_interval_s: float = Field(
        0.05, ge=0, description="Progress writes closer together than this are coalesced."
    )

    # --- uploads -----------------------------------------------------------------------------
    max_upload_bytes: int = Field(20 * MIB, ge=1, description="Largest accepted image file, in bytes.")
    max_image_pixels: int = Field(
        40_000_000, ge=1, description="Largest accepted width*height, checked before decoding."
    )
    min_image_side: int = Field(16, ge=1, description="Smallest accepted width or height, in pixels.")

    # --- rendering ---------------------------------------------------------------------------
    standard_max_side: int = Field(1024, ge=64, description="Long side of a `standard` result, pixels.")
    hd_max_side: int = Field(2048, ge=64, description="Long side of an `hd` result, pixels.")

    # --- gems -------------------------------------------------------------------------------
    new_user_gems: int = Field(0, ge=0, description="Gems granted to a user on first sight.")

    # --- storage -----------------------------------------------------------------------------
    storage: Literal["filesystem", "s3"] = "filesystem"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = Field(None, description="For S3-compatible stores (MinIO, moto ...).")
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = Field("", description="Key prefix inside the bucket, e.g. 'fittingroom/'.")
    url_expiry_s: int = Field(3600, ge=1, description="Lifetime of signed and presigned result URLs.")

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Settings:
        if self.storage == "s3" and not self.s3_bucket:
            raise ValueError("FITTINGROOM_S3_BUCKET is required when FITTINGROOM_STORAGE=s3")
        return self

    # --- derived -----------------------------------------------------------------------------
    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'fittingroom.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    def ensure_data_dir(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def resolved_secret_key(self) -> bytes:
        """The signing secret: the configured one, else one generated once into the data dir."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        self.ensure_data_dir()
        path = self.data_dir / "secret.key"
        if not path.exists():
            # O_EXCL: two processes starting together agree on one key.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()
