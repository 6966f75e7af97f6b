"""Finding people, garments (with categories) and paired samples in folders.

People: images whose name contains "person" (all images if none does). Garments: images
whose name contains "garment" (likewise). Paired samples: `pair_<id>_person.*` with
`pair_<id>_garment.*` (the person wears that garment). A garment's category comes from a
`MANIFEST.tsv` (columns `filename` and `category`) in its folder or the folder above,
else from words in its file name.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
CATEGORY_WORDS = {
    "bottom": ("bottom", "pants", "trousers", "jeans", "shorts", "skirt"),
    "dress": ("dress",),
    "outerwear": ("outerwear", "jacket", "coat", "cardigan", "blazer"),
    "top": ("top", "shirt", "tee", "blouse", "sweater"),
}


@dataclass(frozen=True)
class Garment:
    path: Path
    category: str


@dataclass(frozen=True)
class Pair:
    person: Path
    garment: Garment


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def _manifest(folder: Path) -> dict[str, str]:
    for candidate in (folder / "MANIFEST.tsv", folder.parent / "MANIFEST.tsv"):
        if candidate.exists():
            with candidate.open(newline="") as f:
                return {row["filename"]: row.get("category", "") for row in csv.DictReader(f, delimiter="\t")}
    return {}


def category_of(path: Path, manifest: dict[str, str]) -> str | None:
    listed = manifest.get(path.name, "")
    if listed in CATEGORY_WORDS:
        return listed
    words = set(re.split(r"[^a-z]+", path.stem.lower()))
    for category, names in CATEGORY_WORDS.items():
        if words & set(names):
            return category
    return None


def discover(people_dir: Path, garments_dir: Path) -> tuple[list[Path], list[Garment], list[Pair]]:
    """(people, garments, pairs), each sorted by name. Pair files are not counted as people or garments."""
    people_all = [p for p in _images(people_dir) if not p.name.startswith("pair_")]
    people = [p for p in people_all if "person" in p.name.lower()] or people_all
    manifest = _manifest(garments_dir)
    garments: list[Garment] = []
    for path in _images(garments_dir):
        if path.name.startswith("pair_") or path in people:
            continue
        if "garment" not in path.name.lower() and any(
            "garment" in p.name.lower() for p in _images(garments_dir)
        ):
            continue
        category = category_of(path, manifest)
        if category is not None:
            garments.append(Garment(path, category))
    pairs = []
    for person in _images(people_dir):
        match = re.match(r"pair_(.+)_person$", person.stem)
        if not match:
            continue
        for suffix in IMAGE_SUFFIXES:
            garment = people_dir / f"pair_{match.group(1)}_garment{suffix}"
            if garment.exists():
                pairs.append(
                    Pair(person, Garment(garment, category_of(garment, _manifest(people_dir)) or "top"))
                )
                break
    return people, garments, pairs
