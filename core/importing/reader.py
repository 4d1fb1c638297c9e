"""Uploaded bytes → a table of the file's own columns: CSV (any delimiter, encoding) or an XLSX sheet.

Rows are numbered as a spreadsheet shows them (the header is row 1, the first data row is
row 2; a quoted multi-line cell counts as one row), and that number is the frame's index, so
every later error can point the user at the row to fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook

from core.importing.decode import decode_bytes
from core.importing.errors import FileRefused, Notice
from core.importing.sniff import MAX_BYTES, XlsxLimits, sniff_file

ROW_INDEX = "row"
DELIMITERS = (",", ";", "\t")
_SAMPLE_BYTES = 64 * 1024
_EXCEL_SEPARATOR_HINT = re.compile(rb"sep=([,;\t|])[ \t]*\r?\n")
_NATIVE_TYPES = (dt.datetime, dt.date, dt.time, dt.timedelta)


@dataclass
class RowProblem:
    """A defect of one row found while reading (before any column is interpreted)."""

    row: int
    code: str
    params: dict[str, object]


@dataclass
class RawTable:
    """The file's own table, ready for mapping."""

    kind: str  # csv | xlsx
    frame: pd.DataFrame  # unique column names; text cells, native date/time cells from XLSX
    header: list[str]  # the header cells as written
    encoding: str | None = None
    encoding_method: str | None = None
    delimiter: str | None = None
    sheet_names: list[str] = field(default_factory=list)
    sheet: str | None = None
    header_row: int = 1
    problems: list[RowProblem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    native_cells: dict[str, int] = field(default_factory=dict)  # column → native date/time cells

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]


def read_table(
    data: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    max_bytes: int = MAX_BYTES,
    xlsx_limits: XlsxLimits | None = None,
) -> RawTable:
    """Read an upload into a RawTable, or raise FileRefused with a reason the user can act on."""
    kind = sniff_file(data, file_name, max_bytes=max_bytes, xlsx_limits=xlsx_limits)
    table = read_xlsx(data, sheet=sheet) if kind.kind == "xlsx" else read_csv(data, encoding=encoding)
    table.notices[:0] = kind.notices
    return table


# --- header names -------------------------------------------------------------------------


