"""The request-id and latency middleware, and `GET /metrics` (Prometheus text format)."""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fittingroom.api.deps import ServicesDep
from fittingroom.observability.logs import request_id_from, request_id_var

log = logging.getLogger("fittingroom.http")
router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(services: ServicesDep) -> Response:
    body = await run_in_threadpool(generate_latest, services.metrics.registry)  # queries the database
    return Response(body, media_type=CONTENT_TYPE_LATEST)


class ObserveMiddleware:
    """Pure ASGI (no per-request task or body buffering, unlike BaseHTTPMiddleware): gives
    every request an id, echoes it as `X-Request-ID`, and records the latency by route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        request_id = request_id_from(header.decode("latin-1") if header else None)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode())],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            services = getattr(scope["app"].state, "services", None)
            if services is not None:
                route = getattr(scope.get("route"), "path", "unmatched")
                services.metrics.http.labels(scope["method"], route, str(status)).observe(elapsed)
                if status >= 500 or elapsed > services.settings.slow_request_s:
                    log.warning(
                        "%s %s answered %d in %.3f s", scope["method"], scope["path"], status, elapsed
                    )
            request_id_var.reset(token)


def install(app: FastAPI) -> None:
    """Every request gets an id (the caller's `X-Request-ID` when sane, else a new one), echoed in
    the answer and attached to its logs and to the jobs it creates; its latency is recorded."""
    app.add_middleware(ObserveMiddleware)
    app.include_router(router)
