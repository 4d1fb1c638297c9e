"""Tables for people: which columns to show, their headers, and each value formatted for the language.

A table is described once as a tuple of Column(key, header msgid, kind); `format_table` gives the
text a person reads (Babel numbers, translated headers), `download_table` the same columns with
raw values for a CSV (numbers stay numbers, so a spreadsheet can add them up).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from core.i18n import (
    MISSING,
    format_currency,
    format_date,
    format_number,
    format_percent,
    format_points,
    format_week,
    t,
)

Formatter = Callable[[object, str], str]


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _datetime(value: object, lang: str) -> str:
    if not isinstance(value, datetime):
        return MISSING if _missing(value) else str(value)
    return f"{format_date(value, lang)} {value:%H:%M}"


def _yes_no(value: object, lang: str) -> str:
    if _missing(value):
        return MISSING
    return t("Yes", lang) if bool(value) else t("No", lang)


def _date(value: object, lang: str) -> str:
    return format_date(value, lang) if isinstance(value, date) else MISSING


# Each kind of value and how it reads. Shares and attainment are fractions; rates per 100.
KINDS: dict[str, Formatter] = {
    "text": lambda v, lang: MISSING if _missing(v) else str(v),
    "number": lambda v, lang: format_number(None if _missing(v) else v, lang),
    "decimal": lambda v, lang: format_number(None if _missing(v) else v, lang, decimals=1),
    "rating": lambda v, lang: format_number(None if _missing(v) else v, lang, decimals=2),
    "percent": lambda v, lang: format_percent(None if _missing(v) else v, lang),
    "percent1": lambda v, lang: format_percent(None if _missing(v) else v, lang, decimals=1),
    "points": lambda v, lang: format_points(None if _missing(v) else v, lang),
    "score": lambda v, lang: format_number(None if _missing(v) else v, lang),
    "currency": lambda v, lang: format_currency(None if _missing(v) else v, lang),
    "currency_compact": lambda v, lang: format_currency(None if _missing(v) else v, lang, compact=True),
    "date": _date,
    "datetime": _datetime,
    "week": lambda v, lang: format_week(None if _missing(v) else str(v), lang),
    "yes_no": _yes_no,
}
NUMERIC_KINDS = frozenset(
    {"number", "decimal", "rating", "percent", "percent1", "points", "score", "currency", "currency_compact"}
)


@dataclass(frozen=True)
class Column:
    """One column of a table: the frame's key, the header (an English msgid) and how values read.

    kind is a key of KINDS, or a function (value, lang) -> text for codes shown as words.
    """

    key: str
    header: str
    kind: str | Formatter = "text"

    def formatter(self) -> Formatter:
        return self.kind if callable(self.kind) else KINDS[self.kind]

    @property
    def numeric(self) -> bool:
        return not callable(self.kind) and self.kind in NUMERIC_KINDS


def headers(columns: Sequence[Column], lang: str) -> list[str]:
    return [t(column.header, lang) for column in columns]


def format_table(frame: pd.DataFrame, columns: Sequence[Column], lang: str) -> pd.DataFrame:
    """The columns as text for reading, under translated headers, in the frame's row order."""
    data = {
        header: [column.formatter()(value, lang) for value in frame[column.key]]
        for column, header in zip(columns, headers(columns, lang), strict=True)
    }
    return pd.DataFrame(data, index=range(len(frame)), columns=headers(columns, lang))


def download_table(frame: pd.DataFrame, columns: Sequence[Column], lang: str) -> pd.DataFrame:
    """The same columns for a CSV: numbers raw, codes shown as words, headers translated."""
    data = {}
    for column, header in zip(columns, headers(columns, lang), strict=True):
        values = frame[column.key]
        data[header] = [column.kind(v, lang) for v in values] if callable(column.kind) else list(values)
    return pd.DataFrame(data, index=range(len(frame)), columns=headers(columns, lang))
