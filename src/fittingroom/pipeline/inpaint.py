"""Remove what of the old garment the new one will not cover."""

from __future__ import annotations

import cv2
import numpy as np

from fittingroom.pipeline.blend import bounding_box
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


def synthesize_skin(image: np.ndarray, region: np.ndarray, skin_rgb: np.ndarray) -> np.ndarray:
    """Paint bare skin over `region` (bool (H, W)) of an RGB uint8 image.

    Tone: `skin_rgb` (float (3,), the person's own face colour). Shading: the image's own
    large-scale luminance in the region relative to its median, so folds of the old cloth
    do not show but the light falling across the body does. Returns a new image.
    """
    check_rgb(image, "skin image")
    box = bounding_box(region, 24)
    if box is None:
        return image
    crop, inside = image[box], region[box]
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    smooth = cv2.GaussianBlur(
        cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA), (0, 0), 1.5
    )
    smooth = cv2.resize(smooth, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    reference = float(np.median(smooth[inside])) + 1.0
    shade = np.clip(smooth / reference, 0.8, 1.15)
    painted = np.clip(skin_rgb[None, None, :] * shade[..., None], 0, 255)
    soft = cv2.GaussianBlur(inside.astype(np.float32), (0, 0), 1.5)[..., None]
    soft = np.where(inside[..., None], np.maximum(soft, 0.85), soft)
    mixed = crop.astype(np.float32) * (1 - soft) + painted * soft
    out = image.copy()
    out[box] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
    return out
