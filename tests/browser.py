"""Browser tests: the app served over real HTTP on loopback, driven by Playwright in Debian's
Chromium (no browser download: scripts/system-deps.sh installs chromium and a Chinese font)."""

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import uvicorn

from config import ROOT
from webapp import create_app

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def served(settings, temporal) -> AsyncIterator[str]:
    """The whole app (API + console) on a free loopback port; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, temporal=temporal), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium missing in CI (scripts/system-deps.sh installs it)")
        pytest.skip("Debian's chromium is not installed")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def log_in(browser, base_url: str, username: str, password: str = "demo-pass", *, next_path: str = ""):
    """A phone-sized page logged in as `username` (through the login form, as a person would)."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = await context.new_page()
    await page.goto(f"{base_url}/console/login" + (f"?next={next_path}" if next_path else ""))
    await page.fill("#f-username", username)
    await page.fill("#f-password", password)
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    return page


async def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
