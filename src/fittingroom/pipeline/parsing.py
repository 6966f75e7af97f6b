"""Person parsing (first version): skin calibrated on the face, and the regions a top touches.

Masks are bool (H, W) unless stated. Coordinates as in `pose`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from fittingroom.pipeline.pose import BodyPose, Landmark


@dataclass(frozen=True)
class PersonParse:
    person: np.ndarray  # bool, the person's silhouette
    skin: np.ndarray  # bool, skin-coloured pixels of the person
    head: np.ndarray  # bool, face, hair and neck above the collar line: always in front
    hands: np.ndarray  # bool, hands and wrists: in front of a top
    upper_clothing: np.ndarray  # bool, what the current top covers (to be replaced)
    collar_y: float  # collar line, pixels


def skin_model(image: np.ndarray, pose: BodyPose) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of (Cr, Cb) over the face between eyes and mouth.

    image: uint8 (H, W, 3) RGB. Returns float64 (2,), (2, 2).
    """
    ycrcb = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)
    eyes = 0.5 * (pose[Landmark.LEFT_EYE] + pose[Landmark.RIGHT_EYE])
    mouth = 0.5 * (pose[Landmark.MOUTH_LEFT] + pose[Landmark.MOUTH_RIGHT])
    eye_gap = max(float(np.linalg.norm(pose[Landmark.LEFT_EYE] - pose[Landmark.RIGHT_EYE])), 4.0)
    center = 0.5 * (eyes + mouth)
    half = int(max(2, 0.6 * eye_gap))
    x, y = int(center[0]), int(center[1])
    h, w = image.shape[:2]
    patch = ycrcb[max(0, y - half) : min(h, y + half), max(0, x - half) : min(w, x + half), 1:]
    samples = patch.reshape(-1, 2).astype(np.float64)
    if len(samples) < 10:  # face out of frame: a broad generic skin prior
        return np.array([150.0, 110.0]), np.diag([120.0, 120.0])
    cov = np.cov(samples.T) + np.diag([9.0, 9.0])  # floor so that a flat patch is not too strict
    return samples.mean(axis=0), cov


def skin_mask(image: np.ndarray, mean: np.ndarray, cov: np.ndarray, threshold: float = 3.0) -> np.ndarray:
    """Pixels within `threshold` Mahalanobis units of the skin model. bool (H, W)."""
    crcb = cv2.cvtColor(image, cv2.COLOR_RGB2YCrCb)[..., 1:].astype(np.float32) - mean.astype(np.float32)
    inv = np.linalg.inv(cov).astype(np.float32)
    d2 = (crcb @ inv * crcb).sum(axis=2)
    return d2 < threshold**2


def parse_person(image: np.ndarray, pose: BodyPose) -> PersonParse:
    """Split the person into the parts a top interacts with."""
    h, w = image.shape[:2]
    person = pose.person_mask > 0.5
    mean, cov = skin_model(image, pose)
    skin = skin_mask(image, mean, cov) & person
    skin = cv2.morphologyEx(skin.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0

    l_sh, r_sh = pose[Landmark.LEFT_SHOULDER], pose[Landmark.RIGHT_SHOULDER]
    mid_sh = 0.5 * (l_sh + r_sh)
    mouth = 0.5 * (pose[Landmark.MOUTH_LEFT] + pose[Landmark.MOUTH_RIGHT])
    collar_y = float(mid_sh[1] - 0.35 * (mid_sh[1] - mouth[1]))

    ys = np.arange(h, dtype=np.float32)[:, None]
    head = person & (ys < collar_y)
    # The neck's skin just below the collar line stays visible too.
    head |= skin & (ys < mid_sh[1]) & (np.abs(np.arange(w)[None, :] - mid_sh[0]) < 0.35 * pose.shoulder_width)

    hands = np.zeros((h, w), np.uint8)
    radius = int(max(6, 0.22 * pose.shoulder_width))
    for wrist, index in (
        (Landmark.LEFT_WRIST, Landmark.LEFT_INDEX),
        (Landmark.RIGHT_WRIST, Landmark.RIGHT_INDEX),
    ):
        if pose.visibility[wrist] > 0.3:
            center = 0.5 * (pose[wrist] + pose[index])
            cv2.circle(hands, (int(center[0]), int(center[1])), radius, (1,), thickness=-1)
    hands_mask = (hands > 0) & skin

    hip_y = float(0.5 * (pose[Landmark.LEFT_HIP][1] + pose[Landmark.RIGHT_HIP][1]))
    torso_len = max(hip_y - mid_sh[1], 1.0)
    lower = min(float(h), hip_y + 0.2 * torso_len)
    # The current top: non-skin pixels of the upper body whose colour is close to the chest's.
    chest = mid_sh + 0.35 * (0.5 * (pose[Landmark.LEFT_HIP] + pose[Landmark.RIGHT_HIP]) - mid_sh)
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32)
    half = int(max(2, 0.12 * pose.shoulder_width))
    cx, cy = int(np.clip(chest[0], 0, w - 1)), int(np.clip(chest[1], 0, h - 1))
    patch = lab[max(0, cy - half) : cy + half + 1, max(0, cx - half) : cx + half + 1].reshape(-1, 3)
    spread = float(np.linalg.norm(patch.std(axis=0)))
    distance = np.linalg.norm(lab - patch.mean(axis=0), axis=2)
    like_chest = distance < max(18.0, 2.5 * spread)
    upper_clothing = person & ~skin & ~head & like_chest & (ys >= collar_y) & (ys <= lower)
    return PersonParse(
        person=person,
        skin=skin,
        head=head,
        hands=hands_mask,
        upper_clothing=upper_clothing,
        collar_y=collar_y,
    )
