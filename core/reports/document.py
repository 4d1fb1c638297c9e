"""The weekly report as plain data (tiles, tables, texts, charts) in one language, for any renderer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# How a value is shown. The XLSX writer maps each kind to an Excel number format (the cell
# keeps the raw number); the PDF writer formats it as text with core.i18n.
KINDS = (
    "text",
    "count",
    "money",
    "percent",
    "score",
    "rate",
    "decimal",
    "flag",
    "date",
    "delta_count",
    "delta_money",
    "delta_percent",
    "delta_score",
    "delta_rate",
)


@dataclass(frozen=True)
class Column:
    """One column of a table: `key` into the row dicts, translated header, value kind, width."""

    key: str
    header: str
    kind: str = "text"
    width: float = 12.0  # characters in Excel; relative share in the PDF
    delta_key: str | None = None  # the PDF shows this row key's change beside the value
    wrap: bool = False  # long prose (consequences, actions, notes)
    in_xlsx: bool = True  # False: a PDF-only column (e.g. name and code in one cell)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Table:
    """Rows of values under translated headers; `sheet` names its worksheet in the XLSX."""

    key: str
    title: str
    sheet: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    empty_text: str
    pdf_columns: list[str] | None = None  # the narrower set the PDF prints (default: all)
    pdf_limit: int | None = None  # the PDF prints the first rows only and says how many more
    note: str = ""
    in_pdf: bool = True  # False: the data behind a chart, which the PDF shows as the chart only

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)


@dataclass(frozen=True)
class Tile:
    """One headline figure with last week's value and the change."""

    key: str
    label: str
    kind: str
    value: float | None
    previous: float | None
    delta: float | None
    delta_kind: str
    detail: str = ""
    better: str = "up"  # "down" when a fall is good news (complaints)


@dataclass
class Chart:
    """A key chart: a Plotly figure for the PDF and, for the XLSX, the table it is drawn from.

    style is "bar" (grouped columns), "line" or "pareto" (counts with the cumulative share);
    series are column keys of `table` (for pareto: the count, then the cumulative share).
    The figure is built on first use: the workbook draws native charts and never needs it.
    """

    key: str
    title: str
    build: Callable[[], Any]
    table: str
    category: str
    series: list[str]
    style: str = "bar"
    percent: bool = False
    y_title: str = ""
    colours: list[str] | None = None  # one per series, so both formats colour alike
    _figure: Any = field(default=None, repr=False)

    @property
    def figure(self) -> Any:
        if self._figure is None:
            self._figure = self.build()
        return self._figure


@dataclass
class Explanation:
    """A heading, a paragraph and bullet points (a diagnosis, what it leads to, what to do)."""

    heading: str
    body: str
    bullets: list[str] = field(default_factory=list)


@dataclass
class TextBlock:
    key: str
    title: str
    items: list[Explanation]
    empty_text: str = ""


Block = Table | Chart | TextBlock


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block]


@dataclass
class WeeklyReport:
    """Everything a renderer needs; every string is already in `lang`."""

    lang: str
    week: str
    week_start: date
    week_end: date
    title: str
    subtitle: str
    generated: str
    tiles_title: str
    tiles: list[Tile]
    tile_headers: tuple[str, str, str, str]  # indicator, this week, last week, change
    alerts: Table
    sections: list[Section]
    labels: dict[str, str]  # small words the renderers need: yes, no, more rows, chart failed ...
    department_codes: list[str] = field(default_factory=list)

    def tables(self) -> list[Table]:
        found = [self.alerts]
        for section in self.sections:
            found.extend(block for block in section.blocks if isinstance(block, Table))
        return found

    def charts(self) -> list[Chart]:
        return [block for section in self.sections for block in section.blocks if isinstance(block, Chart)]

    def table(self, key: str) -> Table:
        for table in self.tables():
            if table.key == key:
                return table
        raise KeyError(key)
