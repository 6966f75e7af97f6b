"""Thin-plate spline invariants."""

from __future__ import annotations

import numpy as np

from fittingroom.pipeline.warp import fit_tps, warp_image

RNG = np.random.default_rng(7)


def test_tps_interpolates_its_control_points() -> None:
    source = RNG.uniform(0, 500, (9, 2))
    target = source + RNG.normal(0, 20, (9, 2))
    tps = fit_tps(source, target)
    assert np.allclose(tps(source), target, atol=1e-6)


def test_tps_reproduces_an_affine_map_everywhere() -> None:
    source = RNG.uniform(0, 300, (6, 2))
    matrix = np.array([[1.2, 0.1], [-0.2, 0.9]])
    target = source @ matrix.T + [15, -4]
    probe = RNG.uniform(0, 300, (50, 2))
    assert np.allclose(fit_tps(source, target)(probe), probe @ matrix.T + [15, -4], atol=1e-6)


def test_identity_warp_returns_the_input() -> None:
    image = RNG.integers(0, 256, (97, 131, 3), dtype=np.uint8)
    mask = RNG.uniform(0, 1, (97, 131)).astype(np.float32)
    corners = np.array([[0, 0], [130, 0], [0, 96], [130, 96], [60, 40]], float)
    warped, warped_mask = warp_image(image, mask, fit_tps(corners, corners), (97, 131))
    assert np.array_equal(warped, image)
    assert np.allclose(warped_mask, mask, atol=1e-5)


def test_translation_moves_content_and_roi_limits_work() -> None:
    image = np.zeros((60, 60, 3), np.uint8)
    image[10:20, 10:20] = 255
    mask = (image[..., 0] > 0).astype(np.float32)
    pts = np.array([[0, 0], [59, 0], [0, 59], [59, 59]], float)
    shift = fit_tps(pts + [5, 7], pts)  # output pixel p samples input p - (5, 7)
    warped, warped_mask = warp_image(image, mask, shift, (60, 60), roi=(0, 0, 40, 40))
    assert warped[17:27, 15:25].min() == 255
    assert warped_mask[17:27, 15:25].min() > 0.99
    assert warped[:, 40:].max() == 0  # outside the ROI nothing is computed
