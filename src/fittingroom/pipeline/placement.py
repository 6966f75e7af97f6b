"""Where a garment lands on the body: control points for panels, bone specs for limbs.

All coordinates are pixels, x right, y down; "left"/"right" here are image-left/right.
Garment sizes scale by one factor per garment (body span / garment span), so a garment
keeps its proportions: a cropped top stays short, a long shirt long.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fittingroom.pipeline.garment import BottomLandmarks, TopLandmarks
from fittingroom.pipeline.pose import BodyPose, Landmark

SHOULDER_EASE = (
    0.0  # a top's shoulder seam beyond the joint, fraction of shoulder span (calibrated, see note)
)
HEM_EASE = 0.12  # a top's hem beyond the hips, fraction of shoulder span
HIP_WIDTH_PER_JOINT_SPAN = 1.75  # body width at the hips / distance between hip joints
PANEL_EASE = 1.04  # a body panel's half width over the measured torso's
LONG_SLEEVE_SHARE = 0.6  # sleeve length / garment length from which a sleeve is a long one
WAIST_ABOVE_HIPS = 0.12  # a waistband's height above the hip joints, fraction of torso length


@dataclass(frozen=True)
class BodyFrame:
    """The person's skeleton ordered by image side, float32 (2,) points."""

    shoulders: tuple[np.ndarray, np.ndarray]
    elbows: tuple[np.ndarray, np.ndarray]
    wrists: tuple[np.ndarray, np.ndarray]
    hips: tuple[np.ndarray, np.ndarray]
    knees: tuple[np.ndarray, np.ndarray]
    ankles: tuple[np.ndarray, np.ndarray]
    mouth: np.ndarray

    @classmethod
    def from_pose(cls, pose: BodyPose) -> BodyFrame:
        # The person's right side is image-left when they face the camera; decide by the shoulders
        # and keep each limb on its shoulder's side so that crossed arms stay attached.
        right_is_left = pose[Landmark.RIGHT_SHOULDER][0] <= pose[Landmark.LEFT_SHOULDER][0]

        def pair(right: Landmark, left: Landmark) -> tuple[np.ndarray, np.ndarray]:
            a, b = pose[right].astype(np.float32), pose[left].astype(np.float32)
            return (a, b) if right_is_left else (b, a)

        return cls(
            shoulders=pair(Landmark.RIGHT_SHOULDER, Landmark.LEFT_SHOULDER),
            elbows=pair(Landmark.RIGHT_ELBOW, Landmark.LEFT_ELBOW),
            wrists=pair(Landmark.RIGHT_WRIST, Landmark.LEFT_WRIST),
            hips=pair(Landmark.RIGHT_HIP, Landmark.LEFT_HIP),
            knees=pair(Landmark.RIGHT_KNEE, Landmark.LEFT_KNEE),
            ankles=pair(Landmark.RIGHT_ANKLE, Landmark.LEFT_ANKLE),
            mouth=(0.5 * (pose[Landmark.MOUTH_LEFT] + pose[Landmark.MOUTH_RIGHT])).astype(np.float32),
        )

    @property
    def shoulder_span(self) -> float:
        return max(float(np.linalg.norm(self.shoulders[1] - self.shoulders[0])), 1.0)

    @property
    def mid_shoulder(self) -> np.ndarray:
        return 0.5 * (self.shoulders[0] + self.shoulders[1])

    @property
    def mid_hip(self) -> np.ndarray:
        return 0.5 * (self.hips[0] + self.hips[1])

    @property
    def torso_length(self) -> float:
        return max(float(np.linalg.norm(self.mid_hip - self.mid_shoulder)), 1.0)

    @property
    def torso_axis(self) -> np.ndarray:
        """Unit vector from mid-shoulder to mid-hip."""
        return (self.mid_hip - self.mid_shoulder) / self.torso_length

    @property
    def across(self) -> np.ndarray:
        """Unit vector across the torso, pointing image-right."""
        axis = self.torso_axis
        normal = np.array([-axis[1], axis[0]], np.float32)
        return normal if normal[0] >= 0 else -normal

    def arm(self, side: int) -> list[np.ndarray]:
        return [self.shoulders[side], self.elbows[side], self.wrists[side]]

    def waist(self) -> tuple[np.ndarray, np.ndarray]:
        """(image-left, image-right) edges of the body at a waistband's height."""
        center = self.mid_hip - self.torso_axis * WAIST_ABOVE_HIPS * self.torso_length
        joint_span = float(np.linalg.norm(self.hips[1] - self.hips[0]))
        half = 0.5 * max(HIP_WIDTH_PER_JOINT_SPAN * joint_span, 0.6 * self.shoulder_span)
        return center - self.across * half, center + self.across * half


