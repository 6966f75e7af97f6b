"""Blend the warped garment into the person: carry the person's shading, feather the edges."""

from __future__ import annotations

import cv2
import numpy as np

from fittingroom.pipeline.checks import check_mask, check_rgb


def wide_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur with a large `sigma` (pixels), computed at a quarter of the size.

    image: float32 (H, W). The result is smooth at this scale, so upsampling loses nothing
    visible, and it costs about 1/16 of a full-size blur.
    """
    h, w = image.shape[:2]
    if sigma < 8:
        return cv2.GaussianBlur(image, (0, 0), sigma)
    small = cv2.resize(image, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / 4)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def bounding_box(mask: np.ndarray, pad: int) -> tuple[slice, slice] | None:
    """(rows, cols) slices of the True pixels of a bool (H, W) mask grown by `pad`; None when empty."""
    shape = mask.shape
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return (
        slice(max(0, rows[0] - pad), min(shape[0], rows[-1] + pad + 1)),
        slice(max(0, cols[0] - pad), min(shape[1], cols[-1] + pad + 1)),
    )


def shading_map(image: np.ndarray, region: np.ndarray, strength: float = 0.6) -> np.ndarray:
    """Relative shading of the person: local luminance over its large-scale average.

    image: uint8 (H, W, 3) RGB; region: bool (H, W). Returns float32 (H, W), 1.0 where flat,
    < 1 in folds and shadows, > 1 in highlights; clipped to [0.7, 1.2] and faded by
    `strength` in [0, 1]. Only within `region` does it differ from 1.
    """
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32) + 20.0
    detail = cv2.GaussianBlur(gray, (0, 0), 2.0)  # drop fabric texture and JPEG noise
    base = wide_blur(gray, 25.0)
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
    out = person.copy()
    box = bounding_box(alpha > 0, 0)
    if box is None:
        return out
    shaded = garment[box].astype(np.float32) * shading[box][..., None]
    a = alpha[box][..., None]
    mixed = person[box].astype(np.float32) * (1.0 - a) + shaded * a
    out[box] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
    return out


def feather(mask: np.ndarray, radius_px: float) -> np.ndarray:
    """Soften a float32 (H, W) mask's edges with a Gaussian of `radius_px`; keeps [0, 1]."""
    if radius_px <= 0:
        return mask
    out = np.zeros_like(mask)
    box = bounding_box(mask > 0, int(3 * radius_px) + 1)
    if box is not None:
        out[box] = np.clip(cv2.GaussianBlur(mask[box], (0, 0), radius_px), 0.0, 1.0)
    return out
