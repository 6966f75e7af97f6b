"""Regenerate the README pictures from the test fixtures (MIT; the dev photos are never committed).

    .venv/bin/python docs/make_example.py

docs/images/example.jpg: person | garment(s) | result, for a top, a bottom and a layered outfit.
docs/images/eval_fixtures.jpg: the fixture evaluation's contact sheet, laid out in columns.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
import numpy as np

from fittingroom.evaluation.run import evaluate
from fittingroom.images import decode_rgb
from fittingroom.pipeline.models import load_models
from fittingroom.pipeline.tryon import GarmentInput, run_outfit

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
IMAGES = ROOT / "docs" / "images"
PANELS = [
    ("person_studio_avatar_a.jpg", [("garment_top_shirt_b.jpg", "top", None)]),
    ("person_fullbody_front.jpg", [("garment_top_shirt_blue.jpg", "top", None)]),
    ("person_studio_avatar_b.jpg", [("garment_bottom_pants.jpg", "bottom", None)]),
    (
        "person_studio_avatar_b.jpg",
        [
            ("garment_bottom_pants.jpg", "bottom", None),
            ("garment_top_shirt_blue.jpg", "top", "tucked"),
            ("garment_outerwear_jacket.jpg", "outerwear", "open"),
        ],
    ),
]
HEIGHT = 420
WHITE = 255


def load(name: str) -> np.ndarray:
    return decode_rgb((FIXTURES / name).read_bytes(), max_pixels=10**8)


def to_height(image: np.ndarray, height: int) -> np.ndarray:
    width = round(image.shape[1] * height / image.shape[0])
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def garment_column(images: list[np.ndarray]) -> np.ndarray:
    """Garments stacked in a column as tall as a person tile."""
    each = HEIGHT // max(2, len(images)) - 4
    tiles = [to_height(g, each) for g in images]
    width = max(t.shape[1] for t in tiles)
    column = np.full((HEIGHT, width, 3), WHITE, np.uint8)
    y = (HEIGHT - sum(t.shape[0] + 4 for t in tiles)) // 2
    for tile in tiles:
        x = (width - tile.shape[1]) // 2
        column[y : y + tile.shape[0], x : x + tile.shape[1]] = tile
        y += tile.shape[0] + 4
    return column


def showcase(models: object) -> np.ndarray:
    tiles: list[np.ndarray] = []
    for person_name, items in PANELS:
        person = load(person_name)
        garments = [load(name) for name, _, _ in items]
        outfit = [
            GarmentInput(g, category, style) for g, (_, category, style) in zip(garments, items, strict=True)
        ]
        result = run_outfit(person, outfit, models).image  # type: ignore[arg-type]
        if tiles:
            tiles.append(np.full((HEIGHT, 16, 3), WHITE, np.uint8))
        tiles += [to_height(person, HEIGHT), garment_column(garments), to_height(result, HEIGHT)]
    return np.hstack(tiles)


def in_columns(sheet: np.ndarray, row_height: int, columns: int) -> np.ndarray:
    """Cut a one-column contact sheet into rows and lay them out in `columns` columns."""
    rows = [sheet[y : y + row_height] for y in range(0, sheet.shape[0] - row_height + 1, row_height)]
    per_column = -(-len(rows) // columns)
    blank = np.full_like(rows[0], WHITE)
    cols = [
        np.vstack(
            rows[i * per_column : (i + 1) * per_column]
            + [blank] * (per_column - len(rows[i * per_column : (i + 1) * per_column]))
        )
        for i in range(columns)
    ]
    gap = np.full((cols[0].shape[0], 12, 3), WHITE, np.uint8)
    return np.hstack([part for col in cols for part in (col, gap)][:-1])


def main() -> None:
    models = load_models()
    example = cv2.cvtColor(showcase(models), cv2.COLOR_RGB2BGR)
    cv2.imwrite(str(IMAGES / "example.jpg"), example, [cv2.IMWRITE_JPEG_QUALITY, 88])
    tile = 140
    with tempfile.TemporaryDirectory() as tmp:
        evaluate(FIXTURES, FIXTURES, Path(tmp), models, tile_height=tile)
        sheet = cv2.imread(str(Path(tmp) / "contact_sheet.png"))
    grid = in_columns(sheet, tile + 4, columns=4)
    cv2.imwrite(str(IMAGES / "eval_fixtures.jpg"), grid, [cv2.IMWRITE_JPEG_QUALITY, 85])
    print(f"wrote {IMAGES / 'example.jpg'} and {IMAGES / 'eval_fixtures.jpg'}")


if __name__ == "__main__":
    main()