@dataclass(frozen=True)
class LimbSpec:
    """A garment limb (sleeve or trouser leg) to lay along body bones."""

    side: int  # 0 image-left, 1 image-right
    root: np.ndarray  # garment point where the limb starts
    tip: np.ndarray  # garment point where it ends
    bones: list[np.ndarray]  # body joints, root first
    length_scale: float
    width_scale: float
    body_half_width: float = (
        0.0  # the limb's measured half width on the person (px); the garment is no narrower
    )


@dataclass(frozen=True)
class PanelSpec:
    """A garment panel warped smoothly (TPS) through matched points, (n, 2) each."""

    garment: np.ndarray
    body: np.ndarray


@dataclass(frozen=True)
class Placement:
    panel: PanelSpec | None
    limbs: list[LimbSpec]
    scale: float  # body pixels per garment pixel
    waist_y: float | None = None  # bottoms: the waistband's height on the body


def place_upper(
    garment: TopLandmarks, body: BodyFrame, body_half_width: Callable[[np.ndarray], float] | None = None
) -> Placement:
    """A top, dress or outerwear: torso panel through neck, shoulders, armpits, waist and hem;
    each sleeve along shoulder -> elbow -> wrist.

    `body_half_width(point)`, if given, measures the torso's half width (px) on the photo at a
    point of its axis; the panel is made at least that wide there (a garment sized from the
    skeleton alone is narrow on a broad torso)."""
    span = body.shoulder_span
    left_sh = body.shoulders[0] - body.across * SHOULDER_EASE * span
    right_sh = body.shoulders[1] + body.across * SHOULDER_EASE * span
    scale = float(np.linalg.norm(right_sh - left_sh)) / max(garment.torso_width, 1.0)

    axis, across = body.torso_axis, body.across
    mid_sh = body.mid_shoulder
    neck_drop = float(0.5 * (garment.left_shoulder[1] + garment.right_shoulder[1]) - garment.neck[1]) * scale
    collar_y = min(float(mid_sh[1] + 0.3 * (body.mouth[1] - mid_sh[1])), float(mid_sh[1]) - neck_drop)
    neck = np.array([mid_sh[0], collar_y], np.float32)

    length = float(garment.left_hem[1] - garment.left_shoulder[1]) * scale
    hem_center = mid_sh + axis * length
    hip_half = 0.5 * float(np.linalg.norm(body.hips[1] - body.hips[0])) * HIP_WIDTH_PER_JOINT_SPAN / 1.4
    hem_half = max(
        hip_half + HEM_EASE * span, 0.5 * float(garment.right_hem[0] - garment.left_hem[0]) * scale
    )
    waist_depth = (
        float(0.5 * (garment.left_armpit[1] + garment.left_hem[1]) - garment.left_shoulder[1]) * scale
    )
    waist_center = mid_sh + axis * waist_depth
    waist_half = 0.5 * max(garment.torso_width * scale, 2 * hip_half)
    if body_half_width is not None:
        waist_half = max(waist_half, PANEL_EASE * body_half_width(waist_center))
        hem_half = max(hem_half, PANEL_EASE * body_half_width(hem_center))
    left_hem, right_hem = hem_center - across * hem_half, hem_center + across * hem_half
    g_left_waist = np.array([garment.torso_left, 0.5 * (garment.left_armpit[1] + garment.left_hem[1])])
    g_right_waist = np.array([garment.torso_right, 0.5 * (garment.right_armpit[1] + garment.right_hem[1])])

    def pit(g_pit: np.ndarray, b_sh: np.ndarray, g_sh: np.ndarray) -> np.ndarray:
        return (b_sh + axis * float(g_pit[1] - g_sh[1]) * scale).astype(np.float32)

    pairs = [
        (garment.neck, neck),
        (garment.left_shoulder, left_sh),
        (garment.right_shoulder, right_sh),
        (garment.left_armpit, pit(garment.left_armpit, left_sh, garment.left_shoulder)),
        (garment.right_armpit, pit(garment.right_armpit, right_sh, garment.right_shoulder)),
        (g_left_waist, waist_center - across * waist_half),
        (g_right_waist, waist_center + across * waist_half),
        (garment.left_hem, left_hem),
        (garment.right_hem, right_hem),
        (0.5 * (garment.left_hem + garment.right_hem), hem_center),
    ]
    limbs = []
    garment_length = max(float(garment.left_hem[1] - garment.left_shoulder[1]), 1.0)
    for side, g_sh, g_cuff, b_sh in (
        (0, garment.left_shoulder, garment.left_cuff, left_sh),
        (1, garment.right_shoulder, garment.right_cuff, right_sh),
    ):
        if not garment.has_sleeve("left" if side == 0 else "right"):
            continue
        bones = [b_sh, body.elbows[side], body.wrists[side]]
        sleeve = float(np.linalg.norm(g_cuff - g_sh))
        # A long sleeve ends at the wrist whatever the photo's proportions (flat product
        # photos understate sleeve length); shorter sleeves keep their length relative to the body.
        arm = sum(float(np.linalg.norm(b - a)) for a, b in zip(bones, bones[1:], strict=False))
        long_sleeve = sleeve / garment_length >= LONG_SLEEVE_SHARE
        length_scale = max(scale, arm / max(sleeve, 1.0)) if long_sleeve else scale
        limbs.append(
            LimbSpec(
                side=side, root=g_sh, tip=g_cuff, bones=bones, length_scale=length_scale, width_scale=scale
            )
        )
    panel = PanelSpec(
        garment=np.array([p[0] for p in pairs], np.float32), body=np.array([p[1] for p in pairs], np.float32)
    )
    return Placement(panel=panel, limbs=limbs, scale=scale)


