"""Accessibility checks and screenshots for browser tests."""

from __future__ import annotations

import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
WIDTHS = (375, 1280)
BLOCKING = ("serious", "critical")

_axe = Axe()


def _describe(violation: dict) -> str:
    lines = [
        f"- {violation['id']} ({violation['impact']}): {violation['help']}",
        f"  {violation['helpUrl']}",
    ]
    for node in violation["nodes"]:
        target = " ".join(str(part) for part in node["target"])
        lines.append(f"  * {target}: {node['html'][:200]}")
        summary = node.get("failureSummary") or ""
        lines.extend(f"      {line.strip()}" for line in summary.splitlines() if line.strip())
    return "\n".join(lines)


def assert_accessible(page: Page, name: str = "") -> None:
    """Fail on any axe-core violation with impact serious or critical."""
    results = _axe.run(page)
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    if blocking:
        report = "\n".join(_describe(v) for v in blocking)
        raise AssertionError(
            f"axe found {len(blocking)} serious or critical violation(s) on "
            f"{name or page.url} ({page.url}):\n{report}"
        )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


def screenshot_path(test: str, name: str, width: int) -> Path:
    return SCREENSHOTS / f"{_slug(test)}-{_slug(name)}-{width}.png"


def check_page(page: Page, test: str, name: str) -> None:
    """At 375 and 1280 px wide: save a full-page screenshot, then run axe.

    Fails on any serious or critical axe violation at either width, and when the page
    scrolls sideways on a 375 px phone. Restores the viewport afterwards.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or {"width": 1280, "height": 900}
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": original["height"]})
            page.screenshot(path=str(screenshot_path(test, name, width)), full_page=True)
            assert_accessible(page, f"{name} at {width} px")
            if width <= 375:
                wide = page_width(page)
                assert wide <= width, (
                    f"{name} ({page.url}) is {wide} px wide on a {width} px screen: "
                    f"it scrolls sideways; see {screenshot_path(test, name, width)}"
                )
    finally:
        page.set_viewport_size(original)


def page_width(page: Page) -> int:
    """The width of the whole document; wider than the viewport means sideways scrolling."""
    return page.evaluate("() => document.documentElement.scrollWidth")


def log_in(page: Page, email: str, password: str) -> None:
    """Log in through the log-in page, as a person would (Dutch labels)."""
    page.goto("/account/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("button", name="Uitloggen").wait_for()
