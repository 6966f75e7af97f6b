"""Golden tests of the prompt built from a system prompt and a resolved plan."""

from __future__ import annotations

from fittingroom.outfit.layering import OutfitItem, resolve
from fittingroom.outfit.prompt import DEFAULT_SYSTEM_PROMPT, build_prompt

GOLDEN_LAYERED = """Render the outfit.

Person: image 1.
Outfit, from the innermost layer to the outermost:
1. Bottom: trousers ("Navy Trousers") - image 2.
2. Top: button down ("White Shirt") - image 3; the primary item, most visible; tucked into the bottom.
3. Outerwear: blazer - image 4; worn open, showing the layer beneath.
Not worn (do not show):
- dress: A dress cannot be worn with the primary top or bottom.

Keep the person's face, hair, body shape, pose, skin tone and the background exactly as they are; \
change only the clothing."""


def test_layered_outfit_prompt_is_golden() -> None:
    plan = resolve(
        [
            OutfitItem(0, "top", "button-down", "White Shirt", True),
            OutfitItem(1, "bottom", "trousers", "Navy Trousers"),
            OutfitItem(2, "dress", "maxi-dress", "Summer Dress"),
            OutfitItem(3, "outerwear", "blazer"),
        ]
    )
    assert build_prompt("  Render the outfit.\n", plan) == GOLDEN_LAYERED


def test_single_garment_prompt_with_the_default_system_prompt() -> None:
    prompt = build_prompt(DEFAULT_SYSTEM_PROMPT, resolve([OutfitItem(0, "top", "t-shirt", "Blue T-Shirt")]))
    assert prompt.startswith(DEFAULT_SYSTEM_PROMPT + "\n\nPerson: image 1.\n")
    assert '1. Top: t shirt ("Blue T-Shirt") - image 2; the primary item, most visible.' in prompt
    assert "Not worn" not in prompt
