"""A real `fittingroom serve` and headless Chromium from Debian (/usr/bin/chromium), driven by
Playwright; never a downloaded browser. Without Chromium these tests skip, unless
FITTINGROOM_REQUIRE_BROWSER=1 (set by CI) makes that a failure."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from fittingroom.auth import TokenVerifier
from fittingroom.config import Settings
from tests import servers
from tests.servers import Server, launch

CHROMIUM = Path(os.environ.get("FITTINGROOM_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(
    os.environ.get("FITTINGROOM_SCREENSHOTS", Path(__file__).parents[2] / "build" / "screenshots")
)


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    missing = _browser_missing()
    if missing:
        if os.environ.get("FITTINGROOM_REQUIRE_BROWSER") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def studio_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = launch(tmp_path_factory.mktemp("studio") / "data", workers=1)
    yield server
    servers.stop(server.process)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Iterator[Path]:
    """Where this test saves its screenshot: build/screenshots/<test name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield SCREENSHOTS / f"{request.node.name}.png"


def signed_in_user(server: Server, user: str, gems: int) -> str:
    """A token for `user` signed with the server's secret, after granting gems through the CLI."""
    env = {**os.environ, "FITTINGROOM_DATA_DIR": str(server.data_dir)}
    subprocess.run(
        [str(servers.BIN / "fittingroom"), "gems", "grant", user, str(gems)],
        env=env,
        check=True,
        capture_output=True,
    )
    return TokenVerifier(Settings(data_dir=server.data_dir)).issue(user)
