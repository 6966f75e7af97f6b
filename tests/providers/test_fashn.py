"""The FASHN adapter, over real HTTP, against the fake FASHN on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fittingroom.errors import (
    ProviderBadOutput,
    ProviderError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnauthorized,
    ProviderUnavailable,
)
from fittingroom.providers.base import Capabilities, GarmentPart, TryOnRequest
from fittingroom.providers.fashn import FashnProvider
from tests.conftest import PERSON, TEE
from tests.fakes import fashn as fake
from tests.fakes.serve import serve

CAPS = Capabilities(categories=("top", "bottom", "dress", "outerwear"), multi_garment=False, max_side=640)


@pytest.fixture
def script() -> fake.Script:
    return fake.Script()


@pytest.fixture
def base_url(script: fake.Script) -> Iterator[str]:
    with serve(fake.make_app(script)) as url:
        yield url


def provider(base_url: str, api_key: str = fake.API_KEY, timeout_s: float = 20.0) -> FashnProvider:
    return FashnProvider(
        api_key=api_key, capabilities=CAPS, mode="quality", base_url=base_url, timeout_s=timeout_s
    )


def request(category: str = "top", **options: object) -> TryOnRequest:
    return TryOnRequest(
        person=PERSON.read_bytes(),
        garments=(GarmentPart(TEE.read_bytes(), category, photo_type="flat-lay"),),
        options=dict(options),
    )


def test_run_then_status_until_completed(base_url: str, script: fake.Script) -> None:
    script.delay_s = 1.0
    result = provider(base_url).tryon(request("dress", seed=3, output_format="jpeg"), lambda step: None)
    assert result.image.ndim == 3 and max(result.image.shape[:2]) == 640
    assert script.polls >= 2
    sent = script.runs[0]
    assert sent["model_name"] == "tryon-v1.6"
    inputs = sent["inputs"]
    assert (inputs["category"], inputs["mode"], inputs["garment_photo_type"]) == (
        "one-pieces",
        "quality",
        "flat-lay",
    )
    assert (inputs["seed"], inputs["output_format"], inputs["return_base64"]) == (3, "jpeg", True)


@pytest.mark.parametrize(
    ("setup", "expected", "words"),
    [
        ({"run_status": 500}, ProviderUnavailable, "HTTP 500"),
        ({"run_status": 400}, ProviderRejected, "HTTP 400"),
        ({"runtime_error": "PoseError"}, ProviderRejected, "PoseError"),
        ({"runtime_error": "ContentModerationError"}, ProviderRejected, "ContentModerationError"),
        ({"runtime_error": "PipelineError"}, ProviderUnavailable, "PipelineError"),
        ({"garbage": "image"}, ProviderBadOutput, "not a usable image"),
        ({"garbage": "status"}, ProviderBadOutput, "lacks 'status'"),
    ],
)
def test_every_failure_becomes_a_domain_error(
    base_url: str, script: fake.Script, setup: dict[str, object], expected: type[ProviderError], words: str
) -> None:
    for name, value in setup.items():
        setattr(script, name, value)
    with pytest.raises(expected) as caught:
        provider(base_url).tryon(request(), lambda step: None)
    assert words in str(caught.value) and caught.value.provider == "fashn"


def test_rate_limit_and_wrong_key(base_url: str, script: fake.Script) -> None:
    with pytest.raises(ProviderUnauthorized, match="API key"):
        provider(base_url, api_key="wrong").tryon(request(), lambda step: None)
    script.run_status = 429
    with pytest.raises(ProviderRateLimited, match="RateLimitExceeded|scripted"):
        provider(base_url).tryon(request(), lambda step: None)


def test_a_prediction_past_our_deadline_times_out(base_url: str, script: fake.Script) -> None:
    script.delay_s = 60.0
    with pytest.raises(ProviderTimeout, match="no result within 1.5 s"):
        provider(base_url, timeout_s=1.5).tryon(request(), lambda step: None)
