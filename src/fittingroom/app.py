"""create_app(settings): the FastAPI application with its routers, error handlers and lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from fittingroom import __version__
from fittingroom.api import (
    blobs,
    body_limit,
    edge,
    errors,
    health,
    observability,
    outfit,
    processing,
    studio,
    tryon,
)
from fittingroom.config import Settings
from fittingroom.services import Services

DESCRIPTION = """Virtual try-on: send a photo of a person and of a garment, get the person wearing it.

* **Job API** (`/api/tryon`): multipart upload, then poll the job for its step and progress.
* **Processing API** (`/api/files`, `/api/tryon/process`): upload files, start a job by
  their ids, track the job row.
* **Edge function** (`/process-tryon`): JSON with base64 images, bearer JWT, gems, rate
  limit, cache and layered outfits; `/api/history` lists the caller's try-ons.
* `/health` reports models, GPU and dependencies.
"""


def create_app(settings: Settings | None = None, *, start_queue: bool = True) -> FastAPI:
    """Build the app. Services are created (database migrated) at start-up, in the lifespan."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = Services.build(settings)
        app.state.services = services
        if start_queue:
            services.start()
        try:
            yield
        finally:
            services.close()

    app = FastAPIOffline(
        title="fittingroom",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    errors.install(app)
    body_limit.install(app, settings)
    app.include_router(tryon.router)
    app.include_router(edge.router)
    app.include_router(processing.router)
    app.include_router(health.router)
    app.include_router(blobs.router)
    app.include_router(outfit.router)
    studio.install(app)
    observability.install(app)
    logging.getLogger("fittingroom").setLevel(logging.INFO)
    return app
