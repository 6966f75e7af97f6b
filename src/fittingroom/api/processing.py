"""Contract B: upload files, start a job by file ids, track it.

`POST /api/files`, `GET /api/files/{fileId}`, `POST /api/tryon/process`,
`GET /api/tryon/process/{jobId}`. Errors are `{"success": false, "message": ...}`. This
surface has no authentication (as its source document): its files and jobs are anonymous,
and files or jobs created with a user's token are not reachable here. The body's `userId`
is recorded as given, in the job's options.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Header, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from fittingroom.api.deps import ServicesDep, load_visible_job
from fittingroom.api.errors import headers_for, translate
from fittingroom.api.uploads import read_upload
from fittingroom.db.models import StoredFile
from fittingroom.db.session import transaction
from fittingroom.errors import (
    FileNotFound,
    FittingroomError,
    InvalidInput,
    InvalidOption,
    NotFound,
    QueueFull,
    Unavailable,
)
from fittingroom.jobs import records
from fittingroom.jobs.estimate import estimated_seconds
from fittingroom.jobs.outfits import PlannedOutfit, plan_outfit
from fittingroom.jobs.submit import normalise_options
from fittingroom.jobs.views import job_row
from fittingroom.outfit.layering import CATEGORIES, OutfitItem
from fittingroom.services import Services
from fittingroom.storage.files import save_upload


def failure(status: int, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "message": message}, status_code=status)


class ProcessingRoute(APIRoute):
    """Shapes this surface's errors as {"success": false, "message"}."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def shaped(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                problems = exc.errors()
                if any(p.get("type") == "missing" for p in problems):
                    return failure(400, "Missing required fields")
                where = ".".join(str(part) for part in problems[0].get("loc", ()) if part != "body")
                return failure(400, f"Invalid field {where}: {problems[0].get('msg', 'invalid value')}")
            except InvalidInput as exc:
                return failure(400, str(exc))
            except NotFound as exc:
                return failure(404, str(exc))
            except Unavailable as exc:
                response = failure(503, str(exc))
                response.headers.update(headers_for(exc))
                return response
            except FittingroomError as exc:
                return failure(500, str(exc))
            except StarletteHTTPException as exc:  # FastAPI's own: a body that does not parse ...
                response = failure(exc.status_code, str(exc.detail))
                response.headers.update(exc.headers or {})
                return response
            except Exception as exc:
                domain = translate(exc)
                if not isinstance(domain, Unavailable):
                    raise
                response = failure(503, str(domain))
                response.headers.update(headers_for(domain))
                return response

        return shaped


router = APIRouter(tags=["Processing API"], route_class=ProcessingRoute)


class StoredFilePublic(BaseModel):
    fileId: str  # noqa: N815 - the contract's casing
    url: str
    contentType: str  # noqa: N815
    size: int
    width: int
    height: int


def _file_url(request: Request, file_id: str) -> str:
    return str(request.url_for("get_file", file_id=file_id))


def _anonymous_file(services: Services, file_id: str) -> StoredFile:
    try:
        uuid.UUID(file_id)
    except ValueError:
        raise FileNotFound(file_id) from None
    with services.factory() as session:
        stored = session.get(StoredFile, file_id.lower())
    if stored is None or stored.user_id is not None or not stored.blob_key.startswith("inputs/"):
        raise FileNotFound(file_id)
    return stored


@router.post("/api/files", status_code=201, response_model=StoredFilePublic, summary="Upload an image")
def upload_file(
    request: Request,
    services: ServicesDep,
    file: Annotated[UploadFile | None, File(description="JPEG, PNG or WEBP")] = None,
) -> StoredFilePublic:
    upload = read_upload(file, "file", services.settings)
    with transaction(services.factory) as session:
        stored = save_upload(session, services.store, upload.data, upload.info, user_id=None)
    return StoredFilePublic(
        fileId=stored.id,
        url=_file_url(request, stored.id),
        contentType=stored.content_type,
        size=stored.size,
        width=stored.width,
        height=stored.height,
    )


@router.get(
    "/api/files/{file_id}", name="get_file", summary="Download an uploaded image", response_class=Response
)
def get_file(file_id: str, services: ServicesDep) -> Response:
    stored = _anonymous_file(services, file_id)
    if services.store.external_urls:
        return RedirectResponse(services.store.url(stored.blob_key, services.settings.url_expiry_s), 307)
    return Response(services.store.get(stored.blob_key), media_type=stored.content_type)


class OutfitGarment(BaseModel):
    """One garment of a layered outfit (beyond the document), as /process-tryon describes items."""

    fileId: str  # noqa: N815
    category: str = Field(description="top, bottom, dress, outerwear, shoes, accessories or underwear")
    sub_category: str | None = Field(None, max_length=200, examples=["button-down", "trousers", "blazer"])
    name: str | None = Field(None, max_length=200)
    is_primary: bool = False


