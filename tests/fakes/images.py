"""What the fake vendors render: the person photo with a block of the garment's colour on the
torso, so that a result looks like a try-on to the quality scorer (face and background kept)."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
from PIL import Image

_DATA_URI = re.compile(r"^data:[\w/+.-]+;base64,")


def decode_data_uri(uri: str) -> np.ndarray:
    """A data URI (as the adapters send images) as uint8 RGB."""
    data = base64.b64decode(_DATA_URI.sub("", uri))
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def render(person_uri: str, garment_uri: str) -> bytes:
    """PNG bytes: the person with the garment's median colour over the middle of the torso."""
    person = decode_data_uri(person_uri).copy()
    garment = decode_data_uri(garment_uri)
    height, width = garment.shape[:2]
    centre = garment[height // 3 : 2 * height // 3, width // 3 : 2 * width // 3].reshape(-1, 3)
    colour = np.median(centre, axis=0).astype(np.uint8)
    h, w = person.shape[:2]
    person[int(h * 0.32) : int(h * 0.5), int(w * 0.4) : int(w * 0.6)] = colour
    out = io.BytesIO()
    Image.fromarray(person).save(out, format="PNG")
    return out.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()
