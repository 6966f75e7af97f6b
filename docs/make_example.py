"""Regenerate docs/images/example.jpg (the README picture) from the test fixtures.

    .venv/bin/python docs/make_example.py

Each panel: person, garment, result of the local pipeline.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from fittingroom.images import decode_rgb
from fittingroom.pipeline.models import load_models
from fittingroom.pipeline.tryon import run_tryon

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
PANELS = [
    ("person_studio_avatar_a.jpg", "garment_top_shirt_b.jpg", "top"),
    ("person_fullbody_front.jpg", "garment_top_shirt_blue.jpg", "top"),
    ("person_studio_avatar_b.jpg", "garment_outerwear_jacket.jpg", "outerwear"),
]
HEIGHT = 420


def to_height(image: np.ndarray, height: int) -> np.ndarray:
    width = round(image.shape[1] * height / image.shape[0])
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def main() -> None:
    models = load_models()
    tiles: list[np.ndarray] = []
    for person_name, garment_name, category in PANELS:
        person = decode_rgb((FIXTURES / person_name).read_bytes(), max_pixels=10**8)
        garment = decode_rgb((FIXTURES / garment_name).read_bytes(), max_pixels=10**8)
        result = run_tryon(person, garment, models, category=category).image
        small_garment = to_height(garment, HEIGHT // 2)
        garment_tile = np.full((HEIGHT, small_garment.shape[1], 3), 255, np.uint8)
        top = (HEIGHT - small_garment.shape[0]) // 2
        garment_tile[top : top + small_garment.shape[0]] = small_garment
        if tiles:
            tiles.append(np.full((HEIGHT, 16, 3), 255, np.uint8))
        tiles += [to_height(person, HEIGHT), garment_tile, to_height(result, HEIGHT)]
    sheet = cv2.cvtColor(np.hstack(tiles), cv2.COLOR_RGB2BGR)
    out = ROOT / "docs" / "images" / "example.jpg"
    cv2.imwrite(str(out), sheet, [cv2.IMWRITE_JPEG_QUALITY, 88])
    print(f"wrote {out} {sheet.shape[1]}x{sheet.shape[0]}")


if __name__ == "__main__":
    main()
