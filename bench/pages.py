"""Each page's server work through Streamlit's AppTest: first run with empty caches, then from cache."""

from __future__ import annotations

import importlib
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Imported before the clock starts: a page's first run should measure its own work, not Python
# loading plotly or babel for the first time in the process.
PRELOAD = (
    "plotly.graph_objects",
    "plotly.express",
    "ui.glue",
    "ui.widgets",
    "core.charts",
    "core.metrics.weekly",
)


def run_page(url: str, page: str, *, repeat: int = 3, role: str = "admin") -> dict:
    """Run `page` (a file under pages/) for a signed-in user of `role`; returns cold and cached seconds."""
    os.environ["DATABASE_URL"] = url
    os.environ["TRIPOD_DEMO"] = "0"
    for module in PRELOAD:
        importlib.import_module(module)
    from streamlit.testing.v1 import AppTest

    from core.auth import CurrentUser
    from ui.signin import USER_KEY

    at = AppTest.from_file(str(ROOT / page), default_timeout=600)
    at.session_state[USER_KEY] = CurrentUser(
        id=1,
        username="bench",
        display_name="bench",
        role=role,
        department_id=None,
        department_code=None,
        supervisor_id=None,
        supervisor_code=None,
    )
    at.session_state["tripod_lang"] = "zh"
    times = []
    for _ in range(max(2, repeat)):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    problems = [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]
    return {
        "seconds": times[0],
        "cached_seconds": min(times[1:]),
        "elements": len(list(at.main)),
        "problems": problems,
    }


def bench_pages(
    backend, demo: Path, large: Path | None, run_worker, ensure_loaded, log, compare: str = ""
) -> list:  # type: ignore[no-untyped-def]
    """One row per page and organisation; the targets apply at the large organisation's scale.

    With `compare` (a folder holding another version's core/, pages/, ui/ and bench/), each page
    is also run with that code, right before this version's, on the same database.
    """
    from bench.run import PAGE_CACHED_SECONDS, PAGE_COLD_SECONDS, Row, fmt_seconds
    from ui.registry import PAGES

    rows = []
    for org, db in ((demo, "org_demo"), (large, f"org_{large.name.replace('-', '_')}" if large else "")):
        if org is None:
            continue
        url = ensure_loaded(backend, db, org, without=set(), log=log)
        manifest = json.loads((org / "manifest.json").read_text(encoding="utf-8"))
        label = "demo organisation" if org is demo else f"{manifest['rows']['supervisors']:,} supervisors"
        floor = run_worker("page", url=url, page="bench/blank_page.py")
        rows.append(
            Row(
                "pages",
                f"baseline: a blank page under AppTest, {label}",
                backend.name,
                floor["seconds"],
                floor["peak_mb"],
                extra={"cached_seconds": floor["cached_seconds"]},
                note=f" (rerun: {fmt_seconds(floor['cached_seconds'])})",
            )
        )
        for spec in PAGES:
            if not (ROOT / spec.path).exists():
                continue
            if compare and (Path(compare) / spec.path).exists():
                log(f"{backend.name}: page {spec.key}, {label}, with the code in {compare}")
                old = run_worker("page", url=url, page=spec.path, code=compare)
                rows.append(
                    Row(
                        "pages",
                        f"page {spec.key}, {label} (before: the code in {Path(compare).name})",
                        backend.name,
                        old["seconds"],
                        old["peak_mb"],
                        "blank page",
                        floor["seconds"],
                        extra={
                            "cached_seconds": old["cached_seconds"],
                            "problems": old["problems"],
                            "code": compare,
                        },
                        note=f" (cached rerun: {fmt_seconds(old['cached_seconds'])})",
                    )
                )
            log(f"{backend.name}: page {spec.key}, {label}")
            outcome = run_worker("page", url=url, page=spec.path)
            judged = org is not demo
            met = outcome["seconds"] <= PAGE_COLD_SECONDS and outcome["cached_seconds"] <= PAGE_CACHED_SECONDS
            rows.append(
                Row(
                    "pages",
                    f"page {spec.key}, {label}",
                    backend.name,
                    outcome["seconds"],
                    outcome["peak_mb"],
                    "blank page",
                    floor["seconds"],
                    target=f"≤ {PAGE_COLD_SECONDS:.0f} s, cached ≤ {PAGE_CACHED_SECONDS * 1000:.0f} ms"
                    if judged
                    else "",
                    met=met
                    if judged and not outcome["problems"]
                    else (False if outcome["problems"] else None),
                    extra={"cached_seconds": outcome["cached_seconds"], "problems": outcome["problems"]},
                    note=f" (cached rerun: {fmt_seconds(outcome['cached_seconds'])}"
                    + (f"; shows an error: {outcome['problems'][0][:80]}" if outcome["problems"] else "")
                    + ")",
                )
            )
    return rows