def clean_header(cell: object) -> str:
    """A header cell as a column title: trimmed (incl. ideographic and no-break spaces), one line."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).replace("\ufeff", "").replace("\u200b", "")
    return " ".join(text.split())


def unique_headers(cells: list[object]) -> tuple[list[str], list[tuple[str, str]]]:
    """Column names for header cells: empty → column_N, repeats → name_2, name_3 …

    Returns the names and the (as written, renamed to) pairs worth telling the user about.
    """
    cleaned = [clean_header(c) for c in cells]
    taken = {c for c in cleaned if c}
    names: list[str] = []
    renames: list[tuple[str, str]] = []
    used: set[str] = set()
    for position, cell in enumerate(cleaned, start=1):
        if not cell:
            name = f"column_{position}"
            suffix = 2
            while name in taken or name in used:
                name = f"column_{position}_{suffix}"
                suffix += 1
            renames.append(("", name))
        elif cell in used:
            suffix = 2
            while f"{cell}_{suffix}" in used or f"{cell}_{suffix}" in taken:
                suffix += 1
            name = f"{cell}_{suffix}"
            renames.append((cell, name))
        else:
            name = cell
        used.add(name)
        names.append(name)
    return names, renames


def _headers_notice(renames: list[tuple[str, str]]) -> list[Notice]:
    if not renames:
        return []
    shown = ", ".join(f"“{old}” → {new}" for old, new in renames[:8])
    return [Notice("headers_renamed", {"renames": shown + (" …" if len(renames) > 8 else "")})]


# --- CSV ----------------------------------------------------------------------------------


def read_csv(data: bytes, *, encoding: str | None = None) -> RawTable:
    """Read delimited text: decode, sniff the delimiter, check the structure, parse with pandas' C engine."""
    decoded = decode_bytes(data, encoding=encoding)
    buf = decoded.utf8
    if b"\n" not in buf and b"\r" in buf:
        buf = buf.replace(b"\r", b"\n")  # classic Mac line ends
    if not buf.strip(b" \t\r\n,;\xe3\x80\x80"):
        raise FileRefused("blank_file")
    hint = _EXCEL_SEPARATOR_HINT.match(buf)
    if hint:
        # Excel's "sep=;" first line names the delimiter and is not a row of the sheet.
        delimiter = hint[1].decode()
        buf = buf[hint.end() :]
    else:
        delimiter = sniff_delimiter(_sample_text(buf))
    structure = scan_structure(buf, delimiter)
    if structure.header_index is None:
        raise FileRefused("blank_file")
    header_cells = structure.header_cells
    names, renames = unique_headers(header_cells)
    width = len(names)
    widest = max(width, int(structure.counts.max()) if len(structure.counts) else width)
    all_names = names + _extra_names(names, widest)

    try:
        frame = _parse_with_pandas(buf, delimiter, all_names, structure.header_index + 1)
    except pd.errors.ParserError as exc:
        match = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if not match:
            raise
        record = int(match[1])
        lines = structure.record_lines
        raise FileRefused(
            "unterminated_quote", line=lines[record] if record < len(lines) else record + 1
        ) from None
    if len(frame) != len(structure.counts):
        # A lone carriage return inside a cell ends a record for pandas but not for the fast
        # scan; the csv module splits records the way pandas does.
        structure = _scan_with_csv_module(buf, delimiter)
    if len(frame) != len(structure.counts):
        raise FileRefused("corrupt_text", detail=f"{len(frame)} / {len(structure.counts)} records")
    header_row = structure.header_index + 1
    frame.index = pd.RangeIndex(header_row + 1, header_row + 1 + len(frame), name=ROW_INDEX)

    blank = _blank_rows(frame)
    counts = pd.Series(structure.counts, index=frame.index)
    extras_filled = (
        _filled(frame[all_names[width:]]) if widest > width else pd.Series(False, index=frame.index)
    )
    ragged = ~blank & ((counts < width) | extras_filled)
    problems = [
        RowProblem(int(row), "ragged_row", {"cells": int(cells), "expected": width})
        for row, cells in counts[ragged].items()
    ]
    frame = frame.loc[~blank]
    untitled = [n for n, cell in zip(names, header_cells) if not clean_header(cell)]
    frame = _drop_empty_columns(frame, untitled + all_names[width:])
    renames = [r for r in renames if r[1] in frame.columns]
    table = RawTable(
        kind="csv",
        frame=frame,
        header=[str(c) for c in header_cells],
        encoding=decoded.encoding,
        encoding_method=decoded.method,
        delimiter=delimiter,
        header_row=header_row,
        problems=problems,
        notices=[*decoded.notices, *_headers_notice(renames)],
    )
    _finish(table, int(blank.sum()) - _trailing_blank(blank))
    return table


def _parse_with_pandas(buf: bytes, delimiter: str, names: list[str], skip: int) -> pd.DataFrame:
    # The C engine: the pyarrow engine loses track of quoted cells that span lines.
    return pd.read_csv(
        io.BytesIO(buf),
        sep=delimiter,
        header=None,
        names=names,
        skiprows=skip,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
        encoding="utf-8",
        quotechar='"',
        doublequote=True,
    )


def _sample_text(buf: bytes) -> str:
    sample = buf[:_SAMPLE_BYTES]
    if len(buf) > _SAMPLE_BYTES and b"\n" in sample:
        sample = sample[: sample.rfind(b"\n") + 1]
    return sample.decode("utf-8", errors="ignore")


def sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; tab that splits the sample into the most consistent, widest rows."""
    best, best_score = ",", (False, 0.0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [
                r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(c.strip() for c in r)
            ]
        except csv.Error:
            continue
        rows = rows[:200]
        if not rows:
            continue
        width = len(rows[0])
        consistency = sum(len(r) == width for r in rows) / len(rows)
        score = (width > 1, consistency, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass
class _Structure:
    header_index: int | None  # 0-based record index of the header
    header_cells: list[str]
    counts: np.ndarray  # fields per data record after the header
    record_lines: list[int] = field(default_factory=list)  # first line of each record (exact path only)


def scan_structure(buf: bytes, delimiter: str) -> _Structure:
    """Count the fields of every record and find an unterminated quote, without parsing cells.

    A field separator or line end only counts outside quotes; a doubled quote inside a
    quoted cell toggles twice, so the parity of the quotes before a position tells inside
    from outside. Quotes in the middle of an unquoted cell break that rule, and such files take
    the exact (slower) path through the csv module, which treats those quotes as pandas does.
    """
    arr = np.frombuffer(buf, dtype=np.uint8)
    sep = ord(delimiter)
    quotes = np.flatnonzero(arr == 34)
    if len(quotes) and _has_mid_cell_quotes(arr, quotes, sep):
        return _scan_with_csv_module(buf, delimiter)
    if len(quotes) % 2:
        raise FileRefused("unterminated_quote", line=_unclosed_quote_line(arr, quotes, sep))
    newlines = np.flatnonzero(arr == 10)
    if len(quotes):
        # An odd number of quotes before a line end means it sits inside a quoted cell.
        newlines = newlines[(np.searchsorted(quotes, newlines) & 1) == 0]
    starts = np.concatenate([[0], newlines + 1])
    ends = np.concatenate([newlines, [len(arr)]])
    if starts[-1] >= len(arr) or not buf[starts[-1] :].strip(b"\r"):
        starts, ends = starts[:-1], ends[:-1]  # nothing after the last line end
    if len(starts) == 0:
        return _Structure(None, [], np.array([], dtype=np.int64))
    separators = np.flatnonzero(arr == sep)
    # Separators per record, minus those inside quoted cells (each cell spans quote 2k .. 2k+1).
    per_record = np.diff(np.searchsorted(separators, np.concatenate([starts, [len(arr)]])))
    if len(quotes):
        at_quote = np.searchsorted(separators, quotes)
        inside = at_quote[1::2] - at_quote[0::2]
        owner = np.searchsorted(starts, quotes[0::2], side="right") - 1
        per_record = per_record - np.bincount(owner, weights=inside, minlength=len(starts)).astype(np.int64)
    del separators
    counts = per_record + 1
    starts = starts[: len(ends)]
    header_index = None
    blank_bytes = delimiter.encode() + b" \t\r"
    for i in range(min(len(counts), 1000)):
        if buf[starts[i] : ends[i]].strip(blank_bytes):
            header_index = i
            break
    if header_index is None:
        return _Structure(None, [], np.array([], dtype=np.int64))
    header_text = buf[starts[header_index] : ends[header_index]].decode("utf-8")
    header_cells = next(csv.reader(io.StringIO(header_text), delimiter=delimiter), [])
    if len(header_cells) != counts[header_index]:
        return _scan_with_csv_module(buf, delimiter)
    return _Structure(header_index, header_cells, counts[header_index + 1 :])


def _has_mid_cell_quotes(arr: np.ndarray, positions: np.ndarray, sep: int) -> bool:
    """True when some quote is neither at a cell's edge nor next to another quote."""
    last = len(arr) - 1
    before = np.where(positions > 0, arr[np.maximum(positions - 1, 0)], 10)
    after = np.where(positions < last, arr[np.minimum(positions + 1, last)], 10)
    edge = (before == sep) | (before == 10) | (before == 13) | (before == 34)
    edge |= (after == sep) | (after == 10) | (after == 13) | (after == 34)
    return bool((~edge).any())


def _unclosed_quote_line(arr: np.ndarray, quotes: np.ndarray, sep: int) -> int:
    """The line of the quote that opens the cell left unclosed (the last cell-opening quote)."""
    before = np.where(quotes > 0, arr[np.maximum(quotes - 1, 0)], 10)
    inside_after = (np.arange(1, len(quotes) + 1) & 1) == 1
    opening = quotes[inside_after & ((before == sep) | (before == 10) | (before == 13))]
    start = int(opening[-1]) if len(opening) else int(quotes[-1])
    return int(np.count_nonzero(arr[:start] == 10)) + 1


