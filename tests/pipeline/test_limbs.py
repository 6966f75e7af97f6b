"""Bone warp invariants."""

from __future__ import annotations

import numpy as np

from fittingroom.pipeline.limbs import bone_warp


def sample(limb, x: int, y: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    x0, y0, _, _ = limb.roi
    return float(limb.map_x[y - y0, x - x0]), float(limb.map_y[y - y0, x - x0])


def test_straight_bone_equal_to_axis_is_identity() -> None:
    root, tip = np.array([50.0, 20.0]), np.array([50.0, 120.0])
    limb = bone_warp(root, tip, [root, tip], 1.0, 1.0, (200, 200), reach=15, grid_step=1)
    assert limb is not None
    for x, y in [(50, 20), (50, 70), (40, 100), (62, 30)]:
        assert np.allclose(sample(limb, x, y), (x, y), atol=1e-4)


def test_bent_elbow_follows_the_forearm() -> None:
    # Garment sleeve hangs straight down 100 px; the arm bends 90 degrees at 50 px.
    root, tip = np.array([0.0, 0.0]), np.array([0.0, 100.0])
    shoulder, elbow, wrist = np.array([100.0, 20.0]), np.array([100.0, 70.0]), np.array([150.0, 70.0])
    limb = bone_warp(root, tip, [shoulder, elbow, wrist], 1.0, 1.0, (200, 200), reach=8, grid_step=1)
    assert limb is not None
    # 30 px along the forearm is 80 px along the sleeve.
    assert np.allclose(sample(limb, 130, 70), (0.0, 80.0), atol=1e-4)
    # Pixels far from the bones are left unmapped.
    assert sample(limb, 150, 25) == (-1.0, -1.0)


def test_scales_apply_along_and_across() -> None:
    root, tip = np.array([0.0, 0.0]), np.array([0.0, 50.0])
    limb = bone_warp(
        root, tip, [np.array([20.0, 10.0]), np.array([20.0, 110.0])], 2.0, 4.0, (200, 100), reach=30
    )
    assert limb is not None
    gx, gy = sample(limb, 28, 60)  # 50 px down, 8 px to the right of a downward bone
    assert np.isclose(gy, 25.0) and np.isclose(abs(gx), 2.0)


def test_coarse_grid_matches_exact_map_along_a_straight_bone() -> None:
    root, tip = np.array([10.0, 5.0]), np.array([60.0, 95.0])
    bones = [np.array([40.0, 20.0]), np.array([90.0, 150.0])]
    exact = bone_warp(root, tip, bones, 1.3, 1.1, (200, 200), reach=20, grid_step=1)
    coarse = bone_warp(root, tip, bones, 1.3, 1.1, (200, 200), reach=20, grid_step=4)
    assert exact is not None and coarse is not None and exact.roi == coarse.roi
    both = (exact.map_x >= 0) & (coarse.map_x >= 0)
    assert both.mean() > 0.2  # a diagonal limb fills part of its bounding box
    # Linear along a straight bone, so interpolation is exact inside; at the outer fringe a
    # lattice node past the clamp bends it by under a pixel.
    for exact_map, coarse_map in ((exact.map_x, coarse.map_x), (exact.map_y, coarse.map_y)):
        error = np.abs(exact_map - coarse_map)[both]
        assert np.percentile(error, 99) < 0.05 and error.max() < 1.0
