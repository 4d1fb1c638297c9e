"""The `kpi` command: print the weekly KPI set (or its week-over-week changes) as JSON, CSV or a table."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import datetime
from typing import Any

import pandas as pd

from core.db import make_engine, read_session
from core.i18n import normalise_language, pick
from core.metrics.weekly import (
    DEPARTMENT_KEYS,
    SUPERVISOR_KEYS,
    UnknownDepartmentError,
    kpi_tables,
    weekly_kpi_changes,
    weekly_kpi_set,
)
from core.periods import PeriodError, last_complete_week, normalise_week
from core.settings import get_settings

HEADINGS = {
    "departments": {"en": "Departments, {week} ({start} .. {end})", "zh": "部门，{week}（{start} 至 {end}）"},
    "supervisors": {"en": "Supervisors, {week}", "zh": "主管，{week}"},
    "changes": {"en": "Change against {previous}", "zh": "与 {previous} 相比的变化"},
}
CSV_COLUMNS = ["week", "level", *DEPARTMENT_KEYS, *[k for k in SUPERVISOR_KEYS if k not in DEPARTMENT_KEYS]]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Print every KPI of one ISO week: each department and each supervisor "
        "(definitions in docs/metrics.md)."
    )
    parser.add_argument("--week", help="ISO week such as 2026-W47 (default: the last complete week)")
    parser.add_argument("--department", metavar="CODE", help="one department's code (default: all)")
    parser.add_argument("--format", choices=("json", "csv", "table"), default="json")
    parser.add_argument(
        "--changes",
        action="store_true",
        help="print the change against the previous week instead of the values",
    )
    parser.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of messages and headings"
    )


def run(args: argparse.Namespace) -> int:
    lang = normalise_language(args.lang)
    try:
        week = normalise_week(args.week) if args.week else last_complete_week(_today())
    except PeriodError as exc:
        print(exc.text(lang), file=sys.stderr)
        return 2
    engine = make_engine()
    try:
        with read_session(engine) as session:
            if args.changes:
                kpi = weekly_kpi_changes(session, week, department_code=args.department)["deltas"]
            else:
                kpi = weekly_kpi_set(session, week, department_code=args.department)
    except UnknownDepartmentError as exc:
        print(exc.text(lang), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(render(kpi, args.format, lang), end="")
    return 0


def _today():  # type: ignore[no-untyped-def]
    return datetime.now(get_settings().tz).date()


def render(kpi: dict[str, Any], fmt: str, lang: str = "en") -> str:
    """The set as text: JSON (as returned), CSV (one row per unit, `level` column) or tables."""
    if fmt == "json":
        return json.dumps(kpi, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    if fmt == "csv":
        return _csv(kpi)
    return _tables(kpi, lang)


def _csv_value(value: Any) -> Any:
    # Booleans as 1/0, as in the canonical data files; missing values as empty cells.
    if isinstance(value, bool):
        return int(value)
    return "" if value is None else value


def _csv(kpi: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for level, part in (("department", "departments"), ("supervisor", "supervisors")):
        for row in kpi[part]:
            values = {key: _csv_value(value) for key, value in row.items()}
            writer.writerow({"week": kpi["week"], "level": level, **values})
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def _tables(kpi: dict[str, Any], lang: str) -> str:
    tables = kpi_tables(kpi)
    start = kpi.get("week_start", "")
    end = kpi.get("week_end", "")
    lines = []
    if "previous_week" in kpi:
        lines.append(pick(HEADINGS["changes"], lang).format(previous=kpi["previous_week"]))
    for part in ("departments", "supervisors"):
        heading = pick(HEADINGS[part], lang).format(week=kpi["week"], start=start, end=end)
        lines.extend([heading, "=" * len(heading)])
        frame: pd.DataFrame = tables[part].set_index("code").map(_cell).T
        lines.append(frame.to_string() if not frame.empty else "—")
        lines.append("")
    return "\n".join(lines)


KPI_COMMANDS = {"kpi": (configure, run)}
