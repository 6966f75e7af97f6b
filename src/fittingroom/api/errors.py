"""Where domain errors become HTTP responses: the only place status codes are chosen.

Contract A's shape is `{"detail": "<message>"}`; every error is JSON, never an HTML page
or a stack trace.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from fittingroom import errors

log = logging.getLogger(__name__)


def status_for(exc: errors.FittingroomError) -> int:
    if isinstance(exc, errors.InvalidInput):
        return 400
    if isinstance(exc, errors.NotFound):
        return 404
    if isinstance(exc, errors.Unavailable):
        return 503
    return 500


def headers_for(exc: errors.FittingroomError) -> dict[str, str]:
    if isinstance(exc, errors.QueueFull):
        return {"Retry-After": str(exc.retry_after_s)}
    return {}


def describe_validation_error(exc: RequestValidationError) -> str:
    """One readable sentence for the first problem, e.g. 'Invalid field body.category: ...'."""
    problems = exc.errors()
    if not problems:
        return "Invalid request"
    first = problems[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path"))
    if first.get("type") == "missing":
        return f"Missing required field: {where}"
    return f"Invalid field {where}: {first.get('msg', 'invalid value')}"


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.FittingroomError)
    async def _domain(_request: Request, exc: errors.FittingroomError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status_for(exc), headers=headers_for(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": describe_validation_error(exc)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "Internal server error"}, status_code=500)
