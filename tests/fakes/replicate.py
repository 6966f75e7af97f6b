"""A fake of Replicate's prediction API (https://replicate.com/docs/reference/http).

Implements what the adapter uses, with Replicate's shapes and codes:
    POST /v1/models/{owner}/{name}/predictions, POST /v1/predictions {"version"},
    POST /v1/deployments/{owner}/{name}/predictions      -> 201 prediction (Prefer: wait=N honoured)
    GET  /v1/predictions/{id}                              -> 200 prediction
    POST /v1/predictions/{id}/cancel                       -> 200 prediction, status canceled
    GET  /files/{id}.png                                   the output (replicate.delivery stand-in)
Errors are problem-details JSON ({"title", "detail", "status"}); 429 carries Retry-After.
Models known: google/gemini-2.5-flash-image (prompt, image_input[, aspect_ratio, output_format])
and any version or deployment, taken as IDM-VTON (human_img, garm_img, garment_des, category).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes.images import render

TOKEN = "r8_fake_token"
GEMINI = "google/gemini-2.5-flash-image"
VTON_CATEGORIES = ("upper_body", "lower_body", "dresses")


@dataclass
class Script:
    """What the fake does next. `create_status`: answer every create with this HTTP status;
    `outcome`: how predictions end ("succeeded", "failed", "canceled"); `delay_s`: how long a
    prediction runs; `garbage`: "json" (create answers non-JSON) or "image" (output is not an
    image)."""

    create_status: int | None = None
    outcome: str = "succeeded"
    delay_s: float = 0.0
    garbage: str | None = None
    # what it saw
    creates: list[dict[str, Any]] = field(default_factory=list)
    polls: int = 0
    cancelled: list[str] = field(default_factory=list)
    predictions: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, bytes] = field(default_factory=dict)


def problem(status: int, title: str, detail: str, **headers: str) -> JSONResponse:
    return JSONResponse({"title": title, "detail": detail, "status": status}, status, headers=headers)


def make_app(script: Script) -> FastAPI:
    app = FastAPI()

    def authorised(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {TOKEN}"

    def state(prediction: dict[str, Any], base: str) -> dict[str, Any]:
        """The prediction as of now: running until its time is up, then its scripted end."""
        if prediction["status"] in ("starting", "processing") and time.monotonic() >= prediction["_done_at"]:
            prediction["status"] = script.outcome
            prediction["completed_at"] = "2026-11-21T00:00:01Z"
            if script.outcome == "succeeded":
                prediction["output"] = f"{base}/files/{prediction['id']}.png"
                prediction["metrics"] = {"predict_time": round(script.delay_s, 3)}
            elif script.outcome == "failed":
                prediction["error"] = "E6716: the model could not render this image"
        elif prediction["status"] == "starting":
            prediction["status"] = "processing"
        return {k: v for k, v in prediction.items() if not k.startswith("_")}

    async def create(request: Request, model: str, version: str | None = None) -> Response:
        if not authorised(request):
            return problem(401, "Unauthenticated", "You did not pass a valid authentication token")
        body = await request.json()
        script.creates.append(
            {"model": model, "version": version, "body": body, "prefer": request.headers.get("prefer")}
        )
        if script.create_status == 429:
            return problem(
                429,
                "Request was throttled.",
                "Request was throttled. Expected available in 1 second.",
                **{"Retry-After": "1"},
            )
        if script.create_status is not None:
            return problem(script.create_status, "Internal Server Error", "Something went wrong on our side")
        if script.garbage == "json":
            return Response("<html>502 Bad Gateway</html>", 201, media_type="text/html")
        invalid = validate(model, body.get("input"))
        if invalid:
            return JSONResponse(
                {"title": "Input validation failed", "detail": invalid, "status": 422, "invalid_fields": []},
                422,
            )
        prediction_id = uuid.uuid4().hex[:26]
        base = str(request.base_url).rstrip("/")
        inputs = body["input"]
        images = inputs.get("image_input") or [inputs.get("human_img"), inputs.get("garm_img")]
        script.outputs[prediction_id] = (
            b"\x00garbage" if script.garbage == "image" else render(images[0], images[-1])
        )
        prediction = {
            "id": prediction_id,
            "model": model,
            "version": version or "hidden",
            "input": {"...": "elided"},
            "logs": "",
            "output": None,
            "data_removed": False,
            "error": None,
            "status": "starting",
            "created_at": "2026-11-21T00:00:00Z",
            "urls": {
                "cancel": f"{base}/v1/predictions/{prediction_id}/cancel",
                "get": f"{base}/v1/predictions/{prediction_id}",
                "web": f"https://replicate.com/p/{prediction_id}",
            },
            "_done_at": time.monotonic() + script.delay_s,
        }
        script.predictions[prediction_id] = prediction
        wait = _prefer_wait(request.headers.get("prefer"))
        if wait:
            deadline = time.monotonic() + wait
            while time.monotonic() < min(deadline, prediction["_done_at"]):
                await asyncio.sleep(0.05)
        return JSONResponse(state(prediction, base), 201)

    @app.post("/v1/models/{owner}/{name}/predictions")
    async def create_for_model(owner: str, name: str, request: Request) -> Response:
        return await create(request, f"{owner}/{name}")

    @app.post("/v1/deployments/{owner}/{name}/predictions")
    async def create_for_deployment(owner: str, name: str, request: Request) -> Response:
        return await create(request, f"deployments/{owner}/{name}")

    @app.post("/v1/predictions")
    async def create_for_version(request: Request) -> Response:
        body = await request.json()
        if not isinstance(body.get("version"), str):
            return problem(422, "Input validation failed", "version is required")
        return await create(request, "version", body["version"])

    @app.get("/v1/predictions/{prediction_id}")
    def get_prediction(prediction_id: str, request: Request) -> Response:
        if not authorised(request):
            return problem(401, "Unauthenticated", "You did not pass a valid authentication token")
        script.polls += 1
        prediction = script.predictions.get(prediction_id)
        if prediction is None:
            return problem(404, "Not found", "The requested resource could not be found.")
        return JSONResponse(state(prediction, str(request.base_url).rstrip("/")))

    @app.post("/v1/predictions/{prediction_id}/cancel")
    def cancel(prediction_id: str, request: Request) -> Response:
        if not authorised(request):
            return problem(401, "Unauthenticated", "You did not pass a valid authentication token")
        prediction = script.predictions.get(prediction_id)
        if prediction is None:
            return problem(404, "Not found", "The requested resource could not be found.")
        script.cancelled.append(prediction_id)
        if prediction["status"] in ("starting", "processing"):
            prediction["status"] = "canceled"
        return JSONResponse(state(prediction, str(request.base_url).rstrip("/")))

    @app.get("/files/{prediction_id}.png")
    def output(prediction_id: str, request: Request) -> Response:
        if "authorization" in request.headers:  # the vendor key must not travel with downloads
            return problem(400, "Bad request", "unexpected Authorization header on a file download")
        data = script.outputs.get(prediction_id)
        return Response(data, media_type="image/png") if data else Response(status_code=404)

    return app


def validate(model: str, inputs: Any) -> str | None:
    """Replicate's 422 detail for inputs the model's schema refuses, else None."""
    if not isinstance(inputs, dict):
        return "input is required"
    if model == GEMINI:
        if not isinstance(inputs.get("prompt"), str) or not inputs["prompt"]:
            return "input.prompt is required"
        images = inputs.get("image_input")
        if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
            return "input.image_input: Invalid type. Expected: array of URIs"
        return None
    for name in ("human_img", "garm_img", "garment_des"):
        if not isinstance(inputs.get(name), str):
            return f"input.{name} is required"
    if inputs.get("category") not in VTON_CATEGORIES:
        return f"input.category must be one of {', '.join(VTON_CATEGORIES)}"
    return None


def _prefer_wait(header: str | None) -> float:
    """Seconds asked for by `Prefer: wait` / `Prefer: wait=N` (Replicate caps it at 60)."""
    if not header or not header.startswith("wait"):
        return 0.0
    _, _, value = header.partition("=")
    return min(60.0, float(value)) if value else 60.0
