"""Tables for people: each kind of value formatted for the language; downloads keep numbers raw."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import pytest

from core.tables import Column, download_table, format_table

CASES = [
    # kind, value, Chinese, English
    ("number", 1234567, "1,234,567", "1,234,567"),
    ("decimal", 2.25, "2.3", "2.3"),  # half up, as people round
    ("rating", 4.5, "4.50", "4.50"),
    ("percent", 0.934, "93%", "93%"),
    ("percent1", 0.9345, "93.5%", "93.5%"),
    ("points", -0.173, "-17.3个百分点", "-17.3 pp"),
    ("score", 89.6, "90", "90"),
    ("currency", 1234.4, "¥1,234", "CN¥1,234"),
    ("currency_compact", 464690000.0, "¥4.6亿", "CN¥464.7M"),
    ("date", date(2026, 11, 16), "2026年11月16日", "Nov 16, 2026"),
    ("datetime", datetime(2026, 11, 16, 9, 5), "2026年11月16日 09:05", "Nov 16, 2026 09:05"),
    ("week", "2026-W47", "2026年第47周", "Week 47, 2026"),
    ("yes_no", True, "是", "Yes"),
    ("yes_no", pd.NA, "—", "—"),
    ("text", "招商银行", "招商银行", "招商银行"),  # data stays as entered
    ("number", None, "—", "—"),
    ("percent", math.nan, "—", "—"),
]


@pytest.mark.parametrize(("kind", "value", "zh", "en"), CASES)
def test_each_kind_reads_in_the_language(kind, value, zh, en):
    frame = pd.DataFrame({"v": pd.Series([value], dtype="object")})
    columns = (Column("v", "Customers", kind),)
    assert format_table(frame, columns, "zh").iloc[0, 0] == zh
    assert format_table(frame, columns, "en").iloc[0, 0] == en


def test_headers_follow_the_language_and_downloads_keep_numbers():
    frame = pd.DataFrame({"name": ["甲", "乙"], "share": [0.5, 0.25], "flag": ["over", "under"]})
    columns = (
        Column("name", "Customer"),
        Column("share", "Share", "percent"),
        Column("flag", "Verdict", lambda code, lang: {"over": "高", "under": "低"}[code]),
    )
    shown = format_table(frame, columns, "zh")
    assert list(shown.columns) == ["客户", "占比", "结论"]
    assert shown.values.tolist() == [["甲", "50%", "高"], ["乙", "25%", "低"]]
    raw = download_table(frame, columns, "en")
    assert list(raw.columns) == ["Customer", "Share", "Verdict"]
    assert raw.values.tolist() == [["甲", 0.5, "高"], ["乙", 0.25, "低"]]
    assert [c.numeric for c in columns] == [False, True, False]
