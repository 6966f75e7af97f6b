"""A fake of FASHN's API (https://docs.fashn.ai/fashn-api/endpoints and /errors).

    POST /v1/run        {"model_name", "inputs"} -> 200 {"id", "error": null}
    GET  /v1/status/{id} -> {"id", "status": starting|in_queue|processing|completed|failed,
                             "output": [...], "error": null | {"name", "message"}}
    GET  /files/{id}.png   the output when return_base64 is false
HTTP errors as the docs name them: 400 BadRequest, 401 UnauthorizedAccess, 404 NotFound,
429 RateLimitExceeded / ConcurrencyLimitExceeded / OutOfCredits, 500 InternalServerError.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes.images import data_uri, render

API_KEY = "fa-fake-key"
MODELS = ("tryon-v1.6", "tryon-v1.5")
CATEGORIES = ("auto", "tops", "bottoms", "one-pieces")
MODES = ("performance", "balanced", "quality")
PHOTO_TYPES = ("auto", "flat-lay", "model")
STAGES = ("starting", "in_queue", "processing")


@dataclass
class Script:
    """`run_status`: answer /v1/run with this HTTP status; `runtime_error`: end predictions
    failed with this error name (PoseError, PipelineError ...); `delay_s`: how long each runs;
    `garbage`: "image" (output is not an image) or "status" (status answers lack fields)."""

    run_status: int | None = None
    runtime_error: str | None = None
    delay_s: float = 0.0
    garbage: str | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    polls: int = 0
    predictions: dict[str, dict[str, Any]] = field(default_factory=dict)


ERROR_NAMES = {400: "BadRequest", 401: "UnauthorizedAccess", 404: "NotFound", 429: "RateLimitExceeded"}


def error(status: int, message: str, name: str | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": name or ERROR_NAMES.get(status, "InternalServerError"), "message": message}, status
    )


def make_app(script: Script) -> FastAPI:
    app = FastAPI()

    def authorised(request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {API_KEY}"

    @app.post("/v1/run")
    async def run(request: Request) -> Response:
        if not authorised(request):
            return error(401, "Invalid or missing API key")
        body = await request.json()
        script.runs.append(body)
        if script.run_status is not None:
            return error(script.run_status, "scripted failure")
        problem = validate(body)
        if problem:
            return error(400, problem)
        inputs = body["inputs"]
        prediction_id = f"{uuid.uuid4()}-u1"
        png = (
            b"\x89PNG garbage"
            if script.garbage == "image"
            else render(inputs["model_image"], inputs["garment_image"])
        )
        base = str(request.base_url).rstrip("/")
        output = data_uri(png) if inputs.get("return_base64") else f"{base}/files/{prediction_id}.png"
        script.predictions[prediction_id] = {
            "started": time.monotonic(),
            "output": output,
            "png": png,
        }
        return JSONResponse({"id": prediction_id, "error": None})

    @app.get("/v1/status/{prediction_id}")
    def status(prediction_id: str, request: Request) -> Response:
        if not authorised(request):
            return error(401, "Invalid or missing API key")
        script.polls += 1
        prediction = script.predictions.get(prediction_id)
        if prediction is None:
            return error(404, f"Prediction {prediction_id} is not tracked")
        if script.garbage == "status":
            return JSONResponse({"id": prediction_id})
        elapsed = time.monotonic() - prediction["started"]
        if elapsed < script.delay_s:
            stage = STAGES[min(len(STAGES) - 1, int(3 * elapsed / script.delay_s))]
            return JSONResponse({"id": prediction_id, "status": stage, "output": None, "error": None})
        if script.runtime_error:
            return JSONResponse(
                {
                    "id": prediction_id,
                    "status": "failed",
                    "output": None,
                    "error": {"name": script.runtime_error, "message": "scripted runtime error"},
                }
            )
        return JSONResponse(
            {"id": prediction_id, "status": "completed", "output": [prediction["output"]], "error": None}
        )

    @app.get("/files/{prediction_id}.png")
    def output(prediction_id: str) -> Response:
        prediction = script.predictions.get(prediction_id)
        return (
            Response(prediction["png"], media_type="image/png") if prediction else Response(status_code=404)
        )

    return app


def validate(body: Any) -> str | None:
    """FASHN's 400 message for a body its schema refuses, else None."""
    if not isinstance(body, dict) or body.get("model_name") not in MODELS:
        return f"model_name must be one of {', '.join(MODELS)}"
    inputs = body.get("inputs")
    if not isinstance(inputs, dict):
        return "inputs is required"
    for name in ("model_image", "garment_image"):
        if not isinstance(inputs.get(name), str) or not inputs[name]:
            return f"inputs.{name} is required"
    for name, allowed in (("category", CATEGORIES), ("mode", MODES), ("garment_photo_type", PHOTO_TYPES)):
        if name in inputs and inputs[name] not in allowed:
            return f"inputs.{name} must be one of {', '.join(allowed)}"
    if inputs.get("output_format", "png") not in ("png", "jpeg"):
        return "inputs.output_format must be png or jpeg"
    return None
