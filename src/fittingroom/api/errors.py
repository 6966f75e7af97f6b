"""Where domain errors become HTTP responses: the only place status codes are chosen.

Contract A's shape is `{"detail": "<message>"}`; every error is JSON, never an HTML page
or a stack trace.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from fittingroom import errors

log = logging.getLogger(__name__)

DEPENDENCY_RETRY_AFTER_S = 5  # Retry-After of a 503 for a dependency that is away


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
    if isinstance(exc, errors.Unavailable):
        return {"Retry-After": str(DEPENDENCY_RETRY_AFTER_S)}
    return {}


def translate(exc: Exception) -> Exception:
    """A database failure (locked, gone, connection dropped) as the domain's DatabaseUnavailable;
    anything else unchanged. Every surface answers it with a 503 and Retry-After."""
    if isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        log.warning(
            "database unavailable: %s", type(exc.orig if isinstance(exc, DBAPIError) else exc).__name__
        )
        return errors.DatabaseUnavailable()
    return exc


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

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        domain = translate(exc)
        if isinstance(domain, errors.FittingroomError):
            return JSONResponse(
                {"detail": str(domain)}, status_code=status_for(domain), headers=headers_for(domain)
            )
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "Internal server error"}, status_code=500)