def _scan_with_csv_module(buf: bytes, delimiter: str) -> _Structure:
    """The exact field counts, record by record (used only when the fast scan cannot be trusted)."""
    reader = csv.reader(io.StringIO(buf.decode("utf-8"), newline=""), delimiter=delimiter, strict=False)
    counts: list[int] = []
    record_lines: list[int] = []
    header_cells: list[str] | None = None
    header_index: int | None = None
    lines_read = 0
    for index, record in enumerate(reader):
        record_lines.append(lines_read + 1)
        if header_cells is None and any(c.strip() for c in record):
            header_cells, header_index = record, index
        elif header_cells is not None:
            counts.append(len(record) if record else 1)
        lines_read = reader.line_num
    if header_cells is None:
        return _Structure(None, [], np.array([], dtype=np.int64))
    return _Structure(header_index, header_cells, np.array(counts, dtype=np.int64), record_lines)


def _extra_names(names: list[str], widest: int) -> list[str]:
    taken = set(names)
    extra = []
    for position in range(len(names) + 1, widest + 1):
        name = f"column_{position}"
        while name in taken:
            name += "_"
        taken.add(name)
        extra.append(name)
    return extra


def _filled(frame: pd.DataFrame) -> pd.Series:
    """Rows with any non-blank cell in `frame`."""
    if frame.shape[1] == 0:
        return pd.Series(False, index=frame.index)
    if any(frame[c].dtype == object for c in frame.columns):
        filled = pd.Series(False, index=frame.index)
        for name in frame.columns:
            filled |= _cell_filled(frame[name])
        return filled
    # Lengths are cheap; only rows with very little text need the (slower) whitespace check.
    total = sum(frame[c].str.len().to_numpy() for c in frame.columns)
    filled = pd.Series(total > 0, index=frame.index)
    suspects = (total > 0) & (total <= 4 * frame.shape[1])
    if suspects.any():
        sub = frame.loc[suspects]
        stripped = sum(sub[c].str.strip().str.len().to_numpy() for c in sub.columns)
        filled.loc[sub.index] = stripped > 0
    return filled


def _cell_filled(column: pd.Series) -> pd.Series:
    if column.dtype == object:
        return column.map(lambda v: v is not None and (not isinstance(v, str) or v.strip() != ""))
    return column.fillna("").str.strip() != ""


def _blank_rows(frame: pd.DataFrame) -> pd.Series:
    return ~_filled(frame)


def _drop_empty_columns(frame: pd.DataFrame, candidates: list[str]) -> pd.DataFrame:
    # A column with neither a title nor any value is only a trailing separator or the edge of a range.
    empty = [name for name in candidates if not _cell_filled(frame[name]).any()]
    return frame.drop(columns=empty) if empty else frame


def _finish(table: RawTable, blank_rows: int) -> None:
    if len(table.frame) == 0:
        shown = ", ".join(table.columns[:8]) + (" …" if len(table.columns) > 8 else "")
        raise FileRefused("no_data_rows", columns=shown)
    if blank_rows:
        table.notices.append(Notice("blank_rows_skipped", {"count": blank_rows}))
    if table.problems:
        table.notices.append(
            Notice("ragged_rows", {"count": len(table.problems), "first": table.problems[0].row})
        )


# --- XLSX ---------------------------------------------------------------------------------


