"""The calendar: ISO weeks (year boundaries, week 53), months to years, to-date windows, fair comparisons."""

from __future__ import annotations

from datetime import date

import pytest

from core.periods import (
    PeriodError,
    Window,
    add_months,
    format_half,
    format_quarter,
    format_week,
    from_day_number,
    half_window,
    last_complete_week,
    months_overlapping,
    normalise_week,
    parse_month,
    parse_quarter,
    parse_week,
    period_window,
    previous_week,
    qtd,
    quarter_window,
    same_elapsed_previous,
    to_date_comparison,
    to_date_window,
    week_index,
    week_of_index,
    weeks_ending,
    weeks_window,
    ytd,
)


@pytest.mark.parametrize(
    ("week", "monday", "sunday"),
    [
        ("2026-W47", date(2026, 11, 16), date(2026, 11, 22)),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4)),  # starts in the previous year
        ("2020-W53", date(2020, 12, 28), date(2021, 1, 3)),  # 2020 has 53 weeks
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 3)),  # 2026 starts on a Thursday: 53 weeks
        ("2021-W01", date(2021, 1, 4), date(2021, 1, 10)),
        ("2026w7", date(2026, 2, 9), date(2026, 2, 15)),  # lenient spelling
        (" 2026-W07 ", date(2026, 2, 9), date(2026, 2, 15)),
    ],
)
def test_parse_week(week, monday, sunday):
    assert parse_week(week) == (monday, sunday)


@pytest.mark.parametrize(
    ("text", "code", "english"),
    [
        ("2027-W53", "no_such_week", "2027 has no ISO week 53: its last week is 2027-W52."),
        ("2025-W53", "no_such_week", "2025 has no ISO week 53: its last week is 2025-W52."),
        ("2026-W54", "no_such_week", "2026 has no ISO week 54: its last week is 2026-W53."),
        ("2026-W00", "no_such_week", "2026 has no ISO week 0: its last week is 2026-W53."),
        ("2026-47", "bad_week", "'2026-47' is not an ISO week; write it like 2026-W47."),
        ("W47", "bad_week", "'W47' is not an ISO week; write it like 2026-W47."),
        ("", "bad_week", "'' is not an ISO week; write it like 2026-W47."),
    ],
)
def test_parse_week_refuses(text, code, english):
    with pytest.raises(PeriodError) as info:
        parse_week(text)
    assert info.value.code == code
    assert str(info.value) == english
    assert info.value.text("zh") != english and info.value.text("zh")


@pytest.mark.parametrize(
    ("day", "week"),
    [
        (date(2026, 11, 16), "2026-W47"),
        (date(2026, 11, 22), "2026-W47"),
        (date(2021, 1, 1), "2020-W53"),
        (date(2025, 12, 29), "2026-W01"),
        (date(2024, 12, 31), "2025-W01"),
        (date(2027, 1, 3), "2026-W53"),
        (date(2027, 1, 4), "2027-W01"),
    ],
)
def test_format_week(day, week):
    assert format_week(day) == week


@pytest.mark.parametrize(
    ("today", "week"),
    [
        (date(2026, 11, 23), "2026-W47"),  # Monday: last week just ended
        (date(2026, 11, 29), "2026-W47"),  # Sunday: this week is not over yet
        (date(2026, 1, 1), "2025-W52"),  # Thursday of 2026-W01
        (date(2021, 1, 4), "2020-W53"),
    ],
)
def test_last_complete_week(today, week):
    assert last_complete_week(today) == week


@pytest.mark.parametrize(
    ("week", "previous"),
    [("2026-W47", "2026-W46"), ("2026-W01", "2025-W52"), ("2021-W01", "2020-W53"), ("2027-W01", "2026-W53")],
)
def test_previous_week(week, previous):
    assert previous_week(week) == previous


def test_thirteen_weeks_ending_with_a_week():
    weeks = weeks_ending("2026-W05", 13)
    assert weeks[0] == "2025-W45" and weeks[-1] == "2026-W05" and len(weeks) == 13
    assert weeks_window("2026-W05", 13) == Window(date(2025, 11, 3), date(2026, 2, 1))
    assert weeks_window("2026-W05", 13).days == 91


def test_normalise_week():
    assert normalise_week("2026w7") == "2026-W07"


