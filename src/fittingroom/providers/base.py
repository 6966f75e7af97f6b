"""What every provider offers, and the request/result it exchanges with the job runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from fittingroom.pipeline.stages import Step

ProgressCallback = Callable[[Step], None]


@dataclass(frozen=True)
class Capabilities:
    categories: tuple[str, ...]
    multi_garment: bool
    max_side: int  # largest long side it renders, pixels


@dataclass(frozen=True)
class TryOnRequest:
    """Inputs as stored: encoded image bytes (JPEG/PNG/WEBP) and the job's options."""

    person: bytes
    garment: bytes
    category: str = "top"
    quality: str = "standard"  # "standard" | "hd"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProviderResult:
    image: np.ndarray  # uint8 (H, W, 3) RGB
    confidence: dict[str, float] = field(default_factory=dict)  # provider's own signals, each in [0, 1]


class Provider(Protocol):
    name: str
    capabilities: Capabilities

    def tryon(self, request: TryOnRequest, on_progress: ProgressCallback) -> ProviderResult: ...
