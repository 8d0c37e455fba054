"""The demo report in headless Chromium (Debian's package): no console errors, and every
chart is drawn — its actual line is there in the DOM and in the pixels of a screenshot; the
Chinese report beside it loads as well, with the same charts, in Chinese."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from services.stack.apt import ensure_commands
from tests.e2e.conftest import DemoRun

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ACTUAL_RGB = (0x22, 0x22, 0x22)  # the stroke of the actual line (services/demo/svg.py)


@pytest.fixture(scope="module")
def chromium() -> str:
    ensure_commands({"chromium": "chromium"}, lambda m: print(f"[browser] {m}"))
    path = shutil.which("chromium")
    assert path, "Debian's chromium package did not install /usr/bin/chromium"
    return path


@pytest.fixture(scope="module")
def page_in_browser(
    chromium: str, demo_run: DemoRun, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, list[str], Path]]:
    shot = tmp_path_factory.mktemp("shots") / "report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on(
            "console",
            lambda m: (
                problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.goto(demo_run.report.as_uri(), wait_until="load")
        page.screenshot(path=str(shot), full_page=True)
        yield page, problems, shot
        browser.close()


def test_the_report_loads_without_console_errors(
    page_in_browser: tuple[Any, list[str], Path],
) -> None:
    page, problems, _ = page_in_browser
    assert problems == []
    assert page.title() == "ontrack demo report"


def test_every_target_with_data_has_a_drawn_chart(
    demo_run: DemoRun, page_in_browser: tuple[Any, list[str], Path]
) -> None:
    page, _, shot = page_in_browser
    with_data = [t.target_id for t in demo_run.outcome.report.targets if t.status != "no_data"]
    cards = page.locator(".card")
    assert cards.count() == len(with_data) >= 12
    image = Image.open(shot).convert("RGB")
    undrawn = []
    for i in range(cards.count()):
        card = cards.nth(i)
        target = card.get_attribute("id")
        line = card.locator('svg.chart polyline[stroke="#222"]')
        points = (line.get_attribute("points") or "").split() if line.count() else []
        box = card.locator("svg.chart").bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, target
        crop = image.crop(
            (
                int(box["x"]),
                int(box["y"]),
                int(box["x"] + box["width"]),
                int(box["y"] + box["height"]),
            )
        )
        dark = sum(
            1
            for px in crop.getdata()
            if all(abs(c - a) < 40 for c, a in zip(px, ACTUAL_RGB, strict=True))
        )
        if len(points) < 2 or dark < 50:
            undrawn.append((target, len(points), dark))
    assert not undrawn, (
        f"charts without a drawn actual line (target, points, dark pixels): {undrawn}"
    )


def test_the_chinese_report_loads_with_the_same_charts_in_chinese(
    demo_run: DemoRun, page_in_browser: tuple[Any, list[str], Path]
) -> None:
    english, _, _ = page_in_browser
    browser = english.context.browser  # the same Chromium, a page of its own
    assert browser is not None
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(demo_run.report_zh.as_uri(), wait_until="load")
    title, lang = page.title(), page.locator("html").get_attribute("lang")
    cards = page.locator(".card")
    ids = [cards.nth(i).get_attribute("id") for i in range(cards.count())]
    drawn = page.locator('.card svg.chart polyline[stroke="#222"]').count()
    text = page.locator("body").inner_text()
    back = page.locator("a.lang").get_attribute("href")
    page.close()
    assert problems == []
    assert (title, lang) == ("ontrack 演示报告", "zh-CN")
    with_data = [t.target_id for t in demo_run.outcome.report.targets if t.status != "no_data"]
    assert ids == with_data and drawn == len(with_data)
    for words in ("全部目标", "2025年集装箱吞吐量", "万标准箱", "亿吨", "已达标", "《青岛市"):
        assert words in text, words
    assert ".txt" not in text
    assert back == demo_run.report.name
