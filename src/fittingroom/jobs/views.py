"""A job as its clients see it: the `tryon_sessions` row in camelCase (contracts.md section B).

Shared by `GET /api/tryon/process/{jobId}` and the webhook payload, so both always agree.
"""

from __future__ import annotations

from typing import Any

from fittingroom.db.models import TryOnSession


def job_row(job: TryOnSession, result_url: str | None) -> dict[str, Any]:
    options = job.options or {}
    return {
        "jobId": job.id,
        "status": job.status,
        "userId": options.get("userId"),  # the body's label; anonymous jobs have no owner
        "garmentFileId": job.garment_file_id,
        "personFileId": job.person_file_id,
        "options": options,
        "step": job.step,
        "progress": job.progress,
        "resultUrl": result_url,
        "processingTime": job.processing_time,
        "qualityScore": job.quality_score,
        "confidence": job.confidence,
        "provider": job.provider,
        "providerAttempts": job.provider_attempts or [],
        "error": job.error,
        "createdAt": job.created_at.isoformat(),
        "updatedAt": job.updated_at.isoformat(),
    }
