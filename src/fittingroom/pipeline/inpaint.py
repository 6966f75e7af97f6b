"""Remove what of the old garment the new one will not cover."""

from __future__ import annotations

import cv2
import numpy as np

from fittingroom.pipeline.checks import check_rgb

_WORK_SIDE = 384  # long side at which holes are filled; the fill is smooth, so detail is not lost


def fill_region(image: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Fill `region` (bool (H, W)) of an RGB uint8 (H, W, 3) image from its surroundings.

    Uses OpenCV's Telea inpainting at reduced resolution, then pastes only the filled pixels
    back, so everything outside `region` is unchanged (bit for bit).
    """
    check_rgb(image, "inpaint image")
    if not region.any():
        return image
    h, w = image.shape[:2]
    scale = min(1.0, _WORK_SIDE / max(h, w))
    small_size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(image, small_size, interpolation=cv2.INTER_AREA)
    small_region = cv2.resize(region.astype(np.uint8), small_size, interpolation=cv2.INTER_NEAREST)
    small_region = cv2.dilate(small_region, np.ones((3, 3), np.uint8))
    filled = cv2.inpaint(small, small_region, 5, cv2.INPAINT_TELEA)
    filled = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR)
    out = image.copy()
    out[region] = filled[region]
    return out
