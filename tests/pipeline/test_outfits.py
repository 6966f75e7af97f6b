"""Every category and layered outfits on fixture photos: invariants, not pixel goldens."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fittingroom.errors import InvalidOption
from fittingroom.images import decode_rgb
from fittingroom.pipeline.models import Models
from fittingroom.pipeline.placement import BodyFrame
from fittingroom.pipeline.pose import detect_pose
from fittingroom.pipeline.tryon import GarmentInput, run_outfit
from tests.conftest import FIXTURES, PERSON_FULLBODY, SHIRT, TEE

PANTS = FIXTURES / "garment_bottom_pants.jpg"
JACKET = FIXTURES / "garment_outerwear_jacket.jpg"
PERSON_B = FIXTURES / "person_studio_avatar_b.jpg"  # black jacket, white tee, light jeans


def load(path) -> np.ndarray:  # type: ignore[no-untyped-def]
    return decode_rgb(path.read_bytes(), max_pixels=10**8)


def synthetic_dress(colour: tuple[int, int, int]) -> np.ndarray:
    """A sleeveless A-line dress of one colour on white, 600x900."""
    image = np.full((900, 600, 3), 250, np.uint8)
    outline = np.array([[220, 60], [380, 60], [400, 300], [520, 860], [80, 860], [200, 300]], np.int32)
    cv2.fillPoly(image, [outline], colour)
    return image


def region_mean(image: np.ndarray, center: np.ndarray, half: int = 8) -> np.ndarray:
    x, y = center.astype(int)
    return image[y - half : y + half, x - half : x + half].reshape(-1, 3).astype(float).mean(axis=0)


@pytest.fixture(scope="module")
def frame_b(models: Models) -> BodyFrame:
    return BodyFrame.from_pose(detect_pose(load(PERSON_B), models))


def test_bottom_covers_the_legs(models: Models, frame_b: BodyFrame) -> None:
    person = load(PERSON_B)
    result = run_outfit(person, [GarmentInput(load(PANTS), "bottom")], models)
    for side in (0, 1):  # light jeans become black trousers at mid-thigh and mid-shin
        thigh = 0.5 * (frame_b.hips[side] + frame_b.knees[side])
        shin = 0.5 * (frame_b.knees[side] + frame_b.ankles[side])
        assert region_mean(person, thigh).mean() > 100
        assert region_mean(result.image, thigh).mean() < 80
        assert region_mean(result.image, shin).mean() < 80
    chest = frame_b.mid_shoulder + 0.3 * (frame_b.mid_hip - frame_b.mid_shoulder)
    assert np.allclose(region_mean(result.image, chest), region_mean(person, chest), atol=2), "the top stays"


def test_dress_keeps_its_colour_down_to_the_knees(models: Models, frame_b: BodyFrame) -> None:
    red = (190, 25, 35)
    result = run_outfit(load(PERSON_B), [GarmentInput(synthetic_dress(red), "dress")], models)
    for point in (
        frame_b.mid_shoulder + 0.5 * (frame_b.mid_hip - frame_b.mid_shoulder),
        0.5 * (frame_b.knees[0] + frame_b.knees[1]),
    ):
        r, g, b = region_mean(result.image, point, half=5)
        assert r > 2 * g and r > 2 * b, "a red dress stays red"


def test_layered_outfit_draws_in_z_order(models: Models, frame_b: BodyFrame) -> None:
    outfit = [
        GarmentInput(load(PANTS), "bottom"),
        GarmentInput(load(TEE), "top", "tucked"),
        GarmentInput(load(JACKET), "outerwear", "open"),
    ]
    result = run_outfit(load(PERSON_B), outfit, models)
    chest = frame_b.mid_shoulder + 0.35 * (frame_b.mid_hip - frame_b.mid_shoulder)
    assert region_mean(result.image, chest, half=4).mean() > 180, "the white tee shows through the opening"
    side = frame_b.shoulders[0] + 0.45 * (frame_b.hips[0] - frame_b.shoulders[0]) + frame_b.across * 10
    assert region_mean(result.image, side, half=4).mean() < 90, "the black jacket covers the flank"
    knee = 0.5 * (frame_b.hips[0] + frame_b.knees[0])
    assert region_mean(result.image, knee).mean() < 80, "black trousers under it all"


def test_tucked_top_ends_at_the_waistband(models: Models, frame_b: BodyFrame) -> None:
    blue = load(SHIRT)
    pants = load(PANTS)
    tucked = run_outfit(
        load(PERSON_B), [GarmentInput(pants, "bottom"), GarmentInput(blue, "top", "tucked")], models
    )
    loose = run_outfit(
        load(PERSON_B), [GarmentInput(pants, "bottom"), GarmentInput(blue, "top", "untucked")], models
    )
    waist_left, waist_right = frame_b.waist()
    below_waist = 0.5 * (waist_left + waist_right) + frame_b.torso_axis * 0.06 * frame_b.torso_length
    assert region_mean(tucked.image, below_waist).mean() < 80, "tucked: the trousers show below the waist"
    assert region_mean(loose.image, below_waist)[2] > 150, "untucked: the blue shirt hangs over them"


def test_outfit_limits(models: Models) -> None:
    person, tee = load(PERSON_FULLBODY), load(TEE)
    with pytest.raises(InvalidOption, match="1 to 4"):
        run_outfit(person, [GarmentInput(tee, "top")] * 5, models)
    with pytest.raises(InvalidOption, match="open"):
        run_outfit(person, [GarmentInput(tee, "top", "open")], models)
