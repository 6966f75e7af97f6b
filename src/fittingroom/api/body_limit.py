"""Refusing oversized request bodies while they stream in, before they are buffered.

A body is refused on its declared `Content-Length`, before a byte of it is read, or, when
it is sent without one (chunked), as soon as the bytes received pass the limit. A multipart
body is also watched part by part as it arrives: a file part passing `max_upload_bytes` is
refused at that point, whatever the body's total. The answer
is a 400 in the shape of the surface the path belongs to (contracts A, B and C); the
connection is closed rather than the rest of the body read.

Limits, from `max_upload_bytes` (M):
    /process-tryon               5 images as base64 + the JSON around them: 5 * M * 4/3 + 64 KiB
    every other POST/PUT/PATCH   two multipart files + their headers: 2 * M + 1 MiB
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fittingroom.api.i18n import locale_from, message
from fittingroom.config import Settings

MULTIPART_OVERHEAD = 1024 * 1024
JSON_OVERHEAD = 64 * 1024


class BodyTooLarge(Exception):
    """Raised from `receive` when a streamed body passes `limit` bytes. The app may catch it
    (FastAPI turns body errors into a 400 of its own); the middleware answers either way."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"body larger than {limit} bytes")
        self.limit = limit


def limit_for(path: str, settings: Settings) -> int:
    if path == "/process-tryon":
        return 5 * settings.max_upload_bytes * 4 // 3 + JSON_OVERHEAD
    return 2 * settings.max_upload_bytes + MULTIPART_OVERHEAD


class PartWatcher:
    """Feeds a multipart body through a streaming parser and notes when one part passes `limit`."""

    def __init__(self, boundary: bytes, limit: int) -> None:
        self.limit = limit
        self.part_size = 0
        self.exceeded = False
        self.broken = False  # a malformed body is left for the app to refuse
        self._parser = MultipartParser(
            boundary, callbacks={"on_part_begin": self._begin, "on_part_data": self._data}
        )

    @classmethod
    def for_headers(cls, headers: dict[str, str], limit: int) -> PartWatcher | None:
        content_type, params = parse_options_header(headers.get("content-type", ""))
        if content_type != b"multipart/form-data" or not params.get(b"boundary"):
            return None
        return cls(params[b"boundary"], limit)

    def _begin(self) -> None:
        self.part_size = 0

    def _data(self, data: bytes, start: int, end: int) -> None:
        self.part_size += end - start
        self.exceeded = self.exceeded or self.part_size > self.limit

    def feed(self, chunk: bytes) -> bool:
        """True once a part has passed the limit."""
        if not self.broken and not self.exceeded:
            try:
                self._parser.write(chunk)
            except Exception:  # python-multipart raises its own errors on malformed input
                self.broken = True
        return self.exceeded


def refusal(
    path: str, limit: int, accept_language: str | None, settings: Settings, part: bool = False
) -> dict[str, Any]:
    """The 400 body of each surface; `part`: one file of a multipart body passed `limit`."""
    if path == "/process-tryon":
        locale = locale_from(accept_language, settings.default_locale)
        return {"error": message("body_too_large", locale, limit=limit)}
    text = (
        f"File too large: a file exceeds {limit} bytes"
        if part
        else f"The request body is larger than {limit} bytes"
    )
    if path.startswith(("/api/files", "/api/tryon/process")):
        return {"success": False, "message": text}
    return {"detail": text}


def install(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(BodyLimitMiddleware, settings=settings)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = limit_for(path, self.settings)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(send, path, limit, headers, False)
            return
        received = 0
        exceeded = responded = part_exceeded = False
        watcher = PartWatcher.for_headers(headers, self.settings.max_upload_bytes)

        async def counted_receive() -> Message:
            nonlocal received, exceeded, part_exceeded
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                part_exceeded = watcher is not None and watcher.feed(chunk)
                if received > limit or part_exceeded:
                    exceeded = True
                    raise BodyTooLarge(limit)
            return message

        async def guarded_send(message: Message) -> None:
            # Past the limit, whatever the app answers (its body parser may have turned the
            # error into a generic 400) is replaced by the surface's refusal, sent once.
            nonlocal responded
            if message["type"] == "http.response.start":
                if responded:
                    return
                responded = True
                if exceeded:
                    await self._refuse(send, path, *refused())
                    return
            if not exceeded:
                await send(message)

        def refused() -> tuple[int, dict[str, str], bool]:
            if part_exceeded:
                return self.settings.max_upload_bytes, headers, True
            return limit, headers, False

        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLarge:
            if not responded:
                await self._refuse(send, path, *refused())

    async def _refuse(self, send: Send, path: str, limit: int, headers: dict[str, str], part: bool) -> None:
        body = json.dumps(refusal(path, limit, headers.get("accept-language"), self.settings, part)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
