"""Resolve a list of garments into an outfit plan, by the edge function's layering rules.

Rules (contracts.md section C, as the source document states them):
- z-order: underwear 0, bottom 1, top 2, dress 3, outerwear 4, shoes 5, accessories 6;
  items of one z keep the order they were sent in.
- primary: the first item marked `is_primary`; if none is, the first item.
- a dress with a top or a bottom: the dress wins, unless the top or bottom is primary,
  in which case the dress is dropped.
- a formal top over a formal bottom is tucked in; a casual top is untucked.
- a blazer or a cardigan is worn open; a coat or a trench closed.

Where the document is silent:
- two items of one category (other than accessories): the primary one, else the first, is
  kept; the others are dropped as duplicates.
- a top with no bottom has no tuck; a top of unknown or mixed formality is untucked.
- outerwear of another sub-category (jacket, parka ...) is worn closed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

Z_ORDER: dict[str, int] = {
    "underwear": 0,
    "bottom": 1,
    "top": 2,
    "dress": 3,
    "outerwear": 4,
    "shoes": 5,
    "accessories": 6,
}
CATEGORIES = tuple(Z_ORDER)
MANY_ALLOWED = frozenset({"accessories"})

FORMAL_TOPS = frozenset(
    {"button-down", "button-up", "shirt", "dress-shirt", "oxford", "blouse", "formal-shirt"}
)
CASUAL_TOPS = frozenset(
    {
        "t-shirt",
        "tee",
        "tank",
        "tank-top",
        "hoodie",
        "sweatshirt",
        "crop-top",
        "polo",
        "jersey",
        "camisole",
        "henley",
        "sweater",
        "jumper",
    }
)
FORMAL_BOTTOMS = frozenset(
    {"trousers", "slacks", "dress-pants", "suit-pants", "pencil-skirt", "tailored-pants", "chinos"}
)
CASUAL_BOTTOMS = frozenset(
    {"jeans", "shorts", "joggers", "sweatpants", "leggings", "cargo", "cargo-pants", "track-pants"}
)
OPEN_OUTERWEAR = frozenset({"blazer", "cardigan"})
CLOSED_OUTERWEAR = frozenset({"coat", "trench", "trench-coat", "overcoat"})


@dataclass(frozen=True)
class OutfitItem:
    """One garment as sent: its position in the request, category and optional details."""

    index: int
    category: str
    sub_category: str | None = None
    name: str | None = None
    is_primary: bool = False


@dataclass(frozen=True)
class Layer:
    index: int  # position in the request
    category: str
    sub_category: str | None
    name: str | None
    z: int
    is_primary: bool
    style: str | None  # "tucked"/"untucked" (a top over a bottom), "open"/"closed" (outerwear)


@dataclass(frozen=True)
class Dropped:
    index: int
    category: str
    reason: str  # "dress_conflict" | "duplicate_category"
    message: str


@dataclass(frozen=True)
class Interaction:
    kind: str  # "tucked" | "untucked" | "open" | "closed"
    items: tuple[int, ...]  # request positions involved
    reason: str


@dataclass(frozen=True)
class OutfitPlan:
    """Layers innermost first, what was dropped and why, and how the layers interact."""

    layers: tuple[Layer, ...]
    dropped: tuple[Dropped, ...] = ()
    interactions: tuple[Interaction, ...] = field(default_factory=tuple)
    primary: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, as stored with the job."""
        return {
            "layers": [asdict(layer) for layer in self.layers],
            "dropped": [asdict(d) for d in self.dropped],
            "interactions": [{**asdict(i), "items": list(i.items)} for i in self.interactions],
            "primary": self.primary,
        }


def normalise(sub_category: str | None) -> str | None:
    """'Skinny Jeans' -> 'skinny-jeans'; None or blank -> None."""
    if sub_category is None or not sub_category.strip():
        return None
    return re.sub(r"[\s_]+", "-", sub_category.strip().lower())


def _matches(sub_category: str | None, names: frozenset[str]) -> bool:
    """The whole sub-category, or one of its hyphenated words, is in `names` ('skinny-jeans' is jeans)."""
    if sub_category is None:
        return False
    return sub_category in names or any(word in names for word in sub_category.split("-"))


def formality(category: str, sub_category: str | None) -> str | None:
    """ "formal", "casual" or None (unknown) for a top or a bottom."""
    formal, casual = (FORMAL_TOPS, CASUAL_TOPS) if category == "top" else (FORMAL_BOTTOMS, CASUAL_BOTTOMS)
    if _matches(sub_category, casual):  # 'polo-shirt' is casual although 'shirt' is formal
        return "casual"
    if _matches(sub_category, formal):
        return "formal"
    return None


