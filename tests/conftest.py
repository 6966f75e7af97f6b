"""Shared fixtures: fixture images, settings on a temporary data dir, loaded models."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fittingroom.config import Settings
from fittingroom.pipeline.models import Models, load_models
from tests.api.conftest import Harness, make_harness

FIXTURES = Path(__file__).parent / "fixtures"
PERSON = FIXTURES / "person_studio_avatar_a.jpg"
PERSON_FULLBODY = FIXTURES / "person_fullbody_front.jpg"
SHIRT = FIXTURES / "garment_top_shirt_blue.jpg"
TEE = FIXTURES / "garment_top_shirt_b.jpg"
JACKET = FIXTURES / "garment_outerwear_jacket.jpg"


def encode(array: np.ndarray, fmt: str = "PNG", **params: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **params)
    return buffer.getvalue()


def plain_image(
    width: int = 256, height: int = 320, colour: tuple[int, int, int] = (128, 128, 128)
) -> np.ndarray:
    return np.full((height, width, 3), colour, np.uint8)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", workers=1, secret_key="test-secret")  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def models() -> Iterator[Models]:
    loaded = load_models()
    yield loaded
    loaded.close()


@pytest.fixture
def harness(settings: Settings, models: Models) -> Iterator[Harness]:
    """The app (queue not started) with an in-process worker over the real models."""
    yield from make_harness(settings, models)
