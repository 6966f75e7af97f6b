"""What the HTTP adapters share: sending images, reading vendors' errors, polling, fetching output.

Adapters are async (httpx.AsyncClient); `run_sync` lets a worker process call them.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import cv2
import httpx
import numpy as np

from fittingroom.errors import (
    InvalidInput,
    ProviderBadOutput,
    ProviderError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderUnauthorized,
    ProviderUnavailable,
)
from fittingroom.images import DATA_URI, decode_rgb, encode_image, inspect_image

T = TypeVar("T")

MAX_OUTPUT_BYTES = 64 * 1024 * 1024
MAX_OUTPUT_PIXELS = 40_000_000


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run an adapter's coroutine from synchronous code: on this thread when it has no event
    loop (a worker process), else on a short-lived thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="provider") as pool:
        return pool.submit(asyncio.run, coroutine).result()


def image_data_uri(data: bytes, max_side: int) -> str:
    """An input image as a JPEG data URI, its long side at most `max_side` pixels.

    Vendors render at about 1024 px; sending more only makes the request slower."""
    image = decode_rgb(data, max_pixels=MAX_OUTPUT_PIXELS)
    height, width = image.shape[:2]
    scale = max_side / max(height, width)
    if scale < 1:
        image = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    encoded, media_type = encode_image(image, "jpeg")
    return f"data:{media_type};base64,{base64.b64encode(encoded).decode()}"


def poll_delays(first_s: float = 0.25, factor: float = 1.5, cap_s: float = 5.0) -> Iterator[float]:
    """Waits between status polls: 0.25 s growing by half each time, at most `cap_s`."""
    delay = first_s
    while True:
        yield delay
        delay = min(delay * factor, cap_s)


def error_detail(response: httpx.Response) -> str:
    """The vendor's own words: a JSON body's detail/message/error/title, else the text's start."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("detail", "message", "error", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])
    return response.text[:200].strip() or response.reason_phrase


def check_response(provider: str, response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 2xx answer; any other answer as the domain error it stands for."""
    status = response.status_code
    if status >= 300:
        detail = f"HTTP {status}: {error_detail(response)}"
        if status in (401, 403):
            raise ProviderUnauthorized(provider, detail)
        if status == 429:
            raise ProviderRateLimited(provider, detail, retry_after(response))
        if status in (400, 404, 409, 413, 422):
            raise ProviderRejected(provider, detail)
        raise ProviderUnavailable(provider, detail)
    try:
        body = response.json()
    except ValueError:
        raise ProviderBadOutput(provider, f"answer is not JSON: {response.text[:80]!r}") from None
    if not isinstance(body, dict):
        raise ProviderBadOutput(provider, "answer is not a JSON object")
    return body


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def field(provider: str, body: dict[str, Any], name: str) -> Any:
    """A field the vendor's answer must carry."""
    if name not in body:
        raise ProviderBadOutput(provider, f"answer lacks '{name}'")
    return body[name]


async def fetch_image(provider: str, client: httpx.AsyncClient, location: Any) -> np.ndarray:
    """The output image (uint8 HxWx3 RGB) from a data URI, raw base64 or an http(s) URL.

    `client` must not carry the vendor's key: output URLs are public or signed, and the key
    must not travel to whatever host they name."""
    if not isinstance(location, str) or not location:
        raise ProviderBadOutput(provider, f"output is not an image reference: {str(location)[:80]!r}")
    if location.startswith(("http://", "https://")):
        data = await _download(provider, client, location)
    else:
        match = DATA_URI.match(location)
        try:
            data = base64.b64decode(location[match.end() :] if match else location, validate=True)
        except (binascii.Error, ValueError):
            raise ProviderBadOutput(provider, "output is neither a URL nor base64") from None
    try:
        inspect_image(data, max_bytes=MAX_OUTPUT_BYTES, max_pixels=MAX_OUTPUT_PIXELS)
        return decode_rgb(data, max_pixels=MAX_OUTPUT_PIXELS)
    except InvalidInput as exc:
        raise ProviderBadOutput(provider, f"output is not a usable image ({exc})") from None


async def _download(provider: str, client: httpx.AsyncClient, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async with client.stream("GET", url) as response:
        if response.status_code != 200:
            raise ProviderBadOutput(provider, f"output download failed: HTTP {response.status_code}")
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_OUTPUT_BYTES:
                raise ProviderBadOutput(provider, "output is larger than 64 MiB")
            chunks.append(chunk)
    return b"".join(chunks)


def transport_error(provider: str, base_url: str, exc: httpx.TransportError) -> ProviderError:
    return ProviderUnavailable(provider, f"cannot reach {base_url}: {type(exc).__name__}")
