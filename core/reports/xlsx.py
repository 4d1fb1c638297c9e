"""The weekly report as an Excel workbook (xlsxwriter): a sheet per table, numbers as numbers, native charts.

Nothing a reader typed can become a formula or a link: the workbook is opened with
strings_to_formulas/strings_to_urls/strings_to_numbers off, every text goes through
write_string, and a text that starts like a formula (= + - @ tab CR) is also marked with
Excel's quote prefix (the stored form of a leading apostrophe), so it stays text even when
someone edits the cell or saves the sheet as CSV.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from core.reports.document import Chart, Column, Table, WeeklyReport
from core.reports.values import EXCEL_FORMATS, looks_like_formula, missing

HEADER_ROW = 3  # rows 0-2 hold the table title, the report title and a blank line
FIRST_DATA_ROW = HEADER_ROW + 1
HEADER_FILL = "#1F3A5F"
TITLE_COLOUR = "#1F3A5F"
CHART_ROWS = 22  # rows between charts on the Charts sheet
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass
class _Placed:
    """Where a table landed, so charts can point at its cells."""

    sheet: str
    columns: dict[str, int]
    first_row: int
    last_row: int


_NAMED = {
    "title": {"bold": True, "font_size": 14, "font_color": TITLE_COLOUR},
    "subtitle": {"font_color": "#555555"},
    "note": {"italic": True, "font_color": "#777777"},
    "header": {
        "bold": True,
        "font_color": "white",
        "bg_color": HEADER_FILL,
        "text_wrap": True,
        "valign": "vcenter",
        "border": 1,
        "border_color": "#D0D7E2",
    },
}


class _Styles:
    """Formats made once per combination (xlsxwriter keeps every format object it is given)."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self._cache: dict[tuple, Any] = {}

    def get(self, kind: str = "text", *, style: str = "", wrap: bool = False, quote: bool = False) -> Any:
        key = (kind, style, wrap, quote)
        if key not in self._cache:
            spec: dict[str, Any] = {"font_size": 10, "valign": "top", **_NAMED.get(style, {})}
            if kind in EXCEL_FORMATS:
                spec["num_format"] = EXCEL_FORMATS[kind]
            if wrap:
                spec["text_wrap"] = True
            if quote:
                spec["quote_prefix"] = True
            self._cache[key] = self.workbook.add_format(spec)
        return self._cache[key]


def write_text(
    sheet: Worksheet, row: int, col: int, text: Any, styles: _Styles, *, style: str = "", wrap: bool = False
) -> None:
    """Write `text` as a string cell; text that starts like a formula also gets the quote prefix."""
    text = "" if text is None else str(text)
    sheet.write_string(row, col, text, styles.get(style=style, wrap=wrap, quote=looks_like_formula(text)))


def _write_value(
    sheet: Worksheet, row: int, col: int, value: Any, column: Column, styles: _Styles, labels: dict[str, str]
) -> None:
    kind = column.kind
    if kind == "flag":
        if missing(value):
            sheet.write_blank(row, col, None, styles.get())
        else:
            sheet.write_string(row, col, labels["yes"] if value else labels["no"], styles.get())
        return
    if missing(value):
        sheet.write_blank(row, col, None, styles.get(kind, wrap=column.wrap))
    elif kind == "text":
        write_text(sheet, row, col, value, styles, wrap=column.wrap)
    elif kind == "date":
        moment = value if isinstance(value, datetime) else datetime.combine(value, time.min)
        sheet.write_datetime(row, col, moment, styles.get("date"))
    else:
        sheet.write_number(row, col, float(value), styles.get(kind))


def _sheet_name(wanted: str, taken: set[str]) -> str:
    name = _BAD_SHEET_CHARS.sub(" ", wanted).strip().strip("'")[:31] or "Sheet"
    candidate, n = name, 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" {n}"
        candidate = name[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


def _write_table(
    workbook: Workbook, table: Table, report: WeeklyReport, styles: _Styles, taken: set[str]
) -> _Placed:
    name = _sheet_name(table.sheet, taken)
    sheet = workbook.add_worksheet(name)
    columns = [c for c in table.columns if c.in_xlsx]
    write_text(sheet, 0, 0, table.title, styles, style="title")
    write_text(sheet, 1, 0, f"{report.title} · {report.subtitle}", styles, style="subtitle")
    sheet.set_row(HEADER_ROW, 32)
    for col, column in enumerate(columns):
        sheet.set_column(col, col, column.width)
        write_text(sheet, HEADER_ROW, col, column.header, styles, style="header")
    row = FIRST_DATA_ROW
    for values in table.rows:
        for col, column in enumerate(columns):
            _write_value(sheet, row, col, values.get(column.key), column, styles, report.labels)
        row += 1
    last_row = row - 1
    if table.rows:
        sheet.autofilter(HEADER_ROW, 0, last_row, len(columns) - 1)
    else:
        write_text(sheet, row, 0, table.empty_text, styles, style="note")
        row += 1
    footer = [text for text in (table.note, report.labels["empty_cells"]) if text]
    for offset, text in enumerate(footer, start=1):
        write_text(sheet, row + offset, 0, text, styles, style="note")
    sheet.freeze_panes(FIRST_DATA_ROW, 1)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    return _Placed(name, {c.key: i for i, c in enumerate(columns)}, FIRST_DATA_ROW, last_row)


def _write_summary(workbook: Workbook, report: WeeklyReport, styles: _Styles, taken: set[str]) -> None:
    sheet = workbook.add_worksheet(_sheet_name(report.labels["summary"], taken))
    write_text(sheet, 0, 0, report.title, styles, style="title")
    write_text(sheet, 1, 0, report.subtitle, styles, style="subtitle")
    write_text(sheet, 2, 0, report.generated, styles, style="subtitle")
    header_row = 4
    sheet.set_row(header_row, 24)
    for col, (text, width) in enumerate(
        zip((*report.tile_headers, report.labels["details"]), (36, 16, 16, 16, 36), strict=True)
    ):
        sheet.set_column(col, col, width)
        write_text(sheet, header_row, col, text, styles, style="header")
    for row, tile in enumerate(report.tiles, start=header_row + 1):
        write_text(sheet, row, 0, tile.label, styles)
        for col, (value, kind) in enumerate(
            ((tile.value, tile.kind), (tile.previous, tile.kind), (tile.delta, tile.delta_kind)), start=1
        ):
            if value is None:
                sheet.write_blank(row, col, None, styles.get(kind))
            else:
                sheet.write_number(row, col, float(value), styles.get(kind))
        write_text(sheet, row, 4, tile.detail, styles)
    row = header_row + len(report.tiles) + 2
    write_text(sheet, row, 0, report.labels["empty_cells"], styles, style="note")
    sheet.freeze_panes(header_row + 1, 1)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)


