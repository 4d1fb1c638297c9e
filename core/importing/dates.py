"""Dates and times in uploaded columns: many written forms, Excel serials, native cells, one order per column.

Whether 03/05/2024 is 3 May or 5 March is never decided row by row: a column is day-first
when some value only fits that order (a first part above 12), month-first when some value only
fits the other, and otherwise the user is asked (or another date column of the same file
settles it). Values that cannot be dates get a reason code; nothing is guessed.

Speed: a column of a million timestamps is parsed by pandas with the exact formats seen in a
sample; only values those formats do not take go through the per-value parser, which is the
reference for what is accepted and why something is not.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

DAY_FIRST = "day_first"
MONTH_FIRST = "month_first"
MIN_YEAR, MAX_YEAR = 1900, 2100
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Excel serials are read from 1950 (18264) to 2100 (73415): a smaller bare number is far more
# likely a year ("2024") or a count than a date, and is reported instead of read as 1905.
_SERIAL_MIN, _SERIAL_MAX = 18264, 73415
_RESULT_DTYPE = "datetime64[us]"
_SAMPLE = 2000
_FAST_FORMATS = 4

# Spaces (not tabs) around separators, exactly as the RE2 patterns below accept them.
_SEP = r" *[-/.] *"
_YMD = re.compile(rf"(?P<y>\d{{4}}){_SEP}(?P<m>\d{{1,2}}){_SEP}(?P<d>\d{{1,2}})(?P<rest>(?:[\sT].*)?)", re.S)
_CN = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?(?P<rest>.*)", re.S)
_NNY = re.compile(
    rf"(?P<a>\d{{1,2}}){_SEP}(?P<b>\d{{1,2}}){_SEP}(?P<y>\d{{4}}|\d{{2}})(?P<rest>(?:[ T].*)?)", re.S
)
_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:T?(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?")
_SERIAL = re.compile(r"\d{1,5}(?:\.\d+)?")
_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_D_MON_Y = re.compile(
    r"(?P<d>\d{1,2})[-\s]+(?P<mon>[A-Za-z]{3,9})\.?[-\s,]+(?P<y>\d{4}|\d{2})(?P<rest>(?:[\sT].*)?)", re.S
)
_MON_D_Y = re.compile(
    r"(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?P<rest>(?:[\sT].*)?)", re.S
)
_TIME = re.compile(
    r"(?:(?P<p1>上午|下午|AM|PM)\s*)?(?P<H>\d{1,2})\s*[:时点]\s*(?P<M>\d{1,2})\s*"
    r"(?:[:分]\s*(?:(?P<S>\d{1,2})(?:[.,](?P<F>\d{1,9}))?\s*秒?)?)?\s*"
    r"(?P<p2>[AP]\.?\s?M\.?|上午|下午)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|UTC|GMT)?",
    re.I,
)
_FRACTION = re.compile(r"0?\.\d+|0|1(?:\.0+)?")

# Shapes for the fast path: exact pandas formats, and RE2 patterns for str.contains (spaces
# written as " " rather than \s, which RE2 matches several times slower on Unicode text).
_YMD_SHAPE = re.compile(r"\d{4}([-/.])\d{1,2}([-/.])\d{1,2}(?:([ T])\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?")
_CN_SHAPE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日(?:( )\d{1,2}:\d{2}(:\d{2})?)?")
_NNY_SHAPE = re.compile(r"\d{1,2}([-/.])\d{1,2}([-/.])(\d{4}|\d{2})(?:( )\d{1,2}:\d{2}(:\d{2})?( [AP]M)?)?")
_NNY_MARK = "NNY|"
_NNY_QUICK = r"^[0-9]{1,2} *[-/.]"
_NNY_PREFIX = r"^[0-9]{1,2} *[-/.] *[0-9]{1,2} *[-/.] *(?:[0-9]{4}|[0-9]{2})(?:[ T]|$)"
# A value proves an order when one part can only be a day (13-31) and the other can be a month.
_DAY_EVIDENCE = r"^(?:1[3-9]|2[0-9]|3[01]) *[-/.] *(?:0?[1-9]|1[0-2]) *[-/.] *(?:[0-9]{4}|[0-9]{2})(?:[ T]|$)"
_MONTH_EVIDENCE = (
    r"^(?:0?[1-9]|1[0-2]) *[-/.] *(?:1[3-9]|2[0-9]|3[01]) *[-/.] *(?:[0-9]{4}|[0-9]{2})(?:[ T]|$)"
)


@dataclass
class DateColumn:
    """A parsed date/time column: values, per-row problems, and how its day/month order was settled."""

    values: pd.Series  # naive datetime64; NaT where empty, wrong or still undecided
    errors: pd.DataFrame  # index: row; columns code, value
    order: str | None = None  # day_first | month_first | None when no value depends on it
    order_source: str | None = None  # values | chosen | file
    needs_order: bool = False  # some values could be either order and nothing settles it
    conflict: bool = False  # both orders are proven by different values
    example: str = ""  # a value that shows the ambiguity or settles the order
    example_day: str = ""
    example_month: str = ""
    native_cells: int = 0
    text_cells: int = 0
    undecided: pd.Index = field(default_factory=lambda: pd.Index([]))

    @property
    def ok(self) -> pd.Series:
        return self.values.notna()


@dataclass
class TimeColumn:
    """A parsed time-of-day column (offset from midnight)."""

    values: pd.Series  # timedelta64; NaT where empty or wrong
    errors: pd.DataFrame


def parse_datetimes(column: pd.Series, *, day_first: bool | None = None) -> DateColumn:
    """Parse one column of dates (with or without a time); `day_first` overrides the column's own evidence."""
    index = column.index
    values = pd.Series(pd.NaT, index=index, dtype=_RESULT_DTYPE)
    errors: dict[object, tuple[str, str]] = {}
    text, native_cells = _split_natives(column, values, errors)
    text = _normalise_text(text)
    text = text[text != ""]
    result = DateColumn(
        values=values, errors=_errors_frame({}), native_cells=native_cells, text_cells=len(text)
    )
    formats = _sample_formats(text)
    # Shapes that do not depend on the day/month order go first, so the order is decided
    # from the remaining values only (none at all in an ISO column).
    pending = _fast_parse(text, [f for f in formats if not f.startswith(_NNY_MARK)], values)
    _decide_order(pending, day_first, result)
    if result.needs_order:
        undecided = _nny_mask(pending)
        result.undecided = pending.index[undecided]
        pending = pending[~undecided]
    order = result.order or MONTH_FIRST
    nny_formats = [_nny_format(f, order) for f in formats if f.startswith(_NNY_MARK)]
    pending = _fast_parse(pending, nny_formats, values)
    if len(pending):
        _slow_parse(pending, order, result.order_source is not None, values, errors)
    result.values = values
    result.errors = _errors_frame(errors)
    return result


