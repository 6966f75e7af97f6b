"""What every provider offers, and the request/result it exchanges with the job runner."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from fittingroom.outfit.layering import OutfitPlan
from fittingroom.pipeline.stages import Step

ProgressCallback = Callable[[Step], None]


@dataclass(frozen=True)
class Capabilities:
    categories: tuple[str, ...]
    multi_garment: bool
    max_side: int  # largest long side it renders, pixels


@dataclass(frozen=True)
class GarmentPart:
    """One garment of an outfit: encoded image bytes (JPEG/PNG/WEBP), category and style.

    style: "tucked"/"untucked" for a top, "open"/"closed" for outerwear, else None.
    """

    image: bytes
    category: str = "top"
    style: str | None = None
    photo_type: str = "auto"  # "auto", "flat-lay" or "model" (FASHN's garment_photo_type)


@dataclass(frozen=True)
class TryOnRequest:
    """Inputs as stored, and the job's options. `garments` is in z-order (drawn first first)."""

    person: bytes
    garments: tuple[GarmentPart, ...]
    quality: str = "standard"  # "standard" | "hd"
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_plan(
        cls,
        person: bytes,
        plan: OutfitPlan,
        images: Sequence[bytes],
        quality: str = "standard",
        options: dict[str, Any] | None = None,
    ) -> TryOnRequest:
        """A request for a resolved outfit: the plan's layers (innermost first) with their
        styles; `images[i]` is the garment sent at request position i."""
        photo_type = (options or {}).get("garment_photo_type", "auto")
        garments = tuple(
            GarmentPart(images[layer.index], layer.category, layer.style, photo_type) for layer in plan.layers
        )
        return cls(person=person, garments=garments, quality=quality, options=dict(options or {}))


@dataclass
class ProviderResult:
    image: np.ndarray  # uint8 (H, W, 3) RGB
    confidence: dict[str, float] = field(default_factory=dict)  # provider's own signals, each in [0, 1]


class Provider(Protocol):
    name: str
    capabilities: Capabilities

    def tryon(self, request: TryOnRequest, on_progress: ProgressCallback) -> ProviderResult: ...
