"""`POST /api/outfit/plan` (beyond the documents): how an outfit will be layered and by which
providers, before any image is sent or any gem is spent. Errors are `{"detail"}` (surface A)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from fittingroom.api.deps import ServicesDep
from fittingroom.errors import InvalidOption
from fittingroom.jobs.outfits import plan_outfit
from fittingroom.outfit.layering import CATEGORIES, OutfitItem

router = APIRouter(tags=["outfit"])


class PlanItem(BaseModel):
    category: str = Field(examples=["top"])
    sub_category: str | None = Field(None, max_length=200, examples=["button-down"])
    name: str | None = Field(None, max_length=200)
    is_primary: bool = False


class PlanRequest(BaseModel):
    items: list[PlanItem] = Field(min_length=1, max_length=4)
    providers: list[str] | None = Field(None, description="Provider order; default: the configured one")


@router.post("/api/outfit/plan", summary="Preview an outfit's layering and providers")
def preview_plan(body: PlanRequest, services: ServicesDep) -> dict[str, Any]:
    """The plan as /process-tryon and the processing API would resolve it:
    `{"layers": [{"index", "category", "sub_category", "name", "style", "is_primary"}],
    "dropped": [{"index", "category", "reason", "message"}], "interactions", "primary",
    "providers": [...], "notices": [...]}`. Layers are innermost first; `index` is the item's
    position in the request."""
    for index, item in enumerate(body.items):
        if item.category not in CATEGORIES:
            raise InvalidOption(
                f"Invalid category '{item.category}' of item {index}: expected one of {', '.join(CATEGORIES)}"
            )
    items = [
        OutfitItem(i, it.category, it.sub_category, it.name, it.is_primary) for i, it in enumerate(body.items)
    ]
    return plan_outfit(services.settings, items, body.providers).preview()