def resolve(items: Sequence[OutfitItem]) -> OutfitPlan:
    """Apply the layering rules. `items` must be non-empty with known categories."""
    if not items:
        raise ValueError("an outfit needs at least one item")
    unknown = [i.category for i in items if i.category not in Z_ORDER]
    if unknown:
        raise ValueError(f"unknown categories: {unknown}")
    items = [OutfitItem(i.index, i.category, normalise(i.sub_category), i.name, i.is_primary) for i in items]
    primary = next((i.index for i in items if i.is_primary), items[0].index)
    dropped: list[Dropped] = []

    # One item per category (accessories excepted): the primary one, else the first sent.
    kept: list[OutfitItem] = []
    for item in items:
        same = [k for k in kept if k.category == item.category]
        if not same or item.category in MANY_ALLOWED:
            kept.append(item)
        elif item.index == primary:
            kept.remove(same[0])
            dropped.append(
                Dropped(
                    same[0].index,
                    same[0].category,
                    "duplicate_category",
                    f"Another {item.category} is the primary item",
                )
            )
            kept.append(item)
        else:
            dropped.append(
                Dropped(
                    item.index,
                    item.category,
                    "duplicate_category",
                    f"Only one {item.category} can be worn; the first one is kept",
                )
            )

    # A dress with a top or a bottom: the dress wins unless the top or bottom is primary.
    dress = next((k for k in kept if k.category == "dress"), None)
    separates = [k for k in kept if k.category in ("top", "bottom")]
    if dress is not None and separates:
        if any(k.index == primary for k in separates):
            kept.remove(dress)
            dropped.append(
                Dropped(
                    dress.index,
                    "dress",
                    "dress_conflict",
                    "A dress cannot be worn with the primary top or bottom",
                )
            )
        else:
            for k in separates:
                kept.remove(k)
                dropped.append(
                    Dropped(k.index, k.category, "dress_conflict", f"The dress replaces the {k.category}")
                )

    styles: dict[int, str] = {}
    interactions: list[Interaction] = []
    top = next((k for k in kept if k.category == "top"), None)
    bottom = next((k for k in kept if k.category == "bottom"), None)
    if top is not None and bottom is not None:
        top_formality = formality("top", top.sub_category)
        bottom_formality = formality("bottom", bottom.sub_category)
        if top_formality == "formal" and bottom_formality == "formal":
            styles[top.index] = "tucked"
            interactions.append(
                Interaction("tucked", (top.index, bottom.index), "formal top with a formal bottom")
            )
        else:
            styles[top.index] = "untucked"
            reason = (
                "casual top"
                if top_formality == "casual"
                else (
                    "formal top with a casual bottom"
                    if top_formality == "formal" and bottom_formality == "casual"
                    else "formality unknown: untucked by default"
                )
            )
            interactions.append(Interaction("untucked", (top.index, bottom.index), reason))
    for k in kept:
        if k.category != "outerwear":
            continue
        if _matches(k.sub_category, OPEN_OUTERWEAR):
            styles[k.index] = "open"
            interactions.append(Interaction("open", (k.index,), f"a {k.sub_category} is worn open"))
        elif _matches(k.sub_category, CLOSED_OUTERWEAR):
            styles[k.index] = "closed"
            interactions.append(Interaction("closed", (k.index,), f"a {k.sub_category} is worn closed"))
        else:
            styles[k.index] = "closed"
            interactions.append(Interaction("closed", (k.index,), "outerwear is worn closed by default"))

    ordered = sorted(kept, key=lambda k: (Z_ORDER[k.category], k.index))
    layers = tuple(
        Layer(
            k.index,
            k.category,
            k.sub_category,
            k.name,
            Z_ORDER[k.category],
            k.index == primary,
            styles.get(k.index),
        )
        for k in ordered
    )
    return OutfitPlan(
        layers=layers,
        dropped=tuple(sorted(dropped, key=lambda d: d.index)),
        interactions=tuple(interactions),
        primary=primary,
    )


def plan_from_dict(data: dict[str, Any]) -> OutfitPlan:
    """The inverse of `OutfitPlan.as_dict` (a plan stored with a job)."""
    return OutfitPlan(
        layers=tuple(Layer(**layer) for layer in data["layers"]),
        dropped=tuple(Dropped(**d) for d in data.get("dropped", [])),
        interactions=tuple(
            Interaction(i["kind"], tuple(i["items"]), i["reason"]) for i in data.get("interactions", [])
        ),
        primary=int(data.get("primary", 0)),
    )
