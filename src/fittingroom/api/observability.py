"""The request-id and latency middleware, and `GET /metrics` (Prometheus text format)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from fittingroom.api.deps import ServicesDep
from fittingroom.observability.logs import request_id_from, request_id_var

router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(services: ServicesDep) -> Response:
    body = await run_in_threadpool(generate_latest, services.metrics.registry)  # queries the database
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI) -> None:
    """Every request gets an id (the caller's `X-Request-ID` when sane, else a new one), echoed in
    the answer and attached to its logs and to the jobs it creates; its latency is recorded."""

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = request_id_from(request.headers.get("x-request-id"))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            request_id_var.reset(token)
            route = request.scope.get("route")
            services = getattr(request.app.state, "services", None)
            if services is not None:
                services.metrics.http.labels(
                    request.method, getattr(route, "path", "unmatched"), str(status)
                ).observe(time.perf_counter() - started)

    app.include_router(router)
