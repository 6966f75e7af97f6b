"""`GET /health`: models, GPU and the reachability of database, storage and queue."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from fittingroom.api.deps import ServicesDep
from fittingroom.db.session import ping
from fittingroom.gpu import gpu_status

router = APIRouter(tags=["Health"])


class GpuInfo(BaseModel):
    gpu_name: str
    memory_allocated_gb: float
    memory_reserved_gb: float
    total_memory_gb: float


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    models_loaded: bool
    cuda_available: bool
    gpu: GpuInfo | None
    checks: dict[str, str]  # dependency -> "ok" or what is wrong


@router.get("/health", response_model=Health, summary="Service health")
def health(services: ServicesDep) -> Health:
    checks: dict[str, str] = {}
    try:
        ping(services.engine)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    try:
        services.store.check()
        checks["storage"] = "ok"
    except Exception as exc:
        checks["storage"] = str(exc)
    checks["queue"] = services.queue.problem() or "ok"
    cuda, gpu = gpu_status()
    return Health(
        status="ok" if all(v == "ok" for v in checks.values()) else "degraded",
        models_loaded=services.queue.models_loaded,
        cuda_available=cuda,
        gpu=GpuInfo(**gpu) if gpu else None,
        checks=checks,
    )
