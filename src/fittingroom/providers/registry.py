"""Building the providers this server may use, once per worker process."""

from __future__ import annotations

from fittingroom.config import Settings
from fittingroom.providers.base import Provider
from fittingroom.providers.catalog import LOCAL, catalog
from fittingroom.providers.fashn import FashnProvider
from fittingroom.providers.replicate import ReplicateProvider, idm_vton_inputs, prompt_inputs


def build_providers(settings: Settings, local: Provider) -> dict[str, Provider]:
    """`local` plus every remote provider whose key (and model) is configured."""
    specs = catalog(settings)
    providers: dict[str, Provider] = {LOCAL: local}
    token = settings.replicate_api_token
    replicate_models = (
        ("replicate", settings.replicate_model, prompt_inputs),
        ("replicate-vton", settings.replicate_vton_model, idm_vton_inputs),
    )
    for name, model, inputs in replicate_models:
        if token is not None and model and specs[name].missing is None:
            providers[name] = ReplicateProvider(
                name=name,
                token=token.get_secret_value(),
                model=model,
                inputs=inputs,
                capabilities=specs[name].capabilities,
                base_url=settings.replicate_base_url,
                timeout_s=settings.replicate_timeout_s,
            )
    if settings.fashn_api_key is not None:
        providers["fashn"] = FashnProvider(
            api_key=settings.fashn_api_key.get_secret_value(),
            capabilities=specs["fashn"].capabilities,
            model=settings.fashn_model,
            mode=settings.fashn_mode,
            base_url=settings.fashn_base_url,
            timeout_s=settings.fashn_timeout_s,
        )
    return providers
