"""glue.memo: what a page draws from cached rows is made once per content, never per identity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.tables import Column, format_table
from ui import glue, widgets


def test_fingerprint_follows_content_not_identity() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]})
    assert glue.fingerprint(frame) == glue.fingerprint(frame.copy())
    different = [
        pd.DataFrame({"x": [1, 2, 4], "y": ["a", "b", "c"]}),  # a cell
        pd.DataFrame({"x": ["1", 2, 3], "y": ["a", "b", "c"]}),  # a type that prints alike
        pd.DataFrame({"y": ["a", "b", "c"], "x": [1, 2, 3]}),  # column order
        pd.DataFrame({"x": [1, 2, 3], "z": ["a", "b", "c"]}),  # a column's name
        pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]}, index=[5, 6, 7]),  # the index
        pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "b", "c"]}),  # the dtype
        pd.DataFrame({"x": [1, 2, 3], "y": [["a"], ["b"], ["c"]]}),  # unhashable cells
    ]
    prints = {glue.fingerprint(frame), *(glue.fingerprint(f) for f in different)}
    assert len(prints) == 1 + len(different)
    assert glue.fingerprint(frame, "en") != glue.fingerprint(frame, "zh")


def test_memo_computes_once_per_content_and_gives_equal_results() -> None:
    calls: list[int] = []

    def build(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
        calls.append(1)
        return format_table(frame, (Column("n", "Complaints", "number"),), lang)

    frame = pd.DataFrame({"n": np.arange(1000) * 1000})
    first = glue.memo(build, frame, "en")
    again = glue.memo(build, frame.copy(), "en")  # a fresh copy, as st.cache_data hands out
    assert again is first and len(calls) == 1
    chinese = glue.memo(build, frame, "zh")
    assert len(calls) == 2 and chinese.columns.tolist() != first.columns.tolist()
    changed = frame.copy()
    changed.loc[999, "n"] = 1
    assert glue.memo(build, changed, "en").iloc[999, 0] == "1" and len(calls) == 3


def test_memo_without_a_readable_argument_just_calls() -> None:
    calls: list[int] = []

    def build(fn) -> int:  # type: ignore[no-untyped-def]
        calls.append(1)
        return fn()

    assert glue.memo(build, lambda: 7) == 7
    assert glue.memo(build, lambda: 7) == 7
    assert len(calls) == 2


def test_prepared_table_equals_formatting_it_directly() -> None:
    columns = (
        Column("name", "Customer"),
        Column("n", "Complaints", "number"),
        Column("s", "Share", "percent1"),
    )
    frame = pd.DataFrame({"name": ["甲", None, "=1+1"], "n": [1200, None, 3], "s": [0.5, 0.123, None]})
    for lang in ("en", "zh"):
        shown, numeric, csv = glue.memo(widgets._prepared_table, frame, columns, lang)
        pd.testing.assert_frame_equal(shown, format_table(frame, columns, lang))
        assert len(numeric) == 2
        assert csv.startswith(b"\xef\xbb\xbf")