@pytest.mark.parametrize(
    "day", [date(1970, 1, 5), date(2020, 12, 28), date(2026, 11, 16), date(2026, 11, 22)]
)
def test_week_index_round_trip(day):
    assert week_of_index(week_index(day)) == parse_week(format_week(day))[0]
    assert from_day_number((day - date(1970, 1, 1)).days) == day


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        ("week", date(2026, 11, 18), date(2026, 11, 16), date(2026, 11, 22)),
        ("month", date(2024, 2, 10), date(2024, 2, 1), date(2024, 2, 29)),
        ("month", date(2026, 2, 10), date(2026, 2, 1), date(2026, 2, 28)),
        ("quarter", date(2026, 11, 18), date(2026, 10, 1), date(2026, 12, 31)),
        ("quarter", date(2026, 3, 31), date(2026, 1, 1), date(2026, 3, 31)),
        ("half", date(2026, 6, 30), date(2026, 1, 1), date(2026, 6, 30)),
        ("half", date(2026, 7, 1), date(2026, 7, 1), date(2026, 12, 31)),
        ("year", date(2026, 11, 18), date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_period_window(kind, day, start, end):
    assert period_window(kind, day) == Window(start, end)


def test_period_window_refuses_unknown_kind():
    with pytest.raises(PeriodError, match="Unknown period 'decade'"):
        period_window("decade", date(2026, 1, 1))


@pytest.mark.parametrize(
    ("kind", "day", "start"),
    [
        ("month", date(2026, 11, 22), date(2026, 11, 1)),
        ("quarter", date(2026, 11, 22), date(2026, 10, 1)),
        ("half", date(2026, 11, 22), date(2026, 7, 1)),
        ("year", date(2026, 11, 22), date(2026, 1, 1)),
        ("month", date(2026, 11, 1), date(2026, 11, 1)),  # first day: a one-day window
    ],
)
def test_to_date_window(kind, day, start):
    assert to_date_window(kind, day) == Window(start, day)


def test_to_date_shortcuts():
    assert qtd(date(2026, 5, 9)) == Window(date(2026, 4, 1), date(2026, 5, 9))
    assert ytd(date(2026, 5, 9)) == Window(date(2026, 1, 1), date(2026, 5, 9))


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        # 10 days of November against the first 10 of October, not the whole month.
        ("month", date(2026, 11, 10), date(2026, 10, 1), date(2026, 10, 10)),
        # 31 days of March against February, clipped to its 28 days.
        ("month", date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28)),
        ("month", date(2024, 3, 30), date(2024, 2, 1), date(2024, 2, 29)),
        ("month", date(2026, 1, 15), date(2025, 12, 1), date(2025, 12, 15)),
        # 53 days into Q4 (1 Oct .. 22 Nov) against 1 Jul .. 22 Aug.
        ("quarter", date(2026, 11, 22), date(2026, 7, 1), date(2026, 8, 22)),
        # 31 Mar is day 90 of Q1 2026; Q4 2025 has 92 days: no clipping.
        ("quarter", date(2026, 3, 31), date(2025, 10, 1), date(2025, 12, 29)),
        # 60 days of 2025 against the first 60 of leap 2024: up to 29 Feb.
        ("year", date(2025, 3, 1), date(2024, 1, 1), date(2024, 2, 29)),
        ("half", date(2026, 12, 31), date(2026, 1, 1), date(2026, 6, 30)),
    ],
)
def test_same_elapsed_previous(kind, day, start, end):
    assert same_elapsed_previous(kind, day) == Window(start, end)


def test_to_date_comparison_pairs_current_and_previous():
    current, before = to_date_comparison("month", date(2026, 11, 10))
    assert current.days == before.days == 10


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_months_quarters_halves_text():
    assert months_overlapping(Window(date(2026, 11, 28), date(2027, 1, 2))) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]
    assert parse_month("2026-02") == Window(date(2026, 2, 1), date(2026, 2, 28))
    assert parse_quarter("2026-Q4") == quarter_window(date(2026, 12, 1))
    assert format_quarter(date(2026, 11, 22)) == "2026-Q4"
    assert format_half(date(2026, 6, 30)) == "2026-H1"
    assert half_window(date(2026, 9, 1)).start == date(2026, 7, 1)
    with pytest.raises(PeriodError):
        parse_month("2026-13")
    with pytest.raises(PeriodError):
        parse_quarter("2026-Q5")


def test_window_rules():
    window = Window(date(2026, 11, 28), date(2026, 12, 3))
    assert window.days == 6
    assert date(2026, 12, 3) in window and date(2026, 12, 4) not in window
    assert window.overlap_days(Window(date(2026, 12, 1), date(2026, 12, 31))) == 3
    assert window.overlap_days(Window(date(2027, 1, 1), date(2027, 1, 2))) == 0
    with pytest.raises(PeriodError, match="must not end"):
        Window(date(2026, 12, 3), date(2026, 12, 2))


@pytest.mark.parametrize(
    "day", [date(1970, 1, 5), date(2020, 12, 28), date(2021, 1, 3), date(2026, 11, 22), date(2027, 1, 4)]
)
def test_sql_day_and_week_numbers_match_python(engine, day):
    from sqlalchemy import Date, literal, select

    from core.metrics.sqlcal import day_number, greatest, least, week_number
    from core.periods import day_number as python_day_number

    value = literal(day, Date)
    with engine.connect() as conn:
        row = conn.execute(
            select(
                day_number(value),
                week_number(value),
                greatest(day_number(value), 3),
                least(day_number(value), 3),
            )
        ).one()
    assert tuple(row) == (python_day_number(day), week_index(day), max(python_day_number(day), 3), 3)
