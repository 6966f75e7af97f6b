"""Run every person with every garment (and every paired sample), measure, and report.

Writes to OUT_DIR: `contact_sheet.png` (person | garment | result per row; for paired
samples: masked input | garment | result | original), `metrics.json` (per result and totals)
and the results themselves under `results/`.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from fittingroom.errors import FittingroomError
from fittingroom.evaluation import metrics
from fittingroom.evaluation.dataset import Garment, discover
from fittingroom.images import decode_rgb
from fittingroom.pipeline.garment import segment_garment
from fittingroom.pipeline.models import Models
from fittingroom.pipeline.parsing import band_around
from fittingroom.pipeline.placement import BodyFrame
from fittingroom.pipeline.pose import detect_pose
from fittingroom.pipeline.regions import face_region, far_background
from fittingroom.pipeline.tryon import GarmentInput, fit_to_side, run_outfit

TILE_HEIGHT = 256
AGNOSTIC_GREY = 128


@dataclass
class Measurement:
    person: str
    garment: str
    category: str
    paired: bool
    seconds: float
    face_ssim: float | None = None
    background_ssim: float | None = None
    colour_delta_e: float | None = None
    coverage: float | None = None
    spill: float | None = None
    paired_ssim: float | None = None
    error: str | None = None
    signals: dict[str, float] = field(default_factory=dict)


def target_region(category: str, frame: BodyFrame, shape: tuple[int, int]) -> np.ndarray:
    """The body region a garment of this category should cover."""
    span = frame.shoulder_span
    torso = np.zeros(shape, np.uint8)
    quad = np.array([frame.shoulders[0], frame.shoulders[1], frame.hips[1], frame.hips[0]], np.int32)
    cv2.fillConvexPoly(torso, quad, (1,))
    torso_mask = torso > 0
    thighs = np.zeros(shape, bool)
    for side in (0, 1):
        thighs |= band_around(
            [frame.hips[side], 0.5 * (frame.hips[side] + frame.knees[side])], 0.12 * span, shape
        )
    if category == "bottom":
        return thighs
    if category == "dress":
        return torso_mask | thighs
    return torso_mask


def agnostic(person: np.ndarray, frame: BodyFrame) -> np.ndarray:
    """VITON-HD style clothing-agnostic input: torso and upper arms greyed out."""
    out = person.copy()
    shape = (person.shape[0], person.shape[1])
    span = frame.shoulder_span
    waist_l, waist_r = frame.waist()
    region = np.zeros(shape, np.uint8)
    quad = np.array(
        [
            frame.shoulders[0] - frame.across * 0.15 * span,
            frame.shoulders[1] + frame.across * 0.15 * span,
            waist_r + frame.torso_axis * 0.15 * frame.torso_length,
            waist_l + frame.torso_axis * 0.15 * frame.torso_length,
        ],
        np.int32,
    )
    cv2.fillConvexPoly(region, quad, (1,))
    mask = region > 0
    for side in (0, 1):
        mask |= band_around([frame.shoulders[side], frame.elbows[side]], 0.17 * span, shape)
    out[mask] = AGNOSTIC_GREY
    return out


def _load(path: Path) -> np.ndarray:
    return decode_rgb(path.read_bytes(), max_pixels=100_000_000)


def evaluate_one(
    person_path: Path, garment: Garment, models: Models, paired: bool = False
) -> tuple[Measurement, list[np.ndarray]]:
    """Measure one try-on; returns the measurement and the contact-sheet tiles."""
    original = fit_to_side(_load(person_path), 1024)
    garment_rgb = _load(garment.path)
    m = Measurement(
        person=person_path.name,
        garment=garment.path.name,
        category=garment.category,
        paired=paired,
        seconds=0.0,
    )
    try:
        pose = detect_pose(original, models)
        frame = BodyFrame.from_pose(pose)
        person = agnostic(original, frame) if paired else original
        started = time.perf_counter()
        result = run_outfit(person, [GarmentInput(garment_rgb, garment.category)], models)
        m.seconds = round(time.perf_counter() - started, 4)
    except FittingroomError as exc:
        m.error = str(exc)
        blank = np.zeros_like(original)
        return m, [original, garment_rgb, blank] + ([original] if paired else [])
    shape = (original.shape[0], original.shape[1])
    rendered = result.coverage > 0.5
    m.signals = result.signals.as_dict()
    m.face_ssim = metrics.masked_ssim(original, result.image, face_region(pose, shape))
    m.background_ssim = metrics.masked_ssim(original, result.image, far_background(pose))
    small_garment = fit_to_side(garment_rgb, 512)
    m.colour_delta_e = metrics.colour_fidelity(
        small_garment, segment_garment(small_garment) > 0.5, result.image, result.coverage > 0.9
    )
    person_mask = cv2.dilate((pose.person_mask > 0.5).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    m.coverage, m.spill = metrics.coverage_and_spill(
        rendered, target_region(garment.category, frame, shape), person_mask
    )
    if paired:
        m.paired_ssim = metrics.full_ssim(original, result.image)
        return m, [person, garment_rgb, result.image, original]
    return m, [original, garment_rgb, result.image]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def summarise(results: list[Measurement]) -> dict[str, Any]:
    """Means of every metric, overall and per category; error count."""
    keys = ["face_ssim", "background_ssim", "colour_delta_e", "coverage", "spill", "paired_ssim", "seconds"]

    def means(rows: list[Measurement]) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for key in keys:
            values = [getattr(r, key) for r in rows if getattr(r, key) is not None and r.error is None]
            out[key] = _round(statistics.fmean(values)) if values else None
        return out

    categories = sorted({r.category for r in results if not r.paired})
    return {
        "results": len(results),
        "errors": sum(r.error is not None for r in results),
        "all": means([r for r in results if not r.paired]),
        "paired": means([r for r in results if r.paired]),
        "by_category": {
            c: means([r for r in results if r.category == c and not r.paired]) for c in categories
        },
    }


def contact_sheet(rows: list[list[np.ndarray]], tile_height: int = TILE_HEIGHT) -> np.ndarray:
    """Tiles scaled to one height (pixels), rows padded to one width. uint8 RGB."""
    lines = []
    for tiles in rows:
        scaled = [
            cv2.resize(
                t,
                (max(1, round(t.shape[1] * tile_height / t.shape[0])), tile_height),
                interpolation=cv2.INTER_AREA,
            )
            for t in tiles
        ]
        lines.append(np.hstack(scaled))
    width = max(line.shape[1] for line in lines)
    return np.vstack(
        [np.pad(line, ((0, 4), (0, width - line.shape[1]), (0, 0)), constant_values=255) for line in lines]
    )


def evaluate(
    people_dir: Path,
    garments_dir: Path,
    out_dir: Path,
    models: Models,
    limit: int | None = None,
    on_result: Callable[[Measurement], None] | None = None,
    tile_height: int = TILE_HEIGHT,
) -> dict[str, Any]:
    """Run the whole evaluation; write the sheet, the JSON and the results; return the report."""
    people, garments, pairs = discover(people_dir, garments_dir)
    jobs: list[tuple[Path, Garment, bool]] = [(p, g, False) for p in people for g in garments]
    jobs += [(pair.person, pair.garment, True) for pair in pairs]
    if limit is not None:
        jobs = jobs[:limit]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results").mkdir(exist_ok=True)
    results: list[Measurement] = []
    rows: list[list[np.ndarray]] = []
    for person, garment, paired in jobs:
        measurement, tiles = evaluate_one(person, garment, models, paired)
        results.append(measurement)
        rows.append(tiles)
        name = f"{person.stem}__{garment.path.stem}.jpg"
        cv2.imwrite(str(out_dir / "results" / name), cv2.cvtColor(tiles[2], cv2.COLOR_RGB2BGR))
        if on_result:
            on_result(measurement)
    report = {"summary": summarise(results), "results": [asdict(r) for r in results]}
    (out_dir / "metrics.json").write_text(json.dumps(report, indent=2))
    if rows:
        sheet = cv2.cvtColor(contact_sheet(rows, tile_height), cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(out_dir / "contact_sheet.png"), sheet, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    return report
