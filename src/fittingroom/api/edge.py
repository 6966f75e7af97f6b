"""Contract C: `POST /process-tryon` (JSON, bearer JWT) and `GET /api/history`.

Errors of this surface are `{"error": ...}` shaped (see contracts.md section C); a route
class turns every refusal into that shape, so surface A's `{"detail": ...}` handlers are
not involved here.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from fittingroom import edge
from fittingroom.answers import Refusal
from fittingroom.api.deps import ServicesDep
from fittingroom.api.errors import describe_validation_error, headers_for, translate
from fittingroom.api.i18n import locale_from
from fittingroom.auth import Unauthorized
from fittingroom.db.models import TryOnHistory, TryOnSession
from fittingroom.errors import Unavailable


class EdgeRoute(APIRoute):
    """Shapes errors as contract C: 401 Unauthorized, 400 {"error"}, refusals as decided."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def shaped(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthorized as exc:
                return JSONResponse(
                    {"error": "Unauthorized", "detail": exc.detail},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            except Refusal as refusal:
                answer = refusal.answer
                return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)
            except RequestValidationError as exc:
                return JSONResponse({"error": describe_validation_error(exc)}, status_code=400)
            except Exception as exc:  # storage or database away: a 503 in this surface's shape
                domain = translate(exc)
                if not isinstance(domain, Unavailable):
                    raise
                return JSONResponse(
                    {"error": "SERVICE_UNAVAILABLE", "message": str(domain)},
                    status_code=503,
                    headers=headers_for(domain),
                )

        return shaped


router = APIRouter(tags=["Edge function"], route_class=EdgeRoute)


class ClothingItem(BaseModel):
    image: str = Field(description="Base64 image, optionally a data:image/...;base64, URI")
    category: str = Field(
        examples=["top"], description="top, bottom, dress, outerwear, shoes, accessories, underwear"
    )
    name: str | None = Field(None, examples=["Blue T-Shirt"])
    is_primary: bool | None = Field(None, description="Default: the first item is primary")
    sub_category: str | None = Field(None, examples=["t-shirt"])


class ProcessTryOnBody(BaseModel):
    model_image: str = Field(description="Base64 photo of the person")
    clothing_images: list[ClothingItem] = Field(min_length=1, max_length=4)
    quality: str = Field("standard", examples=["standard"], description="standard (1 gem) or hd (2 gems)")


class ProcessTryOnAnswer(BaseModel):
    tryon_id: str
    result_image_url: str | None
    gems_remaining: int
    gems_used: int
    cached: bool
    processing_time_ms: int


class EdgeError(BaseModel):
    error: str
    message: str | None = None
    detail: str | None = None


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its `$defs` references inlined: this body is read by hand
    (not by FastAPI), so its sub-models are not registered among the OpenAPI components."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return dict(resolve(schema))


@router.post(
    "/process-tryon",
    summary="Try on 1-4 garments (synchronous)",
    response_model=ProcessTryOnAnswer,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(ProcessTryOnBody)}},
        }
    },
    responses={
        202: {"description": "Still running after the configured timeout; look it up in history"},
        400: {"model": EdgeError},
        401: {"model": EdgeError},
        402: {"model": EdgeError},
        429: {"model": EdgeError},
        500: {"model": EdgeError},
    },
)
async def process_tryon(
    request: Request,
    services: ServicesDep,
    authorization: Annotated[str | None, Header()] = None,
    accept_language: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[
        str | None, Header(description="Same key and body: the first answer, charged once")
    ] = None,
    prefer: Annotated[
        str | None,
        Header(description="`respond-async`: answer 202 with the tryon_id at once, then poll the job"),
    ] = None,
) -> JSONResponse:
    locale = locale_from(accept_language, services.settings.default_locale)
    respond_async = "respond-async" in (prefer or "").lower()
    raw = await request.body()
    answer = await run_in_threadpool(
        edge.process_tryon,
        services,
        services.verifier,
        services.limiter,
        authorization=authorization,
        locale=locale,
        raw_body=raw,
        base_url=str(request.base_url),
        idempotency_key=idempotency_key,
        respond_async=respond_async,
    )
    headers = dict(answer.headers)
    if respond_async:
        headers["Preference-Applied"] = "respond-async"
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


class HistoryItem(BaseModel):
    tryon_id: str
    status: str
    result_image_url: str | None
    items: list[dict[str, Any]]
    quality: str
    gems_used: int
    cached: bool
    created_at: str
    error: str | None


class HistoryPage(BaseModel):
    items: list[HistoryItem]
    page: int
    per_page: int
    total: int


@router.get("/api/history", summary="The caller's try-ons, newest first", response_model=HistoryPage)
def history(
    request: Request,
    services: ServicesDep,
    authorization: Annotated[str | None, Header()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> HistoryPage:
    user_id = edge.authenticate(services, services.verifier, authorization)
    base_url = str(request.base_url)
    with services.factory() as session:
        total = session.scalar(
            select(func.count()).select_from(TryOnHistory).where(TryOnHistory.user_id == user_id)
        )
        rows = session.execute(
            select(TryOnHistory, TryOnSession)
            .join(TryOnSession, TryOnSession.id == TryOnHistory.job_id)
            .where(TryOnHistory.user_id == user_id)
            .order_by(TryOnHistory.created_at.desc(), TryOnHistory.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
    items = [
        HistoryItem(
            tryon_id=h.id,
            status=job.status,
            result_image_url=services.result_url(job, base_url),
            items=h.items,
            quality=h.quality,
            gems_used=h.gems_used,
            cached=h.cached,
            created_at=h.created_at.isoformat(),
            error=job.error,
        )
        for h, job in rows
    ]
    return HistoryPage(items=items, page=page, per_page=per_page, total=int(total or 0))
