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
from fittingroom.pipeline.worn import PHOTO_TYPES
from fittingroom.providers.catalog import plan_chain
from fittingroom.storage.base import BlobStore
from fittingroom.storage.files import save_upload
from fittingroom.webhooks.destination import check_webhook_url

CATEGORIES = ("top", "bottom", "dress", "outerwear")
QUALITIES = ("standard", "hd")


@dataclass(frozen=True)
class Upload:
    data: bytes
    info: ImageInfo


def normalise_options(
    settings: Settings,
    *,
    category: str | None,
    quality: str | None,
    provider: str | None,
    output_format: str | None,
    garment_photo_type: str | None = None,
    providers: list[str] | None = None,
    webhook_url: str | None = None,
) -> dict[str, Any]:
    """Options with defaults filled in and the provider chain planned; raises InvalidOption
    naming the allowed values.

    `providers` (an ordered list) wins over `provider`; with neither, the configured default
    order. The result holds `providers` (the chain to try), `provider` (its first) and
    `skipped_providers` (those left out, with the reason: no key, a missing capability)."""
    options: dict[str, Any] = {
        "category": (category or "top").strip().lower(),
        "quality": (quality or "standard").strip().lower(),
        "output_format": (output_format or "png").strip().lower(),
        "garment_photo_type": (garment_photo_type or "auto").strip().lower(),
    }
    allowed_values = (
        ("category", CATEGORIES),
        ("quality", QUALITIES),
        ("output_format", tuple(OUTPUT_FORMATS)),
        ("garment_photo_type", PHOTO_TYPES),
    )
    for name, allowed in allowed_values:
        if options[name] not in allowed:
            raise InvalidOption(f"Invalid {name} '{options[name]}': expected one of {', '.join(allowed)}")
    requested = providers or ([provider] if provider else None)
    chain = plan_chain(settings, requested, [options["category"]])
    options.update(
        providers=list(chain.providers),
        provider=chain.providers[0],
        skipped_providers=[a.as_dict() for a in chain.skipped],
    )
    if webhook_url:
        check_webhook_url(webhook_url, settings.webhook_allow_private)
        options["webhook_url"] = webhook_url
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