def parse_times(column: pd.Series) -> TimeColumn:
    """Parse a time-of-day column: 9:32, 09:32:09, 9:32 PM, 9时32分, Excel fractions or native time cells."""
    values = pd.Series(pd.NaT, index=column.index, dtype="timedelta64[us]")
    errors: dict[object, tuple[str, str]] = {}
    found: dict[object, pd.Timedelta] = {}
    text_parts: dict[object, str] = {}
    for row, value in column.items():
        if isinstance(value, dt.time | dt.datetime):
            found[row] = pd.Timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)
        elif isinstance(value, dt.timedelta):
            if dt.timedelta(0) <= value < dt.timedelta(days=1):
                found[row] = pd.Timedelta(value).round("s")
            else:
                errors[row] = ("time_unreadable", _show(value))
        elif isinstance(value, str):
            text_parts[row] = value
    if text_parts:
        text = _normalise_text(pd.Series(text_parts, dtype=str))
        cache: dict[str, tuple[pd.Timedelta | None, str | None]] = {}
        for row, value in text[text != ""].items():
            if value not in cache:
                cache[value] = _parse_time_text(value)
            parsed, code = cache[value]
            if parsed is not None:
                found[row] = parsed
            else:
                errors[row] = (code or "time_unreadable", value)
    _assign(values, found)
    return TimeColumn(values=values, errors=_errors_frame(errors))


