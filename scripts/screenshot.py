"""Make the README's screenshot from the demo organisation: `python -m scripts.screenshot [--lang en]`.

It loads the demo organisation into a throw-away SQLite database, serves the app on a free
port, opens the This week page (or, until it exists, the landing page) in Debian's chromium
and saves what a department manager sees first. Run it again whenever the page changes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

from core.db import init_db, make_engine
from core.importing.load import seed_demo
from scripts.appserver import PROJECT_ROOT, launch_chromium, open_app_page, run_app, screenshot_whole_page
from ui.registry import PAGES_BY_KEY

DEFAULT_OUT = PROJECT_ROOT / "docs" / "screenshot-this-week.png"
LOCALES = {"zh": "zh-CN", "en": "en-US"}


def _page_path(key: str) -> str:
    """The URL path of a page: the landing page (This week, else What is loaded) lives at the root."""
    for landing in ("this_week", "overview"):
        if (PROJECT_ROOT / PAGES_BY_KEY[landing].path).exists():
            return "" if key == landing else key
    return key


def take_screenshot(
    out: Path, *, lang: str, page_key: str, today: date | None, full_page: bool, height: int = 1400
) -> Path:
    with tempfile.TemporaryDirectory(prefix="tripod-screenshot-") as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        engine = make_engine(url)
        init_db(engine)
        seed_demo(engine, today=today)
        engine.dispose()
        with (
            run_app(url, log_dir=Path(folder), env={"TRIPOD_DEMO": "1"}) as server,
            sync_playwright() as playwright,
        ):
            browser = launch_chromium(playwright)
            context = browser.new_context(locale=LOCALES[lang], viewport={"width": 1400, "height": height})
            page = context.new_page()
            open_app_page(page, f"{server.url}/{_page_path(page_key)}")
            out.parent.mkdir(parents=True, exist_ok=True)
            if full_page:
                screenshot_whole_page(page, out)
            else:
                page.screenshot(path=str(out))
            browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.screenshot", description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=sorted(LOCALES), default="en")
    parser.add_argument(
        "--page", default="this_week", choices=sorted(PAGES_BY_KEY), help="page key (default this_week)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--today", type=date.fromisoformat, default=None, help="date the demo data runs up to"
    )
    parser.add_argument("--full-page", action="store_true", help="the whole page, not only the first screen")
    parser.add_argument("--height", type=int, default=1400, help="window height in pixels (width 1400)")
    args = parser.parse_args(argv)
    key = args.page if (PROJECT_ROOT / PAGES_BY_KEY[args.page].path).exists() else "overview"
    if key != args.page:
        print(f"page {args.page!r} does not exist yet; taking {key!r} instead", file=sys.stderr)
    path = take_screenshot(
        args.out, lang=args.lang, page_key=key, today=args.today, full_page=args.full_page, height=args.height
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
