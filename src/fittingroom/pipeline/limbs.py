"""Bone warp: carry a garment limb (sleeve, trouser leg) along the body's bones.

A garment limb is described by its axis, from `root` (shoulder seam, leg top) to `tip`
(cuff, leg opening). On the body, the limb follows a polyline of joints (shoulder, elbow,
wrist; or hip, knee, ankle). Each output pixel is expressed as (arc length along the bone
polyline, signed offset across it) using its nearest bone segment, and sampled from the
garment point at the same (length, offset) along the garment axis, scaled. Unlike one
smooth warp over the whole garment, this cannot fold when an elbow bends across the body.

Coordinates are pixels, x right, y down. Offsets are positive to the left of the direction
of travel as seen on screen ((dx, dy) -> (dy, -dx) is "left"); the same convention on both
sides keeps the mapping orientation-preserving.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class LimbMap:
    """Output-pixel -> garment-pixel maps over a region of interest.

    map_x, map_y: float32 (y1 - y0, x1 - x0), garment coordinates for each output pixel.
    roi: (x0, y0, x1, y1) in output pixels.
    """

    map_x: np.ndarray
    map_y: np.ndarray
    roi: tuple[int, int, int, int]


def _left_normal(v: np.ndarray) -> np.ndarray:
    return np.stack([v[..., 1], -v[..., 0]], axis=-1)


def bone_warp(
    root: np.ndarray,
    tip: np.ndarray,
    bones: list[np.ndarray],
    length_scale: float,
    width_scale: float,
    out_shape: tuple[int, int],
    reach: float,
    grid_step: int = 4,
) -> LimbMap | None:
    """Map output pixels within `reach` px of the `bones` polyline back onto the garment limb.

    root, tip: float (2,) garment points; bones: >= 2 float (2,) body points; length_scale
    and width_scale: body pixels per garment pixel along and across the limb. The garment
    limb's length (|tip - root| * length_scale) is laid along the bones, extending the last
    bone if the garment is longer. The map is computed every `grid_step` px and interpolated.
    Returns None when the ROI is empty.
    """
    height, width = out_shape
    joints = [np.asarray(b, np.float64) for b in bones]
    axis = np.asarray(tip, np.float64) - np.asarray(root, np.float64)
    axis_len = float(np.linalg.norm(axis))
    if axis_len < 1e-6 or len(joints) < 2:
        return None
    unit_g = axis / axis_len
    normal_g = _left_normal(unit_g)
    # Extend the last bone so that the polyline is at least as long as the garment limb.
    garment_len = axis_len * length_scale
    lengths = [float(np.linalg.norm(b - a)) for a, b in zip(joints, joints[1:], strict=False)]
    if sum(lengths) < garment_len:
        last_dir = (joints[-1] - joints[-2]) / max(lengths[-1], 1e-6)
        joints[-1] = joints[-1] + last_dir * (garment_len - sum(lengths))
        lengths[-1] = float(np.linalg.norm(joints[-1] - joints[-2]))

    points = np.array(joints)
    x0, y0 = np.floor(points.min(axis=0) - reach).astype(int)
    x1, y1 = np.ceil(points.max(axis=0) + reach).astype(int) + 1
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if x1 <= x0 or y1 <= y0:
        return None
    # Evaluate on a lattice every `grid_step` px, then interpolate: the map is smooth along a
    # bone and the interpolation error is a fraction of a pixel.
    xs = np.arange(x0, x1 + grid_step, grid_step, dtype=np.float64)
    ys = np.arange(y0, y1 + grid_step, grid_step, dtype=np.float64)
    gx, gy = np.meshgrid(xs, ys)
    q = np.stack([gx, gy], axis=-1)

    best_dist = np.full(gx.shape, np.inf)
    arc = np.zeros(gx.shape)
    offset = np.zeros(gx.shape)
    start = 0.0
    for index, (a, b, seg_len) in enumerate(zip(joints, joints[1:], lengths, strict=False)):
        d = (b - a) / max(seg_len, 1e-6)
        rel = q - a
        # The first bone also runs back past the root, so that a sleeve cap above the shoulder
        # seam follows the garment's axis instead of folding onto the root's cross-line.
        t = np.clip(rel @ d, -reach if index == 0 else 0.0, seg_len)
        nearest = a + t[..., None] * d
        dist = np.linalg.norm(q - nearest, axis=-1)
        better = dist < best_dist
        best_dist = np.where(better, dist, best_dist)
        arc = np.where(better, start + t, arc)
        offset = np.where(better, rel @ _left_normal(d), offset)
        start += seg_len

    along = arc / length_scale
    across = offset / width_scale
    garment = np.asarray(root, np.float64) + along[..., None] * unit_g + across[..., None] * normal_g
    outside = ((best_dist > reach) | (arc > garment_len + 1.0) | (arc < -reach)).astype(np.float32)
    coarse = np.dstack([garment.astype(np.float32), outside])
    if grid_step > 1:
        lattice_x, lattice_y = np.meshgrid(
            np.arange(x1 - x0, dtype=np.float32) / grid_step, np.arange(y1 - y0, dtype=np.float32) / grid_step
        )
        fine = cv2.remap(coarse, lattice_x, lattice_y, interpolation=cv2.INTER_LINEAR)
    else:
        fine = coarse[: y1 - y0, : x1 - x0]
    unmapped = fine[..., 2] > 0.5
    map_x = np.where(unmapped, -1.0, fine[..., 0]).astype(np.float32)
    map_y = np.where(unmapped, -1.0, fine[..., 1]).astype(np.float32)
    return LimbMap(map_x=map_x, map_y=map_y, roi=(int(x0), int(y0), int(x1), int(y1)))
