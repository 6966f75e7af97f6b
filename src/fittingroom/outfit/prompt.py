"""The prompt for generative providers: the configured system prompt plus the resolved plan.

Images are numbered as a provider adapter sends them: the person first, then the garments
in the plan's layer order (innermost first).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from fittingroom.db.models import AiConfig
from fittingroom.outfit.layering import Layer, OutfitPlan

DEFAULT_SYSTEM_PROMPT = (
    "You are a virtual try-on renderer. Dress the person in the first image in the garments "
    "that follow, as one photograph: keep their garments' colours, patterns, logos and fabric, "
    "and fit them naturally to the person's body and pose."
)

STYLE_PHRASES = {
    "tucked": "tucked into the bottom",
    "untucked": "worn untucked, over the bottom",
    "open": "worn open, showing the layer beneath",
    "closed": "worn closed",
}

PRESERVE = (
    "Keep the person's face, hair, body shape, pose, skin tone and the background exactly as "
    "they are; change only the clothing."
)


def _describe(layer: Layer, image_number: int) -> str:
    kind = layer.category.capitalize()
    if layer.sub_category:
        kind += f": {layer.sub_category.replace('-', ' ')}"
    if layer.name:
        kind += f' ("{layer.name}")'
    details = [f"image {image_number}"]
    if layer.is_primary:
        details.append("the primary item, most visible")
    if layer.style:
        details.append(STYLE_PHRASES[layer.style])
    return f"{kind} - {'; '.join(details)}."


def load_system_prompt(session: Session) -> str:
    """The operator's `system_prompt` from ai_config (seeded by migration), else the default."""
    row = session.get(AiConfig, "system_prompt")
    return row.value if row is not None and row.value.strip() else DEFAULT_SYSTEM_PROMPT


def build_prompt(system_prompt: str, plan: OutfitPlan) -> str:
    """The full prompt text. Deterministic for a given system prompt and plan."""
    lines = [
        system_prompt.strip(),
        "",
        "Person: image 1.",
        "Outfit, from the innermost layer to the outermost:",
    ]
    lines += [f"{n}. {_describe(layer, n + 1)}" for n, layer in enumerate(plan.layers, start=1)]
    if plan.dropped:
        lines.append("Not worn (do not show):")
        lines += [f"- {d.category}: {d.message}." for d in plan.dropped]
    lines += ["", PRESERVE]
    return "\n".join(lines)
