"""Browser tests: the sandbox page in headless Chromium (Debian's /usr/bin/chromium), driven by
Playwright for Python. Never `playwright install`: the browser is the system's."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.main import serving
from sandbox.session import Sandbox

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(
                    reason="/usr/bin/chromium is missing: apt-get install chromium (scripts/setup does it as root)"))


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[Sandbox, str]]:
    box = Sandbox()
    async with serving(box, 0) as url:
        yield box, url


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="peluit-chromium-") as profile:
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                viewport={"width": 1400, "height": 900}, env={**os.environ, "TZ": "Asia/Jakarta"})
            try:
                yield context
            finally:
                await context.close()


@pytest.fixture
async def page(browser, sandbox) -> AsyncIterator[object]:
    """The sandbox page, open and showing its first state; page errors fail the test."""
    _, url = sandbox
    tab = await browser.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    await tab.goto(url)
    await tab.locator("#topics li").first.wait_for()
    yield tab
    assert errors == []
