"""SQL helpers of the metrics: date arithmetic that means the same on SQLite and PostgreSQL, fast fetching.

Both databases agree on integers, so dates are turned into day numbers (days since
1970-01-01, as `core.periods.day_number`) and all overlap sums are integer arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, Executable, FunctionElement

from core.periods import FIRST_MONDAY


class day_number(FunctionElement):  # noqa: N801 (reads like the SQL function it stands for)
    """Days since 1970-01-01 of a DATE column."""

    type = Integer()
    inherit_cache = True
    name = "day_number"


@compiles(day_number)
def _day_number_sqlite(element: day_number, compiler: Any, **kw: Any) -> str:
    # julianday('1970-01-01') = 2440587.5; a date's julianday is always a whole number + 0.5.
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(julianday({arg}) - 2440587.5 AS INTEGER)"


@compiles(day_number, "postgresql")
def _day_number_pg(element: day_number, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"(({arg}) - DATE '1970-01-01')"


class greatest(FunctionElement):  # noqa: N801
    """The largest argument. Callers pass no NULLs: the two databases treat NULL differently."""

    type = Integer()
    inherit_cache = True
    name = "greatest"


class least(FunctionElement):  # noqa: N801
    """The smallest argument (no NULLs, see `greatest`)."""

    type = Integer()
    inherit_cache = True
    name = "least"


@compiles(greatest)
def _greatest_sqlite(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(least)
def _least_sqlite(element: least, compiler: Any, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "postgresql")
def _greatest_pg(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(least, "postgresql")
def _least_pg(element: least, compiler: Any, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


def week_number(column: Any) -> ColumnElement[int]:
    """The ISO week of a DATE column as a whole number: week k starts on day FIRST_MONDAY + 7k.

    Both databases divide integers by truncation, which is floor for the dates Tripod holds
    (all after 1970-01-05).
    """
    return (day_number(column) - FIRST_MONDAY) // 7


def fetch_frame(session: Session, stmt: Executable, columns: Sequence[str]) -> pd.DataFrame:
    """Run `stmt` and return its rows as a frame with `columns` (in the select's order).

    Columns are built by transposing the rows once: about twice as fast as handing pandas a
    list of Row objects, which matters for the per-rep weekly sums (one row per rep and week).
    """
    rows = session.execute(stmt).all()
    if not rows:
        return pd.DataFrame({name: [] for name in columns})
    return pd.DataFrame(dict(zip(columns, zip(*rows, strict=True), strict=True)))


def fetch_numbers(session: Session, stmt: Executable, columns: Sequence[str]) -> pd.DataFrame:
    """fetch_frame for a select whose columns are all numbers, several times faster on big results.

    The driver's rows are read straight from its cursor (no SQLAlchemy Row per row) into one
    numpy array. Only for numbers: no type conversion is applied (a date would stay text).
    """
    result = session.execute(stmt)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if not rows:
        return pd.DataFrame({name: [] for name in columns})
    values = np.array(rows, dtype=object) if not isinstance(rows[0][0], int) else None
    if values is None:
        try:
            values = np.array(rows, dtype="int64")
        except (OverflowError, TypeError, ValueError):
            values = np.array(rows, dtype=object)
    return pd.DataFrame({name: values[:, i] for i, name in enumerate(columns)})