class ProcessOptions(BaseModel):
    category: str | None = None
    quality: str | None = None
    provider: str | None = None
    providers: list[str] | None = Field(None, description="Ordered list; the first available is used")
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    output_format: str | None = None
    garment_photo_type: str | None = None
    webhook_url: str | None = Field(None, max_length=2000)
    garments: list[OutfitGarment] | None = Field(
        None,
        min_length=1,
        max_length=4,
        description="Beyond the document: a layered outfit of 1 to 4 garments, resolved by the "
        "/process-tryon rules; garmentFileId must be one of them",
    )


class ProcessRequest(BaseModel):
    garmentFileId: str  # noqa: N815
    personFileId: str  # noqa: N815
    userId: str | None = Field(None, max_length=255)  # noqa: N815
    options: ProcessOptions | None = None


class ProcessAccepted(BaseModel):
    jobId: str  # noqa: N815
    estimatedTime: int  # noqa: N815 - seconds
    status: Literal["queued"] = "queued"
    notices: list[str] | None = Field(
        None, description="Beyond the document: providers left out of the chain and why (e.g. no API key)"
    )


@router.post(
    "/api/tryon/process",
    response_model=ProcessAccepted,
    response_model_exclude_none=True,
    summary="Start a try-on from uploaded files",
)
def start_process(body: ProcessRequest, services: ServicesDep) -> ProcessAccepted:
    if not body.garmentFileId or not body.personFileId:
        raise InvalidInput("Missing required fields")
    try:
        person = _anonymous_file(services, body.personFileId)
        garment = _anonymous_file(services, body.garmentFileId)
    except FileNotFound as exc:  # a bad reference in the body is the caller's error: 400
        raise InvalidInput(f"Unknown file id: {exc.message.removeprefix('File not found: ')}") from None
    given = body.options or ProcessOptions()
    options = normalise_options(
        services.settings,
        category=given.category,
        quality=given.quality,
        provider=given.provider,
        providers=given.providers,
        output_format=given.output_format,
        garment_photo_type=given.garment_photo_type,
        webhook_url=given.webhook_url,
    )
    options.update({"seed": given.seed, "userId": body.userId})
    planned = _plan_garments(services, body.garmentFileId, given) if given.garments else None
    settings = services.settings
    queued = records.count_queued(services.factory)
    if queued >= settings.queue_max_pending:
        raise QueueFull(settings.queue_retry_after_s)
    garment_file_id = garment.id
    with transaction(services.factory) as session:
        if planned is not None and given.garments:
            file_ids = [g.fileId for g in given.garments]  # checked by _plan_garments
            options.update(planned.job_options(session, file_ids))
            garment_file_id = file_ids[planned.primary.index]
        job = records.create(
            session, person_file_id=person.id, garment_file_id=garment_file_id, options=options
        )
        job_id = job.id
    services.queue.enqueue(job_id)
    estimate = estimated_seconds(services.factory, options["provider"], queued, settings.workers)
    notices = [f"{s['provider']} skipped: {s['reason']}" for s in options["skipped_providers"]]
    return ProcessAccepted(jobId=job_id, estimatedTime=estimate, notices=notices or None)


def _plan_garments(services: Services, garment_file_id: str, given: ProcessOptions) -> PlannedOutfit:
    """The outfit of `options.garments`, its files checked, resolved for the asked providers."""
    garments = given.garments or []
    if garment_file_id not in [g.fileId for g in garments]:
        raise InvalidOption("garmentFileId must be one of options.garments")
    for garment in garments:
        if garment.category not in CATEGORIES:
            raise InvalidOption(
                f"Invalid category '{garment.category}': expected one of {', '.join(CATEGORIES)}"
            )
        try:
            _anonymous_file(services, garment.fileId)
        except FileNotFound:
            raise InvalidInput(f"Unknown file id: {garment.fileId}") from None
    items = [OutfitItem(i, g.category, g.sub_category, g.name, g.is_primary) for i, g in enumerate(garments)]
    requested = given.providers or ([given.provider] if given.provider else None)
    return plan_outfit(services.settings, items, requested)


class ProcessStatus(BaseModel):
    jobId: str  # noqa: N815
    status: Literal["queued", "processing", "completed", "failed"]
    userId: str | None  # noqa: N815
    garmentFileId: str  # noqa: N815
    personFileId: str  # noqa: N815
    options: dict[str, Any]
    step: str | None
    progress: int
    resultUrl: str | None  # noqa: N815
    processingTime: float | None  # noqa: N815 - seconds
    qualityScore: float | None  # noqa: N815
    confidence: dict[str, Any] | None
    provider: str | None = Field(description="The provider that produced the result")
    providerAttempts: list[dict[str, Any]] = Field(  # noqa: N815
        description="Beyond the document: each provider's part, in order, with outcome "
        "(skipped, failed, completed) and reason"
    )
    error: str | None
    createdAt: str  # noqa: N815
    updatedAt: str  # noqa: N815


@router.get("/api/tryon/process/{job_id}", response_model=ProcessStatus, summary="Track a job")
def process_status(
    job_id: str,
    request: Request,
    services: ServicesDep,
    authorization: Annotated[str | None, Header(description="Only for jobs made with a token")] = None,
) -> ProcessStatus:
    job = load_visible_job(services, job_id, authorization)
    return ProcessStatus(**job_row(job, services.result_url(job, str(request.base_url))))
