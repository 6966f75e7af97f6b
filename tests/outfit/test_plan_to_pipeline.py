"""A plan from the layering rules drives the local pipeline: order and styles carry through."""

from __future__ import annotations

import numpy as np

from fittingroom.config import Settings
from fittingroom.images import decode_rgb
from fittingroom.outfit.layering import OutfitItem, resolve
from fittingroom.pipeline.models import Models
from fittingroom.pipeline.placement import BodyFrame
from fittingroom.pipeline.pose import detect_pose
from fittingroom.providers.base import TryOnRequest
from fittingroom.providers.local import LocalProvider
from tests.conftest import FIXTURES, JACKET, SHIRT


def test_request_from_plan_orders_and_styles_the_garments(settings: Settings, models: Models) -> None:
    person = (FIXTURES / "person_studio_avatar_b.jpg").read_bytes()
    images = [SHIRT.read_bytes(), (FIXTURES / "garment_bottom_pants.jpg").read_bytes(), JACKET.read_bytes()]
    plan = resolve(
        [
            OutfitItem(0, "top", "button-down", "Blue Shirt", True),
            OutfitItem(1, "bottom", "trousers", "Black Trousers"),
            OutfitItem(2, "outerwear", "blazer", "Jacket"),
        ]
    )
    request = TryOnRequest.from_plan(person, plan, images)
    assert [(g.category, g.style) for g in request.garments] == [
        ("bottom", None),
        ("top", "tucked"),
        ("outerwear", "open"),
    ]
    assert request.garments[0].image == images[1]

    result = LocalProvider(settings, models=models).tryon(request, lambda step: None)
    rgb = decode_rgb(person, max_pixels=10**8)
    frame = BodyFrame.from_pose(detect_pose(rgb, models))
    chest = (frame.mid_shoulder + 0.35 * (frame.mid_hip - frame.mid_shoulder)).astype(int)
    r, g, b = (
        result.image[chest[1] - 4 : chest[1] + 4, chest[0] - 4 : chest[0] + 4].reshape(-1, 3).mean(axis=0)
    )
    assert b > r + 15, "the blue shirt shows through the open jacket"
    thigh = (0.5 * (frame.hips[0] + frame.knees[0])).astype(int)
    assert np.mean(result.image[thigh[1] - 6 : thigh[1] + 6, thigh[0] - 6 : thigh[0] + 6]) < 80, (
        "black trousers"
    )
