"""The Replicate adapter, over real HTTP, against the fake Replicate on loopback."""

from __future__ import annotations

import asyncio
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
from fittingroom.pipeline.stages import Step
from fittingroom.providers.base import Capabilities, GarmentPart, TryOnRequest
from fittingroom.providers.replicate import ReplicateProvider, idm_vton_inputs, prompt_inputs
from tests.conftest import PERSON, TEE
from tests.fakes import replicate as fake
from tests.fakes.serve import serve
from tests.servers import free_port

CAPS = Capabilities(
    categories=("top", "bottom", "dress", "outerwear", "shoes"), multi_garment=True, max_side=512
)


@pytest.fixture
def script() -> fake.Script:
    return fake.Script()


@pytest.fixture
def base_url(script: fake.Script) -> Iterator[str]:
    with serve(fake.make_app(script)) as url:
        yield url


def request(category: str = "top", **options: object) -> TryOnRequest:
    return TryOnRequest(
        person=PERSON.read_bytes(),
        garments=(GarmentPart(TEE.read_bytes(), category),),
        options={"prompt": "Dress the person in image 1 in the top of image 2.", **options},
    )


def gemini(base_url: str, token: str = fake.TOKEN, timeout_s: float = 20.0) -> ReplicateProvider:
    return ReplicateProvider(
        name="replicate",
        token=token,
        model=fake.GEMINI,
        inputs=prompt_inputs,
        capabilities=CAPS,
        base_url=base_url,
        timeout_s=timeout_s,
    )


def test_a_quick_prediction_answers_within_the_create_request(base_url: str, script: fake.Script) -> None:
    steps: list[Step] = []
    result = gemini(base_url).tryon(request(), steps.append)
    assert result.image.ndim == 3 and result.image.shape[2] == 3 and result.image.dtype.name == "uint8"
    assert max(result.image.shape[:2]) == 512, "inputs are sent at the provider's max side"
    assert script.polls == 0, "Prefer: wait returned the finished prediction"
    sent = script.creates[0]
    assert sent["model"] == fake.GEMINI and sent["prefer"] == "wait=20"
    inputs = sent["body"]["input"]
    assert inputs["prompt"].startswith("Dress the person")
    assert [uri[:23] for uri in inputs["image_input"]] == ["data:image/jpeg;base64,"] * 2, (
        "person, then garment"
    )
    assert inputs["aspect_ratio"] == "match_input_image" and inputs["output_format"] == "png"
    assert steps == [Step.SEGMENTATION, Step.WARP, Step.BLEND]


def test_a_slow_prediction_is_polled_until_it_succeeds(base_url: str, script: fake.Script) -> None:
    script.delay_s = 2.5
    provider = gemini(base_url)
    provider.wait_s = 1  # Prefer: wait=1, then polling
    result = provider.tryon(request(), lambda step: None)
    assert result.image.size > 0
    assert script.polls >= 2, "status was polled with backoff"


def test_our_timeout_cancels_the_remote_prediction(base_url: str, script: fake.Script) -> None:
    script.delay_s = 60.0
    with pytest.raises(ProviderTimeout) as caught:
        gemini(base_url, timeout_s=1.5).tryon(request(), lambda step: None)
    prediction_id = script.creates and next(iter(script.predictions))
    assert script.cancelled == [prediction_id]
    assert script.predictions[prediction_id]["status"] == "canceled"
    assert "cancelled" in str(caught.value) and caught.value.provider == "replicate"


@pytest.mark.parametrize(
    ("setup", "expected", "words"),
    [
        ({"create_status": 500}, ProviderUnavailable, "HTTP 500"),
        ({"create_status": 503}, ProviderUnavailable, "HTTP 503"),
        ({"create_status": 422}, ProviderRejected, "HTTP 422"),
        ({"outcome": "failed"}, ProviderRejected, "E6716"),
        ({"outcome": "canceled"}, ProviderUnavailable, "canceled"),
        ({"garbage": "json"}, ProviderBadOutput, "not JSON"),
        ({"garbage": "image"}, ProviderBadOutput, "not a usable image"),
    ],
)
def test_every_failure_becomes_a_domain_error(
    base_url: str, script: fake.Script, setup: dict[str, object], expected: type[ProviderError], words: str
) -> None:
    for name, value in setup.items():
        setattr(script, name, value)
    with pytest.raises(expected) as caught:
        gemini(base_url).tryon(request(), lambda step: None)
    assert words in str(caught.value)


def test_rate_limit_carries_retry_after(base_url: str, script: fake.Script) -> None:
    script.create_status = 429
    with pytest.raises(ProviderRateLimited) as caught:
        gemini(base_url).tryon(request(), lambda step: None)
    assert caught.value.retry_after_s == 1.0 and "throttled" in str(caught.value)


def test_a_wrong_key_is_unauthorized(base_url: str) -> None:
    with pytest.raises(ProviderUnauthorized, match="valid authentication token"):
        gemini(base_url, token="r8_wrong").tryon(request(), lambda step: None)


def test_an_unreachable_server_is_unavailable() -> None:
    with pytest.raises(ProviderUnavailable, match="cannot reach"):
        gemini(f"http://127.0.0.1:{free_port()}").tryon(request(), lambda step: None)


def test_a_job_without_prompt_is_refused_before_sending(base_url: str, script: fake.Script) -> None:
    with pytest.raises(ProviderRejected, match="no prompt"):
        gemini(base_url).tryon(request(prompt=""), lambda step: None)
    assert script.creates == []


def test_an_idm_vton_version_gets_its_own_inputs(base_url: str, script: fake.Script) -> None:
    provider = ReplicateProvider(
        name="replicate-vton",
        token=fake.TOKEN,
        model="cuuupid/idm-vton:0513734a452173b8173e907e3a59d19a36266e55b48528559432bd21c7d7e985",
        inputs=idm_vton_inputs,
        capabilities=CAPS,
        base_url=base_url,
    )
    result = provider.tryon(request("bottom", seed=7), lambda step: None)
    assert result.image.size > 0
    sent = script.creates[0]
    assert sent["version"].startswith("0513734a") and sent["body"]["version"] == sent["version"]
    inputs = sent["body"]["input"]
    assert (inputs["category"], inputs["garment_des"], inputs["seed"]) == ("lower_body", "bottom", 7)
    assert inputs["human_img"].startswith("data:image/jpeg;base64,") and "prompt" not in inputs


def test_a_deployment_is_addressed_by_its_path(base_url: str, script: fake.Script) -> None:
    provider = ReplicateProvider(
        name="replicate-vton",
        token=fake.TOKEN,
        model="deployments/acme/idm-vton",
        inputs=idm_vton_inputs,
        capabilities=CAPS,
        base_url=base_url,
    )
    provider.tryon(request("dress"), lambda step: None)
    assert script.creates[0]["model"] == "deployments/acme/idm-vton"
    assert script.creates[0]["body"]["input"]["category"] == "dresses"


def test_the_sync_entry_point_works_inside_a_running_event_loop(base_url: str) -> None:
    """A caller with its own loop (an async app, a test driver) still gets a result."""

    async def caller() -> tuple[int, ...]:
        return tuple(gemini(base_url).tryon(request(), lambda step: None).image.shape)

    assert asyncio.run(caller())[2] == 3
