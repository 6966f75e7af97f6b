"""The one validated configuration object.

`Settings` is built once (by the CLI or the test) and passed in; no other module reads the
environment. Every field can be set with an environment variable named `FITTINGROOM_<FIELD>`
(for example `FITTINGROOM_DATA_DIR=/srv/fittingroom`) or from a `.env` file.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FITTINGROOM_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # --- where state lives -------------------------------------------------------------------
    data_dir: Path = Field(
        Path("./var"),
        description="Holds the SQLite database, stored blobs and generated secrets. "
        "Two servers with two data dirs share nothing.",
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL. Default: SQLite (WAL) at <data_dir>/fittingroom.db."
    )
    database_busy_timeout_s: float = Field(
        10.0, gt=0, description="SQLite: how long a write waits for a lock before the request gets a 503."
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Signs filesystem result URLs. Generated once into <data_dir>/secret.key when unset.",
    )

    # --- HTTP --------------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    log_format: Literal["json", "text"] = Field(
        "json",
        description="json: one JSON object per line, with request_id and job_id; text: for a terminal.",
    )

    access_log: bool = Field(
        False,
        description="One log line per HTTP request (uvicorn's). Off by default: it costs about a tenth "
        "of polling throughput (bench/load.py); /metrics counts every request, and answers of 500 or "
        "slower than slow_request_s are logged with their request id either way.",
    )
    slow_request_s: float = Field(5.0, gt=0, description="Requests slower than this are logged.")

    # --- queue and workers -------------------------------------------------------------------
    queue: Literal["embedded", "celery"] = Field(
        "embedded",
        description="embedded: worker processes owned by the server. celery: jobs go to a Celery "
        "broker and are run by `fittingroom worker` processes on any machine.",
    )
    broker_url: str = Field("redis://127.0.0.1:6379/0", description="Celery broker (queue=celery).")
    celery_queue_name: str = Field("fittingroom", description="Celery queue the jobs go to.")
    celery_visibility_timeout_s: int = Field(
        900,
        ge=60,
        description="Redis broker: a job unacknowledged this long (its worker host vanished) is "
        "delivered again. Keep it above the longest job.",
    )
    job_deadline_s: float = Field(
        900.0,
        gt=0,
        description="A job still processing this long after it started is failed, and refunded, by "
        "the watchdog. Keep it above the longest legitimate job (remote providers included).",
    )
    watchdog_interval_s: float = Field(
        15.0, gt=0, description="How often the watchdog looks for overdue jobs."
    )
    max_job_attempts: int = Field(
        3, ge=1, description="Runs of one job (a worker died under it) before it is failed and refunded."
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

    # --- authentication (the /process-tryon surface) ------------------------------------------
    jwt_secret: SecretStr | None = Field(
        None, description="HS256 secret. Generated once into <data_dir>/jwt.secret when unset."
    )
    jwt_algorithms: list[str] = Field(
        default_factory=lambda: ["HS256"],
        description="Accepted algorithms, pinned here (never taken from the token): HS256, RS256, ES256 ...",
    )
    jwt_audience: str | None = Field(
        None, description="Required `aud` claim, e.g. 'authenticated' (Supabase)."
    )
    jwks_url: str | None = Field(
        None, description="JWKS for RS256/ES256 tokens: an http(s) URL or a path to a JSON file."
    )

    # --- rate limits ------------------------------------------------------------------------
    rate_limit: str = Field("5/minute", description="Try-ons per user on /process-tryon (limits syntax).")
    rate_limit_storage: str = Field(
        "memory://", description="Where counts live: memory:// (one process) or redis://host:port/0 (shared)."
    )

    # --- the /process-tryon surface ------------------------------------------------------------
    default_locale: str = Field(
        "en", pattern="^(en|vi)$", description="Language of messages without Accept-Language."
    )
    sync_timeout_s: float = Field(
        120.0, gt=0, description="How long /process-tryon waits for its job before answering 202."
    )
    cache_ttl_s: int = Field(
        7 * 24 * 3600, ge=0, description="How long an identical try-on is answered from cache."
    )
    gems_standard: int = Field(1, ge=0, description="Gems a standard-quality try-on costs.")
    gems_hd: int = Field(2, ge=0, description="Gems an hd try-on costs.")

    # --- gems -------------------------------------------------------------------------------
    new_user_gems: int = Field(0, ge=0, description="Gems granted to a user on first sight.")

    # --- providers ---------------------------------------------------------------------------
    providers: list[Literal["local", "replicate", "replicate-vton", "fashn"]] | None = Field(
        None,
        description='Default provider order, e.g. ["replicate", "local"]. Unset: every remote '
        "provider with a key (replicate, replicate-vton, fashn), then local.",
    )
    fallback_to_local: bool = Field(
        True,
        description="Append `local` to every provider order that lacks it: the always-available fallback.",
    )
    provider_failure_threshold: int = Field(
        3, ge=1, description="Consecutive failures after which a provider is skipped for the cool-down."
    )
    provider_cooldown_s: float = Field(60.0, ge=0, description="How long an open circuit skips its provider.")
    public_base_url: str | None = Field(
        None,
        description="How clients reach this server, e.g. https://tryon.example.com: the base of result "
        "URLs in webhooks. Default: http://<host>:<port>.",
    )

    replicate_api_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices(
            "replicate_api_token",
            "FITTINGROOM_REPLICATE_API_TOKEN",
            "REPLICATE_API_KEY",
            "REPLICATE_API_TOKEN",
        ),
        description="Replicate key; REPLICATE_API_KEY (the edge function's name) is read too.",
    )
    replicate_base_url: str = "https://api.replicate.com"
    replicate_model: str = Field(
        "google/gemini-2.5-flash-image",
        description="Prompt-driven image model of provider `replicate`: owner/name, owner/name:version "
        "or deployments/owner/name.",
    )
    replicate_vton_model: str | None = Field(
        None,
        description="Try-on model of provider `replicate-vton` with IDM-VTON's inputs (human_img, "
        "garm_img, garment_des, category), e.g. cuuupid/idm-vton:<version>. Unset: not offered.",
    )
    replicate_timeout_s: float = Field(
        120.0, gt=0, description="Deadline of one Replicate prediction; past it the prediction is cancelled."
    )

    fashn_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("fashn_api_key", "FITTINGROOM_FASHN_API_KEY", "FASHN_API_KEY")
    )
    fashn_base_url: str = "https://api.fashn.ai"
    fashn_model: str = Field("tryon-v1.6", description="FASHN model_name.")
    fashn_mode: Literal["performance", "balanced", "quality"] = "balanced"
    fashn_timeout_s: float = Field(120.0, gt=0, description="Deadline of one FASHN prediction.")

    # --- webhooks ----------------------------------------------------------------------------
    webhook_secret: SecretStr | None = Field(
        None,
        description="Standard Webhooks signing secret (whsec_<base64>). Generated once into "
        "<data_dir>/webhook.secret when unset.",
    )
    webhook_allow_private: bool = Field(
        False, description="Allow webhook URLs on loopback and private networks (tests, one-host setups)."
    )
    webhook_max_attempts: int = Field(6, ge=1, description="Deliveries tried before a webhook is given up.")
    webhook_backoff_s: float = Field(2.0, gt=0, description="First retry delay; doubles each attempt.")
    webhook_timeout_s: float = Field(10.0, gt=0, description="How long one delivery may take.")

    # --- storage -----------------------------------------------------------------------------
    storage: Literal["filesystem", "s3"] = "filesystem"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = Field(None, description="For S3-compatible stores (MinIO, moto ...).")
    s3_public_endpoint_url: str | None = Field(
        None,
        description="The store's address as clients reach it, for presigned URLs, when it differs "
        "from s3_endpoint_url (e.g. http://minio:9000 inside a network, https://files.example.com outside).",
    )
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
        """The URL-signing secret: the configured one, else one generated once into the data dir."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        return self._generated_secret("secret.key")

    def resolved_jwt_secret(self) -> bytes:
        """The HS256 token secret: the configured one, else one generated once into the data dir."""
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value().encode()
        return self._generated_secret("jwt.secret")

    def resolved_webhook_secret(self) -> str:
        """The webhook signing secret, `whsec_` + base64 of 32 random bytes when generated."""
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value()
        return self._generated_secret(
            "webhook.secret", lambda: "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        ).decode()

    def _generated_secret(
        self, name: str, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)
    ) -> bytes:
        self.ensure_data_dir()
        path = self.data_dir / name
        if not path.exists():
            # Written aside, then hard-linked into place: the link is atomic and fails if another
            # process got there first, so everyone reads one complete secret.
            tmp = path.with_name(f".{name}.{os.getpid()}")
            tmp.write_text(make())
            tmp.chmod(0o600)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return path.read_text().strip().encode()
