"""Stage 1+2 model call: MediaPipe Pose gives 33 body landmarks and a person mask in one pass.

Coordinates are pixels in the analysed image, x to the right and y down, origin at the
top-left pixel's corner. "Left"/"right" below are the *person's* sides (MediaPipe's naming):
for a person facing the camera, the person's left shoulder appears on the image's right.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from fittingroom.errors import NoPersonDetected
from fittingroom.pipeline.checks import check_rgb
from fittingroom.pipeline.models import Models


class Landmark(IntEnum):
    NOSE = 0
    LEFT_EYE = 2
    RIGHT_EYE = 5
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28


@dataclass(frozen=True)
class BodyPose:
    """Landmarks of one person.

    points: float32 (33, 2), pixel coordinates (may lie outside the image for cut-off limbs).
    visibility: float32 (33,), MediaPipe's visibility in [0, 1].
    person_mask: float32 (H, W), probability in [0, 1] that a pixel belongs to the person.
    """

    points: np.ndarray
    visibility: np.ndarray
    person_mask: np.ndarray

    def __getitem__(self, landmark: Landmark) -> np.ndarray:
        return self.points[landmark]

    @property
    def shoulder_width(self) -> float:
        return float(np.linalg.norm(self[Landmark.LEFT_SHOULDER] - self[Landmark.RIGHT_SHOULDER]))

    def image_left_right(self, left: Landmark, right: Landmark) -> tuple[np.ndarray, np.ndarray]:
        """The pair (person-left, person-right) ordered by image x: (smaller x, larger x)."""
        a, b = self[left], self[right]
        return (a, b) if a[0] <= b[0] else (b, a)


def detect_pose(image: np.ndarray, models: Models) -> BodyPose:
    """Run MediaPipe Pose on an RGB uint8 (H, W, 3) image.

    Raises NoPersonDetected when no body is found or its shoulders are not in view.
    """
    check_rgb(image, "person image")
    height, width = image.shape[:2]
    result = models.pose.process(image)
    if result.pose_landmarks is None or result.segmentation_mask is None:
        raise NoPersonDetected()
    lms = result.pose_landmarks.landmark
    points = np.array([[lm.x * width, lm.y * height] for lm in lms], dtype=np.float32)
    visibility = np.array([lm.visibility for lm in lms], dtype=np.float32)
    mask = np.clip(result.segmentation_mask.astype(np.float32), 0.0, 1.0)
    shoulders = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]
    if visibility[shoulders].min() < 0.3 or float(mask.mean()) < 0.01:
        raise NoPersonDetected()
    return BodyPose(points=points, visibility=visibility, person_mask=mask)
