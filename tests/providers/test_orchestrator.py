"""Chain planning, the circuit breaker and the orchestrator's order/skip/fallback rules.

The providers here are in-memory stand-ins that succeed or raise on cue: what is under test is
the orchestrator's bookkeeping, not an adapter (those are tested against the fake vendors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from fittingroom.config import Settings
from fittingroom.errors import InvalidOption, NoPersonDetected, ProviderRejected, ProviderUnavailable
from fittingroom.providers.base import (
    Capabilities,
    GarmentPart,
    ProgressCallback,
    ProviderResult,
    TryOnRequest,
)
from fittingroom.providers.breaker import CircuitBreaker
from fittingroom.providers.catalog import candidate_order, plan_chain, renderable_categories
from fittingroom.providers.fashn import FashnProvider
from fittingroom.providers.orchestrator import Orchestrator
from fittingroom.providers.registry import build_providers
from fittingroom.providers.replicate import ReplicateProvider

EVERYTHING = Capabilities(
    categories=("top", "bottom", "dress", "outerwear", "shoes"), multi_garment=True, max_side=1024
)


@dataclass
class Stub:
    name: str
    capabilities: Capabilities = EVERYTHING
    errors: list[Exception] = field(default_factory=list)  # raised in turn; then it succeeds
    calls: int = 0

    def tryon(self, request: TryOnRequest, on_progress: ProgressCallback) -> ProviderResult:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return ProviderResult(image=np.zeros((4, 4, 3), np.uint8))


def outfit(*categories: str) -> TryOnRequest:
    return TryOnRequest(person=b"", garments=tuple(GarmentPart(b"", c) for c in categories))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# --- chain planning -------------------------------------------------------------------------


def test_without_keys_only_local_is_used_and_the_chain_says_why(settings: Settings) -> None:
    chain = plan_chain(settings, ["replicate", "fashn"], ["top"])
    assert chain.providers == ("local",)
    assert chain.notices == [
        "replicate skipped: no API key configured (FITTINGROOM_REPLICATE_API_TOKEN)",
        "fashn skipped: no API key configured (FITTINGROOM_FASHN_API_KEY)",
    ]
    assert plan_chain(settings, None, ["top"]).providers == ("local",), "the default with no key"


def test_with_keys_remote_providers_come_first_and_local_last(settings: Settings) -> None:
    keyed = settings.model_copy(update={"replicate_api_token": "k", "fashn_api_key": "f"})
    assert candidate_order(keyed, None) == ["replicate", "fashn", "local"]
    assert plan_chain(keyed, ["fashn"], ["top"]).providers == ("fashn", "local")
    assert plan_chain(keyed, ["fashn", "local", "fashn"], ["top"]).providers == ("fashn", "local")


def test_capabilities_decide_who_may_render(settings: Settings) -> None:
    keyed = settings.model_copy(update={"replicate_api_token": "k", "fashn_api_key": "f"})
    chain = plan_chain(keyed, ["fashn", "replicate"], ["top", "bottom"])
    assert chain.providers == ("replicate", "local")
    assert chain.notices == ["fashn skipped: renders one garment per request"]
    with_shoes = plan_chain(keyed, None, ["top", "shoes"])
    assert with_shoes.providers == ("replicate",)
    assert "local skipped: cannot render shoes" in with_shoes.notices
    assert "shoes" in renderable_categories(keyed, None)
    assert "shoes" not in renderable_categories(settings, None)


def test_unknown_or_impossible_requests_are_refused(settings: Settings) -> None:
    with pytest.raises(InvalidOption, match="Unknown provider"):
        plan_chain(settings, ["dall-e"], ["top"])
    with pytest.raises(InvalidOption, match="No provider can render this request: local cannot render shoes"):
        plan_chain(settings, None, ["shoes"])


def test_the_second_replicate_model_needs_its_own_setting(settings: Settings) -> None:
    keyed = settings.model_copy(update={"replicate_api_token": "k"})
    assert plan_chain(keyed, ["replicate-vton"], ["top"]).notices == [
        "replicate-vton skipped: no model configured (FITTINGROOM_REPLICATE_VTON_MODEL)"
    ]
    vton = keyed.model_copy(update={"replicate_vton_model": "cuuupid/idm-vton:abc"})
    assert plan_chain(vton, ["replicate-vton"], ["dress"]).providers == ("replicate-vton", "local")


# --- circuit breaker ------------------------------------------------------------------------


def test_breaker_opens_after_the_threshold_and_half_opens_after_the_cooldown() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, cooldown_s=60, clock=clock)
    for _ in range(2):
        breaker.record_failure("replicate")
    assert breaker.open_for("replicate") is None, "two failures: still closed"
    breaker.record_failure("replicate")
    assert breaker.open_for("replicate") == 60
    clock.now = 59.0
    assert breaker.open_for("replicate") == pytest.approx(1.0)
    clock.now = 60.0
    assert breaker.open_for("replicate") is None, "half-open: one trial goes through"
    breaker.record_failure("replicate")
    assert breaker.open_for("replicate") == 60, "a failed trial reopens it at once"
    clock.now = 130.0
    breaker.record_success("replicate")
    breaker.record_failure("replicate")
    assert breaker.open_for("replicate") is None, "a success resets the count"
    assert breaker.open_for("fashn") is None


# --- orchestrator ---------------------------------------------------------------------------


def test_the_first_provider_that_delivers_wins() -> None:
    remote, local = Stub("replicate"), Stub("local")
    outcome = Orchestrator({"replicate": remote, "local": local}, CircuitBreaker(3, 60)).run(
        outfit("top"), ["replicate", "local"], lambda step: None
    )
    assert outcome.provider == "replicate" and outcome.error is None
    assert [(a.provider, a.outcome) for a in outcome.attempts] == [("replicate", "completed")]
    assert local.calls == 0


def test_a_failure_falls_back_to_the_next_with_the_reason_recorded() -> None:
    remote = Stub("replicate", errors=[ProviderUnavailable("replicate", "HTTP 500: boom")])
    outcome = Orchestrator({"replicate": remote, "local": Stub("local")}, CircuitBreaker(3, 60)).run(
        outfit("top"), ["replicate", "local"], lambda step: None
    )
    assert outcome.provider == "local"
    assert [(a.provider, a.outcome, a.reason) for a in outcome.attempts] == [
        ("replicate", "failed", "HTTP 500: boom"),
        ("local", "completed", None),
    ]


def test_providers_lacking_a_capability_or_absent_are_skipped() -> None:
    single = Capabilities(categories=("top", "bottom"), multi_garment=False, max_side=1024)
    fashn = Stub("fashn", capabilities=single)
    outcome = Orchestrator({"fashn": fashn, "local": Stub("local")}, CircuitBreaker(3, 60)).run(
        outfit("top", "bottom"), ["replicate", "fashn", "local"], lambda step: None
    )
    assert [(a.provider, a.outcome, a.reason) for a in outcome.attempts] == [
        ("replicate", "skipped", "not configured on this worker"),
        ("fashn", "skipped", "renders one garment per request"),
        ("local", "completed", None),
    ]
    assert fashn.calls == 0


def test_repeated_failures_open_the_circuit_and_skip_the_provider() -> None:
    clock = Clock()
    remote = Stub("replicate", errors=[ProviderUnavailable("replicate", "down")] * 5)
    orchestrator = Orchestrator({"replicate": remote, "local": Stub("local")}, CircuitBreaker(3, 30, clock))
    for _ in range(3):
        orchestrator.run(outfit("top"), ["replicate", "local"], lambda step: None)
    assert remote.calls == 3
    skipped = orchestrator.run(outfit("top"), ["replicate", "local"], lambda step: None)
    assert remote.calls == 3, "not called while the circuit is open"
    assert skipped.attempts[0].outcome == "skipped" and "circuit open" in (skipped.attempts[0].reason or "")
    clock.now = 31.0
    orchestrator.run(outfit("top"), ["replicate", "local"], lambda step: None)
    assert remote.calls == 4, "tried again after the cool-down"


def test_input_rejections_do_not_open_the_circuit() -> None:
    remote = Stub("replicate", errors=[ProviderRejected("replicate", "422: bad image")] * 5)
    orchestrator = Orchestrator({"replicate": remote, "local": Stub("local")}, CircuitBreaker(2, 30))
    for _ in range(4):
        orchestrator.run(outfit("top"), ["replicate", "local"], lambda step: None)
    assert remote.calls == 4


def test_when_nothing_delivers_the_error_names_every_reason() -> None:
    remote = Stub("replicate", errors=[ProviderUnavailable("replicate", "HTTP 502: bad gateway")])
    local = Stub("local", errors=[NoPersonDetected()])
    outcome = Orchestrator({"replicate": remote, "local": local}, CircuitBreaker(3, 60)).run(
        outfit("top"), ["replicate", "local"], lambda step: None
    )
    assert outcome.result is None and outcome.provider is None
    assert str(outcome.error) == (
        "No provider delivered (replicate failed: HTTP 502: bad gateway; "
        "local failed: No person found in the person image)"
    )
    lone = Orchestrator({"local": Stub("local", errors=[NoPersonDetected()])}, CircuitBreaker(3, 60)).run(
        outfit("top"), ["replicate", "local"], lambda step: None
    )
    assert str(lone.error) == "No person found in the person image", "one failure keeps its own words"


def test_a_crashing_provider_does_not_stop_the_chain() -> None:
    outcome = Orchestrator(
        {"replicate": Stub("replicate", errors=[KeyError("x")]), "local": Stub("local")},
        CircuitBreaker(3, 60),
    ).run(outfit("top"), ["replicate", "local"], lambda step: None)
    assert outcome.provider == "local" and outcome.attempts[0].reason == "internal error (KeyError)"


# --- configuration --------------------------------------------------------------------------


def test_keys_are_read_under_the_documents_names_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REPLICATE_API_KEY", "r8_from_the_edge_function")
    monkeypatch.setenv("FASHN_API_KEY", "fa_key")
    settings = Settings(data_dir=tmp_path)
    assert settings.replicate_api_token is not None and settings.fashn_api_key is not None
    assert settings.replicate_api_token.get_secret_value() == "r8_from_the_edge_function"
    monkeypatch.setenv("FITTINGROOM_REPLICATE_API_TOKEN", "r8_ours")
    assert Settings(data_dir=tmp_path).replicate_api_token.get_secret_value() == "r8_ours"  # type: ignore[union-attr]


def test_the_registry_builds_what_is_configured(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        replicate_api_token="r8",  # type: ignore[arg-type]
        replicate_vton_model="deployments/acme/idm-vton",
        fashn_api_key="fa",  # type: ignore[arg-type]
        fashn_timeout_s=7,
    )
    providers = build_providers(settings, Stub("local"))
    assert sorted(providers) == ["fashn", "local", "replicate", "replicate-vton"]
    assert isinstance(providers["replicate"], ReplicateProvider)
    assert providers["replicate"].model.ref == "google/gemini-2.5-flash-image"
    assert providers["replicate-vton"].model.create() == ("/v1/deployments/acme/idm-vton/predictions", {})  # type: ignore[attr-defined]
    assert isinstance(providers["fashn"], FashnProvider) and providers["fashn"].timeout_s == 7
    assert sorted(build_providers(Settings(data_dir=tmp_path), Stub("local"))) == ["local"]
