"""The local pipeline on fixture photos: real models, invariants and floors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fittingroom.errors import InvalidOption, NoGarmentDetected, NoPersonDetected
from fittingroom.images import decode_rgb
from fittingroom.pipeline.garment import find_top_landmarks, segment_garment
from fittingroom.pipeline.models import Models
from fittingroom.pipeline.pose import Landmark, detect_pose
from fittingroom.pipeline.stages import Step
from fittingroom.pipeline.tryon import run_tryon
from tests.conftest import PERSON, PERSON_FULLBODY, SHIRT, TEE, plain_image


def load(path) -> np.ndarray:  # type: ignore[no-untyped-def]
    return decode_rgb(path.read_bytes(), max_pixels=10**8)


def synthetic_tee(
    colour: tuple[int, int, int], background: tuple[int, int, int] = (245, 245, 245)
) -> np.ndarray:
    """A flat T-shirt silhouette of one colour on a plain background, 600x700."""
    image = np.full((700, 600, 3), background, np.uint8)
    body = np.array(
        [
            [170, 90],
            [250, 60],
            [350, 60],
            [430, 90],
            [560, 200],
            [500, 270],
            [440, 230],
            [440, 640],
            [160, 640],
            [160, 230],
            [100, 270],
            [40, 200],
        ],
        np.int32,
    )
    cv2.fillPoly(image, [body], colour)
    return image


def test_steps_are_reported_in_contract_order(models: Models) -> None:
    seen: list[Step] = []
    run_tryon(load(PERSON), load(TEE), models, on_step=seen.append)
    assert seen == [Step.SEGMENTATION, Step.POSE, Step.WARP, Step.INPAINTING, Step.BLEND, Step.DONE]
    assert [s.progress for s in seen] == [10, 25, 40, 55, 85, 100]


def test_result_keeps_size_face_and_background(models: Models) -> None:
    person = load(PERSON)
    result = run_tryon(person, load(SHIRT), models)
    assert result.image.shape == person.shape and result.image.dtype == np.uint8
    pose = detect_pose(person, models)
    nose = pose[Landmark.NOSE].astype(int)
    face = (slice(nose[1] - 20, nose[1] + 10), slice(nose[0] - 20, nose[0] + 20))
    assert np.array_equal(result.image[face], person[face]), "the face must not change"
    assert np.array_equal(result.image[:40, :40], person[:40, :40]), "far background must not change"
    assert result.signals.garment_coverage > 0.8
    assert 0.0 <= result.signals.synthesized_fraction < 0.2


def test_uniform_garment_stays_its_colour(models: Models) -> None:
    red = (200, 30, 40)
    person = load(PERSON_FULLBODY)
    result = run_tryon(person, synthetic_tee(red), models)
    pose = detect_pose(person, models)
    chest = (
        0.6 * (pose[Landmark.LEFT_SHOULDER] + pose[Landmark.RIGHT_SHOULDER]) / 2
        + 0.4 * (pose[Landmark.LEFT_HIP] + pose[Landmark.RIGHT_HIP]) / 2
    ).astype(int)
    patch = (
        result.image[chest[1] - 8 : chest[1] + 8, chest[0] - 8 : chest[0] + 8].reshape(-1, 3).astype(float)
    )
    hue = cv2.cvtColor(patch.astype(np.uint8)[None], cv2.COLOR_RGB2HSV)[0, :, 0]
    assert np.median(np.minimum(hue, 180 - hue)) < 8, "a red garment must stay red"
    assert patch[:, 0].mean() > 1.8 * patch[:, 1].mean()


def test_white_garment_on_white_background_is_found() -> None:
    mask = segment_garment(load(TEE))
    assert 0.25 < float((mask > 0.5).mean()) < 0.75
    marks = find_top_landmarks(mask)
    assert marks.left_shoulder[0] < marks.neck[0] < marks.right_shoulder[0]
    assert marks.left_hem[1] > marks.left_armpit[1] > marks.left_shoulder[1]


def test_standard_and_hd_sizes(models: Models) -> None:
    big = cv2.resize(load(PERSON), (1144, 2048))
    assert run_tryon(big, load(TEE), models, max_side=1024).image.shape[:2] == (1024, 572)
    assert run_tryon(big, load(TEE), models, max_side=2048).image.shape[:2] == (2048, 1144)


def test_no_person_and_no_garment_fail_clearly(models: Models) -> None:
    with pytest.raises(NoPersonDetected, match="No person found"):
        run_tryon(plain_image(384, 512), load(TEE), models)
    with pytest.raises(NoGarmentDetected, match="No garment found"):
        run_tryon(load(PERSON), plain_image(384, 512, (250, 250, 250)), models)


def test_unsupported_category_is_refused(models: Models) -> None:
    with pytest.raises(InvalidOption, match="shoes"):
        run_tryon(load(PERSON), load(TEE), models, category="shoes")
