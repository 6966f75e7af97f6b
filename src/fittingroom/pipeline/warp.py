"""Thin-plate-spline warp: carry the garment image onto the person's body.

A TPS maps R^2 -> R^2 exactly through n control points with minimal bending energy. We fit
the *inverse* map (person pixel -> garment pixel) so the garment can be resampled with
cv2.remap. Points are float (n, 2) pixel coordinates, x right, y down.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from fittingroom.pipeline.checks import check_rgb


def _kernel(r2: np.ndarray) -> np.ndarray:
    """U(r) = r^2 log r^2, with U(0) = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = r2 * np.log(r2)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


@dataclass(frozen=True)
class ThinPlateSpline:
    """A fitted TPS. `control` (n, 2) in source space, normalised by `offset` and `scale`."""

    control: np.ndarray
    weights: np.ndarray  # (n, 2)
    affine: np.ndarray  # (3, 2)
    offset: np.ndarray  # (2,)
    scale: float

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """Map float (m, 2) source points to float64 (m, 2) target points."""
        p = (np.asarray(points, np.float64) - self.offset) / self.scale
        r2 = ((p[:, None, :] - self.control[None, :, :]) ** 2).sum(axis=2)
        out = _kernel(r2) @ self.weights + self.affine[0] + p @ self.affine[1:]
        return out * self.scale + self.offset


def fit_tps(source: np.ndarray, target: np.ndarray, smoothing: float = 0.0) -> ThinPlateSpline:
    """Fit f with f(source[i]) ~= target[i]. source, target: float (n, 2), n >= 3.

    `smoothing` >= 0 trades exactness for smoothness (0 interpolates exactly).
    Both point sets share one normalisation so the system stays well conditioned.
    """
    source = np.asarray(source, np.float64)
    target = np.asarray(target, np.float64)
    if source.shape != target.shape or source.ndim != 2 or source.shape[1] != 2 or len(source) < 3:
        raise ValueError(f"need matching (n>=3, 2) point sets, got {source.shape} and {target.shape}")
    offset = source.mean(axis=0)
    scale = float(max(np.abs(source - offset).max(), 1.0))
    s = (source - offset) / scale
    t = (target - offset) / scale
    n = len(s)
    k = _kernel(((s[:, None, :] - s[None, :, :]) ** 2).sum(axis=2)) + smoothing * np.eye(n)
    p = np.hstack([np.ones((n, 1)), s])
    system = np.zeros((n + 3, n + 3))
    system[:n, :n] = k
    system[:n, n:] = p
    system[n:, :n] = p.T
    rhs = np.zeros((n + 3, 2))
    rhs[:n] = t
    solution = np.linalg.lstsq(system, rhs, rcond=None)[0]
    return ThinPlateSpline(control=s, weights=solution[:n], affine=solution[n:], offset=offset, scale=scale)


def warp_image(
    image: np.ndarray,
    mask: np.ndarray,
    inverse: ThinPlateSpline,
    out_shape: tuple[int, int],
    roi: tuple[int, int, int, int] | None = None,
    grid_step: int = 8,
) -> tuple[np.ndarray, np.ndarray]:
    """Resample `image` and `mask` into an (H, W) = `out_shape` canvas.

    image: uint8 (h, w, 3); mask: float32 (h, w) in [0, 1]. `inverse` maps output pixel
    coordinates to input pixel coordinates. Only `roi` = (x0, y0, x1, y1) of the output is
    computed (the rest is zero); the map is evaluated every `grid_step` pixels and
    interpolated bilinearly, which is exact for the affine part and close for the bend.
    Returns (uint8 (H, W, 3), float32 (H, W)).
    """
    check_rgb(image, "warp source")
    height, width = out_shape
    x0, y0, x1, y1 = roi if roi is not None else (0, 0, width, height)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(width, x1), min(height, y1)
    out_img = np.zeros((height, width, 3), np.uint8)
    out_mask = np.zeros((height, width), np.float32)
    if x1 <= x0 or y1 <= y0:
        return out_img, out_mask
    gx = np.arange(x0, x1 + grid_step, grid_step, dtype=np.float64)
    gy = np.arange(y0, y1 + grid_step, grid_step, dtype=np.float64)
    grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    mapped = inverse(grid).reshape(len(gy), len(gx), 2).astype(np.float32)
    # Upsample the coarse map so that grid node i lands exactly on output pixel x0 + i*step
    # (cv2.resize aligns pixel corners, not nodes, so resample on the node lattice).
    if grid_step > 1:
        span_w = (len(gx) - 1) * grid_step + 1
        span_h = (len(gy) - 1) * grid_step + 1
        lattice_x, lattice_y = np.meshgrid(
            np.linspace(0, len(gx) - 1, span_w, dtype=np.float32),
            np.linspace(0, len(gy) - 1, span_h, dtype=np.float32),
        )
        full = cv2.remap(mapped, lattice_x, lattice_y, interpolation=cv2.INTER_LINEAR)
    else:
        full = mapped
    map_xy = full[: y1 - y0, : x1 - x0]
    map_x = np.ascontiguousarray(map_xy[..., 0])
    map_y = np.ascontiguousarray(map_xy[..., 1])
    out_img[y0:y1, x0:x1] = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    out_mask[y0:y1, x0:x1] = cv2.remap(
        mask, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0.0,)
    )
    return out_img, out_mask
