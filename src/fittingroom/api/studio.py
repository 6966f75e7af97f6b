"""The studio page at `/` and its assets under `/studio/` (files in fittingroom/web/static)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"

router = APIRouter(include_in_schema=False)


@router.get("/")
def studio_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/studio", StaticFiles(directory=STATIC), name="studio")
