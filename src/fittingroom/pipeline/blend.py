"""Blend the warped garment into the person: carry the person's shading, feather the edges."""

from __future__ import annotations

import cv2
import numpy as np

from fittingroom.pipeline.checks import check_mask, check_rgb


def shading_map(image: np.ndarray, region: np.ndarray, strength: float = 0.6) -> np.ndarray:
    """Relative shading of the person: local luminance over its large-scale average.

    image: uint8 (H, W, 3) RGB; region: bool (H, W). Returns float32 (H, W), 1.0 where flat,
    < 1 in folds and shadows, > 1 in highlights; clipped to [0.7, 1.2] and faded by
    `strength` in [0, 1]. Only within `region` does it differ from 1.
    """
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32) + 20.0
    detail = cv2.GaussianBlur(gray, (0, 0), 2.0)  # drop fabric texture and JPEG noise
    base = cv2.GaussianBlur(gray, (0, 0), 25.0)
    ratio = np.clip(detail / base, 0.7, 1.2)
    ratio = 1.0 + strength * (ratio - 1.0)
    return np.where(region, ratio, 1.0).astype(np.float32)


def composite(person: np.ndarray, garment: np.ndarray, alpha: np.ndarray, shading: np.ndarray) -> np.ndarray:
    """person*(1-alpha) + garment*shading*alpha, all (H, W) aligned.

    person, garment: uint8 (H, W, 3) RGB; alpha, shading: float32 (H, W). Returns uint8.
    """
    check_rgb(person, "person")
    check_rgb(garment, "garment")
    check_mask(alpha, (person.shape[0], person.shape[1]), "alpha")
    shaded = garment.astype(np.float32) * shading[..., None]
    a = alpha[..., None]
    out = person.astype(np.float32) * (1.0 - a) + shaded * a
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def feather(mask: np.ndarray, radius_px: float) -> np.ndarray:
    """Soften a float32 (H, W) mask's edges with a Gaussian of `radius_px`; keeps [0, 1]."""
    if radius_px <= 0:
        return mask
    return np.clip(cv2.GaussianBlur(mask, (0, 0), radius_px), 0.0, 1.0).astype(np.float32)