def _native_chart(workbook: Workbook, chart: Chart, placed: _Placed) -> Any:
    def ref(col: int) -> list:
        return [placed.sheet, placed.first_row, col, placed.last_row, col]

    category = ref(placed.columns[chart.category])
    if chart.style == "pareto":
        native = workbook.add_chart({"type": "column"})
        count_key, share_key = chart.series
        native.add_series(
            {
                "name": [placed.sheet, HEADER_ROW, placed.columns[count_key]],
                "categories": category,
                "values": ref(placed.columns[count_key]),
                "fill": {"color": "#4E79A7"},
            }
        )
        line = workbook.add_chart({"type": "line"})
        line.add_series(
            {
                "name": [placed.sheet, HEADER_ROW, placed.columns[share_key]],
                "categories": category,
                "values": ref(placed.columns[share_key]),
                "y2_axis": True,
                "line": {"color": "#D64545"},
                "marker": {"type": "circle", "fill": {"color": "#D64545"}, "border": {"color": "#D64545"}},
            }
        )
        line.set_y2_axis({"num_format": "0%", "min": 0, "max": 1})
        native.combine(line)
    else:
        native = workbook.add_chart({"type": "column" if chart.style == "bar" else "line"})
        for i, key in enumerate(chart.series):
            colour = chart.colours[i] if chart.colours and i < len(chart.colours) else None
            series: dict[str, Any] = {
                "name": [placed.sheet, HEADER_ROW, placed.columns[key]],
                "categories": category,
                "values": ref(placed.columns[key]),
            }
            if colour and chart.style == "bar":
                series["fill"] = {"color": colour}
            elif colour:
                series["line"] = {"color": colour, "width": 2}
                series["marker"] = {"type": "circle", "fill": {"color": colour}, "border": {"color": colour}}
            native.add_series(series)
    y_axis: dict[str, Any] = {"name": chart.y_title, "major_gridlines": {"visible": True}}
    if chart.percent:
        y_axis["num_format"] = "0%"
    if chart.key == "legs":
        y_axis.update(min=0, max=100)
    native.set_y_axis(y_axis)
    native.set_title({"name": chart.title, "name_font": {"size": 12}})
    native.set_legend({"position": "bottom"})
    native.set_size({"width": 860, "height": 400})
    return native


def _write_charts(
    workbook: Workbook, report: WeeklyReport, placed: dict[str, _Placed], styles: _Styles, taken: set[str]
) -> None:
    sheet = workbook.add_worksheet(_sheet_name(report.labels["charts"], taken))
    write_text(sheet, 0, 0, report.title, styles, style="title")
    write_text(sheet, 1, 0, report.subtitle, styles, style="subtitle")
    row = 3
    for chart in report.charts():
        where = placed.get(chart.table)
        if where is None or where.last_row < where.first_row or not chart.series:
            write_text(sheet, row, 0, chart.title, styles, style="subtitle")
            write_text(sheet, row + 1, 0, report.labels["no_data"], styles, style="note")
            row += 4
            continue
        sheet.insert_chart(row, 0, _native_chart(workbook, chart, where))
        row += CHART_ROWS


def render_xlsx(report: WeeklyReport) -> bytes:
    """The workbook's bytes: Summary, Alerts, one sheet per table, then the Charts sheet."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "yyyy-mm-dd",
        },
    )
    workbook.set_properties({"title": report.title, "subject": report.subtitle, "comments": report.generated})
    styles = _Styles(workbook)
    taken: set[str] = set()
    _write_summary(workbook, report, styles, taken)
    placed = {table.key: _write_table(workbook, table, report, styles, taken) for table in report.tables()}
    _write_charts(workbook, report, placed, styles, taken)
    workbook.close()
    return buffer.getvalue()
