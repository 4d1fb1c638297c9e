"""Browser-test harness: the real app (`streamlit run dashboard.py`) on a free port, in Debian's chromium.

The server runs once per test session against a temporary SQLite database holding the demo
organisation (or, until the demo files exist, the small organisation of tests/shell_org.py).
Every test gets a fresh browser context in the language it asks for, and saves screenshots
under artifacts/screenshots/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from core.db import init_db, make_engine
from scripts.appserver import (
    PROJECT_ROOT,
    AppServer,
    launch_chromium,
    open_app_page,
    run_app,
    screenshot_whole_page,
)
from tests.shell_org import add_small_org

ARTIFACTS = PROJECT_ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
VIEWPORT = {"width": 1400, "height": 900}


def _seed(url: str) -> str:
    """Load the demo organisation when its files exist, else the small test organisation."""
    engine = make_engine(url)
    try:
        init_db(engine)
        from core.importing.load import DEMO_DIR, seed_demo

        if (DEMO_DIR / "manifest.json").exists():
            seed_demo(engine)
            return "demo"
        add_small_org(engine)
        return "small"
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def app_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(database URL, which organisation) for the session's app server."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'tripod.db'}"
    return url, _seed(url)


@pytest.fixture(scope="session")
def app_server(app_data: tuple[str, str]) -> Iterator[AppServer]:
    with run_app(app_data[0], log_dir=ARTIFACTS / "logs", env={"TRIPOD_DEMO": "1"}) as server:
        yield server


@pytest.fixture
def fresh_server(app_data: tuple[str, str]) -> Iterator[AppServer]:
    """A server of its own, just started: its first request meets Streamlit's start-up state."""
    with run_app(app_data[0], log_dir=ARTIFACTS / "logs", env={"TRIPOD_DEMO": "1"}) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def open_app(browser: Browser, app_server: AppServer) -> Iterator[Callable[..., Page]]:
    """open_app(locale, path="") -> a page of the app, loaded, in a browser of that locale."""
    contexts = []

    def open_page(locale: str, path: str = "") -> Page:
        context = browser.new_context(locale=locale, viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        open_app_page(page, f"{app_server.url}/{path}")
        return page

    yield open_page
    for context in contexts:
        context.close()


def save_screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    screenshot_whole_page(page, path)
    return path
