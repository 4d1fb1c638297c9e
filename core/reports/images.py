"""Plotly figures to PNG with kaleido on the system's Chromium, all charts of a report in one browser session.

Nothing is fetched at run time: plotly.js comes from the installed plotly package and MathJax
is switched off. A chart that cannot be drawn comes back as the reason (a string) instead of
bytes, so the report is still made and says what is missing.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

# Debian's package first (what the servers and CI install), then other usual places.
BROWSER_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
IMAGE_WIDTH = 1100
IMAGE_HEIGHT = 420
IMAGE_SCALE = 2.0
RENDER_TIMEOUT_S = 60


def browser_path() -> str | None:
    """BROWSER_PATH if set (kaleido's own variable), else the first installed Chromium."""
    configured = os.environ.get("BROWSER_PATH", "").strip()
    if configured:
        return configured
    return next((path for path in BROWSER_CANDIDATES if Path(path).exists()), None)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _for_print(figure: go.Figure) -> go.Figure:
    # A copy, so the caller's figure (also shown on screen) keeps its layout.
    printed = go.Figure(figure)
    printed.update_layout(title={"x": 0.01, "xanchor": "left"}, margin={"l": 70, "r": 40, "t": 70, "b": 60})
    return printed


async def _render_all(figures: Mapping[str, Any], opts: dict[str, Any]) -> dict[str, bytes | str]:
    import kaleido

    kwargs: dict[str, Any] = {"n": 1, "timeout": RENDER_TIMEOUT_S, "mathjax": False}
    path = browser_path()
    if path:
        kwargs["path"] = path
    out: dict[str, bytes | str] = {}
    async with kaleido.Kaleido(**kwargs) as browser:
        for key, figure in figures.items():
            try:
                out[key] = await browser.calc_fig(_for_print(figure), opts=opts)
            except Exception as exc:  # one bad chart must not cost the others
                out[key] = _reason(exc)
    return out


def render_pngs(
    figures: Mapping[str, Any],
    *,
    width: int = IMAGE_WIDTH,
    height: int = IMAGE_HEIGHT,
    scale: float = IMAGE_SCALE,
) -> dict[str, bytes | str]:
    """PNG bytes per key, or the reason the chart could not be drawn (browser missing, timeout ...)."""
    if not figures:
        return {}
    opts = {"format": "png", "width": width, "height": height, "scale": scale}
    try:
        # Its own thread and event loop: the caller may already run one (Streamlit, notebooks).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-charts") as pool:
            return pool.submit(asyncio.run, _render_all(figures, opts)).result()
    except Exception as exc:
        reason = _reason(exc)
        return {key: reason for key in figures}
