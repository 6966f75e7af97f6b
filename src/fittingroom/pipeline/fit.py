"""Fit one garment onto the body: its layer (colour and coverage) in the person's frame."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from fittingroom.pipeline.blend import bounding_box, wide_blur
from fittingroom.pipeline.limbs import bone_warp
from fittingroom.pipeline.placement import LimbSpec, PanelSpec, Placement
from fittingroom.pipeline.warp import fit_tps, warp_image


@dataclass
class Layer:
    """A garment rendered in the person's frame.

    rgb: uint8 (H, W, 3); alpha: float32 (H, W) in [0, 1], the garment's coverage.
    limb_alpha: float32 (H, W), the part of alpha from sleeves or legs (drawn over arms/hands).
    """

    category: str
    rgb: np.ndarray
    alpha: np.ndarray
    limb_alpha: np.ndarray


def _limb_half_width(part: np.ndarray, root: np.ndarray, tip: np.ndarray) -> float:
    """95th percentile distance (garment px) of a limb part's pixels from its axis."""
    step = 4  # every 4th pixel each way: a percentile needs no more
    ys, xs = np.nonzero(part[::step, ::step] > 0.5)
    if xs.size == 0:
        return 1.0
    ys, xs = ys * step, xs * step
    axis = (tip - root) / max(float(np.linalg.norm(tip - root)), 1e-6)
    normal = np.array([axis[1], -axis[0]])
    offsets = np.abs((np.stack([xs, ys], axis=1) - root) @ normal)
    return float(np.percentile(offsets, 95)) + 1.0


def _draw_limb(
    rgb: np.ndarray, alpha: np.ndarray, garment: np.ndarray, part: np.ndarray, spec: LimbSpec
) -> None:
    """Warp one limb part along its bones and draw it over `rgb`/`alpha` (in place)."""
    garment_half = _limb_half_width(part, spec.root, spec.tip)
    # A sleeve or leg is at least as wide as the limb inside it (a little ease on top).
    width_scale = max(spec.width_scale, 1.08 * spec.body_half_width / max(garment_half, 1.0))
    reach = garment_half * width_scale * 1.1 + 2.0
    limb = bone_warp(
        spec.root,
        spec.tip,
        spec.bones,
        spec.length_scale,
        width_scale,
        (rgb.shape[0], rgb.shape[1]),
        reach,
    )
    if limb is None:
        return
    x0, y0, x1, y1 = limb.roi
    colour = cv2.remap(garment, limb.map_x, limb.map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    cover = cv2.remap(
        part, limb.map_x, limb.map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0.0,)
    )
    a = cover[..., None]
    region = rgb[y0:y1, x0:x1].astype(np.float32)
    rgb[y0:y1, x0:x1] = np.clip(region * (1 - a) + colour.astype(np.float32) * a + 0.5, 0, 255).astype(
        np.uint8
    )
    alpha[y0:y1, x0:x1] = np.maximum(alpha[y0:y1, x0:x1], cover)


def _draw_panel(
    rgb: np.ndarray, alpha: np.ndarray, garment: np.ndarray, part: np.ndarray, panel: PanelSpec
) -> None:
    """TPS-warp a panel part and write it into `rgb`/`alpha` (in place), inside its ROI only."""
    height, width = alpha.shape
    to_garment = fit_tps(panel.body, panel.garment, smoothing=0.05)
    margin = 0.15 * float(np.ptp(panel.body[:, 0]))
    x0, y0 = np.maximum(panel.body.min(axis=0) - margin, 0).astype(int)
    x1, y1 = (panel.body.max(axis=0) + margin).astype(int) + 1
    colour, cover = warp_image(garment, part, to_garment, (height, width), roi=(x0, y0, x1, y1))
    box = (slice(y0, min(y1, height)), slice(x0, min(x1, width)))
    a = cover[box][..., None]
    mixed = rgb[box].astype(np.float32) * (1 - a) + colour[box].astype(np.float32) * a
    rgb[box] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
    np.maximum(alpha[box], cover[box], out=alpha[box])


def render_layer(
    category: str,
    garment: np.ndarray,
    panel_part: np.ndarray | None,
    limb_parts: list[np.ndarray],
    placement: Placement,
    out_shape: tuple[int, int],
) -> Layer:
    """Render a garment: the panel first, then each limb over it (a sleeve lies over the torso).

    garment: uint8 (h, w, 3); panel_part and limb_parts: float32 (h, w) masks of the garment's
    parts, limb_parts in the order of `placement.limbs`.
    """
    height, width = out_shape
    rgb = np.zeros((height, width, 3), np.uint8)
    alpha = np.zeros((height, width), np.float32)
    if placement.panel is not None and panel_part is not None:
        _draw_panel(rgb, alpha, garment, panel_part, placement.panel)
    limb_alpha = np.zeros((height, width), np.float32)
    for spec, part in zip(placement.limbs, limb_parts, strict=True):
        _draw_limb(rgb, limb_alpha, garment, part, spec)
    np.maximum(alpha, limb_alpha, out=alpha)
    return Layer(category=category, rgb=rgb, alpha=alpha, limb_alpha=limb_alpha)


def close_seams(layer: Layer, allowed: np.ndarray, radius_px: float) -> None:
    """Fill the narrow gaps between a layer's parts (torso panel and sleeves, two trouser legs).

    Pixels inside the morphological closing of the layer's coverage (an ellipse of
    `radius_px`) that are `allowed` (bool (H, W): old clothing, so never real background
    between an arm and the body) become garment, coloured by a normalised convolution of the
    layer's own pixels: the local garment colour flows into the seam. Works inside the
    layer's bounding box, with the wide blur at reduced scale. In place.
    """
    box = bounding_box(layer.alpha > 0.5, int(radius_px) + 2)
    if box is None:
        return
    alpha = layer.alpha[box]
    covered = (alpha > 0.5).astype(np.uint8)
    # A large elliptical closing is slow at full size; at a quarter it is 16x cheaper, and a
    # seam's outline does not need more precision than that.
    h, w = covered.shape
    small = cv2.resize(covered, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    size = max(3, int(radius_px / 2) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    closed = cv2.resize(
        cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel), (w, h), interpolation=cv2.INTER_NEAREST
    )
    seams = (closed > 0) & (covered == 0) & allowed[box]
    if not seams.any():
        return
    rgb = layer.rgb[box]
    weights = np.maximum(wide_blur(alpha, radius_px), 1e-3)
    colour = np.dstack(
        [wide_blur(rgb[..., c].astype(np.float32) * alpha, radius_px) / weights for c in range(3)]
    )
    rgb[seams] = np.clip(colour[seams], 0, 255).astype(np.uint8)
    alpha[seams] = 1.0
