"""Benchmark the local pipeline in-process, models loaded: per-stage and total time, memory.

    .venv/bin/python bench/pipeline.py [--runs 20]
    taskset -c 0 .venv/bin/python bench/pipeline.py    # one core, as the targets are stated

Prints the model load time; then median and p95 (milliseconds) per stage, for decode and
encode, and for the total of (a) one top on a 768x1024 person and (b) a four-garment outfit
(bottom, tucked top, cardigan, open jacket), interleaved in one run so that their ratio is
fair on a noisy machine; and the process's peak resident memory (what a worker needs).
Uses the dev photos from ../shared/testdata/dev when present, else the fixtures.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
from rich.console import Console
from rich.table import Table

from fittingroom.images import decode_rgb, encode_image
from fittingroom.pipeline.models import load_models
from fittingroom.pipeline.stages import Step
from fittingroom.pipeline.tryon import GarmentInput, run_outfit

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "testdata" / "dev"
FIXTURES = ROOT / "tests" / "fixtures"


def inputs() -> tuple[Path, Path, list[tuple[Path, str, str | None]]]:
    """(person, top, outfit) paths: dev photos when present, else fixtures."""
    if (DEV / "person_01_front_upper_viton00008.jpg").exists():
        outfit = [
            (DEV / "garment_05_bottom_dresscode051946.jpg", "bottom", None),
            (DEV / "garment_03_top_viton00151.jpg", "top", "tucked"),
            (DEV / "garment_08_outerwear_cardigan_catvton21514384.jpg", "outerwear", "open"),
            (FIXTURES / "garment_outerwear_jacket.jpg", "outerwear", "open"),
        ]
        person = DEV / "person_06_fullbody_front_catvton_simon1.jpg"
        return person, DEV / "garment_03_top_viton00151.jpg", outfit
    outfit = [
        (FIXTURES / "garment_bottom_pants.jpg", "bottom", None),
        (FIXTURES / "garment_top_shirt_b.jpg", "top", "tucked"),
        (FIXTURES / "garment_top_shirt_blue.jpg", "outerwear", "open"),
        (FIXTURES / "garment_outerwear_jacket.jpg", "outerwear", "open"),
    ]
    return FIXTURES / "person_studio_avatar_b.jpg", FIXTURES / "garment_top_shirt_b.jpg", outfit


def load(path: Path) -> np.ndarray:
    return decode_rgb(path.read_bytes(), max_pixels=10**8)


def row(table: Table, name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    table.add_row(name, f"{statistics.median(ms):.1f}", f"{np.percentile(ms, 95):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    person_path, top_path, outfit_paths = inputs()

    started = time.perf_counter()
    models = load_models()
    load_s = time.perf_counter() - started

    person = cv2.resize(load(person_path), (768, 1024), interpolation=cv2.INTER_AREA)
    top = [GarmentInput(load(top_path), "top")]
    outfit = [GarmentInput(load(p), category, style) for p, category, style in outfit_paths]
    person_bytes, top_bytes = person_path.read_bytes(), top_path.read_bytes()

    stages: dict[str, list[float]] = {step.value: [] for step in Step if step is not Step.DONE}
    totals: dict[str, list[float]] = {
        name: [] for name in ("decode (2 images)", "encode png", "one top", "four garments")
    }
    run_outfit(person, top, models)  # warm caches once, not measured
    run_outfit(person, outfit, models)
    for _ in range(args.runs):
        t = time.perf_counter()
        decode_rgb(person_bytes, max_pixels=10**8)
        decode_rgb(top_bytes, max_pixels=10**8)
        totals["decode (2 images)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        result = run_outfit(person, top, models)
        totals["one top"].append(time.perf_counter() - t)
        for name, seconds in result.timings.items():
            stages[name].append(seconds)
        t = time.perf_counter()
        encode_image(result.image, "png")
        totals["encode png"].append(time.perf_counter() - t)
        t = time.perf_counter()
        run_outfit(person, outfit, models)
        totals["four garments"].append(time.perf_counter() - t)

    table = Table(title=f"local pipeline, {args.runs} runs, person 768x1024 ({person_path.name})")
    table.add_column("measure")
    table.add_column("median ms", justify="right")
    table.add_column("p95 ms", justify="right")
    for name, seconds in stages.items():
        row(table, f"one top: {name}", seconds)
    for name, seconds in totals.items():
        row(table, name, seconds)
    console = Console()
    console.print(
        f"model load (MediaPipe Pose, complexity 1, with segmentation; first call): {load_s * 1000:.0f} ms"
    )
    console.print(table)
    ratio = statistics.median(totals["four garments"]) / statistics.median(totals["one top"])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    console.print(f"four garments / one top (medians, same run): {ratio:.2f}x")
    console.print(f"peak resident memory of this process (a worker's footprint): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
