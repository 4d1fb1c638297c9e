"""Plans and targets by period: the year in periods, attainment per period, the plan overview, charts."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from legs_builders import Org

from core.charts import STATUS_COLOURS, attainment_bars, plan_against_forecast
from core.metrics.plans import (
    attainment_matrix,
    last_full_day,
    period_attainment,
    period_label,
    plan_alerts,
    plan_overview,
    plan_years,
    with_period_labels,
    year_periods,
)
from core.metrics.targets import attainment_windows
from core.periods import Window


def same(actual, expected) -> bool:
    return all(
        (pd.isna(a) and pd.isna(e)) or a == pytest.approx(e) for a, e in zip(actual, expected, strict=True)
    )


@pytest.mark.parametrize(
    ("kind", "as_of", "expected"),
    [
        (
            "quarter",
            date(2026, 11, 27),
            [
                ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), date(2026, 3, 31)),
                ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30), date(2026, 6, 30)),
                ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), date(2026, 9, 30)),
                ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31), date(2026, 11, 27)),  # to date
            ],
        ),
        ("month", date(2026, 1, 15), [("2026-01", date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 15))]),
        (
            "half",
            date(2026, 7, 1),
            [
                ("2026-H1", date(2026, 1, 1), date(2026, 6, 30), date(2026, 6, 30)),
                ("2026-H2", date(2026, 7, 1), date(2026, 12, 31), date(2026, 7, 1)),
            ],
        ),
        ("year", date(2027, 3, 1), [("2026", date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 31))]),
        ("year", date(2025, 12, 31), []),  # not begun
    ],
)
def test_a_year_is_cut_into_the_periods_begun_by_the_as_of_day(kind, as_of, expected):
    periods = year_periods(2026, kind, as_of)
    assert [(key, whole.start, whole.end, counted.end) for key, whole, counted in periods] == expected
    assert all(counted.start == whole.start for _key, whole, counted in periods)


def test_an_unknown_period_type_is_refused():
    with pytest.raises(ValueError, match="period type"):
        year_periods(2026, "week", date(2026, 5, 1))


@pytest.mark.parametrize(
    ("kind", "start", "lang", "text"),
    [
        ("month", date(2026, 3, 1), "en", "Mar 2026"),
        ("month", date(2026, 3, 1), "zh", "2026年3月"),
        ("quarter", date(2026, 10, 1), "en", "Q4 2026"),
        ("quarter", date(2026, 10, 1), "zh", "2026年第4季度"),
        ("half", date(2026, 7, 1), "zh", "2026年第2半年"),
        ("year", date(2026, 1, 1), "en", "Year 2026"),
    ],
)
def test_periods_read_in_words(kind, start, lang, text):
    assert period_label(kind, start, lang) == text


def test_the_as_of_day_is_yesterday():
    assert last_full_day(date(2026, 3, 1)) == date(2026, 2, 28)


# --- on a database ------------------------------------------------------------------------

AS_OF = date(2026, 3, 10)


def planned_org(session) -> Org:
    """R1 (S1, D1): targets 3,100 / 2,800 / 3,100 for Jan-Mar 2026 (100 a day); bookings 1,550 on
    15 Jan, 2,800 on 10 Feb, 620 on 3 Mar. S2 (D1) and S3 (D2) have no target in 2026.
    2025 bookings: D1 10,000, D2 10,000. Plans 2026: D1 12,500 at +18% (+25%, not below);
    D2 10,500 at +14% (+5%: below; recommended 10,000 × 1.21 = 12,100)."""
    org = Org(session)
    org.department("D1")
    org.department("D2", "non_bank")
    org.supervisor("S1", "D1")
    org.supervisor("S2", "D1")
    org.supervisor("S3", "D2")
    org.rep("R1", "S1", date(2024, 1, 1))
    org.rep("R3", "S3", date(2024, 1, 1))
    for month, amount in ((1, 3100.0), (2, 2800.0), (3, 3100.0)):
        org.target("R1", date(2026, month, 1), amount)
    org.booking("R1", date(2026, 1, 15), 1550.0)
    org.booking("R1", date(2026, 2, 10), 2800.0)
    org.booking("R1", date(2026, 3, 3), 620.0)
    org.booking("R1", date(2025, 6, 1), 10000.0)
    org.booking("R3", date(2025, 6, 1), 10000.0)
    org.plan("D1", 2026, 12500.0, 18.0)
    org.plan("D2", 2026, 10500.0, 14.0)
    org.plan("D2", 2027, 13000.0, 15.0)
    org.commit()
    return org


@pytest.mark.parametrize(
    ("kind", "periods", "targets", "bookings", "attainment", "to_date"),
    [
        (
            "month",
            ["2026-01", "2026-02", "2026-03"],
            [3100.0, 2800.0, 1000.0],  # March counted 1-10 only
            [1550.0, 2800.0, 620.0],
            [0.5, 1.0, 0.62],
            [False, False, True],
        ),
        ("quarter", ["2026-Q1"], [6900.0], [4970.0], [4970 / 6900], [True]),
        ("year", ["2026"], [6900.0], [4970.0], [4970 / 6900], [True]),
    ],
)
@pytest.mark.parametrize("level", ["supervisor", "department"])
def test_attainment_per_period_counts_a_running_period_to_date(
    session, level, kind, periods, targets, bookings, attainment, to_date
):
    planned_org(session)
    frame = period_attainment(session, 2026, kind, level, as_of=AS_OF)
    first = frame[frame["code"] == ("S1" if level == "supervisor" else "D1")]
    assert list(first["period"]) == periods
    assert same(list(first["target"]), targets)
    assert same(list(first["bookings"]), bookings)
    assert same(list(first["attainment"]), attainment)
    assert list(first["to_date"]) == to_date
    # A unit with nothing booked or targeted still has its rows, without attainment.
    idle = frame[frame["code"] == ("S2" if level == "supervisor" else "D2")]
    assert len(idle) == len(periods) and idle["attainment"].isna().all()


def test_period_figures_are_those_of_the_targets_engine(session):
    org = planned_org(session)
    frame = period_attainment(
        session, 2026, "month", "supervisor", as_of=AS_OF, department_ids=[org.ids["D1"]]
    )
    assert set(frame["code"]) == {"S1", "S2"}
    windows = {"2026-02": Window(date(2026, 2, 1), date(2026, 2, 28))}
    engine = attainment_windows(session, windows, "supervisor", department_ids=[org.ids["D1"]])
    shown = frame[(frame["code"] == "S1") & (frame["period"] == "2026-02")].iloc[0]
    assert shown["attainment"] == pytest.approx(engine["attainment"].iloc[0])


def test_the_plan_overview_checks_each_plan_against_the_forecast(session):
    org = planned_org(session)
    plans = plan_overview(session, 2026, as_of=AS_OF).set_index("code")
    assert same(list(plans["plan_growth"]), [0.25, 0.05])
    assert list(plans["plan_below_forecast"]) == [False, True]
    assert same(list(plans["recommended_plan"]), [10000 * 1.25, 10000 * 1.21])
    assert same(list(plans["bookings_to_date"]), [4970.0, 0.0])
    assert same(list(plans["plan_progress"]), [4970 / 12500, 0.0])
    assert list(plans["last_year_complete"]) == [True, True]
    assert list(plans["segment"]) == ["bank", "non_bank"]

    next_year = plan_overview(session, 2027, as_of=AS_OF)
    assert list(next_year["code"]) == ["D2"]
    assert not next_year["last_year_complete"].iloc[0]  # 2026 is still running
    assert next_year["bookings_to_date"].isna().all()  # 2027 has not begun

    scoped = plan_overview(session, 2026, as_of=AS_OF, department_ids=[org.ids["D1"]])
    assert list(scoped["code"]) == ["D1"]
    assert plan_overview(session, 2030, as_of=AS_OF).empty
    assert plan_years(session) == [2027, 2026]
    assert plan_years(session, [org.ids["D1"]]) == [2026]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "en",
            "Dept D2 (D2): the 2026 plan grows +5.0%, less than the industry's forecast of +14%. "
            "Recommended: CN¥12.1K (+21%).",
        ),
        ("zh", "Dept D2 (D2)：2026年计划增长 +5.0%，低于行业预测的 +14%。建议计划：¥1.2万（+21%）。"),
    ],
)
def test_a_plan_below_the_forecast_is_said_in_one_sentence(session, lang, text):
    planned_org(session)
    assert plan_alerts(plan_overview(session, 2026, as_of=AS_OF), lang) == [text]


def test_the_matrix_has_a_row_per_unit_and_a_column_per_period():
    frame = pd.DataFrame(
        {
            "code": ["S2", "S2", "S1", "S1"],
            "name": ["b", "b", "a", "a"],
            "department_code": ["D1"] * 4,
            "period": ["2026-Q1", "2026-Q2"] * 2,
            "period_start": [date(2026, 1, 1), date(2026, 4, 1)] * 2,
            "to_date": [False, True] * 2,
            "attainment": [0.5, math.nan, 1.2, 0.9],
        }
    )
    matrix = attainment_matrix(frame)
    assert list(matrix.columns) == ["code", "name", "department_code", "2026-Q1", "2026-Q2"]
    assert list(matrix["code"]) == ["S2", "S1"]  # the frame's order
    assert same(list(matrix["2026-Q1"]), [0.5, 1.2])
    labelled = with_period_labels(frame, "quarter", "en")
    assert list(labelled["period_label"][:2]) == ["Q1 2026", "Q2 2026 (to date)"]


# --- charts -------------------------------------------------------------------------------


def test_a_plan_below_the_forecast_is_drawn_red_with_the_forecast_and_recommendation_beside_it():
    plans = pd.DataFrame(
        {
            "code": ["D2", "D1"],
            "plan_growth": [0.05, 0.25],
            "industry_growth": [0.14, 0.18],
            "recommended_growth": [0.21, 0.25],
            "plan_below_forecast": [True, False],
        }
    )
    fig = plan_against_forecast(
        plans, title="t", names={"D1": "一部", "D2": "二部"}, plan_label="plan", forecast_label="forecast",
        recommended_label="recommended",
    )  # fmt: skip
    bars = fig.data[0]
    assert list(bars.x) == ["一部", "二部"]  # by code, whatever the rows' order
    assert list(bars.marker.color) == [STATUS_COLOURS["green"], STATUS_COLOURS["red"]]
    assert [trace.name for trace in fig.data] == ["plan", "forecast", "recommended"]
    assert list(fig.data[1].y) == [0.18, 0.14]


def test_attainment_bars_draw_the_target_line_at_100_percent():
    frame = pd.DataFrame({"period": ["Q1", "Q1"], "code": ["D1", "D2"], "attainment": [0.9, 1.1]})
    fig = attainment_bars(frame, title="t", colour_map={"D1": "#111111"}, names={}, target_label="target")
    assert fig.layout.shapes[0].y0 == 1.0 and fig.layout.shapes[0].y1 == 1.0
    assert {trace.name: trace.marker.color for trace in fig.data} == {"D1": "#111111", "D2": "#9AA0A6"}