def combine_date_time(dates: DateColumn, times: TimeColumn) -> DateColumn:
    """received_date + received_time → one timestamp; a row without a time keeps the date's own time."""
    has_time = times.values.notna()
    combined = dates.values.copy()
    combined[has_time] = dates.values[has_time].dt.normalize() + times.values[has_time]
    errors = pd.concat([dates.errors, times.errors.loc[~times.errors.index.isin(dates.errors.index)]])
    merged = DateColumn(**{**dates.__dict__, "values": combined.astype(_RESULT_DTYPE), "errors": errors})
    return merged


# --- order of day and month -----------------------------------------------------------------


def _decide_order(text: pd.Series, day_first: bool | None, result: DateColumn) -> None:
    if len(text) == 0:
        return
    candidates = text[text.str.contains(_NNY_QUICK, regex=True).to_numpy()]
    if len(candidates) == 0:
        return  # no value in this column depends on the order
    if day_first is not None:
        result.order = DAY_FIRST if day_first else MONTH_FIRST
        result.order_source = "chosen"
        return
    day_evidence = candidates[candidates.str.contains(_DAY_EVIDENCE, regex=True).to_numpy()]
    month_evidence = candidates[candidates.str.contains(_MONTH_EVIDENCE, regex=True).to_numpy()]
    if len(day_evidence) and len(month_evidence):
        result.conflict = result.needs_order = True
        result.example_day, result.example_month = str(day_evidence.iloc[0]), str(month_evidence.iloc[0])
        result.example = result.example_day
        return
    if len(day_evidence) or len(month_evidence):
        result.order = DAY_FIRST if len(day_evidence) else MONTH_FIRST
        result.order_source = "values"
        result.example = str((day_evidence if len(day_evidence) else month_evidence).iloc[0])
        return
    # Every value has both parts ≤ 12; only those with two different parts are truly ambiguous.
    for value in candidates[_nny_mask(candidates)].unique():
        match = _NNY.fullmatch(value)
        if match and int(match["a"]) != int(match["b"]):
            result.needs_order = True
            result.example = str(value)
            return


def _nny_mask(text: pd.Series) -> np.ndarray:
    if len(text) == 0:
        return np.zeros(0, dtype=bool)
    quick = text.str.contains(_NNY_QUICK, regex=True).to_numpy()
    mask = np.zeros(len(text), dtype=bool)
    if quick.any():
        mask[quick] = text[quick].str.contains(_NNY_PREFIX, regex=True).to_numpy()
    return mask


# --- parsing ------------------------------------------------------------------------------


def _split_natives(
    column: pd.Series, values: pd.Series, errors: dict[object, tuple[str, str]]
) -> tuple[pd.Series, int]:
    """Put native cells (XLSX dates, pandas timestamps) into `values`; return the text cells."""
    if pd.api.types.is_datetime64_any_dtype(column):
        values[:] = column.dt.tz_localize(None) if column.dt.tz is not None else column
        _refuse_out_of_range(values, values.notna(), errors)
        return pd.Series([], dtype=str), int(column.notna().sum())
    if column.dtype != object:
        return column.astype(str), 0
    native = column.map(lambda v: not isinstance(v, str) and v is not None)
    if not native.any():
        return column.astype(str), 0
    found: dict[object, pd.Timestamp] = {}
    count = 0
    for row, value in column[native].items():
        if isinstance(value, float) and np.isnan(value):
            continue
        count += 1
        if isinstance(value, dt.datetime):
            found[row] = pd.Timestamp(value.replace(tzinfo=None))
        elif isinstance(value, dt.date):
            found[row] = pd.Timestamp(value)
        elif isinstance(value, dt.time):
            errors[row] = ("time_without_date", value.isoformat())
        else:
            errors[row] = ("date_unreadable", _show(value))
    _assign(values, found)
    _refuse_out_of_range(values, values.notna(), errors)
    return column[~native].astype(str), count


def _refuse_out_of_range(
    values: pd.Series, present: pd.Series, errors: dict[object, tuple[str, str]]
) -> None:
    bad = present & ((values.dt.year < MIN_YEAR) | (values.dt.year > MAX_YEAR))
    for row in values.index[bad]:
        errors[row] = ("date_out_of_range", _show(values[row]))
    values[bad] = pd.NaT


