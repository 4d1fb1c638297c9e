"""Target completion: daily-spread targets, attainment per level across months and team moves, plan check."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from legs_builders import Org

from core.metrics import COMPANY_UNIT_ID
from core.metrics.targets import (
    attainment_by,
    attainment_periods,
    bookings_by,
    compute_attainment,
    compute_plan_growth,
    compute_recommended_plan,
    plan_check,
    target_segments,
    targets_by,
    weekly_targets,
)
from core.params import DEFAULT_PARAMS
from core.periods import Window, week_index


@pytest.mark.parametrize(
    ("bookings", "target", "expected"),
    [
        (900.0, 1000.0, 0.9),
        (1200.0, 1000.0, 1.2),
        (0.0, 1000.0, 0.0),
        (None, 1000.0, 0.0),
        (500.0, 0.0, None),
        (500.0, None, None),
    ],
)
def test_compute_attainment(bookings, target, expected):
    assert compute_attainment(bookings, target) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("plan", "last_year", "expected"),
    [
        (1180.0, 1000.0, 0.18),
        (1000.0, 1000.0, 0.0),
        (900.0, 1000.0, -0.1),
        (1000.0, 0.0, None),
        (1000.0, None, None),
    ],
)
def test_compute_plan_growth(plan, last_year, expected):
    result = compute_plan_growth(plan, last_year)
    assert result == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("last_year", "forecast", "margin", "expected"),
    [
        (1000.0, 0.18, 0.07, 1250.0),
        (2000.0, 0.10, 0.07, 2340.0),
        (0.0, 0.18, 0.07, None),
        (None, 0.18, 0.07, None),
    ],
)
def test_compute_recommended_plan(last_year, forecast, margin, expected):
    result = compute_recommended_plan(last_year, forecast, margin)
    assert result == (pytest.approx(expected) if expected is not None else None)


@pytest.fixture
def org(session):
    """Two departments. R1 works for S1 (D1) until 1 Dec 2026, then for S2 (D2); R2 stays with S1.

    Targets: R1 November 3,000 (100 a day) and December 6,200 (200 a day); R2 November 1,500
    (50 a day) and no December target.
    """
    o = Org(session)
    o.department("D1")
    o.department("D2", segment="non_bank")
    o.supervisor("S1", "D1")
    o.supervisor("S2", "D2")
    o.rep("R1", "S1", date(2025, 1, 1))
    o.rep("R2", "S1", date(2025, 1, 1))
    o.move("R1", "S2", date(2026, 12, 1))
    o.target("R1", date(2026, 11, 1), 3000)
    o.target("R1", date(2026, 12, 1), 6200)
    o.target("R2", date(2026, 11, 1), 1500)
    o.booking("R1", date(2026, 11, 30), 250)  # last day with S1
    o.booking("R1", date(2026, 12, 1), 400)  # first day with S2
    o.booking("R1", date(2026, 12, 4), 100)  # outside the window below
    o.booking("R2", date(2026, 11, 29), 90)
    o.commit()
    return o


# 28 Nov - 3 Dec 2026: three November days and three December days.
WINDOW = Window(date(2026, 11, 28), date(2026, 12, 3))


@pytest.mark.parametrize(
    ("level", "unit", "bookings", "target"),
    [
        # R1: 3 x 100 + 3 x 200; R2: 3 x 50 (no December target).
        ("rep", "R1", 650.0, 900.0),
        ("rep", "R2", 90.0, 150.0),
        # S1 holds R1 for 28-30 Nov (300) and R2 for the November days (150).
        ("supervisor", "S1", 340.0, 450.0),
        # S2 holds R1 from 1 Dec: 3 x 200.
        ("supervisor", "S2", 400.0, 600.0),
        ("department", "D1", 340.0, 450.0),
        ("department", "D2", 400.0, 600.0),
        ("company", None, 740.0, 1050.0),
    ],
)
def test_attainment_across_month_boundary_and_team_move(session, org, level, unit, bookings, target):
    frame = attainment_by(session, WINDOW, level)
    unit_id = COMPANY_UNIT_ID if unit is None else org.ids[unit]
    row = frame.set_index("unit_id").loc[unit_id]
    assert row["bookings"] == pytest.approx(bookings)
    assert row["target"] == pytest.approx(target)
    assert row["attainment"] == pytest.approx(bookings / target)


def test_units_without_target_have_no_attainment(session, org):
    # December only: R2 has no December target, so a booking there has no attainment.
    org.booking("R2", date(2026, 12, 2), 70)
    org.commit()
    frame = attainment_by(session, Window(date(2026, 12, 1), date(2026, 12, 3)), "rep").set_index("unit_id")
    assert frame.loc[org.ids["R2"], "target"] == 0
    assert pd.isna(frame.loc[org.ids["R2"], "attainment"])
    assert frame.loc[org.ids["R1"], "attainment"] == pytest.approx(400 / 600)


def test_department_scope_keeps_only_its_days(session, org):
    # Rep level inside D1 only: R1's days with S2 are not D1's.
    frame = attainment_by(session, WINDOW, "rep", department_ids=[org.ids["D1"]]).set_index("unit_id")
    assert frame.loc[org.ids["R1"], "bookings"] == pytest.approx(250)
    assert frame.loc[org.ids["R1"], "target"] == pytest.approx(300)
    company = attainment_by(session, WINDOW, "company", department_ids=[org.ids["D2"]])
    assert company["bookings"].tolist() == [pytest.approx(400)]
    assert company["target"].tolist() == [pytest.approx(600)]


def test_targets_and_bookings_by_window(session, org):
    whole_november = Window(date(2026, 11, 1), date(2026, 11, 30))
    targets = targets_by(session, whole_november, "supervisor").set_index("unit_id")["target"]
    assert targets.to_dict() == {org.ids["S1"]: pytest.approx(4500.0)}
    booked = bookings_by(session, whole_november, "department").set_index("unit_id")["bookings"]
    assert booked.to_dict() == {org.ids["D1"]: pytest.approx(340.0)}


def test_weekly_targets_split_the_week_of_the_move(session, org):
    # ISO week 2026-W49 runs Mon 30 Nov .. Sun 6 Dec: S1 has R1 one day, S2 six days.
    span = Window(date(2026, 11, 23), date(2026, 12, 6))
    segments = target_segments(session, span, "supervisor")
    first, last = week_index(span.start), week_index(span.end)
    weekly = weekly_targets(segments, first, last).set_index(["unit_id", "week"])["target"]
    assert weekly[(org.ids["S1"], last)] == pytest.approx(100 + 50)
    assert weekly[(org.ids["S2"], last)] == pytest.approx(6 * 200)
    assert weekly[(org.ids["S1"], first)] == pytest.approx(7 * 150)
    assert weekly[(org.ids["S2"], first)] == pytest.approx(0)


def test_attainment_periods_as_of_a_day(session, org):
    frame = attainment_periods(session, date(2026, 12, 3), "rep").set_index(["unit_id", "window"])
    r1 = org.ids["R1"]
    # Week Mon 30 Nov..Thu 3 Dec: 100 + 3 x 200 target; bookings 250 + 400.
    assert frame.loc[(r1, "week"), "target"] == pytest.approx(700)
    assert frame.loc[(r1, "week"), "bookings"] == pytest.approx(650)
    # Month to date: 1..3 Dec.
    assert frame.loc[(r1, "mtd"), "target"] == pytest.approx(600)
    # Quarter to date: 1 Oct..3 Dec (no October target).
    assert frame.loc[(r1, "qtd"), "target"] == pytest.approx(3600)
    assert frame.loc[(r1, "ytd"), "bookings"] == pytest.approx(650)


@pytest.mark.parametrize(
    ("plan", "forecast_pct", "growth", "below", "recommended"),
    [
        (1180.0, 18.0, 0.18, False, 1250.0),
        (1150.0, 18.0, 0.15, True, 1250.0),
        (1250.0, 18.0, 0.25, False, 1250.0),
        (1000.0, 5.0, 0.0, True, 1120.0),
    ],
)
def test_plan_check(session, plan, forecast_pct, growth, below, recommended):
    o = Org(session)
    o.department("D1")
    o.supervisor("S1", "D1")
    o.rep("R1", "S1", date(2024, 1, 1))
    o.booking("R1", date(2025, 3, 1), 600)
    o.booking("R1", date(2025, 12, 31), 400)
    o.booking("R1", date(2026, 1, 1), 999)  # this year's: not last year's
    o.plan("D1", 2026, plan, forecast_pct)
    o.commit()
    frame = plan_check(session, 2026, params=DEFAULT_PARAMS)
    row = frame.iloc[0]
    assert row["last_year_bookings"] == pytest.approx(1000.0)
    assert row["plan_growth"] == pytest.approx(growth)
    assert row["industry_growth"] == pytest.approx(forecast_pct / 100)
    assert row["plan_below_forecast"] == below
    assert row["recommended_plan"] == pytest.approx(recommended)


def test_plan_check_without_last_year(session):
    o = Org(session)
    o.department("D1")
    o.plan("D1", 2026, 1000.0, 18.0)
    o.commit()
    row = plan_check(session, 2026).iloc[0]
    assert pd.isna(row["plan_growth"])
    assert row["plan_below_forecast"] is None or pd.isna(row["plan_below_forecast"])
    assert pd.isna(row["recommended_plan"])


def test_params_table_lists_every_value_with_its_meaning():
    from dataclasses import fields

    from core.params import MetricParams, params_table

    for lang in ("en", "zh"):
        table = params_table(lang)
        assert list(table.columns) == ["name", "group", "group_label", "value", "meaning"]
        assert len(table) == len(fields(MetricParams))
        assert table["meaning"].str.len().min() > 0
    row = params_table("en").set_index("name").loc["plan_margin"]
    assert row["value"] == 0.07 and row["group_label"] == "Targets and plans"
    assert params_table("zh").set_index("name").loc["plan_margin", "group_label"] == "目标与计划"


def test_params_refuse_weights_that_do_not_add_up():
    with pytest.raises(ValueError, match="team weights must add up to 1"):
        DEFAULT_PARAMS.with_overrides(team_weight_evenness=0.5)