def place_bottom(garment: BottomLandmarks, body: BodyFrame) -> Placement:
    """Trousers and shorts: each leg from the waistband along hip -> knee -> ankle.
    A skirt: one panel through waistband and hem."""
    waist_left, waist_right = body.waist()
    scale = float(np.linalg.norm(waist_right - waist_left)) / max(garment.waist_width, 1.0)
    waist_y = float(0.5 * (waist_left[1] + waist_right[1]))
    if garment.is_skirt:
        hem_center_g = 0.5 * (garment.left_hem_outer + garment.right_hem_outer)
        depth = float(hem_center_g[1] - garment.waist_center[1]) * scale
        center = 0.5 * (waist_left + waist_right)
        hem_center = center + body.torso_axis * depth
        hem_half = 0.5 * float(garment.right_hem_outer[0] - garment.left_hem_outer[0]) * scale
        pairs = [
            (garment.waist_left, waist_left),
            (garment.waist_right, waist_right),
            (garment.waist_center, center),
            (garment.left_hem_outer, hem_center - body.across * hem_half),
            (garment.right_hem_outer, hem_center + body.across * hem_half),
            (hem_center_g, hem_center),
        ]
        panel = PanelSpec(
            garment=np.array([p[0] for p in pairs], np.float32),
            body=np.array([p[1] for p in pairs], np.float32),
        )
        return Placement(panel=panel, limbs=[], scale=scale, waist_y=waist_y)

    limbs = []
    for side in (0, 1):
        root_g, tip_g = garment.leg_axis("left" if side == 0 else "right")
        waist_edge = waist_left if side == 0 else waist_right
        root = (0.5 * (waist_edge + 0.5 * (waist_left + waist_right))).astype(np.float32)
        bones = [root, body.knees[side], body.ankles[side]]
        leg_g = float(np.linalg.norm(tip_g - root_g))
        leg_body = sum(float(np.linalg.norm(b - a)) for a, b in zip(bones, bones[1:], strict=False))
        # Full-length trousers reach the ankle whatever the photo's proportions; shorter
        # bottoms keep their own length relative to the waist.
        full_length = leg_g * scale > 0.85 * leg_body
        length_scale = 1.03 * leg_body / max(leg_g, 1.0) if full_length else scale
        limbs.append(
            LimbSpec(
                side=side, root=root_g, tip=tip_g, bones=bones, length_scale=length_scale, width_scale=scale
            )
        )
    return Placement(panel=None, limbs=limbs, scale=scale, waist_y=waist_y)
