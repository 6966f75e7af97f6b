"""One quality score in [0, 1] for a try-on result from any provider.

It looks only at the inputs and the result, so it can judge remote providers as well as the
local pipeline:
- preservation: SSIM of the face and of the background far from the person (input vs result);
- garment fidelity: CIEDE2000 from the garment's dominant colours to those of the region that
  changed on the person (a result that did not dress the person has no such region);
- artefacts: the share of changed pixels that lie off the person.
The provider's own confidence signals, when it has any, are blended in.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from fittingroom.errors import NoGarmentDetected, NoPersonDetected
from fittingroom.evaluation import metrics
from fittingroom.pipeline.garment import segment_garment
from fittingroom.pipeline.models import Models
from fittingroom.pipeline.pose import detect_pose
from fittingroom.pipeline.regions import face_region, far_background
from fittingroom.pipeline.tryon import fit_to_side

CHANGED_LEVEL = 24  # a channel difference (0-255) that counts as "changed"
WEIGHTS = {"face": 0.25, "background": 0.15, "colour": 0.3, "artefacts": 0.15, "provider": 0.15}


@dataclass(frozen=True)
class QualityReport:
    score: float  # [0, 1]
    parts: dict[str, float]  # each in [0, 1]; keys of WEIGHTS that could be measured


def score(
    person: np.ndarray,
    garment: np.ndarray,
    result: np.ndarray,
    models: Models,
    provider_confidence: dict[str, float] | None = None,
) -> QualityReport:
    """person, garment, result: uint8 RGB. `result` is compared with `person` at the result's size."""
    person = cv2.resize(
        fit_to_side(person, max(result.shape[:2])),
        (result.shape[1], result.shape[0]),
        interpolation=cv2.INTER_AREA,
    )
    parts: dict[str, float] = {}
    try:
        pose = detect_pose(person, models)
    except NoPersonDetected:
        pose = None
    if pose is not None:
        shape = (person.shape[0], person.shape[1])
        face = metrics.masked_ssim(person, result, face_region(pose, shape))
        background = metrics.masked_ssim(person, result, far_background(pose))
        if face is not None:
            parts["face"] = float(np.clip(face, 0, 1))
        if background is not None:
            parts["background"] = float(np.clip(background, 0, 1))
        on_person = cv2.dilate((pose.person_mask > 0.5).astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
        changed = np.abs(result.astype(np.int16) - person.astype(np.int16)).max(axis=2) > CHANGED_LEVEL
        if changed.any():
            parts["artefacts"] = 1.0 - float((changed & ~on_person).sum()) / float(changed.sum())
        dressed = changed & on_person
        small = fit_to_side(garment, 512)
        try:
            garment_mask = segment_garment(small) > 0.5
        except NoGarmentDetected:
            garment_mask = None
        if garment_mask is not None:
            delta_e = (
                metrics.colour_fidelity(small, garment_mask, result, dressed) if dressed.sum() > 100 else None
            )
            # 0 at a difference of 30 or more (another colour), 1 when indistinguishable.
            parts["colour"] = 0.0 if delta_e is None else float(np.clip(1 - delta_e / 30.0, 0, 1))
    if provider_confidence:
        parts["provider"] = float(np.clip(np.mean(list(provider_confidence.values())), 0, 1))
    total_weight = sum(WEIGHTS[k] for k in parts)
    value = sum(WEIGHTS[k] * v for k, v in parts.items()) / total_weight if total_weight else 0.0
    return QualityReport(score=round(float(value), 4), parts={k: round(v, 4) for k, v in parts.items()})
