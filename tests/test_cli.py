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


def test_gems_and_config_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITTINGROOM_DATA_DIR", str(tmp_path / "data"))
    assert (
        runner.invoke(app, ["gems", "grant", "alice", "7", "--note", "launch"]).output.strip()
        == "alice: 7 gems"
    )
    assert runner.invoke(app, ["gems", "grant", "alice", "3"]).output.strip() == "alice: 10 gems"
    shown = runner.invoke(app, ["gems", "show", "alice"]).output
    assert "grant   +7" in shown and "launch" in shown and shown.strip().endswith("alice: 10 gems")
    assert runner.invoke(app, ["gems", "grant", "alice", "0"]).exit_code != 0
    assert "virtual try-on renderer" in runner.invoke(app, ["config", "show", "system_prompt"]).output
    result = runner.invoke(app, ["config", "set", "system_prompt", "-"], input="Dress them well.\n")
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["config", "show", "system_prompt"]).output == "Dress them well.\n\n"
    assert runner.invoke(app, ["config", "show", "nope"]).exit_code == 1
