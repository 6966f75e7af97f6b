"""FASHN's try-on API (https://docs.fashn.ai/fashn-api/endpoints):

    POST {base}/v1/run  {"model_name", "inputs": {model_image, garment_image, category, mode,
                         garment_photo_type, seed, output_format, return_base64}} -> {"id", "error"}
    GET  {base}/v1/status/{id} -> {"id", "status": starting|in_queue|processing|completed|failed,
                                   "output": [image, ...], "error": null | {"name", "message"}}

One garment per prediction. FASHN documents no cancel endpoint: on our deadline the adapter
stops polling and the prediction runs out on FASHN's side.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from fittingroom.errors import (
    ProviderBadOutput,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
)
from fittingroom.pipeline.stages import Step
from fittingroom.providers.base import Capabilities, ProgressCallback, ProviderResult, TryOnRequest
from fittingroom.providers.remote import (
    check_response,
    fetch_image,
    field,
    image_data_uri,
    poll_delays,
    run_sync,
    transport_error,
)

CATEGORY = {"top": "tops", "outerwear": "tops", "bottom": "bottoms", "dress": "one-pieces"}
RUNNING = ("starting", "in_queue", "processing")
# Runtime errors (docs: "Runtime Errors") caused by the inputs rather than by FASHN.
INPUT_ERRORS = ("ImageLoadError", "ContentModerationError", "PoseError", "InputValidationError")


def run_inputs(request: TryOnRequest, images: list[str], mode: str) -> dict[str, Any]:
    garment = request.garments[-1]
    inputs: dict[str, Any] = {
        "model_image": images[0],
        "garment_image": images[-1],
        "category": CATEGORY.get(garment.category, "auto"),
        "mode": mode,
        "garment_photo_type": garment.photo_type,
        "output_format": "png" if request.options.get("output_format", "png") == "png" else "jpeg",
        "return_base64": True,
    }
    if request.options.get("seed") is not None:
        inputs["seed"] = int(request.options["seed"])
    return inputs


class FashnProvider:
    name = "fashn"

    def __init__(
        self,
        *,
        api_key: str,
        capabilities: Capabilities,
        model: str = "tryon-v1.6",
        mode: str = "balanced",
        base_url: str = "https://api.fashn.ai",
        timeout_s: float = 120.0,
    ) -> None:
        self.capabilities = capabilities
        self.model = model
        self.mode = mode
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s

    def tryon(self, request: TryOnRequest, on_progress: ProgressCallback) -> ProviderResult:
        return run_sync(self.tryon_async(request, on_progress))

    async def tryon_async(self, request: TryOnRequest, on_progress: ProgressCallback) -> ProviderResult:
        headers = {"Authorization": f"Bearer {self._api_key}"}
        async with (
            httpx.AsyncClient(base_url=self._base_url, headers=headers, timeout=30.0) as api,
            httpx.AsyncClient(timeout=30.0) as downloads,
        ):
            try:
                async with asyncio.timeout(self.timeout_s):
                    return await self._predict(api, downloads, request, on_progress)
            except TimeoutError:
                raise ProviderTimeout(self.name, f"no result within {self.timeout_s:g} s") from None
            except httpx.TransportError as exc:
                raise transport_error(self.name, self._base_url, exc) from None

    async def _predict(
        self,
        api: httpx.AsyncClient,
        downloads: httpx.AsyncClient,
        request: TryOnRequest,
        on_progress: ProgressCallback,
    ) -> ProviderResult:
        on_progress(Step.SEGMENTATION)
        side = self.capabilities.max_side
        images = [image_data_uri(request.person, side), image_data_uri(request.garments[-1].image, side)]
        body = {"model_name": self.model, "inputs": run_inputs(request, images, self.mode)}
        started = check_response(self.name, await api.post("/v1/run", json=body))
        if started.get("error"):
            raise ProviderRejected(self.name, str(started["error"]))
        prediction_id = str(field(self.name, started, "id"))
        on_progress(Step.WARP)
        delays = poll_delays()
        while True:
            status = check_response(self.name, await api.get(f"/v1/status/{prediction_id}"))
            state = field(self.name, status, "status")
            if state not in RUNNING:
                break
            await asyncio.sleep(next(delays))
        if state == "failed":
            error = status.get("error") or {}
            name = error.get("name", "Error") if isinstance(error, dict) else "Error"
            text = error.get("message", "") if isinstance(error, dict) else str(error)
            kind = ProviderRejected if name in INPUT_ERRORS else ProviderUnavailable
            raise kind(self.name, f"prediction failed: {name}: {text}".rstrip(": "))
        if state != "completed":
            raise ProviderBadOutput(self.name, f"unknown prediction status {state!r}")
        on_progress(Step.BLEND)
        output = status.get("output")
        if not isinstance(output, list) or not output:
            raise ProviderBadOutput(self.name, "prediction completed without output")
        return ProviderResult(image=await fetch_image(self.name, downloads, output[0]))
