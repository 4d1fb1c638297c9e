"""The weekly report as a PDF (fpdf2): A4 landscape, a CJK font from Debian, tables and PNG charts.

fpdf2 takes the first face of a .ttc; WenQuanYi Micro Hei's first face is Simplified Chinese
with Latin glyphs, so one font serves both languages. It has no bold face: headings stand out
by size and colour instead.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from core.reports.document import Chart, Column, Table, TextBlock, Tile, WeeklyReport
from core.reports.errors import ReportError
from core.reports.values import DELTA_KIND, format_value, missing

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
FONT = "cjk"
NAVY = (31, 58, 95)
GREY = (110, 110, 110)
LIGHT = (243, 245, 248)
GOOD = (46, 158, 91)
BAD = (214, 69, 69)
TEXT = (38, 39, 48)
NUMERIC = {"count", "money", "percent", "score", "rate", "decimal"} | set(DELTA_KIND.values())
TABLE_FONT_SIZE = 7.8
CELL_PADDING = 1.2  # mm left and right of a cell's text
# A header line never starts with closing punctuation nor ends with opening punctuation, so
# "完成率（本周）" does not leave "）" alone on a line.
_NO_LINE_START = set("）)]】」』、，,。.：:；;！!？?%·–-")
_NO_LINE_END = set("（([【「『")


def font_path() -> Path:
    """TRIPOD_REPORT_FONT if set, else the first installed CJK font; ReportError when there is none."""
    configured = os.environ.get("TRIPOD_REPORT_FONT", "").strip()
    candidates = (configured,) if configured else FONT_CANDIDATES
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ReportError("no_font", paths=", ".join(c for c in candidates if c))


class _Document(FPDF):
    def __init__(self, report: WeeklyReport, font: Path) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.report = report
        # Parsing the 5 MB font is most of a PDF's time (~1.3 s); it is read once per document
        # because fpdf2 keeps each document's glyph subset inside the font object.
        self.add_font(FONT, "", str(font))
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=14)
        self.set_title(report.title)
        self.set_subject(report.subtitle)
        self.set_creator("Tripod")
        self.set_lang("zh-CN" if report.lang == "zh" else "en")
        self.wrap = WrapMode.CHAR if report.lang == "zh" else WrapMode.WORD

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*GREY)
        half = self.epw / 2
        self.cell(half, 5, f"{self.report.title} · {self.report.week}", align="L")
        self.cell(half, 5, self.report.labels["page"].format(page=self.page_no()), align="R")

    # --- small pieces -------------------------------------------------------------------

    def text_line(
        self, text: str, size: float, colour: tuple[int, int, int] = TEXT, height: float = 0
    ) -> None:
        self.set_font(FONT, "", size)
        self.set_text_color(*colour)
        self.multi_cell(
            0, height or size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=self.wrap, align="L"
        )

    def heading(self, text: str, size: float = 13) -> None:
        self.ensure_space(size * 2)
        self.ln(2)
        self.text_line(text, size, NAVY, size * 0.55)
        self.set_draw_color(*NAVY)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y() + 0.5, self.l_margin + self.epw, self.get_y() + 0.5)
        self.ln(2.5)

    def ensure_space(self, height: float) -> None:
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()


def _value_text(report: WeeklyReport, value: Any, kind: str) -> str:
    return format_value(value, kind, report.lang, yes=report.labels["yes"], no=report.labels["no"])


def _cell_text(report: WeeklyReport, row: Mapping[str, Any], column: Column) -> str:
    text = _value_text(report, row.get(column.key), column.kind)
    if column.delta_key and not missing(row.get(column.key)) and not missing(row.get(column.delta_key)):
        delta = _value_text(report, row[column.delta_key], DELTA_KIND.get(column.kind, "delta_rate"))
        text = f"{text} ({delta})"
    return text


def _tiles(pdf: _Document, report: WeeklyReport) -> None:
    pdf.heading(report.tiles_title, 12)
    per_row, gap, height = 4, 4.0, 27.0
    width = (pdf.epw - gap * (per_row - 1)) / per_row
    top = pdf.get_y()
    for i, tile in enumerate(report.tiles):
        x = pdf.l_margin + (i % per_row) * (width + gap)
        y = top + (i // per_row) * (height + gap)
        _tile(pdf, report, tile, x, y, width, height)
    rows = (len(report.tiles) + per_row - 1) // per_row
    pdf.set_xy(pdf.l_margin, top + rows * (height + gap))


def _tile(pdf: _Document, report: WeeklyReport, tile: Tile, x: float, y: float, w: float, h: float) -> None:
    pdf.set_fill_color(*LIGHT)
    pdf.set_draw_color(220, 224, 230)
    pdf.rect(x, y, w, h, style="DF")
    pdf.set_fill_color(*NAVY)
    pdf.rect(x, y, 1.2, h, style="F")
    pad = 3.5
    pdf.set_xy(x + pad, y + 2)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*GREY)
    pdf.cell(w - 2 * pad, 4.5, tile.label)
    pdf.set_xy(x + pad, y + 7.5)
    pdf.set_font(FONT, "", 17)
    pdf.set_text_color(*TEXT)
    pdf.cell(w - 2 * pad, 8, _value_text(report, tile.value, tile.kind))
    pdf.set_xy(x + pad, y + 16.5)
    pdf.set_font(FONT, "", 8)
    if tile.delta is None or tile.delta == 0:
        pdf.set_text_color(*GREY)
    else:
        good = (tile.delta > 0) == (tile.better == "up")
        pdf.set_text_color(*(GOOD if good else BAD))
    change = _value_text(report, tile.delta, tile.delta_kind)
    pdf.cell(w - 2 * pad, 4.5, report.labels["change"].format(change=change))
    if tile.detail:
        pdf.set_xy(x + pad, y + 21.5)
        pdf.set_font(FONT, "", 7.5)
        pdf.set_text_color(*GREY)
        pdf.cell(w - 2 * pad, 4, tile.detail)


def _table(pdf: _Document, report: WeeklyReport, table: Table, *, title: bool = True) -> None:
    columns = (
        [table.column(key) for key in table.pdf_columns]
        if table.pdf_columns
        else [c for c in table.columns if c.in_xlsx]
    )
    if title:
        pdf.ensure_space(24)
        pdf.text_line(table.title, 10.5, NAVY, 6)
        pdf.ln(1)
    if not table.rows:
        pdf.text_line(table.empty_text, 9, GREY, 5)
        pdf.ln(2)
        return
    rows = table.rows if table.pdf_limit is None else table.rows[: table.pdf_limit]
    aligns = ["RIGHT" if c.kind in NUMERIC else ("CENTER" if c.kind == "flag" else "LEFT") for c in columns]
    pdf.set_font(FONT, "", TABLE_FONT_SIZE)
    measure = pdf.get_string_width
    texts = [[_cell_text(report, values, column) for column in columns] for values in rows]
    needed = [
        max(
            header_width(column.header, measure),
            # Figures are not broken over lines; words in a text column may be.
            max((measure(line[i]) for line in texts), default=0.0) if column.kind in NUMERIC else 0.0,
        )
        + 2 * CELL_PADDING
        + 0.6
        for i, column in enumerate(columns)
    ]
    widths = column_widths([max(c.width, 6.0) for c in columns], needed, pdf.epw)
    pdf.set_text_color(*TEXT)
    pdf.set_draw_color(215, 220, 228)
    pdf.set_line_width(0.15)
    # The table takes the current fill colour as the plain rows' background.
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(
        width=pdf.epw,
        col_widths=widths,
        text_align=aligns,
        headings_style=FontFace(emphasis="", color=(255, 255, 255), fill_color=NAVY, size_pt=TABLE_FONT_SIZE),
        cell_fill_color=LIGHT,
        cell_fill_mode="ROWS",
        line_height=3.9,
        padding=(1.0, CELL_PADDING, 1.0, CELL_PADDING),
        wrapmode=pdf.wrap,
        v_align="TOP",
        borders_layout="HORIZONTAL_LINES",
    ) as grid:
        header = grid.row()
        for column, align, width in zip(columns, aligns, widths, strict=True):
            header.cell(header_lines(column.header, width - 2 * CELL_PADDING - 0.3, measure), align=align)
        for line_texts in texts:
            line = grid.row()
            for text in line_texts:
                line.cell(text)
    notes = []
    if len(table.rows) > len(rows):
        notes.append(report.labels["more_rows"].format(count=len(table.rows) - len(rows)))
    if table.note:
        notes.append(table.note)
    for text in notes:
        pdf.text_line(text, 7.5, GREY, 4)
    pdf.ln(3)


# --- table headers that break only where a reader would ------------------------------------


def _wide(char: str) -> bool:
    return ord(char) >= 0x2E80  # CJK characters and full-width punctuation


def header_breaks(text: str) -> list[int]:
    """Where a header may go onto a second line: at a space, or between Chinese characters.

    Never inside a Latin word or a number, never before closing punctuation ("）", "、", "%")
    nor after opening punctuation ("（"). A position i splits text into text[:i] and text[i:].
    """
    breaks = []
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if after == " " or before in _NO_LINE_END or after in _NO_LINE_START:
            continue
        if before == " " or _wide(before) or _wide(after):
            breaks.append(i)
    return breaks


def _split(text: str, at: int) -> tuple[str, str]:
    return text[:at].rstrip(), text[at:].lstrip()


def _preferred(text: str) -> list[int]:
    """The breaks a reader prefers: at a space, or before a bracket ("完成率 / （季度至今）")."""
    breaks = header_breaks(text)
    chosen = [at for at in breaks if text[at - 1] == " " or text[at] in _NO_LINE_END]
    return chosen or breaks


def header_width(text: str, measure: Any) -> float:
    """The narrowest a column can be for its header to take at most two lines, broken where preferred."""
    widths = [measure(text)]
    widths += [max(measure(part) for part in _split(text, at)) for at in _preferred(text)]
    return min(widths)


def header_lines(text: str, width: float, measure: Any) -> str:
    """The header as it fits `width`: one line, or two split at the most even preferred break ("\n")."""
    breaks = _preferred(text)
    if measure(text) <= width or not breaks:
        return text
    # The most even split; of two as even, the longer first line.
    best = min(breaks, key=lambda at: (max(measure(part) for part in _split(text, at)), -at))
    return "\n".join(_split(text, best))


def column_widths(natural: list[float], needed: list[float], total: float) -> list[float]:
    """Column widths in mm summing to `total`: the natural proportions, each at least what it needs.

    What the widened columns take comes from the others' room above their own need; when there
    is not enough room, every column gets its share of `total` by need.
    """
    scale = total / sum(natural)
    widths = [max(n * scale, need) for n, need in zip(natural, needed, strict=True)]
    excess = sum(widths) - total
    if excess <= 1e-9:
        return [w * total / sum(widths) for w in widths]
    room = [w - need for w, need in zip(widths, needed, strict=True)]
    if sum(room) < excess:
        return [need * total / sum(needed) for need in needed]
    return [w - excess * r / sum(room) for w, r in zip(widths, room, strict=True)]


def _explanations(pdf: _Document, block: TextBlock) -> None:
    pdf.ensure_space(24)
    pdf.text_line(block.title, 10.5, NAVY, 6)
    pdf.ln(1)
    if not block.items:
        pdf.text_line(block.empty_text, 9, GREY, 5)
    for item in block.items:
        pdf.ensure_space(20)
        pdf.text_line(item.heading, 9.5, TEXT, 5)
        pdf.text_line(item.body, 8.5, GREY, 4.4)
        pdf.set_font(FONT, "", 8.5)
        pdf.set_text_color(*TEXT)
        for bullet in item.bullets:
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(
                pdf.epw - 4, 4.4, f"• {bullet}", new_x=XPos.LMARGIN, new_y=YPos.NEXT, wrapmode=pdf.wrap
            )
        pdf.ln(1.5)
    pdf.ln(2)


def _chart(pdf: _Document, report: WeeklyReport, chart: Chart, image: bytes | str | None) -> None:
    width = pdf.epw
    if isinstance(image, bytes):
        from PIL import Image  # fpdf2 depends on Pillow

        with Image.open(io.BytesIO(image)) as picture:
            ratio = picture.height / picture.width
        height = width * ratio
        pdf.ensure_space(height + 2)
        pdf.image(io.BytesIO(image), x=pdf.l_margin, y=pdf.get_y(), w=width, h=height)
        pdf.set_y(pdf.get_y() + height + 3)
        return
    reason = image if isinstance(image, str) else ""
    pdf.ensure_space(22)
    top = pdf.get_y()
    pdf.set_draw_color(200, 200, 200)
    pdf.set_fill_color(250, 250, 250)
    pdf.rect(pdf.l_margin, top, width, 18, style="DF")
    pdf.set_xy(pdf.l_margin + 4, top + 3)
    pdf.text_line(chart.title, 9.5, TEXT, 5)
    pdf.set_x(pdf.l_margin + 4)
    pdf.text_line(report.labels["chart_failed"].format(reason=reason), 8, BAD, 4.5)
    pdf.set_y(top + 21)


def render_pdf(report: WeeklyReport, images: Mapping[str, bytes | str] | None = None) -> bytes:
    """The PDF's bytes. `images`: PNG bytes per chart key, or why a chart is missing (str)."""
    images = images or {}
    pdf = _Document(report, font_path())
    pdf.add_page()
    pdf.text_line(report.title, 19, NAVY, 10)
    pdf.text_line(report.subtitle, 11, TEXT, 6)
    pdf.text_line(report.generated, 8, GREY, 5)
    pdf.ln(2)
    _tiles(pdf, report)
    pdf.heading(report.alerts.title, 12)
    _table(pdf, report, report.alerts, title=False)
    for number, section in enumerate(report.sections):
        # The supervisors open on a page of their own; later sections follow on when a third
        # of the page is still free.
        if number == 0 or pdf.get_y() > pdf.page_break_trigger - pdf.eph / 3:
            pdf.add_page()
        else:
            pdf.ln(4)
        pdf.heading(section.title)
        for block in section.blocks:
            if isinstance(block, Table):
                if block.in_pdf:
                    _table(pdf, report, block)
            elif isinstance(block, Chart):
                _chart(pdf, report, block, images.get(block.key, report.labels["charts_off"]))
            else:
                _explanations(pdf, block)
    return bytes(pdf.output())
