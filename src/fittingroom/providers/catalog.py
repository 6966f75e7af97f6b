"""Which providers exist, what each can render, and the order a request will try them in.

Light on purpose: the HTTP edge plans a job's provider chain from here without loading any
model or opening any connection. The worker builds the providers themselves (`registry.py`).

Names:
    local           the CPU pipeline; always available
    replicate       a prompt-driven image model on Replicate (default google/gemini-2.5-flash-image)
    replicate-vton  a try-on model on Replicate with IDM-VTON's inputs, when one is configured
    fashn           FASHN's try-on API
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from fittingroom.config import Settings
from fittingroom.errors import InvalidOption
from fittingroom.outfit.layering import CATEGORIES
from fittingroom.pipeline.tryon import MAX_GARMENTS, SUPPORTED_CATEGORIES
from fittingroom.providers.base import Capabilities

LOCAL = "local"
REMOTE = ("replicate", "replicate-vton", "fashn")
KNOWN = (LOCAL, *REMOTE)

# What each vendor model renders. Gemini takes any garment in a prompt; IDM-VTON and FASHN take
# one garment per prediction, of the kinds their `category` input names.
_CAPABILITIES = {
    "replicate": Capabilities(categories=CATEGORIES, multi_garment=True, max_side=1024),
    "replicate-vton": Capabilities(
        categories=("top", "outerwear", "bottom", "dress"), multi_garment=False, max_side=1024
    ),
    "fashn": Capabilities(
        categories=("top", "outerwear", "bottom", "dress"), multi_garment=False, max_side=1296
    ),
}


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    capabilities: Capabilities
    missing: str | None = None  # why it cannot be used on this server (no key ...), else None


@dataclass(frozen=True)
class Attempt:
    """One provider's part in a job: `outcome` is "skipped", "failed" or "completed"."""

    provider: str
    outcome: str
    reason: str | None = None
    seconds: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Chain:
    """The providers a job will try, in order, and those left out before it started, with why."""

    providers: tuple[str, ...]
    skipped: tuple[Attempt, ...] = ()

    @property
    def notices(self) -> list[str]:
        return [f"{a.provider} skipped: {a.reason}" for a in self.skipped]


def catalog(settings: Settings) -> dict[str, ProviderSpec]:
    local = Capabilities(
        categories=SUPPORTED_CATEGORIES, multi_garment=MAX_GARMENTS > 1, max_side=settings.hd_max_side
    )
    replicate_key = (
        None if settings.replicate_api_token else "no API key configured (FITTINGROOM_REPLICATE_API_TOKEN)"
    )
    return {
        LOCAL: ProviderSpec(LOCAL, local),
        "replicate": ProviderSpec("replicate", _CAPABILITIES["replicate"], replicate_key),
        "replicate-vton": ProviderSpec(
            "replicate-vton",
            _CAPABILITIES["replicate-vton"],
            replicate_key
            or (
                None
                if settings.replicate_vton_model
                else "no model configured (FITTINGROOM_REPLICATE_VTON_MODEL)"
            ),
        ),
        "fashn": ProviderSpec(
            "fashn",
            _CAPABILITIES["fashn"],
            None if settings.fashn_api_key else "no API key configured (FITTINGROOM_FASHN_API_KEY)",
        ),
    }


def default_order(settings: Settings) -> list[str]:
    """The configured order, else every usable remote provider followed by local."""
    if settings.providers:
        return list(settings.providers)
    specs = catalog(settings)
    return [name for name in REMOTE if specs[name].missing is None] + [LOCAL]


def lacks(capabilities: Capabilities, categories: Sequence[str]) -> str | None:
    """Why a provider cannot render an outfit of these categories, or None when it can."""
    missing = [c for c in dict.fromkeys(categories) if c not in capabilities.categories]
    if missing:
        return f"cannot render {', '.join(missing)}"
    if len(categories) > 1 and not capabilities.multi_garment:
        return "renders one garment per request"
    return None


def candidate_order(settings: Settings, requested: Sequence[str] | None) -> list[str]:
    """The order asked for (else the default), checked and de-duplicated, with `local`
    appended when `fallback_to_local` is on. Raises InvalidOption for an unknown name."""
    order = [name.strip().lower() for name in requested] if requested else default_order(settings)
    unknown = [name for name in order if name not in KNOWN]
    if unknown:
        raise InvalidOption(f"Unknown provider(s): {', '.join(unknown)} (known: {', '.join(KNOWN)})")
    if settings.fallback_to_local and LOCAL not in order:
        order.append(LOCAL)
    return list(dict.fromkeys(order))


def renderable_categories(settings: Settings, requested: Sequence[str] | None) -> frozenset[str]:
    """Every category at least one usable provider of the order can render."""
    specs = catalog(settings)
    return frozenset(
        category
        for name in candidate_order(settings, requested)
        if specs[name].missing is None
        for category in specs[name].capabilities.categories
    )


def plan_chain(settings: Settings, requested: Sequence[str] | None, categories: Sequence[str]) -> Chain:
    """The chain for an outfit of `categories` (one entry per garment).

    Providers without a key, or lacking a capability the outfit needs, are skipped with the
    reason. Raises InvalidOption when none is left."""
    specs = catalog(settings)
    kept: list[str] = []
    skipped: list[Attempt] = []
    for name in candidate_order(settings, requested):
        reason = specs[name].missing or lacks(specs[name].capabilities, categories)
        if reason:
            skipped.append(Attempt(name, "skipped", reason))
        else:
            kept.append(name)
    if not kept:
        raise InvalidOption(
            "No provider can render this request: " + "; ".join(f"{a.provider} {a.reason}" for a in skipped)
        )
    return Chain(tuple(kept), tuple(skipped))
