"""Submitting a job: validate and store the inputs, write the queued row, enqueue it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fittingroom.config import Settings
from fittingroom.db.session import transaction
from fittingroom.errors import InvalidOption, QueueFull
from fittingroom.images import OUTPUT_FORMATS, ImageInfo
from fittingroom.jobs import records
from fittingroom.jobs.queue import JobQueue
from fittingroom.pipeline.tryon import SUPPORTED_CATEGORIES
from fittingroom.pipeline.worn import PHOTO_TYPES
from fittingroom.storage.base import BlobStore
from fittingroom.storage.files import save_upload

CATEGORIES = ("top", "bottom", "dress", "outerwear")
QUALITIES = ("standard", "hd")
PROVIDERS = ("local",)


@dataclass(frozen=True)
class Upload:
    data: bytes
    info: ImageInfo


def normalise_options(
    *,
    category: str | None,
    quality: str | None,
    provider: str | None,
    output_format: str | None,
    garment_photo_type: str | None = None,
) -> dict[str, Any]:
    """Options with defaults filled in; raises InvalidOption naming the allowed values."""
    options = {
        "category": (category or "top").strip().lower(),
        "quality": (quality or "standard").strip().lower(),
        "provider": (provider or "local").strip().lower(),
        "output_format": (output_format or "png").strip().lower(),
        "garment_photo_type": (garment_photo_type or "auto").strip().lower(),
    }
    allowed_values = (
        ("category", CATEGORIES),
        ("quality", QUALITIES),
        ("provider", PROVIDERS),
        ("output_format", tuple(OUTPUT_FORMATS)),
        ("garment_photo_type", PHOTO_TYPES),
    )
    for name, allowed in allowed_values:
        if options[name] not in allowed:
            raise InvalidOption(f"Invalid {name} '{options[name]}': expected one of {', '.join(allowed)}")
    if options["category"] not in SUPPORTED_CATEGORIES:
        raise InvalidOption(
            f"Category '{options['category']}' is not supported by provider 'local' yet "
            f"(supported: {', '.join(SUPPORTED_CATEGORIES)})"
        )
    return options


def submit_job(
    *,
    settings: Settings,
    factory: sessionmaker[Session],
    store: BlobStore,
    queue: JobQueue,
    person: Upload,
    garment: Upload,
    options: dict[str, Any],
    user_id: str | None = None,
) -> str:
    """Store both images, create the queued job row, enqueue it; returns the job id.

    Raises QueueFull (before storing anything) when `queue_max_pending` jobs already wait.
    """
    if records.count_queued(factory) >= settings.queue_max_pending:
        raise QueueFull(settings.queue_retry_after_s)
    with transaction(factory) as session:
        stored = [save_upload(session, store, u.data, u.info, user_id=user_id) for u in (person, garment)]
        job = records.create(
            session,
            person_file_id=stored[0].id,
            garment_file_id=stored[1].id,
            options=options,
            user_id=user_id,
        )
        job_id = job.id
    queue.enqueue(job_id)
    return job_id