def _assign(values: pd.Series, found: dict) -> None:
    """Write many parsed values at once (one Series assignment per value is far too slow)."""
    if found:
        values.loc[list(found)] = pd.Series(found).astype(values.dtype).to_numpy()


def _normalise_text(text: pd.Series) -> pd.Series:
    text = text.astype(str).str.strip()
    wide = ~text.str.isascii()
    if wide.any():
        # Full-width digits and colons (２０２４：０３) read like their ASCII forms.
        text = text.copy()
        text[wide] = text[wide].str.normalize("NFKC").str.strip()
    return text


def _sample_formats(text: pd.Series) -> list[str]:
    """The exact formats of a sample of a long column, most common first."""
    if len(text) < 200:
        return []
    step = max(1, len(text) // _SAMPLE)
    sample = text.iloc[::step].unique()
    counts = Counter(f for f in (_format_of(v) for v in sample) if f is not None)
    return [f for f, _ in counts.most_common(_FAST_FORMATS)]


def _fast_parse(text: pd.Series, formats: list[str], values: pd.Series) -> pd.Series:
    """Parse with pandas and the given exact formats; return the values they do not take."""
    rest = text
    for fmt in formats:
        if len(rest) == 0:
            break
        parsed = _serials(rest) if fmt == "serial" else pd.to_datetime(rest, format=fmt, errors="coerce")
        good = (parsed.notna() & (parsed.dt.year >= MIN_YEAR) & (parsed.dt.year <= MAX_YEAR)).to_numpy()
        if good.any():
            values[rest.index[good]] = parsed[good].astype(_RESULT_DTYPE).to_numpy()
            rest = rest[~good]
    return rest


def _serials(text: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(text.where(text.str.fullmatch(_SERIAL.pattern)), errors="coerce")
    numbers = numbers.where((numbers >= _SERIAL_MIN) & (numbers <= _SERIAL_MAX))
    seconds = (numbers * 86400).round()
    return _EXCEL_EPOCH + pd.to_timedelta(seconds, unit="s")


def _format_of(value: str) -> str | None:
    """The exact pandas format of a value in one of the common shapes, else None.

    Day/month/year shapes come back marked (NNY|…) with placeholders, because their format
    depends on the column's order, which is decided later.
    """
    m = _YMD_SHAPE.fullmatch(value)
    if m:
        return f"%Y{m[1]}%m{m[2]}%d" + _time_format(m[3], m[4], m[5])
    m = _CN_SHAPE.fullmatch(value)
    if m:
        return "%Y年%m月%d日" + _time_format(m[1], m[2], None)
    m = _NNY_SHAPE.fullmatch(value)
    if m:
        year = "%Y" if len(m[3]) == 4 else "%y"
        time = _time_format(m[4], m[5], None)
        if m[6]:
            time = time.replace("%H", "%I") + " %p"
        return f"{_NNY_MARK}<1>{m[1]}<2>{m[2]}{year}{time}"
    if _SERIAL.fullmatch(value):
        return "serial"
    return None


def _nny_format(marked: str, order: str) -> str:
    first, second = ("%d", "%m") if order == DAY_FIRST else ("%m", "%d")
    return marked.removeprefix(_NNY_MARK).replace("<1>", first).replace("<2>", second)


def _time_format(separator: str | None, seconds: str | None, fraction: str | None) -> str:
    if not separator:
        return ""
    return f"{separator}%H:%M" + (":%S" if seconds else "") + (".%f" if fraction else "")


def _slow_parse(
    text: pd.Series,
    order: str,
    order_known: bool,
    values: pd.Series,
    errors: dict[object, tuple[str, str]],
) -> None:
    cache: dict[str, tuple[dt.datetime | None, str | None]] = {}
    found: dict[object, dt.datetime] = {}
    for row, value in text.items():
        if value not in cache:
            cache[value] = parse_datetime_text(value, order, order_known=order_known)
        parsed, code = cache[value]
        if parsed is not None:
            found[row] = parsed
        else:
            errors[row] = (code or "date_unreadable", value)
    _assign(values, found)


def parse_datetime_text(
    value: str, order: str = MONTH_FIRST, *, order_known: bool = True
) -> tuple[dt.datetime | None, str | None]:
    """One written date (and time) → (datetime, None) or (None, reason code). The reference parser."""
    value = value.strip()
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value).strip()
    if not value:
        return None, None
    if _SERIAL.fullmatch(value) and len(value.split(".")[0]) <= 5:
        number = float(value)
        if not _SERIAL_MIN <= number <= _SERIAL_MAX:
            return None, "date_unreadable"
        return (_EXCEL_EPOCH + pd.Timedelta(seconds=round(number * 86400))).to_pydatetime(), None
    m = _COMPACT.fullmatch(value)
    if m:
        time = (int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0), 0)
        return _build(int(m["y"]), int(m["m"]), int(m["d"]), time, value)
    for pattern in (_YMD, _CN):
        m = pattern.fullmatch(value)
        if m:
            return _with_time(int(m["y"]), int(m["m"]), int(m["d"]), m["rest"])
    m = _NNY.fullmatch(value)
    if m:
        year = _full_year(m["y"])
        a, b = int(m["a"]), int(m["b"])
        day, month = (a, b) if order == DAY_FIRST else (b, a)
        parsed, code = _with_time(year, month, day, m["rest"])
        if code == "date_impossible" and order_known and a != b:
            other, _ = _with_time(year, day, month, m["rest"])
            if other is not None:
                return None, "date_wrong_order"
        return parsed, code
    for pattern in (_D_MON_Y, _MON_D_Y):
        m = pattern.fullmatch(value)
        if m and m["mon"].lower() in _MONTH_NAMES:
            return _with_time(_full_year(m["y"]), _MONTH_NAMES[m["mon"].lower()], int(m["d"]), m["rest"])
    return None, "date_unreadable"


