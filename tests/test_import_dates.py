"""Dates in uploaded complaint files: written forms, Excel cells, and one day/month order per column."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.importing.dates import (
    DAY_FIRST,
    MONTH_FIRST,
    combine_date_time,
    parse_datetime_text,
    parse_datetimes,
    parse_times,
)
from core.importing.errors import FileRefused
from core.importing.prepare import read_complaint_file

D = dt.datetime

ONE_VALUE = [
    # (written, column order, expected datetime or reason code)
    ("2024-03-05", MONTH_FIRST, D(2024, 3, 5)),
    ("2024-3-5", MONTH_FIRST, D(2024, 3, 5)),
    ("2024-03-05 14:30", MONTH_FIRST, D(2024, 3, 5, 14, 30)),
    ("2024-03-05T14:30:15", MONTH_FIRST, D(2024, 3, 5, 14, 30, 15)),
    ("2024-03-05 14:30:15.250", MONTH_FIRST, D(2024, 3, 5, 14, 30, 15, 250000)),
    ("2024/3/5 9:32:09", MONTH_FIRST, D(2024, 3, 5, 9, 32, 9)),
    ("2024.03.05", DAY_FIRST, D(2024, 3, 5)),
    ("2024年3月5日", MONTH_FIRST, D(2024, 3, 5)),
    ("2024年03月05日 09:32", MONTH_FIRST, D(2024, 3, 5, 9, 32)),
    ("2024年3月5日 下午3:05", MONTH_FIRST, D(2024, 3, 5, 15, 5)),
    ("2024年3月5日9时32分", MONTH_FIRST, D(2024, 3, 5, 9, 32)),
    ("２０２４－０３－０５ １０：１５", MONTH_FIRST, D(2024, 3, 5, 10, 15)),
    ("3/5/2024", MONTH_FIRST, D(2024, 3, 5)),
    ("3/5/2024", DAY_FIRST, D(2024, 5, 3)),
    ("12/31/2024 11:59 PM", MONTH_FIRST, D(2024, 12, 31, 23, 59)),
    ("12/31/2024 12:05 AM", MONTH_FIRST, D(2024, 12, 31, 0, 5)),
    ("31.12.2024", DAY_FIRST, D(2024, 12, 31)),
    ("10/21/18 0:59", MONTH_FIRST, D(2018, 10, 21, 0, 59)),
    ("1/2/68", MONTH_FIRST, D(2068, 1, 2)),
    ("1/2/69", MONTH_FIRST, D(1969, 1, 2)),
    ("05-Mar-2024", MONTH_FIRST, D(2024, 3, 5)),
    ("Mar 5, 2024 10:00", MONTH_FIRST, D(2024, 3, 5, 10, 0)),
    ("20240305", MONTH_FIRST, D(2024, 3, 5)),
    ("20240305093000", MONTH_FIRST, D(2024, 3, 5, 9, 30)),
    ("45356", MONTH_FIRST, D(2024, 3, 5)),
    ("45356.75", MONTH_FIRST, D(2024, 3, 5, 18, 0)),
    ("2024-02-29", MONTH_FIRST, D(2024, 2, 29)),
    ("2024-02-30", MONTH_FIRST, "date_impossible"),
    ("2023-02-29", MONTH_FIRST, "date_impossible"),
    ("2024-13-01", MONTH_FIRST, "date_impossible"),
    ("2024-04-31 10:00", MONTH_FIRST, "date_impossible"),
    ("2024-03-05 24:00", MONTH_FIRST, "date_impossible"),
    ("2024-03-05 10:60", MONTH_FIRST, "date_impossible"),
    ("13/13/2024", DAY_FIRST, "date_impossible"),
    ("30/1/2024", MONTH_FIRST, "date_wrong_order"),
    ("1/30/2024", DAY_FIRST, "date_wrong_order"),
    ("1850-01-01", MONTH_FIRST, "date_out_of_range"),
    ("2150-01-01", MONTH_FIRST, "date_out_of_range"),
    ("12", MONTH_FIRST, "date_unreadable"),
    ("2024", MONTH_FIRST, "date_unreadable"),  # a year alone, not Excel's day 2024 (1905)
    ("18264", MONTH_FIRST, D(1950, 1, 1)),
    ("2024-03-05T10:00:00Z", MONTH_FIRST, "date_has_timezone"),
    ("2024-03-05 10:00 +08:00", MONTH_FIRST, "date_has_timezone"),
    ("yesterday", MONTH_FIRST, "date_unreadable"),
    ("2024-03-05 morning", MONTH_FIRST, "date_unreadable"),
    ("5 Smarch 2024", MONTH_FIRST, "date_unreadable"),
]


@pytest.mark.parametrize(("written", "order", "expected"), ONE_VALUE)
def test_one_written_date(written, order, expected):
    parsed, code = parse_datetime_text(written, order)
    if isinstance(expected, str):
        assert (parsed, code) == (None, expected)
    else:
        assert (parsed, code) == (expected, None)


COLUMNS = [
    # (values, day_first given, order, how it was settled, must the user choose?)
    (["3/5/2024", "25/6/2024"], None, DAY_FIRST, "values", False),
    (["3/5/2024", "6/25/2024"], None, MONTH_FIRST, "values", False),
    (["3/5/2024", "4/6/2024"], None, None, None, True),
    (["3/5/2024", "4/6/2024"], True, DAY_FIRST, "chosen", False),
    (["3/5/2024", "4/6/2024"], False, MONTH_FIRST, "chosen", False),
    (["1/1/2024", "2/2/2024"], None, None, None, False),  # both parts equal: either order is the same
    (["2024-03-05", "2024-04-06"], None, None, None, False),  # ISO never depends on the order
    (["2024-03-05", "2024-04-06"], True, None, None, False),  # so a chosen order does not apply to it
    (["13/5/2024", "5/25/2024"], None, None, None, True),  # both orders proven: conflict
    (["10/21/18 0:00", "10/11/18 5:00"], None, MONTH_FIRST, "values", False),
    (["05.03.2024", "31.03.2024"], None, DAY_FIRST, "values", False),
]


@pytest.mark.parametrize(("values", "day_first", "order", "source", "needs_order"), COLUMNS)
def test_column_day_month_order(values, day_first, order, source, needs_order):
    result = parse_datetimes(pd.Series(values, dtype=str), day_first=day_first)
    assert (result.order, result.order_source, result.needs_order) == (order, source, needs_order)
    if needs_order:
        assert result.values.isna().all() and result.errors.empty  # nothing guessed, nothing blamed


def test_an_ambiguous_column_is_never_guessed_row_by_row():
    values = ["3/5/2024", "4/6/2024", "2024-07-01", ""]
    result = parse_datetimes(pd.Series(values, index=[2, 3, 4, 5], dtype=str))
    assert result.needs_order and result.example == "3/5/2024"
    assert list(result.undecided) == [2, 3]
    assert result.values[4] == pd.Timestamp("2024-07-01")  # unambiguous values are still read
    assert result.values[[2, 3, 5]].isna().all()


def test_conflicting_column_with_a_chosen_order_rejects_the_rows_that_do_not_fit():
    values = pd.Series(["13/5/2024", "5/25/2024", "3/4/2024"], index=[2, 3, 4], dtype=str)
    result = parse_datetimes(values)
    assert result.conflict and (result.example_day, result.example_month) == ("13/5/2024", "5/25/2024")
    chosen = parse_datetimes(values, day_first=True)
    assert chosen.values[2] == pd.Timestamp("2024-05-13") and chosen.values[4] == pd.Timestamp("2024-04-03")
    assert chosen.errors.loc[3, "code"] == "date_wrong_order"


LONG_FORMATS = [
    # a sample value of each shape; the fast path must give what the reference parser gives
    "2024-03-05 14:30:15",
    "2024/3/5 9:32:09",
    "2024-03-05T14:30",
    "2024年3月5日 09:32",
    "3/25/2024 9:32 PM",
    "25/3/24 21:32",
    "45356.5",
    "2024.03.05",
]


@pytest.mark.parametrize("shape", LONG_FORMATS)
def test_long_columns_take_the_fast_path_with_the_same_results(shape):
    base = parse_datetime_text(shape, DAY_FIRST if shape.startswith("25/") else MONTH_FIRST)[0]
    values = [shape] * 300 + ["2024-02-30 10:00", "not a date", "", "2024-03-06"]
    result = parse_datetimes(pd.Series(values, dtype=str))
    assert (result.values[:300] == pd.Timestamp(base)).all()
    assert result.errors["code"].tolist() == ["date_impossible", "date_unreadable"]
    assert list(result.errors.index) == [300, 301]
    assert pd.isna(result.values[302]) and result.values[303] == pd.Timestamp("2024-03-06")


def test_fast_path_decides_order_from_every_value_not_a_sample():
    # One settling value among many ambiguous ones, placed where a sample would miss it.
    values = ["3/5/2024 10:00"] * 5000 + ["4/6/2024 11:00"] * 4999 + ["28/6/2024 12:00"]
    result = parse_datetimes(pd.Series(values, dtype=str))
    assert (result.order, result.order_source) == (DAY_FIRST, "values")
    assert result.values[0] == pd.Timestamp("2024-05-03 10:00")
    assert result.values[9999] == pd.Timestamp("2024-06-28 12:00")


def test_native_date_cells_mixed_with_text_dates():
    column = pd.Series(
        [D(2019, 4, 8, 8, 37, 20), "2019/4/25 9:32:09", dt.date(2019, 5, 1), dt.time(9, 0), ""],
        index=[2, 3, 4, 5, 6],
        dtype=object,
    )
    result = parse_datetimes(column)
    assert result.values[[2, 3, 4]].tolist() == [
        pd.Timestamp("2019-04-08 08:37:20"),
        pd.Timestamp("2019-04-25 09:32:09"),
        pd.Timestamp("2019-05-01"),
    ]
    assert result.errors.loc[5, "code"] == "time_without_date"
    assert (result.native_cells, result.text_cells) == (3, 1)


TIMES = [
    (dt.time(9, 12, 58), pd.Timedelta("09:12:58")),
    ("9:32", pd.Timedelta("09:32:00")),
    ("09:32:09", pd.Timedelta("09:32:09")),
    ("9:32 PM", pd.Timedelta("21:32:00")),
    ("下午 3:05", pd.Timedelta("15:05:00")),
    ("9时32分", pd.Timedelta("09:32:00")),
    ("0.5", pd.Timedelta("12:00:00")),
    (dt.timedelta(minutes=2, seconds=23), pd.Timedelta("00:02:23")),
    (D(1899, 12, 30, 18, 0), pd.Timedelta("18:00:00")),
    ("25:00", "date_impossible"),
    ("13:00 PM", "date_impossible"),
    ("noon", "time_unreadable"),
    ("1.5", "time_unreadable"),
]


@pytest.mark.parametrize(("written", "expected"), TIMES)
def test_time_of_day_column(written, expected):
    result = parse_times(pd.Series([written], index=[2], dtype=object))
    if isinstance(expected, str):
        assert result.errors.loc[2, "code"] == expected and pd.isna(result.values[2])
    else:
        assert result.values[2] == expected and result.errors.empty


def test_date_and_time_in_two_columns():
    dates = parse_datetimes(pd.Series(["2021-01-01", "2021-01-02", "2021-01-03", "bad"], dtype=str))
    times = parse_times(pd.Series([dt.time(9, 12, 58), "", "25:00", "10:00"], dtype=object))
    combined = combine_date_time(dates, times)
    assert combined.values[0] == pd.Timestamp("2021-01-01 09:12:58")
    assert combined.values[1] == pd.Timestamp("2021-01-02")  # no time given: the date alone
    assert combined.errors.loc[2, "code"] == "date_impossible"  # the row is rejected for its time
    assert combined.errors.loc[3, "code"] == "date_unreadable"  # the date's own problem wins


# --- the whole file -------------------------------------------------------------------------


def test_ambiguous_file_must_be_answered_before_import():
    data = b"id,received_at\nA1,03/05/2024\nA2,04/06/2024\n"
    prepared = read_complaint_file(data, "f.csv")
    assert not prepared.ready and prepared.undecided_date_columns == ["received_at"]
    assert prepared.errors.empty
    notice = next(n for n in prepared.notices if n.code == "date_order_ambiguous")
    assert "03/05/2024" in notice.message("en") and "日/月" in notice.message("zh")
    with pytest.raises(FileRefused) as refused:
        prepared.require_ready()
    assert refused.value.code == "date_order_needed" and "03/05/2024" in refused.value.message_en

    day_first = read_complaint_file(data, "f.csv", day_first=True)
    assert day_first.ready and day_first.date_orders == {"received_at": DAY_FIRST}
    assert day_first.fields["received_at"].tolist() == [
        pd.Timestamp("2024-05-03"),
        pd.Timestamp("2024-06-04"),
    ]
    month_first = read_complaint_file(data, "f.csv", day_first=False)
    assert month_first.fields.loc[2, "received_at"] == pd.Timestamp("2024-03-05")


def test_an_ambiguous_column_follows_a_settled_column_of_the_same_file():
    data = b"id,received_at,resolved_at\nA1,03/05/2024,25/05/2024\nA2,04/06/2024,05/06/2024\n"
    prepared = read_complaint_file(data, "f.csv")
    assert prepared.ready
    assert prepared.date_orders == {"received_at": DAY_FIRST, "resolved_at": DAY_FIRST}
    assert prepared.fields.loc[2, "received_at"] == pd.Timestamp("2024-05-03")
    follows = next(n for n in prepared.notices if n.code == "date_order_from_file")
    assert follows.params["other"] == "resolved_at"


def test_a_settled_column_explains_which_value_settled_it():
    prepared = read_complaint_file(b"id,received_at\nA1,3/5/2024\nA2,3/25/2024\n", "f.csv")
    notice = next(n for n in prepared.notices if n.code == "date_order_settled")
    assert notice.message("en") == (
        "Column “received_at” is read month-first (M/D/Y), "
        "because values such as “3/25/2024” only fit that order."
    )


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2024-02-30", "“2024-02-30” in received_at is not a real date or time"),
        ("31/31/2024", "“31/31/2024” in received_at is not a real date or time"),
        ("soon", "“soon” in received_at is not a date Tripod can read"),
        ("1899-12-31", "“1899-12-31” in received_at is outside the years 1900–2100"),
    ],
)
def test_bad_dates_become_row_errors_with_the_value_and_column(cell, expected):
    data = f"id,received_at\nA1,2024-01-01\nA2,{cell}\n".encode()
    prepared = read_complaint_file(data, "f.csv")
    assert prepared.reasons("en")[3].startswith(expected)
    assert cell in prepared.reasons("zh")[3]
