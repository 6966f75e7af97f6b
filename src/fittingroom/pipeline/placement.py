"""Where each garment landmark lands on the person: control-point pairs for the warp.

All coordinates are pixels, x right, y down. Garment sizes are scaled by the ratio of the
body's shoulder span to the garment's torso width, so a garment keeps its proportions
(a cropped top stays short, a long shirt long).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fittingroom.pipeline.garment import TopLandmarks
from fittingroom.pipeline.pose import BodyPose, Landmark

SHOULDER_EASE = 0.16  # garment shoulder seam beyond the joint, fraction of shoulder width
HEM_EASE = 0.12  # hem wider than the hips, fraction of shoulder width


@dataclass(frozen=True)
class Placement:
    """Matched control points: `garment` (n, 2) in garment pixels, `body` (n, 2) in person pixels."""

    garment: np.ndarray
    body: np.ndarray
    scale: float  # person pixels per garment pixel


def _along(polyline: list[np.ndarray], distance: float) -> np.ndarray:
    """The point `distance` pixels along a polyline, extrapolating past its end."""
    for a, b in zip(polyline, polyline[1:], strict=False):
        seg = float(np.linalg.norm(b - a))
        if distance <= seg or b is polyline[-1]:
            return a + (b - a) * (distance / max(seg, 1e-6))
        distance -= seg
    return polyline[-1]


def place_top(garment: TopLandmarks, pose: BodyPose) -> Placement:
    """Control points for a top: neck, shoulders, armpits, sleeve ends, waist and hem."""
    l_sh, r_sh = pose.image_left_right(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    l_hip, r_hip = pose.image_left_right(Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    span = max(float(r_sh[0] - l_sh[0]), 0.25 * pose.shoulder_width, 1.0)
    out = np.array([1.0, 0.0], np.float32)  # image-right unit vector
    body_l_sh = l_sh - out * SHOULDER_EASE * span
    body_r_sh = r_sh + out * SHOULDER_EASE * span
    scale = float(np.linalg.norm(body_r_sh - body_l_sh)) / max(
        float(np.linalg.norm(garment.right_shoulder - garment.left_shoulder)), 1.0
    )

    mid_sh = 0.5 * (l_sh + r_sh)
    mouth = 0.5 * (pose[Landmark.MOUTH_LEFT] + pose[Landmark.MOUTH_RIGHT])
    neck = mid_sh + 0.3 * (mouth - mid_sh)  # collar sits a little above the shoulder line
    garment_neck_drop = float(
        np.mean([garment.left_shoulder[1], garment.right_shoulder[1]]) - garment.neck[1]
    )
    neck = np.array([mid_sh[0], min(neck[1], mid_sh[1] - garment_neck_drop * scale)], np.float32)

    # Hem: the garment's own length below the shoulder line, following the torso's axis.
    mid_hip = 0.5 * (l_hip + r_hip)
    axis = mid_hip - mid_sh
    axis_len = max(float(np.linalg.norm(axis)), 1.0)
    axis = axis / axis_len
    garment_len = float(garment.left_hem[1] - garment.left_shoulder[1]) * scale
    hem_center = mid_sh + axis * garment_len
    hip_half = 0.5 * max(float(r_hip[0] - l_hip[0]), 0.0) + HEM_EASE * span
    hem_half = max(hip_half, 0.5 * garment.torso_width * scale)
    normal = np.array([-axis[1], axis[0]], np.float32)  # image-left to image-right across the torso
    if normal[0] < 0:
        normal = -normal
    body_l_hem = hem_center - normal * hem_half
    body_r_hem = hem_center + normal * hem_half
    # Waist: halfway down, between shoulder and hem widths.
    body_l_waist = 0.5 * (body_l_sh + body_l_hem)
    body_r_waist = 0.5 * (body_r_sh + body_r_hem)

    pairs: list[tuple[np.ndarray, np.ndarray]] = [
        (garment.neck, neck),
        (garment.left_shoulder, body_l_sh),
        (garment.right_shoulder, body_r_sh),
        (garment.left_hem, body_l_hem),
        (garment.right_hem, body_r_hem),
        (0.5 * (garment.left_hem + garment.right_hem), hem_center),
        (0.5 * (garment.left_shoulder + garment.left_hem), body_l_waist),
        (0.5 * (garment.right_shoulder + garment.right_hem), body_r_waist),
    ]

    # Sleeves follow the arm bones: shoulder -> elbow -> wrist.
    for side, g_sh, g_pit, g_cuff, b_sh in (
        ("left", garment.left_shoulder, garment.left_armpit, garment.left_cuff, body_l_sh),
        ("right", garment.right_shoulder, garment.right_armpit, garment.right_cuff, body_r_sh),
    ):
        joints = _arm_joints(pose, image_side=side)
        sleeve_len = float(np.linalg.norm(g_cuff - g_sh)) * scale
        if sleeve_len < 0.15 * span:  # sleeveless: pin the armhole only
            pairs.append((g_pit, _armpit_target(g_pit, g_sh, garment, b_sh, axis, scale)))
            continue
        bone = [joints[0], joints[1], joints[2]]
        # A sleeve point whose limb crosses in front of the torso (hand on hip, arms folded)
        # would fold a single smooth warp over itself; leave it out and let the warp bend.
        for g_point, fraction in ((g_cuff, 1.0), (0.5 * (g_sh + g_cuff), 0.5)):
            target = _along(bone, fraction * sleeve_len)
            if not body_l_waist[0] < target[0] < body_r_waist[0]:
                pairs.append((g_point, target))
        pairs.append((g_pit, _armpit_target(g_pit, g_sh, garment, b_sh, axis, scale)))

    return Placement(
        garment=np.array([p[0] for p in pairs], np.float32),
        body=np.array([p[1] for p in pairs], np.float32),
        scale=scale,
    )


def _arm_joints(pose: BodyPose, image_side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shoulder, elbow, wrist) of the arm on the image-left or image-right."""
    left = (pose[Landmark.LEFT_SHOULDER], pose[Landmark.LEFT_ELBOW], pose[Landmark.LEFT_WRIST])
    right = (pose[Landmark.RIGHT_SHOULDER], pose[Landmark.RIGHT_ELBOW], pose[Landmark.RIGHT_WRIST])
    left_is_image_left = left[0][0] <= right[0][0]
    if (image_side == "left") == left_is_image_left:
        return left
    return right


def _armpit_target(
    g_pit: np.ndarray,
    g_sh: np.ndarray,
    garment: TopLandmarks,
    b_sh: np.ndarray,
    axis: np.ndarray,
    scale: float,
) -> np.ndarray:
    """The armpit sits at the garment's own depth below the shoulder, on the torso's side."""
    drop = float(g_pit[1] - g_sh[1]) * scale
    return (b_sh + axis * drop).astype(np.float32)
