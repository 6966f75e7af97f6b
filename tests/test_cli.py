"""The `fittingroom` command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fittingroom.cli import app
from fittingroom.images import decode_rgb
from tests.conftest import PERSON, TEE, encode, plain_image

runner = CliRunner()


def test_tryon_writes_the_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.jpg"
    result = runner.invoke(app, ["tryon", str(PERSON), str(TEE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert decode_rgb(out.read_bytes(), max_pixels=10**8).shape == (1024, 572, 3)
    assert out.read_bytes().startswith(b"\xff\xd8")  # format from the extension


def test_tryon_reports_errors_without_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    gif = tmp_path / "x.gif"
    gif.write_bytes(encode(plain_image(), "GIF"))
    result = runner.invoke(app, ["tryon", str(gif), str(TEE), "-o", str(tmp_path / "o.png")])
    assert result.exit_code == 1
    assert "Unsupported image type: image/gif" in result.output
    assert "Traceback" not in result.output


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "serve" in result.output and "tryon" in result.output
