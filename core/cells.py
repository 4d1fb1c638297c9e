"""Cells that leave Tripod for a spreadsheet: text a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import re

import pandas as pd

# A cell a spreadsheet would run as a formula or a DDE command starts with one of these; tab
# and carriage return are in OWASP's list of CSV-injection triggers too.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... unless the whole cell is a plain number such as -73.92 or +5, which is data, not a formula.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def is_formula_like(text: str) -> bool:
    return bool(text) and text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text)


def neutralise(text: str) -> str:
    """A text cell made safe for a CSV: formula-like text gets a leading apostrophe (shown as text)."""
    return "'" + text if is_formula_like(text) else text


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells are neutralised; numbers and dates are left as they are."""
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            safe[column] = series.map(lambda v: neutralise(v) if isinstance(v, str) else v)
    return safe
