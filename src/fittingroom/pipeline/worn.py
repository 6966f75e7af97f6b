"""Garments photographed on a model: tell such photos apart, and cut the garment out of them.

`garment_photo_type` follows FASHN's naming: "flat-lay" (product photo, ghost mannequin),
"model" (worn by a person), "auto" (decide from the photo). A worn garment's landmarks come
from the model's skeleton, not from the mask's shape, which a pose bends out of recognition.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from fittingroom.errors import NoGarmentDetected, NoPersonDetected
from fittingroom.pipeline.garment import BottomLandmarks, TopLandmarks, largest_component_filled
from fittingroom.pipeline.models import Models
from fittingroom.pipeline.parsing import parse_person
from fittingroom.pipeline.placement import BodyFrame
from fittingroom.pipeline.pose import Landmark, detect_pose

PHOTO_TYPES = ("auto", "flat-lay", "model")
_PROBE_SIDE = 256
_SKIN_SHARE_FOR_A_PERSON = 0.01


def generic_skin_share(image: np.ndarray) -> float:
    """Share of pixels in a broad skin range (YCrCb), at low resolution. image: uint8 RGB."""
    h, w = image.shape[:2]
    scale = _PROBE_SIDE / max(h, w)
    small = cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    ycrcb = cv2.cvtColor(small, cv2.COLOR_RGB2YCrCb)
    skin = cv2.inRange(ycrcb, np.array([40, 135, 85], np.uint8), np.array([250, 180, 135], np.uint8))
    return float((skin > 0).mean())


def detect_photo_type(image: np.ndarray, models: Models) -> str:
    """ "model" when the photo shows a person with a visible face, else "flat-lay".

    A photo with almost no skin-coloured pixels is a product shot without running the pose
    model; otherwise the pose model decides.
    """
    if generic_skin_share(image) < _SKIN_SHARE_FOR_A_PERSON:
        return "flat-lay"
    try:
        pose = detect_pose(image, models)
    except NoPersonDetected:
        return "flat-lay"
    face = [Landmark.NOSE, Landmark.LEFT_EYE, Landmark.RIGHT_EYE]
    return "model" if float(pose.visibility[face].min()) > 0.8 else "flat-lay"


@dataclass(frozen=True)
class WornGarment:
    mask: np.ndarray  # float32 (H, W) in [0, 1]
    top: TopLandmarks | None  # for top, outerwear and dress
    bottom: BottomLandmarks | None  # for bottom


def _walk(mask: np.ndarray, bones: list[np.ndarray]) -> np.ndarray:
    """Where a sleeve or leg ends: walking along a bone polyline, the last point on the mask
    after first reaching it (the limb's start may be hidden, e.g. a leg under a jacket's hem)."""
    h, w = mask.shape
    last, entered = bones[0], False
    for a, b in zip(bones, bones[1:], strict=False):
        steps = max(2, int(np.linalg.norm(b - a) / 2))
        for t in np.linspace(0.0, 1.0, steps):
            p = a + t * (b - a)
            x, y = int(p[0]), int(p[1])
            on = 0 <= x < w and 0 <= y < h and mask[y, x] >= 0.5
            if on:
                entered, last = True, p
            elif entered:
                return last.astype(np.float32)
    return last.astype(np.float32)


def _top_landmarks(mask: np.ndarray, body: BodyFrame) -> TopLandmarks:
    span = body.shoulder_span
    left_sh, right_sh = body.shoulders
    mid = body.mid_shoulder
    neck = np.array([mid[0], mid[1] + 0.3 * (body.mouth[1] - mid[1])], np.float32)
    drop = body.torso_axis * 0.35 * span
    column = mask[:, int(np.clip(mid[0], 0, mask.shape[1] - 1))] > 0.5
    rows = np.flatnonzero(column)
    hem_y = float(rows[-1]) if rows.size else float(body.mid_hip[1])
    cols = np.flatnonzero(mask[int(min(hem_y, mask.shape[0] - 1))] > 0.5)
    hem_left = float(cols[0]) if cols.size else float(left_sh[0])
    hem_right = float(cols[-1]) if cols.size else float(right_sh[0])
    return TopLandmarks(
        neck=neck,
        left_shoulder=left_sh,
        right_shoulder=right_sh,
        left_armpit=(left_sh + drop).astype(np.float32),
        right_armpit=(right_sh + drop).astype(np.float32),
        left_cuff=_walk(mask, body.arm(0)),
        right_cuff=_walk(mask, body.arm(1)),
        left_hem=np.array([min(hem_left, left_sh[0]), hem_y], np.float32),
        right_hem=np.array([max(hem_right, right_sh[0]), hem_y], np.float32),
        torso_left=float(left_sh[0]),
        torso_right=float(right_sh[0]),
    )


def _bottom_landmarks(mask: np.ndarray, body: BodyFrame) -> BottomLandmarks:
    waist_left, waist_right = body.waist()
    center = 0.5 * (waist_left + waist_right)
    openings = []
    for side in (0, 1):
        root = 0.5 * ((waist_left if side == 0 else waist_right) + center)
        end = _walk(mask, [root, body.knees[side], body.ankles[side]])
        half = 0.12 * body.shoulder_span
        openings.append((end - body.across * half, end + body.across * half))
    crotch = center + body.torso_axis * 0.25 * body.torso_length
    return BottomLandmarks(
        waist_left=waist_left.astype(np.float32),
        waist_right=waist_right.astype(np.float32),
        crotch=crotch.astype(np.float32),
        left_hem_outer=openings[0][0].astype(np.float32),
        left_hem_inner=openings[0][1].astype(np.float32),
        right_hem_inner=openings[1][0].astype(np.float32),
        right_hem_outer=openings[1][1].astype(np.float32),
        is_skirt=False,
    )


def extract_worn_garment(image: np.ndarray, category: str, models: Models) -> WornGarment:
    """The garment of `category` that the person in `image` wears, with landmarks from their pose.

    image: uint8 (H, W, 3) RGB. Upper garments are everything non-skin between the collar and
    just below the hips that does not look like the lower clothing; bottoms are the lower
    clothing; a dress is both.
    """
    pose = detect_pose(image, models)
    parts = parse_person(image, pose)
    body = BodyFrame.from_pose(pose)
    ys = np.arange(image.shape[0], dtype=np.float32)[:, None]
    below_hips = float(body.mid_hip[1]) + 0.3 * body.torso_length
    upper = (
        parts.person & ~parts.skin & ~parts.head & ~parts.hair & (ys >= parts.collar_y) & (ys <= below_hips)
    )
    if category == "bottom":
        worn = parts.lower_clothing
    elif category == "dress":
        worn = upper | parts.lower_clothing
    else:
        worn = upper & ~parts.lower_clothing
    closed = cv2.morphologyEx(worn.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    mask = largest_component_filled(closed)
    if mask.sum() < 0.01 * mask.size:
        raise NoGarmentDetected()
    soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.0)
    if category == "bottom":
        return WornGarment(mask=soft, top=None, bottom=_bottom_landmarks(soft, body))
    return WornGarment(mask=soft, top=_top_landmarks(soft, body), bottom=None)
