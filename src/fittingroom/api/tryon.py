"""Contract A, the job API: `POST /api/tryon` (multipart) and `GET /api/tryon/{job_id}`."""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Header, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from fittingroom.api.deps import ServicesDep, load_visible_state
from fittingroom.api.uploads import read_upload
from fittingroom.db.models import StoredFile
from fittingroom.errors import JobNotFound
from fittingroom.jobs import records
from fittingroom.jobs.status import JobStatus
from fittingroom.jobs.submit import normalise_options, submit_job
from fittingroom.services import Services

router = APIRouter(prefix="/api/tryon", tags=["Job API"])


class ErrorBody(BaseModel):
    detail: str = Field(examples=["Unsupported image type: image/gif"])


class JobAccepted(BaseModel):
    job_id: str = Field(examples=["c3e8a4b1-5d2f-4b8e-9a51-0f6d3c2b7e10"])
    status: Literal["queued"] = "queued"


class JobPending(BaseModel):
    job_id: str
    status: Literal["pending"] = "pending"
    progress: int = 0


class JobProcessing(BaseModel):
    job_id: str
    status: Literal["processing"] = "processing"
    step: Literal["segmentation", "pose", "warp", "inpainting", "blend", "done"] = Field(
        examples=["inpainting"]
    )
    progress: int = Field(ge=0, le=100, examples=[55])


class JobCompleted(BaseModel):
    job_id: str
    status: Literal["completed"] = "completed"
    progress: Literal[100] = 100
    result_url: str | None = Field(None, description="Presigned URL; present when S3 is configured.")
    result_b64: str | None = Field(
        None,
        description="Base64 of the image (PNG unless the job asked "
        "otherwise); present when S3 is not configured.",
    )


class FailureDetail(BaseModel):
    error: str = Field(examples=["No person found in the person image"])
    job_id: str


class JobFailed(BaseModel):
    job_id: str
    status: Literal["failed"] = "failed"
    detail: FailureDetail


@router.post(
    "",
    status_code=202,
    response_model=JobAccepted,
    summary="Submit a try-on job",
    responses={
        400: {
            "model": ErrorBody,
            "description": "Missing field, unsupported type, too large, corrupt image, bad option",
        },
        503: {"model": ErrorBody, "description": "Queue full; see Retry-After"},
    },
)
def submit(
    services: ServicesDep,
    person_image: Annotated[
        UploadFile | None, File(description="Photo of the person (JPEG/PNG/WEBP)")
    ] = None,
    clothing_image: Annotated[
        UploadFile | None, File(description="Photo of the garment (JPEG/PNG/WEBP)")
    ] = None,
    category: Annotated[str | None, Form(description="top (default), bottom, dress or outerwear")] = None,
    quality: Annotated[
        str | None, Form(description="standard (default, up to 1024 px) or hd (up to 2048 px)")
    ] = None,
    provider: Annotated[
        str | None, Form(description="local, replicate, replicate-vton or fashn; local is the fallback")
    ] = None,
    output_format: Annotated[str | None, Form(description="png (default), jpeg or webp")] = None,
    garment_photo_type: Annotated[
        str | None, Form(description="auto (default), flat-lay (product photo) or model (worn by a person)")
    ] = None,
) -> JobAccepted:
    settings = services.settings
    person = read_upload(person_image, "person_image", settings)
    garment = read_upload(clothing_image, "clothing_image", settings)
    options = normalise_options(
        settings,
        category=category,
        quality=quality,
        provider=provider,
        output_format=output_format,
        garment_photo_type=garment_photo_type,
    )
    job_id = submit_job(
        settings=settings,
        factory=services.factory,
        store=services.store,
        queue=services.queue,
        person=person,
        garment=garment,
        options=options,
    )
    return JobAccepted(job_id=job_id)


@router.get(
    "/{job_id}",
    summary="Poll a job",
    response_model=JobPending | JobProcessing | JobCompleted,
    response_model_exclude_none=True,
    responses={
        404: {"model": ErrorBody, "description": "Unknown or malformed job id"},
        500: {"model": JobFailed, "description": "The job failed; `detail.error` says why"},
    },
)
def poll(
    job_id: str,
    services: ServicesDep,
    authorization: Annotated[str | None, Header(description="Only for jobs made with a token")] = None,
) -> Any:
    job = load_visible_state(services, job_id, authorization)
    status = JobStatus(job.status)
    # The states a client polls in a loop are answered as ready-made JSON: the response model
    # documents them, and skipping its validation here keeps polling cheap (bench/load.py).
    if status is JobStatus.QUEUED:
        return JSONResponse({"job_id": job.id, "status": "pending", "progress": 0})
    if status is JobStatus.PROCESSING:
        step = job.step or "segmentation"
        return JSONResponse(
            {"job_id": job.id, "status": "processing", "step": step, "progress": job.progress}
        )
    if status is JobStatus.FAILED:
        body = JobFailed(
            job_id=job.id, detail=FailureDetail(error=job.error or "Unknown error", job_id=job.id)
        )
        return JSONResponse(body.model_dump(), status_code=500)
    return _completed(services, job)


def _completed(services: Services, job: records.JobState) -> JobCompleted:
    with services.factory() as session:
        result = session.get(StoredFile, job.result_file_id) if job.result_file_id else None
    if result is None:
        raise JobNotFound()
    if services.store.external_urls:
        return JobCompleted(
            job_id=job.id, result_url=services.store.url(result.blob_key, services.settings.url_expiry_s)
        )
    data = services.store.get(result.blob_key)
    return JobCompleted(job_id=job.id, result_b64=base64.b64encode(data).decode("ascii"))
