"""How each kind of report value reads: Excel number formats, and text for the PDF via core.i18n."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd

from core.cells import FORMULA_START
from core.i18n import MISSING, format_currency, format_date, format_number, format_percent, format_points

# Excel number formats per kind. Shares are fractions, so "0.0%" shows 0.934 as 93.4%.
EXCEL_FORMATS = {
    "count": "#,##0",
    "money": "#,##0",
    "percent": "0.0%",
    "score": "0",
    "rate": "0.00",
    "decimal": "0.0",
    "date": "yyyy-mm-dd",
    "delta_count": "+#,##0;-#,##0;0",
    "delta_money": "+#,##0;-#,##0;0",
    "delta_percent": "+0.0%;-0.0%;0.0%",
    "delta_score": "+0;-0;0",
    "delta_rate": "+0.00;-0.00;0.00",
}


def missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def num(value: Any) -> float | None:
    """A plain float, or None for missing values (NaN, NA, None)."""
    if missing(value) or isinstance(value, bool):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def whole(value: Any) -> int | None:
    number = num(value)
    return None if number is None else int(round(number))


def flag(value: Any) -> bool | None:
    return None if missing(value) else bool(value)


def delta(now: Any, before: Any) -> float | None:
    a, b = num(now), num(before)
    return None if a is None or b is None else a - b


def join_names(names: Any, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(str(name) for name in names)


def name_code(name: str, code: str) -> str:
    return f"{name} ({code})" if name and name != code else code


def looks_like_formula(text: str) -> bool:
    # Stricter than core.cells.is_formula_like: in the report every text cell that merely starts
    # like a formula is quoted, even "-5" written as text, since numbers are written as numbers.
    return text.startswith(FORMULA_START)


def format_value(value: Any, kind: str, lang: str, *, yes: str, no: str, compact_money: bool = False) -> str:
    """The text of a value in the PDF (and anywhere a value is shown as words)."""
    if kind == "flag":
        return MISSING if missing(value) else (yes if value else no)
    if missing(value):
        return MISSING
    if kind == "text":
        return str(value)
    if kind == "date":
        return format_date(value, lang) if isinstance(value, date | datetime) else str(value)
    number = float(value)
    if kind in _DELTA_DECIMALS:
        # A change that rounds to nothing reads "+0", never "-0".
        shown = round(number * (100 if kind == "delta_percent" else 1), _DELTA_DECIMALS[kind])
        number = 0.0 if shown == 0 else number
    match kind:
        case "count":
            return format_number(number, lang)
        case "money":
            return format_currency(number, lang, compact=compact_money)
        case "percent":
            return format_percent(number, lang, decimals=1)
        case "score":
            return format_number(number, lang)
        case "rate":
            return format_number(number, lang, decimals=2)
        case "decimal":
            return format_number(number, lang, decimals=1)
        case "delta_count":
            return format_number(number, lang, signed=True)
        case "delta_money":
            return format_currency(number, lang, signed=True)
        case "delta_percent":
            return format_points(number, lang)
        case "delta_score":
            return format_number(number, lang, signed=True)
        case "delta_rate":
            return format_number(number, lang, decimals=2, signed=True)
    raise ValueError(f"unknown value kind {kind!r}")


_DELTA_DECIMALS = {"delta_count": 0, "delta_money": 0, "delta_percent": 1, "delta_score": 0, "delta_rate": 2}

DELTA_KIND = {
    "count": "delta_count",
    "money": "delta_money",
    "percent": "delta_percent",
    "score": "delta_score",
    "rate": "delta_rate",
    "decimal": "delta_rate",
}
