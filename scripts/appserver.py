"""Start `streamlit run dashboard.py` on a free port as a subprocess, and launch Debian's chromium for it.

Shared by the browser tests (tests/browser/) and scripts/screenshot.py, so both drive the app
exactly as a user's browser would: a real server, a real page, nothing downloaded.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""


def _wait_healthy(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with {process.returncode}:\n{log_path.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        # Waiting on the child doubles as the pause between polls, and notices an early exit.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.1)
    output = log_path.read_text(errors="replace")
    raise RuntimeError(f"streamlit did not become healthy in {STARTUP_TIMEOUT_S:.0f} s:\n{output}")


@contextmanager
def run_app(database_url: str, *, log_dir: Path, env: Mapping[str, str] | None = None) -> Iterator[AppServer]:
    """The app served on a free local port against `database_url`; stopped (and waited for) on exit."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"streamlit-{port}.log"
    child_env = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "dashboard.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log_path)
        yield AppServer(url=url, process=process, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def launch_chromium(playwright):  # type: ignore[no-untyped-def]
    """Debian's chromium through Playwright: no browser download, the flags that work in containers."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_for_app(page, timeout_ms: float = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the app is idle: no script running, nothing loading or stale, every chart drawn.

    After a click, first wait for something the click must change (an `expect` on the new
    heading): a run that has not started yet also looks idle.
    """
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
            return app !== null
                && app.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelector('[data-testid="stSkeleton"]') === null
                && document.querySelector('[data-stale="true"]') === null
                && charts.every((chart) => chart.querySelector('.main-svg') !== null);
        }""",
        timeout=timeout_ms,
    )


DEMO_ADMIN = ("admin", "demo-admin")


def open_app_page(  # type: ignore[no-untyped-def]
    page, url: str, timeout_ms: float = 60_000, *, user: tuple[str, str] | None = DEMO_ADMIN
) -> None:
    """Go to `url`, sign in as `user` when the sign-in form shows, and wait for the page to be idle.

    The first request to a fresh server briefly runs in Streamlit's pages-folder mode before
    ui.glue sends it through dashboard.py; waiting for the language switch skips that moment.
    A page load is a new Streamlit session, so every load signs in again; after signing in the
    app shows the page and filters the URL asked for.
    """
    page.goto(url)
    page.wait_for_selector('[data-testid="stSidebar"] [role="radiogroup"]', timeout=timeout_ms)
    wait_for_app(page, timeout_ms)
    form = page.locator('[data-testid="stForm"]').filter(has=page.locator('input[type="password"]'))
    if user is not None and form.count() > 0:
        sign_in(page, *user, timeout_ms=timeout_ms)


def sign_in(page, username: str, password: str, *, timeout_ms: float = 60_000) -> None:  # type: ignore[no-untyped-def]
    """Fill in the sign-in form and wait until the signed-in app is drawn (its sign-out button)."""
    if page.locator('[role="dialog"]').count():  # e.g. Streamlit's "page not found" notice
        page.keyboard.press("Escape")
        page.locator('[role="dialog"]').wait_for(state="detached", timeout=timeout_ms)
    form = page.locator('[data-testid="stForm"]').filter(has=page.locator('input[type="password"]'))
    form.locator('input[type="text"]').first.fill(username)
    form.locator('input[type="password"]').fill(password)
    form.locator(
        '[data-testid="stBaseButton-primaryFormSubmit"], button[kind="primaryFormSubmit"], button'
    ).last.click()
    page.wait_for_selector(
        '[data-testid="stSidebar"] button:has-text("退出"), '
        '[data-testid="stSidebar"] button:has-text("Sign out")',
        timeout=timeout_ms,
    )
    wait_for_app(page, timeout_ms)


def screenshot_whole_page(page, path: Path, *, max_height: int = 6000) -> None:  # type: ignore[no-untyped-def]
    """A screenshot of the whole page. Streamlit scrolls inside its main area, not the document,
    so the window is made as tall as that area's content first."""
    wait_for_app(page)
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    size = page.viewport_size or {"width": 1400, "height": 900}
    page.set_viewport_size(
        {"width": size["width"], "height": max(size["height"], min(int(height), max_height))}
    )
    wait_for_app(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
