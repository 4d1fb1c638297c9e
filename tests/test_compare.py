"""Comparing supervisors: company percentiles, ranking, filters, the comparison table, trends, charts."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from legs_builders import Org
from sqlmodel import Session

from core.charts import (
    DIAGNOSIS_COLOURS,
    LEG_COLOURS,
    NEUTRAL,
    balance_map,
    legs_small_multiples,
    ranking_chart,
)
from core.metrics.compare import (
    COMPARISON_COLUMNS,
    KPIS,
    compare_supervisors,
    comparison_table,
    filter_comparison,
    percentile_ranks,
    rank_supervisors,
    shown_values,
)
from core.metrics.weekly import kpi_tables, weekly_kpi_set

NAN = math.nan


def same(actual: list[float], expected: list[float]) -> bool:
    return all(
        (math.isnan(a) and math.isnan(e)) or a == pytest.approx(e)
        for a, e in zip(actual, expected, strict=True)
    )


# --- percentiles --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "higher_is_better", "expected"),
    [
        ([10, 20, 20, 40], True, [0, 50, 50, 100]),  # a tie shares the middle: (1 + ½) ÷ 3
        ([10, 20, 20, 40], False, [100, 50, 50, 0]),  # fewer complaints is better
        ([1, 2, 3, 4, 5], True, [0, 25, 50, 75, 100]),
        ([5, None, 7], True, [0, NAN, 100]),  # a missing value gets none and is not counted
        ([2, 2], True, [50, 50]),
        ([3], True, [NAN]),  # nobody to compare with
        ([None, None], True, [NAN, NAN]),
    ],
)
def test_percentile_is_the_share_of_the_others_beaten_ties_counted_half(values, higher_is_better, expected):
    shown = percentile_ranks(pd.Series(values, dtype="float64"), higher_is_better)
    assert same(list(shown), expected)


# --- ranking and filters ------------------------------------------------------------------

TABLE = pd.DataFrame(
    {
        "code": ["S1", "S2", "S3", "S4", "S5"],
        "department_code": ["D1", "D1", "D2", "D2", "D3"],
        "segment": ["bank", "bank", "non_bank", "non_bank", "bank"],
        "attainment_13w": [0.8, 1.1, 0.8, None, 0.5],
        "complaint_rate_week": [3.0, 1.0, None, 1.0, 7.5],
    }
)


@pytest.mark.parametrize(
    ("kpi", "codes", "ranks"),
    [
        # ties share the better rank and keep code order; no value comes last, unranked
        ("attainment_13w", ["S2", "S1", "S3", "S5", "S4"], [1, 2, 2, 4, NAN]),
        ("complaint_rate_week", ["S2", "S4", "S1", "S5", "S3"], [1, 1, 3, 4, NAN]),
    ],
)
def test_ranking_puts_the_best_first_whichever_way_better_points(kpi, codes, ranks):
    ranked = rank_supervisors(TABLE, kpi)
    assert list(ranked["code"]) == codes
    assert same(list(ranked["rank"]), ranks)
    assert same(list(ranked["value"]), list(TABLE.set_index("code").loc[codes, kpi]))


# A near-tie: 0.92003 and 0.91997 both read 92.0%, 1.04, 0.96 and 0.95 all read 1.0 (half up).
NEAR_TIE = pd.DataFrame(
    {
        "code": ["S1", "S2", "S3", "S4", "S5"],
        "attainment_13w": [0.92003, 0.91997, 0.95, 0.9, 0.8994],
        "complaint_rate_week": [1.04, 2.0, 0.96, 0.95, None],
    }
)


def test_equal_shown_values_share_a_rank_whatever_lies_behind_them():
    assert list(shown_values("attainment_13w", NEAR_TIE["attainment_13w"])) == [
        0.92,
        0.92,
        0.95,
        0.9,
        0.899,
    ]
    ranked = rank_supervisors(NEAR_TIE, "attainment_13w")
    # 95.0%, 92.0%, 92.0%, 90.0%, 89.9%: competition ranking 1, 2, 2, 4, 5; the tie in code order
    assert list(ranked["code"]) == ["S3", "S1", "S2", "S4", "S5"]
    assert same(list(ranked["rank"]), [1, 2, 2, 4, 5])
    assert list(ranked["value"]) == [0.95, 0.92003, 0.91997, 0.9, 0.8994]  # the value itself is kept
    ranked = rank_supervisors(NEAR_TIE, "complaint_rate_week")
    # lower is better: 1.0, 1.0, 1.0 share rank 1, 2.0 is 4th, no value last
    assert list(ranked["code"]) == ["S1", "S3", "S4", "S2", "S5"]
    assert same(list(ranked["rank"]), [1, 1, 1, 4, NAN])


def test_equal_shown_values_share_a_percentile():
    supervisors = pd.DataFrame(
        {
            "supervisor_id": [1, 2, 3, 4, 5],
            "code": list(NEAR_TIE["code"]),
            "name": ["甲", "乙", "丙", "丁", "戊"],
            "department_code": ["D1"] * 5,
            **{kpi: [None] * 5 for kpi in KPIS},
            "diagnosis": [None] * 5,
            "diagnosis_last_week": [None] * 5,
            "diagnosis_weeks": [None] * 5,
        }
    )
    supervisors["attainment_13w"] = NEAR_TIE["attainment_13w"]
    supervisors["complaint_rate_week"] = NEAR_TIE["complaint_rate_week"]
    departments = pd.DataFrame({"code": ["D1"], "name": ["银行一部"], "segment": ["bank"]})
    legs = pd.DataFrame({"supervisor_id": [1, 2, 3, 4, 5], "team_size": [5] * 5})

    table = comparison_table(supervisors, departments, legs).set_index("code")

    # By hand, 5 values, 4 others each: 95.0% beats 4 -> 100; each 92.0% beats 2 and ties 1:
    # (2 + ½) ÷ 4 = 62.5; 90.0% beats 1 -> 25; 89.9% beats none -> 0.
    assert same(list(table["percentile_attainment_13w"]), [62.5, 62.5, 100, 25, 0])
    # Lower is better, 4 values: each 1.0 beats 1 (2.0) and ties 2: (1 + 1) ÷ 3 = 66.7; 2.0 -> 0.
    assert same(list(table["percentile_complaint_rate_week"]), [200 / 3, 0, 200 / 3, 200 / 3, NAN])


@pytest.mark.parametrize(
    ("department", "segment", "codes"),
    [
        (None, None, ["S1", "S2", "S3", "S4", "S5"]),
        ("D1", None, ["S1", "S2"]),
        (None, "bank", ["S1", "S2", "S5"]),
        (None, "non_bank", ["S3", "S4"]),
        ("D1", "non_bank", []),
    ],
)
def test_filters_keep_one_department_and_or_segment(department, segment, codes):
    assert list(filter_comparison(TABLE, department, segment)["code"]) == codes


def test_the_table_joins_department_and_team_and_ranks_in_the_whole_company():
    supervisors = pd.DataFrame(
        {
            "supervisor_id": [1, 2, 3],
            "code": ["S1", "S2", "S3"],
            "name": ["王芳", "李强", "张伟"],
            "department_code": ["D1", "D1", "D2"],
            **{kpi: [None, None, None] for kpi in KPIS},
            "diagnosis": ["balanced", None, "team_only"],
            "diagnosis_last_week": [None, None, None],
            "diagnosis_weeks": [3, None, 1],
        }
    )
    supervisors["score_team"] = [80.0, 40.0, 60.0]
    supervisors["score_skills"] = [60.0, 20.0, None]
    supervisors["complaints_week"] = [2, 0, 5]
    departments = pd.DataFrame(
        {"code": ["D1", "D2"], "name": ["银行一部", "企业部"], "segment": ["bank", "non_bank"]}
    )
    legs = pd.DataFrame({"supervisor_id": [1, 3], "team_size": [4, 6]})

    table = comparison_table(supervisors, departments, legs)

    assert list(table.columns) == COMPARISON_COLUMNS
    assert list(table["label"]) == ["王芳 (S1)", "李强 (S2)", "张伟 (S3)"]
    assert list(table["department_name"]) == ["银行一部", "银行一部", "企业部"]
    assert list(table["segment"]) == ["bank", "bank", "non_bank"]
    assert list(table["team_size"]) == [4, 0, 6]  # no legs row: no team
    assert same(list(table["team_skills_mean"]), [70.0, 30.0, NAN])
    assert same(list(table["percentile_score_team"]), [100.0, 0.0, 50.0])
    assert same(list(table["percentile_complaints_week"]), [50.0, 100.0, 0.0])
    assert same(list(table["percentile_attainment_13w"]), [NAN, NAN, NAN])
    # A filter afterwards leaves each supervisor's company percentile as it was.
    assert same(list(filter_comparison(table, "D1")["percentile_score_team"]), [100.0, 0.0])


# --- on a database ------------------------------------------------------------------------

WEEK = "2026-W13"  # Mon 23 - Sun 29 March 2026; its 13 weeks start Mon 29 December 2025


def small_org(session: Session) -> Org:
    """Three teams; targets 100 a day in January and February 2026 (5,900 in the window).

    S1 (D1, bank) books 5,900 through R1 while R1b books nothing: attainment 1.0, evenness 0.5.
    S2 (D1) books 2,950: 0.5. S3 (D2, non-bank) books 4,720: 0.8.
    """
    org = Org(session)
    org.department("D1", "bank")
    org.department("D2", "non_bank")
    for sup, dep in (("S1", "D1"), ("S2", "D1"), ("S3", "D2")):
        org.supervisor(sup, dep)
    for rep, sup in (("R1", "S1"), ("R1b", "S1"), ("R2", "S2"), ("R3", "S3")):
        org.rep(rep, sup, date(2025, 1, 1))
        org.target(rep, date(2026, 1, 1), 3100.0 if rep != "R1b" else 0.0)
        org.target(rep, date(2026, 2, 1), 2800.0 if rep != "R1b" else 0.0)
    org.booking("R1", date(2026, 1, 20), 5900.0)
    org.booking("R2", date(2026, 2, 3), 2950.0)
    org.booking("R3", date(2026, 3, 2), 4720.0)
    org.commit()
    return org


def test_compare_supervisors_scores_everyone_in_scope(session):
    small_org(session)
    comparison = compare_supervisors(session, WEEK)
    table = comparison.table.set_index("code")

    assert comparison.week == WEEK
    assert same(list(table.loc[["S1", "S2", "S3"], "attainment_13w"]), [1.0, 0.5, 0.8])
    assert same(list(table.loc[["S1", "S2", "S3"], "score_targets"]), [100.0, 50.0, 80.0])
    assert same(list(table.loc[["S1", "S2", "S3"], "percentile_attainment_13w"]), [100.0, 0.0, 50.0])
    assert same(list(table.loc[["S1", "S2", "S3"], "contribution_evenness"]), [0.5, 1.0, 1.0])
    assert list(table.loc[["S1", "S2", "S3"], "team_size"]) == [2, 1, 1]
    assert list(table.loc[["S1", "S2", "S3"], "segment"]) == ["bank", "bank", "non_bank"]

    # Every KPI is the weekly set's own figure.
    weekly = kpi_tables(weekly_kpi_set(session, WEEK))["supervisors"].set_index("code")
    for kpi in KPIS:
        assert same(list(table.loc[weekly.index, kpi]), list(weekly[kpi].astype("float64"))), kpi
    assert list(table.loc[weekly.index, "diagnosis"]) == list(weekly["diagnosis"])

    trend = comparison.trend
    assert len(trend) == 3 * 3 * 13  # supervisors × legs × weeks
    assert trend["week"].min() == "2026-W01" and trend["week"].max() == WEEK
    last = trend[(trend["week"] == WEEK) & (trend["leg"] == "targets")].set_index("code")["score"]
    assert same(list(last.loc[["S1", "S2", "S3"]]), [100.0, 50.0, 80.0])
    assert list(trend.drop_duplicates("leg")["leg"]) == ["targets", "team", "skills"]


def test_a_department_scope_compares_within_it_and_filters_keep_company_percentiles(session):
    org = small_org(session)
    scoped = compare_supervisors(session, WEEK, department_ids=[org.ids["D1"]])
    assert list(scoped.table["code"]) == ["S1", "S2"]
    assert same(list(scoped.table["percentile_attainment_13w"]), [100.0, 0.0])
    assert set(scoped.trend["code"]) == {"S1", "S2"}

    company = compare_supervisors(session, WEEK)
    shown = company.filtered(segment="non_bank")
    assert list(shown.table["code"]) == ["S3"]
    assert same(list(shown.table["percentile_attainment_13w"]), [50.0])  # still among all three
    assert set(shown.trend["code"]) == {"S3"}


def test_an_empty_organisation_compares_nobody(session):
    comparison = compare_supervisors(session, WEEK)
    assert comparison.table.empty and comparison.trend.empty


# --- charts -------------------------------------------------------------------------------


def test_the_balance_map_colours_points_by_diagnosis_code_whatever_the_order():
    frame = pd.DataFrame(
        {
            "code": ["S2", "S1", "S3"],
            "label": ["b (S2)", "a (S1)", "c (S3)"],
            "team_skills_mean": [40.0, 90.0, 50.0],
            "score_targets": [95.0, 92.0, 60.0],
            "team_size": [5, 0, 3],
            "diagnosis": ["targets_only", "balanced", None],
        }
    )
    names = {"targets_only": "只抓业绩", "balanced": "均衡发展", "none": "数据不足"}
    fig = balance_map(frame, title="t", names=names, x_title="x", y_title="y")
    colours = {trace.name: trace.marker.color for trace in fig.data}
    assert colours == {
        "只抓业绩": DIAGNOSIS_COLOURS["targets_only"],
        "均衡发展": DIAGNOSIS_COLOURS["balanced"],
        "数据不足": NEUTRAL,
    }
    texts = {name: list(trace.text) for trace in fig.data for name in [trace.name]}
    assert texts["只抓业绩"] == ["S2"]
    assert fig.layout.shapes[0].x1 == 100 and fig.layout.shapes[0].y1 == 100  # the level line


def test_the_ranking_chart_keeps_the_ranked_order_top_down():
    ranked = pd.DataFrame(
        {"label": ["b", "c", "a"], "value": [0.9, 0.7, 0.2], "department_code": ["D2", "D1", "D2"]}
    )
    fig = ranking_chart(
        ranked, title="t", colour_map={"D1": "#111111", "D2": "#222222"}, names={}, value_title="v",
        value_format="percent",
    )  # fmt: skip
    assert list(fig.layout.yaxis.categoryarray) == ["b", "c", "a"]
    assert fig.layout.yaxis.autorange == "reversed"
    assert {trace.name: trace.marker.color for trace in fig.data} == {"D1": "#111111", "D2": "#222222"}


def test_the_small_multiples_draw_one_panel_per_supervisor_with_the_leg_colours():
    trend = pd.DataFrame(
        {
            "label": ["a (S1)"] * 4 + ["b (S2)"] * 4,
            "week": ["2026-W12", "2026-W13"] * 4,
            "leg": ["targets", "targets", "skills", "skills"] * 2,
            "score": [50.0, 60.0, 70.0, 80.0, 10.0, 20.0, 30.0, 40.0],
        }
    )
    fig = legs_small_multiples(trend, title="t", leg_labels={"targets": "完成目标", "skills": "技能提升"})
    panels = sorted(a.text for a in fig.layout.annotations)
    assert panels == ["a (S1)", "b (S2)"]
    colours = {trace.name: trace.line.color for trace in fig.data}
    assert colours == {"完成目标": LEG_COLOURS["targets"], "技能提升": LEG_COLOURS["skills"]}
