"""Headless Chromium — Debian's ``/usr/bin/chromium``, never a browser Playwright downloads —
driven by Playwright, with a fresh profile per test. Missing Chromium fails the tests with a
clear message (``make browser`` installs it); it never skips them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Debian's Chromium is missing ({CHROMIUM}): run `make browser` "
            "(apt-get install chromium) before the browser tests",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1400, "height": 1000},
            locale="zh-CN",
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: BrowserContext) -> Page:
    page = browser.pages[0] if browser.pages else browser.new_page()
    page.set_default_timeout(20_000)
    return page
