"""Benchmark the local pipeline in-process, models loaded: per-stage and total time.

    .venv/bin/python bench/pipeline.py [--runs 20] [--person P] [--garment G]
    taskset -c 0 .venv/bin/python bench/pipeline.py    # one core, as the targets are stated

Prints model load time, then median and p95 (milliseconds) for each stage, decode, encode
and the total, over `--runs` repeated try-ons of a 768x1024 person and a garment. Uses the
dev photos from ../shared/testdata/dev when present, else the fixtures (resized to 768x1024).
"""

from __future__ import annotations

import argparse
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
from fittingroom.pipeline.tryon import run_tryon

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "testdata" / "dev"
FIXTURES = ROOT / "tests" / "fixtures"


def default_inputs() -> tuple[Path, Path]:
    person = DEV / "person_01_front_upper_viton00008.jpg"
    garment = DEV / "garment_03_top_viton00151.jpg"
    if person.exists() and garment.exists():
        return person, garment
    return FIXTURES / "person_studio_avatar_a.jpg", FIXTURES / "garment_top_shirt_b.jpg"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    person_default, garment_default = default_inputs()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--person", type=Path, default=person_default)
    parser.add_argument("--garment", type=Path, default=garment_default)
    args = parser.parse_args()

    started = time.perf_counter()
    models = load_models()
    load_s = time.perf_counter() - started

    person_bytes = args.person.read_bytes()
    garment_bytes = args.garment.read_bytes()
    person = decode_rgb(person_bytes, max_pixels=10**8)
    if person.shape[:2] != (1024, 768):
        person = cv2.resize(person, (768, 1024), interpolation=cv2.INTER_AREA)
    garment = decode_rgb(garment_bytes, max_pixels=10**8)

    samples: dict[str, list[float]] = {step.value: [] for step in Step if step is not Step.DONE}
    samples.update({"decode (2 images)": [], "encode png": [], "total (pipeline)": []})
    run_tryon(person, garment, models)  # warm caches once, not measured
    for _ in range(args.runs):
        t = time.perf_counter()
        decode_rgb(person_bytes, max_pixels=10**8)
        decode_rgb(garment_bytes, max_pixels=10**8)
        samples["decode (2 images)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        result = run_tryon(person, garment, models)
        samples["total (pipeline)"].append(time.perf_counter() - t)
        for name, seconds in result.timings.items():
            samples[name].append(seconds)
        t = time.perf_counter()
        encode_image(result.image, "png")
        samples["encode png"].append(time.perf_counter() - t)

    table = Table(
        title=f"local pipeline, {args.runs} runs, person 768x1024 ({args.person.name}), "
        f"garment {args.garment.name}"
    )
    table.add_column("stage")
    table.add_column("median ms", justify="right")
    table.add_column("p95 ms", justify="right")
    for name, values in samples.items():
        ms = [v * 1000 for v in values]
        table.add_row(name, f"{statistics.median(ms):.1f}", f"{percentile(ms, 95):.1f}")
    console = Console()
    console.print(
        f"model load (MediaPipe Pose, complexity 1, segmentation, first call): {load_s * 1000:.0f} ms"
    )
    console.print(table)


if __name__ == "__main__":
    main()