def _full_year(text: str) -> int:
    # The POSIX pivot that Python's and pandas' %y use: 69-99 → 1900s, 00-68 → 2000s.
    if len(text) == 4:
        return int(text)
    year = int(text)
    return 1900 + year if year >= 69 else 2000 + year


def _with_time(year: int, month: int, day: int, rest: str | None) -> tuple[dt.datetime | None, str | None]:
    rest = (rest or "").strip()
    if rest.startswith(("T", "t")):
        rest = rest[1:]
    if not rest:
        return _build(year, month, day, (0, 0, 0, 0), "")
    time, code = _time_parts(rest)
    if time is None:
        return None, code
    return _build(year, month, day, time, "")


def _time_parts(text: str) -> tuple[tuple[int, int, int, int] | None, str | None]:
    m = _TIME.fullmatch(text.strip())
    if not m:
        return None, "date_unreadable"
    if m["tz"]:
        return None, "date_has_timezone"
    hour, minute = int(m["H"]), int(m["M"])
    second = int(m["S"] or 0)
    micro = int((m["F"] or "0")[:6].ljust(6, "0"))
    marker = (m["p1"] or m["p2"] or "").upper().replace(".", "").replace(" ", "")
    if marker:
        if not 1 <= hour <= 12:
            return None, "date_impossible"
        afternoon = marker in ("PM", "下午")
        hour = hour % 12 + (12 if afternoon else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None, "date_impossible"
    return (hour, minute, second, micro), None


def _build(
    year: int, month: int, day: int, time: tuple[int, int, int, int], _value: str
) -> tuple[dt.datetime | None, str | None]:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None, "date_out_of_range"
    try:
        return dt.datetime(year, month, day, *time), None
    except ValueError:
        return None, "date_impossible"


def _parse_time_text(value: str) -> tuple[pd.Timedelta | None, str | None]:
    if _FRACTION.fullmatch(value):
        fraction = float(value)
        if 0 <= fraction < 1:
            return pd.Timedelta(seconds=round(fraction * 86400)), None
        return None, "time_unreadable"
    parts, code = _time_parts(value)
    if parts is None:
        return None, "date_impossible" if code == "date_impossible" else "time_unreadable"
    hour, minute, second, micro = parts
    return pd.Timedelta(hours=hour, minutes=minute, seconds=second, microseconds=micro), None


def _errors_frame(errors: dict[object, tuple[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(errors, orient="index", columns=["code", "value"])
    frame.index.name = "row"
    return frame


def _show(value: object) -> str:
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.isoformat(sep=" ")
    return str(value)
