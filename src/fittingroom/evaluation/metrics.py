"""Quality metrics of one try-on result. Pure functions on arrays.

Images are uint8 (H, W, 3) RGB of one size; masks bool (H, W).
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage.color import deltaE_ciede2000, rgb2lab
from skimage.metrics import structural_similarity


def masked_ssim(before: np.ndarray, after: np.ndarray, region: np.ndarray) -> float | None:
    """Mean SSIM (greyscale, 7x7 windows) over `region`; None when the region is empty."""
    if region.sum() < 49:
        return None
    ys, xs = np.nonzero(region)
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    a = cv2.cvtColor(before[box], cv2.COLOR_RGB2GRAY)
    b = cv2.cvtColor(after[box], cv2.COLOR_RGB2GRAY)
    if min(a.shape) < 7:
        return None
    _, ssim_map = structural_similarity(a, b, data_range=255, full=True)
    return float(ssim_map[region[box]].mean())


def full_ssim(before: np.ndarray, after: np.ndarray) -> float:
    """SSIM over the whole image, RGB channels averaged (as try-on papers report it)."""
    return float(structural_similarity(before, after, data_range=255, channel_axis=2))


def palette(
    image: np.ndarray, mask: np.ndarray, k: int = 3, max_samples: int = 4000
) -> tuple[np.ndarray, np.ndarray]:
    """The k dominant colours (CIE Lab, float (k, 3)) of `image` in `mask`, with weights (k,) summing to 1."""
    pixels = image[mask].reshape(-1, 3)
    if len(pixels) == 0:
        return np.zeros((0, 3)), np.zeros(0)
    rng = np.random.default_rng(0)
    if len(pixels) > max_samples:
        pixels = pixels[rng.choice(len(pixels), max_samples, replace=False)]
    lab = rgb2lab(pixels[None].astype(np.float64) / 255.0)[0].astype(np.float32)
    k = min(k, len(lab))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.5)
    cv2.setRNGSeed(0)
    _, labels, centers = cv2.kmeans(lab, k, None, criteria, 3, cv2.KMEANS_PP_CENTERS)  # type: ignore[call-overload]
    weights = np.bincount(labels.ravel(), minlength=k).astype(np.float64)
    return centers.astype(np.float64), weights / weights.sum()


def colour_fidelity(
    garment: np.ndarray, garment_mask: np.ndarray, result: np.ndarray, rendered_mask: np.ndarray
) -> float | None:
    """Weighted CIEDE2000 from each dominant garment colour to the nearest dominant colour of
    the rendered garment. Lower is better; under ~5 is hard to see, over ~15 is another colour."""
    source, weights = palette(garment, garment_mask)
    target, _ = palette(result, rendered_mask)
    if len(source) == 0 or len(target) == 0:
        return None
    distances = deltaE_ciede2000(source[:, None, :], target[None, :, :])
    return float((distances.min(axis=1) * weights).sum())


def coverage_and_spill(
    rendered: np.ndarray, target: np.ndarray, person: np.ndarray
) -> tuple[float | None, float]:
    """(share of `target` covered by `rendered`, share of `rendered` outside the person).

    Coverage is None when the target region is not in the picture."""
    coverage = float((rendered & target).sum()) / int(target.sum()) if target.any() else None
    spill = float((rendered & ~person).sum()) / max(int(rendered.sum()), 1)
    return coverage, spill