def read_xlsx(data: bytes, *, sheet: str | int | None = None) -> RawTable:
    """Read one sheet (the first unless chosen) with python-calamine.

    Text and numbers become text (a whole number without ".0"); native date, time and
    duration cells stay Python objects so that dates typed as text can be told apart.
    """
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as exc:
        raise FileRefused("corrupt_workbook", detail=str(exc)) from None
    except Exception as exc:  # python-calamine raises its own error classes for damaged parts
        raise FileRefused("corrupt_workbook", detail=str(exc) or type(exc).__name__) from None
    sheet_names = list(workbook.sheet_names)
    name = _choose_sheet(sheet_names, sheet)
    try:
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:
        raise FileRefused("corrupt_workbook", detail=str(exc) or type(exc).__name__) from None
    shown_sheets = ", ".join(f"“{n}”" for n in sheet_names)
    header_at = next((i for i, r in enumerate(rows) if any(_filled_cell(c) for c in r)), None)
    if header_at is None:
        raise FileRefused("empty_sheet", sheet=name, sheets=shown_sheets)
    width = max(len(r) for r in rows)
    first_col = min(
        next(j for j, c in enumerate(r) if _filled_cell(c)) for r in rows if any(map(_filled_cell, r))
    )
    header_cells = [_cell_text(c) for c in _pad(rows[header_at], width)[first_col:]]
    body = rows[header_at + 1 :]
    names, renames = unique_headers(header_cells)
    columns: dict[str, pd.Series] = {}
    transposed = list(zip(*(_pad(r, width)[first_col:] for r in body))) if body else [()] * len(names)
    header_row = header_at + 1
    index = pd.RangeIndex(header_row + 1, header_row + 1 + len(body), name=ROW_INDEX)
    native_counts: dict[str, int] = {}
    for name_, cells in zip(names, transposed):
        series, natives = _column(cells, index)
        columns[name_] = series
        if natives:
            native_counts[name_] = natives
    frame = pd.DataFrame(columns, index=index)
    del rows, body, transposed
    blank = _blank_rows(frame)
    frame = frame.loc[~blank]
    frame = _drop_empty_columns(frame, [n for n, c in zip(names, header_cells) if not clean_header(c)])
    table = RawTable(
        kind="xlsx",
        frame=frame,
        header=[str(c) for c in header_cells],
        sheet_names=sheet_names,
        sheet=name,
        header_row=header_row,
        notices=_headers_notice([r for r in renames if r[1] in frame.columns]),
    )
    table.native_cells = native_counts
    # Trailing empty rows of the used range are not "blank rows" worth mentioning.
    trailing = _trailing_blank(blank)
    _finish(table, int(blank.sum()) - trailing)
    return table


def _choose_sheet(sheet_names: list[str], sheet: str | int | None) -> str:
    shown = ", ".join(f"“{n}”" for n in sheet_names)
    if not sheet_names:
        raise FileRefused("corrupt_workbook", detail="no sheets")
    if sheet is None or sheet == "":
        return sheet_names[0]
    if isinstance(sheet, int):
        if 0 <= sheet < len(sheet_names):
            return sheet_names[sheet]
        raise FileRefused("sheet_not_found", sheet=f"#{sheet + 1}", sheets=shown)
    if sheet in sheet_names:
        return sheet
    folded = {n.strip().casefold(): n for n in sheet_names}
    if sheet.strip().casefold() in folded:
        return folded[sheet.strip().casefold()]
    raise FileRefused("sheet_not_found", sheet=f"“{sheet}”", sheets=shown)


def _pad(row: list, width: int) -> list:
    return row if len(row) >= width else [*row, *([""] * (width - len(row)))]


def _filled_cell(cell: object) -> bool:
    if isinstance(cell, str):
        return cell.strip() != ""
    return cell is not None


def _cell_text(cell: object) -> str:
    """A non-date cell as the text a user sees in Excel's formula bar (numbers without '.0')."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e16:
            return str(int(cell))
        return repr(cell)
    return str(cell)


def _column(cells: tuple, index: pd.RangeIndex) -> tuple[pd.Series, int]:
    """One sheet column: a text Series, or an object Series when native date/time cells occur."""
    natives = sum(1 for c in cells if isinstance(c, _NATIVE_TYPES))
    if natives:
        values = [c if isinstance(c, _NATIVE_TYPES) else _cell_text(c) for c in cells]
        return pd.Series(values, index=index, dtype=object), natives
    if all(isinstance(c, str) for c in cells):
        return pd.Series(cells, index=index, dtype=str), 0
    return pd.Series([_cell_text(c) for c in cells], index=index, dtype=str), 0


def _trailing_blank(blank: pd.Series) -> int:
    values = blank.to_numpy()
    count = 0
    for flag in values[::-1]:
        if not flag:
            break
        count += 1
    return count


def as_text(value: object) -> str:
    """Any cell of an original frame as display text (native dates in ISO form)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)
