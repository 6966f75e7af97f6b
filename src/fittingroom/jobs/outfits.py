"""Planning an outfit job: resolve the layers, drop what no available provider renders, pick
the provider chain, and write the options a worker needs. Shared by /process-tryon, the
processing API's `options.garments` and the plan preview (`POST /api/outfit/plan`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from fittingroom.config import Settings
from fittingroom.errors import InvalidOption
from fittingroom.outfit.layering import Dropped, Layer, OutfitItem, OutfitPlan, resolve
from fittingroom.outfit.prompt import build_prompt, load_system_prompt
from fittingroom.providers.catalog import Chain, plan_chain, renderable_categories


@dataclass(frozen=True)
class PlannedOutfit:
    plan: OutfitPlan
    chain: Chain

    @property
    def primary(self) -> Layer:
        """The primary item's layer, else the outermost one."""
        return next(
            (layer for layer in self.plan.layers if layer.index == self.plan.primary), self.plan.layers[-1]
        )

    def preview(self) -> dict[str, Any]:
        """What a client is shown before starting: the plan, the chain and why others were left out."""
        return {**self.plan.as_dict(), "providers": list(self.chain.providers), "notices": self.chain.notices}

    def job_options(self, session: Session, file_ids: Sequence[str]) -> dict[str, Any]:
        """The options of the job: plan, prompt, chain and the garments' files in request order."""
        return {
            "category": self.primary.category,
            "plan": self.plan.as_dict(),
            "prompt": build_prompt(load_system_prompt(session), self.plan),
            "providers": list(self.chain.providers),
            "provider": self.chain.providers[0],
            "skipped_providers": [a.as_dict() for a in self.chain.skipped],
            "garment_file_ids": list(file_ids),
        }


def renderable(plan: OutfitPlan, categories: frozenset[str]) -> OutfitPlan:
    """The plan with the layers no available provider can render (not in `categories`)
    moved to `dropped`, with the reason."""
    kept = tuple(layer for layer in plan.layers if layer.category in categories)
    skipped = tuple(
        Dropped(
            layer.index,
            layer.category,
            "unsupported_by_provider",
            f"No available provider renders {layer.category} (available: {', '.join(sorted(categories))})",
        )
        for layer in plan.layers
        if layer.category not in categories
    )
    return OutfitPlan(
        kept, tuple(sorted(plan.dropped + skipped, key=lambda d: d.index)), plan.interactions, plan.primary
    )


def plan_outfit(
    settings: Settings, items: Sequence[OutfitItem], requested: Sequence[str] | None
) -> PlannedOutfit:
    """Resolve `items` (1 to 4) for the provider order `requested` (else the default).

    Raises InvalidOption when nothing in the outfit can be rendered."""
    plan = renderable(resolve(items), renderable_categories(settings, requested))
    if not plan.layers:
        raise InvalidOption("; ".join(d.message for d in plan.dropped))
    return PlannedOutfit(plan, plan_chain(settings, requested, [layer.category for layer in plan.layers]))
