"""The studio at `/`, in headless Chromium against a real server with real workers."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import signed_in_user
from tests.conftest import FIXTURES, PERSON, PERSON_FULLBODY, SHIRT, TEE
from tests.servers import Server

pytestmark = pytest.mark.slow

PANTS = FIXTURES / "garment_bottom_pants.jpg"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def open_studio(browser: Any, server: Server, **context: Any) -> tuple[Any, Any, list[str]]:
    """A fresh context (no stored token or language) on the studio; page errors are collected."""
    ctx = browser.new_context(accept_downloads=True, **({"viewport": DESKTOP} | context))
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
    page.goto(server.url + "/")
    return ctx, page, errors


def choose(page: Any, person: Path, garments: list[tuple[Path, str, str]]) -> None:
    page.set_input_files("#person", str(person))
    for index, (path, category, kind) in enumerate(garments, start=1):
        if index > 1:
            page.click("#add-garment")
        row = f"#garments .garment:nth-child({index})"
        page.set_input_files(f"{row} .garment-file", str(path))
        page.select_option(f"{row} .garment-category", category)
        page.fill(f"{row} .garment-sub", kind)


def run_to_result(page: Any) -> list[str]:
    """Start, and return the step labels seen under the progress bar until the result shows."""
    page.click("#start")
    labels: list[str] = []
    for _ in range(600):
        if page.is_visible("#result") or page.is_visible("#error"):
            break
        if page.is_visible("#progress-box"):
            label = page.inner_text("#step-label")
            if label and (not labels or labels[-1] != label):
                labels.append(label)
        page.wait_for_timeout(100)
    assert page.is_visible("#result"), page.inner_text("#error") if page.is_visible("#error") else "timed out"
    return labels


def test_full_tryon_from_file_input_to_downloaded_result(
    browser: Any, studio_server: Server, screenshot: Path, tmp_path: Path
) -> None:
    ctx, page, errors = open_studio(browser, studio_server)
    assert page.title() == "fittingroom studio"
    choose(page, PERSON, [(TEE, "top", "t-shirt")])
    page.wait_for_selector("#plan-layers li")
    assert page.inner_text("#plan-layers") == "Top: t shirt (#1)"
    assert "Rendered by: local" in page.inner_text("#plan-providers")

    labels = run_to_result(page)
    assert labels[0] == "Uploading photos…"
    assert any(
        label in labels for label in ("Waiting for a free worker…", "Finding the person and the garment")
    )
    score = float(page.inner_text("#score"))
    assert 0.5 < score <= 1 and page.inner_text("#made-by") == "by local"

    # The before/after slider works from the keyboard.
    page.focus("#slider")
    page.keyboard.press("End")
    assert page.eval_on_selector("#after-clip", "el => el.style.clipPath") == "inset(0px 0% 0px 0px)"
    page.keyboard.press("Home")
    assert page.eval_on_selector("#after-clip", "el => el.style.clipPath") == "inset(0px 100% 0px 0px)"
    page.keyboard.press("ArrowRight")

    with page.expect_download() as download_info:
        page.click("#download")
    saved = tmp_path / "result.png"
    download_info.value.save_as(saved)
    result = Image.open(io.BytesIO(saved.read_bytes()))
    person = Image.open(PERSON)
    assert result.format == "PNG" and abs(result.width / result.height - person.width / person.height) < 0.01
    assert not np.array_equal(
        np.asarray(result.convert("RGB").resize(person.size)), np.asarray(person.convert("RGB"))
    )

    page.screenshot(path=str(screenshot), full_page=True)
    assert errors == []
    ctx.close()


def test_a_gif_upload_gets_a_clear_error_in_the_users_language(
    browser: Any, studio_server: Server, screenshot: Path, tmp_path: Path
) -> None:
    gif = tmp_path / "animation.gif"
    Image.new("RGB", (64, 64), (200, 30, 30)).save(gif, format="GIF")
    ctx, page, errors = open_studio(browser, studio_server)
    choose(page, gif, [(TEE, "top", "")])
    page.click("#start")
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error") == "This file is not a JPEG, PNG or WEBP image (it is image/gif)."
    assert page.is_hidden("#progress-box") and page.is_hidden("#result")
    assert page.is_enabled("#start"), "the user can fix the input and try again"

    page.select_option("#language", "vi")
    assert page.inner_text("#start") == "Thử đồ"
    page.click("#start")
    page.wait_for_function("document.querySelector('#error').textContent.includes('không phải')")
    assert page.inner_text("#error") == "Tệp này không phải ảnh JPEG, PNG hoặc WEBP (đây là image/gif)."
    page.screenshot(path=str(screenshot), full_page=True)
    assert errors == []
    ctx.close()


def test_a_layered_outfit_on_a_phone(browser: Any, studio_server: Server, screenshot: Path) -> None:
    ctx, page, errors = open_studio(browser, studio_server, **PHONE)
    choose(
        page,
        PERSON_FULLBODY,
        [(SHIRT, "top", "button-down"), (PANTS, "bottom", "trousers"), (TEE, "shoes", "")],
    )
    page.wait_for_function("document.querySelectorAll('#plan-layers li').length === 2")
    assert page.inner_text("#plan-layers").splitlines() == [
        "Bottom: trousers (#2)",
        "Top: button down (#1) — tucked in",
    ]
    assert page.inner_text("#plan-dropped").startswith(
        "Left out: Shoes (#3) (No available provider renders shoes"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"
    run_to_result(page)
    assert page.is_visible("#download") and page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot), full_page=True)
    assert errors == []
    ctx.close()


def test_signed_in_tryons_fill_the_history_gallery(
    browser: Any, studio_server: Server, screenshot: Path
) -> None:
    token = signed_in_user(studio_server, "studio-user", gems=3)
    ctx, page, errors = open_studio(browser, studio_server)
    assert page.is_hidden("#history")
    page.click("#signin summary")
    page.fill("#token", token)
    page.press("#token", "Enter")
    page.wait_for_selector("#history:not([hidden])")
    assert page.inner_text("#history-empty") == "Nothing yet."
    assert page.is_disabled("#provider")
    choose(page, PERSON, [(TEE, "top", "t-shirt")])
    run_to_result(page)
    page.wait_for_selector("#gallery li img")
    assert page.locator("#gallery li").count() == 1 and page.is_hidden("#history-empty")
    assert page.get_attribute("#gallery li img", "alt") == "Top"
    page.screenshot(path=str(screenshot), full_page=True)
    assert errors == []
    ctx.close()
