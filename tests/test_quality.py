"""The quality score separates a real try-on from no change and from garbage."""

from __future__ import annotations

import numpy as np

from fittingroom.images import decode_rgb
from fittingroom.pipeline.models import Models
from fittingroom.pipeline.tryon import run_tryon
from fittingroom.quality import score
from tests.conftest import PERSON, TEE


def test_score_orders_real_unchanged_and_garbage_results(models: Models) -> None:
    person = decode_rgb(PERSON.read_bytes(), max_pixels=10**8)
    garment = decode_rgb(TEE.read_bytes(), max_pixels=10**8)
    real = score(person, garment, run_tryon(person, garment, models).image, models)
    unchanged = score(person, garment, person.copy(), models)
    noise = np.random.default_rng(0).integers(0, 256, person.shape, dtype=np.uint8)
    garbage = score(person, garment, noise, models)
    assert 0.0 <= garbage.score < unchanged.score < real.score <= 1.0
    assert real.score > 0.75 and garbage.score < 0.4
    assert unchanged.parts["colour"] == 0.0, "a result that dressed nobody shows no garment colour"
    assert real.parts["face"] > 0.99 and real.parts["colour"] > 0.7
    with_provider = score(person, garment, person.copy(), models, {"a": 1.0, "b": 1.0})
    assert with_provider.score > unchanged.score and with_provider.parts["provider"] == 1.0
