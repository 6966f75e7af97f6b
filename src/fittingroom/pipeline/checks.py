"""Entry checks for image functions (convention 9): fail loudly on the wrong shape or dtype."""

from __future__ import annotations

import numpy as np


def check_rgb(image: np.ndarray, name: str = "image") -> None:
    """Require uint8 (H, W, 3)."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"{name} must be uint8 (H, W, 3), got {image.dtype} {image.shape}")


def check_mask(mask: np.ndarray, shape: tuple[int, int], name: str = "mask") -> None:
    """Require float32 (H, W) with values in [0, 1] matching `shape`."""
    if mask.dtype != np.float32 or mask.shape != shape:
        raise ValueError(f"{name} must be float32 {shape}, got {mask.dtype} {mask.shape}")
