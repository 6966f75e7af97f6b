"""The local try-on, as a recipe: validate, then five numbered stages, a callback after each.

    result = run_tryon(person_rgb, garment_rgb, models, category="top", on_step=print)

Every stage reports its `Step` (and so the contract's progress) *before* it runs, so a poller
sees the stage that is in progress.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from fittingroom.errors import InvalidOption
from fittingroom.pipeline import blend, garment, inpaint, parsing, placement, pose, warp
from fittingroom.pipeline.checks import check_rgb
from fittingroom.pipeline.models import Models
from fittingroom.pipeline.pose import Landmark
from fittingroom.pipeline.stages import Step

#: Categories the local pipeline renders. Upper-body garments share one model of the body.
SUPPORTED_CATEGORIES = ("top", "outerwear", "dress")

StepCallback = Callable[[Step], None]


@dataclass(frozen=True)
class ConfidenceSignals:
    """What a quality score uses; every field in [0, 1]."""

    pose_visibility: float  # mean MediaPipe visibility of shoulders, elbows and hips
    mask_certainty: float  # how decisive the person mask is (1 = every pixel 0 or 1)
    garment_coverage: float  # share of the torso that the new garment covers
    synthesized_fraction: float  # share of the person's pixels that had to be invented

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in self.__dict__.items()}


@dataclass
class TryOnResult:
    image: np.ndarray  # uint8 (H, W, 3) RGB, the person photo's size capped at max_side
    signals: ConfidenceSignals
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step


def fit_to_side(image: np.ndarray, max_side: int) -> np.ndarray:
    """Downscale (never upscale) so that the long side is at most `max_side` pixels."""
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return image
    return cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )


def run_tryon(
    person_image: np.ndarray,
    garment_image: np.ndarray,
    models: Models,
    *,
    category: str = "top",
    max_side: int = 1024,
    on_step: StepCallback | None = None,
) -> TryOnResult:
    """Dress the person in the garment.

    person_image, garment_image: uint8 (H, W, 3) RGB. Returns the person at up to
    `max_side` px on the long side. Raises NoPersonDetected / NoGarmentDetected (job
    failures with a message) and InvalidOption for a category this pipeline cannot render.
    """
    check_rgb(person_image, "person image")
    check_rgb(garment_image, "garment image")
    if category not in SUPPORTED_CATEGORIES:
        raise InvalidOption(f"The local pipeline cannot render category '{category}' yet")
    report = on_step or (lambda _step: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: Step) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step.value] = now - clock
        clock = now

    person = fit_to_side(person_image, max_side)
    height, width = person.shape[:2]

    # 1. Segmentation: the person's silhouette (with the pose, one network pass) and the garment's.
    report(Step.SEGMENTATION)
    body = pose.detect_pose(person, models)
    garment_rgb = fit_to_side(garment_image, max(1024, max_side))
    garment_mask = garment.segment_garment(garment_rgb)
    lap(Step.SEGMENTATION)

    # 2. Pose: body parts of the person, landmarks of the garment, and how they correspond.
    report(Step.POSE)
    parts = parsing.parse_person(person, body)
    garment_points = garment.find_top_landmarks(garment_mask)
    place = placement.place_top(garment_points, body)
    lap(Step.POSE)

    # 3. Warp: bend the garment onto the torso and along the arms.
    report(Step.WARP)
    to_garment = warp.fit_tps(place.body, place.garment, smoothing=0.05)
    x0, y0 = place.body.min(axis=0) - 0.25 * body.shoulder_width
    x1, y1 = place.body.max(axis=0) + 0.25 * body.shoulder_width
    warped, warped_mask = warp.warp_image(
        garment_rgb,
        garment_mask,
        to_garment,
        (height, width),
        roi=(int(x0), int(y0), int(x1) + 1, int(y1) + 1),
    )
    in_front = parts.head | parts.hands
    warped_mask[in_front] = 0.0
    lap(Step.WARP)

    # 4. Inpainting: where the old top shows and the new one will not cover, restore what is behind.
    report(Step.INPAINTING)
    covered = cv2.dilate((warped_mask > 0.5).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    exposed = parts.upper_clothing & ~covered
    cleaned = inpaint.fill_region(person, exposed)
    lap(Step.INPAINTING)

    # 5. Blend: the person's folds and shadows carried onto the garment, soft edges.
    report(Step.BLEND)
    edge_px = max(1.0, 0.004 * max(height, width))
    alpha = blend.feather(warped_mask, edge_px)
    alpha[in_front] = np.minimum(alpha[in_front], warped_mask[in_front])
    shading = blend.shading_map(person, alpha > 0.01)
    image = blend.composite(cleaned, warped, alpha, shading)
    lap(Step.BLEND)

    signals = _signals(body, parts, warped_mask, exposed)
    report(Step.DONE)
    return TryOnResult(image=image, signals=signals, timings=timings)


def _signals(
    body: pose.BodyPose, parts: parsing.PersonParse, warped_mask: np.ndarray, synthesized: np.ndarray
) -> ConfidenceSignals:
    keys = [
        Landmark.LEFT_SHOULDER,
        Landmark.RIGHT_SHOULDER,
        Landmark.LEFT_ELBOW,
        Landmark.RIGHT_ELBOW,
        Landmark.LEFT_HIP,
        Landmark.RIGHT_HIP,
    ]
    person_px = max(int(parts.person.sum()), 1)
    ys, xs = np.nonzero(parts.person)
    box = body.person_mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] if ys.size else body.person_mask
    torso = parts.upper_clothing | (warped_mask > 0.5) & parts.person
    coverage = float(((warped_mask > 0.5) & torso).sum()) / max(int(torso.sum()), 1)
    return ConfidenceSignals(
        pose_visibility=float(body.visibility[keys].mean()),
        mask_certainty=float(np.abs(2.0 * box - 1.0).mean()),
        garment_coverage=coverage,
        synthesized_fraction=float(synthesized.sum()) / person_px,
    )
