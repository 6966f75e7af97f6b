"""Loading the local models: once per worker process, never in a request path.

MediaPipe 0.10.21 ships the pose-landmark (complexity 1) and segmentation TFLite models in its
wheel; nothing is downloaded. Complexity 0 and 2 would try to download and fail offline.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

# Quiet TensorFlow Lite / absl start-up chatter before mediapipe is imported.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@dataclass
class Models:
    """Loaded models. Not thread-safe: one instance per process (or per thread)."""

    pose: Any  # mediapipe.solutions.pose.Pose, static images, with segmentation
    load_seconds: float = 0.0

    def close(self) -> None:
        self.pose.close()


def load_models() -> Models:
    """Load MediaPipe Pose (complexity 1, segmentation on) and warm it with one call."""
    import mediapipe as mp
    import numpy as np

    started = time.perf_counter()
    pose = mp.solutions.pose.Pose(
        static_image_mode=True,
        model_complexity=1,
        enable_segmentation=True,
        min_detection_confidence=0.5,
    )
    # The first call builds the interpreter graph; pay for it at load, not on the first job.
    pose.process(np.zeros((256, 192, 3), dtype=np.uint8))
    return Models(pose=pose, load_seconds=time.perf_counter() - started)
