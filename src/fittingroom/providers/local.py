"""The local provider: the CPU pipeline, with its models loaded once when constructed."""

from __future__ import annotations

from fittingroom.config import Settings
from fittingroom.images import decode_rgb
from fittingroom.pipeline.models import Models, load_models
from fittingroom.pipeline.tryon import MAX_GARMENTS, SUPPORTED_CATEGORIES, GarmentInput, run_outfit
from fittingroom.providers.base import Capabilities, ProgressCallback, ProviderResult, TryOnRequest


class LocalProvider:
    name = "local"

    def __init__(self, settings: Settings, models: Models | None = None) -> None:
        self._settings = settings
        self.models = models or load_models()
        self.capabilities = Capabilities(
            categories=SUPPORTED_CATEGORIES, multi_garment=MAX_GARMENTS > 1, max_side=settings.hd_max_side
        )

    def max_side(self, quality: str) -> int:
        return self._settings.hd_max_side if quality == "hd" else self._settings.standard_max_side

    def tryon(self, request: TryOnRequest, on_progress: ProgressCallback) -> ProviderResult:
        limit = self._settings.max_image_pixels
        person = decode_rgb(request.person, max_pixels=limit)
        outfit = [
            GarmentInput(decode_rgb(g.image, max_pixels=limit), g.category, g.style, g.photo_type)
            for g in request.garments
        ]
        result = run_outfit(
            person, outfit, self.models, max_side=self.max_side(request.quality), on_step=on_progress
        )
        return ProviderResult(image=result.image, confidence=result.signals.as_dict())

    def close(self) -> None:
        self.models.close()
