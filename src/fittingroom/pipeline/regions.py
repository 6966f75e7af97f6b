"""Regions of a person photo derived from the pose, used to measure preservation."""

from __future__ import annotations

import cv2
import numpy as np

from fittingroom.pipeline.pose import BodyPose, Landmark


def face_region(pose: BodyPose, shape: tuple[int, int]) -> np.ndarray:
    """A box around eyes, nose and mouth, padded by half the eye distance."""
    points = pose.points[
        [Landmark.NOSE, Landmark.LEFT_EYE, Landmark.RIGHT_EYE, Landmark.MOUTH_LEFT, Landmark.MOUTH_RIGHT]
    ]
    pad = 0.5 * float(np.linalg.norm(pose[Landmark.LEFT_EYE] - pose[Landmark.RIGHT_EYE])) + 4
    x0, y0 = np.maximum(points.min(axis=0) - pad, 0).astype(int)
    x1, y1 = (points.max(axis=0) + pad).astype(int)
    region = np.zeros(shape, bool)
    region[y0 : y1 + 1, x0 : x1 + 1] = True
    return region


def far_background(pose: BodyPose) -> np.ndarray:
    """Background at least 8 % of the image height away from the person."""
    person = (pose.person_mask > 0.5).astype(np.uint8)
    radius = max(3, int(0.08 * person.shape[0]))
    grown = cv2.dilate(person, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1)))
    return grown == 0
