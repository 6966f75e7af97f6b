"""Image intake: magic bytes, limits before decoding, EXIF orientation, alpha and odd modes."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image

from fittingroom.errors import (
    CorruptImage,
    EmptyUpload,
    ImageTooManyPixels,
    ImageTooSmall,
    UnsupportedImageType,
    UploadTooLarge,
)
from fittingroom.images import decode_rgb, encode_image, inspect_image, sniff_media_type
from tests.conftest import PERSON, encode, plain_image

LIMITS = {"max_bytes": 20 * 1024 * 1024, "max_pixels": 40_000_000, "min_side": 16}


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("WEBP", "image/webp"),
        ("GIF", "image/gif"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
    ],
)
def test_sniff_by_magic_bytes(fmt: str, expected: str) -> None:
    assert sniff_media_type(encode(plain_image(), fmt)) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7 ...", "application/pdf"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        (b"<!DOCTYPE html><html>", "text/html"),
        (b"hello", "application/octet-stream"),
    ],
)
def test_sniff_names_disguised_types(data: bytes, expected: str) -> None:
    assert sniff_media_type(data) == expected


def test_inspect_reads_size_without_decoding() -> None:
    info = inspect_image(PERSON.read_bytes(), **LIMITS)
    assert (info.media_type, info.width, info.height) == ("image/jpeg", 572, 1024)


def test_gif_is_refused_naming_its_type() -> None:
    with pytest.raises(UnsupportedImageType, match="Unsupported image type: image/gif"):
        inspect_image(encode(plain_image(), "GIF"), **LIMITS)


def test_empty_too_large_too_small_corrupt() -> None:
    with pytest.raises(EmptyUpload):
        inspect_image(b"", **LIMITS)
    with pytest.raises(UploadTooLarge):
        inspect_image(encode(plain_image()), max_bytes=100, max_pixels=10**9)
    with pytest.raises(ImageTooSmall):
        inspect_image(encode(plain_image(1, 1)), **LIMITS)
    with pytest.raises(CorruptImage):
        inspect_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, **LIMITS)


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR (correct CRC) declaring width x height, then IEND."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_decompression_bomb_refused_from_header() -> None:
    # A 20000x20000 PNG header: 400 megapixels declared, a few hundred bytes on disk.
    bomb = png_header_only(20000, 20000)
    with pytest.raises(ImageTooManyPixels):
        inspect_image(bomb, **LIMITS)


def test_exif_orientation_is_applied() -> None:
    array = np.zeros((40, 80, 3), np.uint8)
    array[:, :40] = (255, 0, 0)  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "JPEG", exif=exif, quality=95)
    data = buffer.getvalue()
    assert (inspect_image(data, **LIMITS).width, inspect_image(data, **LIMITS).height) == (40, 80)
    decoded = decode_rgb(data, max_pixels=10**7)
    assert decoded.shape == (80, 40, 3)
    assert decoded[5, 20, 0] > 200  # the red half is now on top


def test_alpha_composited_on_white_and_modes_converted() -> None:
    rgba = np.zeros((32, 32, 4), np.uint8)  # fully transparent
    assert (decode_rgb(encode(rgba), max_pixels=10**7) == 255).all()
    cmyk = io.BytesIO()
    Image.new("CMYK", (32, 32), (0, 255, 255, 0)).save(cmyk, "JPEG")
    red = decode_rgb(cmyk.getvalue(), max_pixels=10**7)
    assert red.dtype == np.uint8 and red.shape == (32, 32, 3) and red[..., 0].mean() > 200
    sixteen = io.BytesIO()
    Image.fromarray(np.full((32, 32), 65535, np.uint16)).save(sixteen, "PNG")
    assert decode_rgb(sixteen.getvalue(), max_pixels=10**7).min() == 255
    mid_grey = io.BytesIO()  # 16-bit values map to 8 bits by range, not stretched to the image's maximum
    Image.fromarray(np.full((32, 32), 128 * 257, np.uint16)).save(mid_grey, "PNG")
    assert decode_rgb(mid_grey.getvalue(), max_pixels=10**7).max() == 128


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_encode_round_trip(fmt: str) -> None:
    image = plain_image(64, 48, (10, 200, 30))
    data, media_type = encode_image(image, fmt)
    assert sniff_media_type(data) == media_type
    assert np.abs(decode_rgb(data, max_pixels=10**7).astype(int) - image).max() <= 3
