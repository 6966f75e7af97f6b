"""The layering rules, table by table (contracts.md section C), including cases the document omits."""

from __future__ import annotations

import pytest

from fittingroom.outfit.layering import OutfitItem, formality, normalise, resolve


def items(*specs: tuple) -> list[OutfitItem]:  # type: ignore[type-arg]
    """(category, sub_category, is_primary) per item, in request order."""
    return [OutfitItem(i, c, s, None, p) for i, (c, s, p) in enumerate(specs)]


def order(plan) -> list[str]:  # type: ignore[no-untyped-def]
    return [layer.category for layer in plan.layers]


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (["accessories", "outerwear", "top", "bottom"], ["bottom", "top", "outerwear", "accessories"]),
        (["shoes", "dress", "underwear"], ["underwear", "dress", "shoes"]),
        (["outerwear", "shoes", "top"], ["top", "outerwear", "shoes"]),
        (["top"], ["top"]),
    ],
)
def test_z_order(categories: list[str], expected: list[str]) -> None:
    plan = resolve(items(*[(c, None, False) for c in categories]))
    assert order(plan) == expected
    assert [layer.z for layer in plan.layers] == sorted(layer.z for layer in plan.layers)


@pytest.mark.parametrize(
    ("specs", "kept", "dropped"),
    [
        # the dress wins over top and bottom when neither is primary
        ([("dress", None, True), ("top", None, False), ("bottom", None, False)], ["dress"], [1, 2]),
        ([("shoes", None, True), ("dress", None, False), ("top", None, False)], ["dress", "shoes"], [2]),
        # unless the top or the bottom is primary
        ([("dress", None, False), ("top", None, True), ("bottom", None, False)], ["bottom", "top"], [0]),
        ([("bottom", None, True), ("dress", None, False)], ["bottom"], [1]),
    ],
)
def test_dress_conflict(specs: list[tuple], kept: list[str], dropped: list[int]) -> None:  # type: ignore[type-arg]
    plan = resolve(items(*specs))
    assert order(plan) == kept
    assert [d.index for d in plan.dropped] == dropped
    assert all(d.reason == "dress_conflict" for d in plan.dropped)


def test_first_item_is_primary_when_none_is_marked() -> None:
    # [top, dress], nothing marked: the top (first) is primary, so the dress is dropped.
    plan = resolve(items(("top", None, False), ("dress", None, False)))
    assert plan.primary == 0 and order(plan) == ["top"]
    assert plan.dropped[0].message == "A dress cannot be worn with the primary top or bottom"


@pytest.mark.parametrize(
    ("top", "bottom", "style", "reason"),
    [
        ("button-down", "trousers", "tucked", "formal top with a formal bottom"),
        ("Blouse", "pencil skirt", "tucked", "formal top with a formal bottom"),
        ("t-shirt", "trousers", "untucked", "casual top"),
        ("hoodie", "skinny-jeans", "untucked", "casual top"),
        ("shirt", "jeans", "untucked", "formal top with a casual bottom"),
        ("polo-shirt", "chinos", "untucked", "casual top"),
        (None, "trousers", "untucked", "formality unknown: untucked by default"),
        ("kimono", "trousers", "untucked", "formality unknown: untucked by default"),
    ],
)
def test_tuck(top: str | None, bottom: str | None, style: str, reason: str) -> None:
    plan = resolve(items(("top", top, True), ("bottom", bottom, False)))
    top_layer = next(layer for layer in plan.layers if layer.category == "top")
    assert top_layer.style == style
    assert plan.interactions[0].kind == style and plan.interactions[0].items == (0, 1)
    assert plan.interactions[0].reason == reason


def test_top_without_bottom_has_no_tuck() -> None:
    plan = resolve(items(("top", "button-down", True)))
    assert plan.layers[0].style is None and plan.interactions == ()


@pytest.mark.parametrize(
    ("sub_category", "style"),
    [
        ("blazer", "open"),
        ("Cardigan", "open"),
        ("coat", "closed"),
        ("trench", "closed"),
        ("trench coat", "closed"),
        ("denim-jacket", "closed"),
        (None, "closed"),
    ],
)
def test_outerwear_open_or_closed(sub_category: str | None, style: str) -> None:
    plan = resolve(items(("top", "t-shirt", True), ("outerwear", sub_category, False)))
    assert plan.layers[-1].style == style
    assert plan.interactions[-1].kind == style


def test_duplicates_keep_the_primary_or_the_first() -> None:
    plan = resolve(items(("top", "t-shirt", False), ("top", "shirt", True), ("bottom", None, False)))
    assert [(layer.index, layer.category) for layer in plan.layers] == [(2, "bottom"), (1, "top")]
    assert [(d.index, d.reason) for d in plan.dropped] == [(0, "duplicate_category")]
    plan = resolve(items(("bottom", None, True), ("top", "tee", False), ("top", "shirt", False)))
    assert [d.index for d in plan.dropped] == [2]
    plan = resolve(items(("top", None, True), ("accessories", "hat", False), ("accessories", "bag", False)))
    assert order(plan) == ["top", "accessories", "accessories"] and plan.dropped == ()


def test_plan_as_dict_is_json_ready() -> None:
    plan = resolve(
        items(("bottom", "trousers", False), ("top", "button-down", True), ("outerwear", "blazer", False))
    )
    assert plan.as_dict() == {
        "layers": [
            {
                "index": 0,
                "category": "bottom",
                "sub_category": "trousers",
                "name": None,
                "z": 1,
                "is_primary": False,
                "style": None,
            },
            {
                "index": 1,
                "category": "top",
                "sub_category": "button-down",
                "name": None,
                "z": 2,
                "is_primary": True,
                "style": "tucked",
            },
            {
                "index": 2,
                "category": "outerwear",
                "sub_category": "blazer",
                "name": None,
                "z": 4,
                "is_primary": False,
                "style": "open",
            },
        ],
        "dropped": [],
        "interactions": [
            {"kind": "tucked", "items": [1, 0], "reason": "formal top with a formal bottom"},
            {"kind": "open", "items": [2], "reason": "a blazer is worn open"},
        ],
        "primary": 1,
    }


def test_helpers_and_bad_input() -> None:
    assert normalise("  Skinny Jeans ") == "skinny-jeans" and normalise(" ") is None
    assert formality("bottom", "skinny-jeans") == "casual" and formality("top", "oxford") == "formal"
    with pytest.raises(ValueError, match="at least one"):
        resolve([])
    with pytest.raises(ValueError, match="unknown categories"):
        resolve([OutfitItem(0, "hat")])
