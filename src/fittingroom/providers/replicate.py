"""Replicate: one prediction per try-on, over its HTTP API (https://replicate.com/docs/reference/http).

    POST {base}/v1/models/{owner}/{name}/predictions      an official model ("owner/name")
    POST {base}/v1/predictions  {"version": ...}          a pinned version ("owner/name:version")
    POST {base}/v1/deployments/{owner}/{name}/predictions  a deployment ("deployments/owner/name")
    GET  {base}/v1/predictions/{id}                        polled with backoff until terminal
    POST {base}/v1/predictions/{id}/cancel                 when our deadline passes

The create request carries `Prefer: wait=N`, so a quick model answers in that one request.
Two input mappings: `prompt_inputs` for prompt-driven image models (Gemini 2.5 Flash Image:
prompt + image_input) and `idm_vton_inputs` for IDM-VTON-style try-on models.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
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

TERMINAL = ("succeeded", "failed", "canceled", "aborted")
MAX_WAIT_S = 60  # the most Replicate holds a `Prefer: wait` request open

InputMapping = Callable[[TryOnRequest, list[str]], dict[str, Any]]


def prompt_inputs(request: TryOnRequest, images: list[str]) -> dict[str, Any]:
    """Gemini 2.5 Flash Image and similar: the layering-aware prompt, person image first."""
    prompt = request.options.get("prompt")
    if not prompt:
        raise ProviderRejected("replicate", "the job carries no prompt")
    output_format = "png" if request.options.get("output_format", "png") == "png" else "jpg"
    return {
        "prompt": prompt,
        "image_input": images,
        "aspect_ratio": "match_input_image",
        "output_format": output_format,
    }


_VTON_CATEGORY = {"top": "upper_body", "outerwear": "upper_body", "bottom": "lower_body", "dress": "dresses"}


def idm_vton_inputs(request: TryOnRequest, images: list[str]) -> dict[str, Any]:
    """IDM-VTON (e.g. cuuupid/idm-vton): one garment, its category in the model's words."""
    garment = request.garments[-1]
    inputs: dict[str, Any] = {
        "human_img": images[0],
        "garm_img": images[-1],
        "garment_des": garment.category if garment.style is None else f"{garment.category}, {garment.style}",
        "category": _VTON_CATEGORY.get(garment.category, "upper_body"),
        "crop": False,
        "steps": 30,
    }
    if request.options.get("seed") is not None:
        inputs["seed"] = int(request.options["seed"])
    return inputs


@dataclass(frozen=True)
class ModelRef:
    """Where a model's predictions are created, from "owner/name", "owner/name:version" or
    "deployments/owner/name"."""

    ref: str

    def create(self) -> tuple[str, dict[str, Any]]:
        """(path, extra body fields) of the create request."""
        if self.ref.startswith("deployments/"):
            return f"/v1/{self.ref}/predictions", {}
        if ":" in self.ref:
            _, version = self.ref.split(":", 1)
            return "/v1/predictions", {"version": version}
        return f"/v1/models/{self.ref}/predictions", {}


class ReplicateProvider:
    def __init__(
        self,
        *,
        name: str,
        token: str,
        model: str,
        inputs: InputMapping,
        capabilities: Capabilities,
        base_url: str = "https://api.replicate.com",
        timeout_s: float = 120.0,
        wait_s: int = MAX_WAIT_S,
    ) -> None:
        """`wait_s`: how long the create request may wait for the result (`Prefer: wait`)
        before the adapter polls instead; at most 60 and never past `timeout_s`."""
        self.name = name
        self.capabilities = capabilities
        self.model = ModelRef(model)
        self._inputs = inputs
        self._token = token
        self._base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.wait_s = wait_s

    def tryon(self, request: TryOnRequest, on_progress: ProgressCallback) -> ProviderResult:
        return run_sync(self.tryon_async(request, on_progress))

    async def tryon_async(self, request: TryOnRequest, on_progress: ProgressCallback) -> ProviderResult:
        """Create, wait or poll, download. Cancels the prediction when `timeout_s` passes."""
        prediction_id: list[str] = []  # set once created, so that a timeout can cancel it
        headers = {"Authorization": f"Bearer {self._token}"}
        timeout = httpx.Timeout(30.0, read=MAX_WAIT_S + 15.0)
        async with (
            httpx.AsyncClient(base_url=self._base_url, headers=headers, timeout=timeout) as api,
            httpx.AsyncClient(timeout=timeout) as downloads,
        ):
            try:
                async with asyncio.timeout(self.timeout_s):
                    return await self._predict(api, downloads, request, on_progress, prediction_id)
            except TimeoutError:
                cancelled = await self._cancel(api, prediction_id[0]) if prediction_id else False
                what = (
                    f"prediction {prediction_id[0]} {'cancelled' if cancelled else 'could not be cancelled'}"
                )
                raise ProviderTimeout(
                    self.name,
                    f"no result within {self.timeout_s:g} s ({what if prediction_id else 'not created'})",
                ) from None
            except httpx.TransportError as exc:
                raise transport_error(self.name, self._base_url, exc) from None

    async def _predict(
        self,
        api: httpx.AsyncClient,
        downloads: httpx.AsyncClient,
        request: TryOnRequest,
        on_progress: ProgressCallback,
        prediction_id: list[str],
    ) -> ProviderResult:
        on_progress(Step.SEGMENTATION)
        max_side = self.capabilities.max_side
        images = [image_data_uri(request.person, max_side)] + [
            image_data_uri(g.image, max_side) for g in request.garments
        ]
        path, extra = self.model.create()
        wait = max(1, min(MAX_WAIT_S, self.wait_s, int(self.timeout_s)))
        response = await api.post(
            path, json={**extra, "input": self._inputs(request, images)}, headers={"Prefer": f"wait={wait}"}
        )
        prediction = check_response(self.name, response)
        prediction_id.append(str(field(self.name, prediction, "id")))
        on_progress(Step.WARP)
        delays = poll_delays()
        while field(self.name, prediction, "status") not in TERMINAL:
            await asyncio.sleep(next(delays))
            prediction = check_response(self.name, await api.get(f"/v1/predictions/{prediction_id[0]}"))
        status = prediction["status"]
        if status == "failed":
            raise ProviderRejected(
                self.name, f"prediction failed: {prediction.get('error') or 'no reason given'}"
            )
        if status != "succeeded":
            raise ProviderUnavailable(self.name, f"prediction was {status}")
        on_progress(Step.BLEND)
        output = prediction.get("output")
        if isinstance(output, list):
            output = output[-1] if output else None
        if output is None:
            raise ProviderBadOutput(self.name, "prediction succeeded without output")
        # Replicate reports no confidence of its own; the scorer judges the image alone.
        return ProviderResult(image=await fetch_image(self.name, downloads, output))

    async def _cancel(self, api: httpx.AsyncClient, prediction_id: str) -> bool:
        try:
            response = await api.post(f"/v1/predictions/{prediction_id}/cancel", timeout=10.0)
        except httpx.HTTPError:
            return False
        return response.status_code < 300
