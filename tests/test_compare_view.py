"""core.compare_view: which supervisors the Compare page draws, and that a thousand of them stay quick."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from core.balance import DIAGNOSES, LEGS
from core.compare_view import (
    SMALL_MULTIPLES_LIMIT,
    build_compare_view,
    filter_rows,
    panels_caption,
    pick_panels,
    ranking_rows,
    tipped,
)
from core.metrics.compare import COMPARISON_COLUMNS, KPIS, TREND_COLUMNS, Comparison, rank_supervisors


def comparison(count: int, *, weeks: int = 13, seed: int = 7) -> Comparison:
    """`count` supervisors in four departments (D00, D02 bank; D01, D03 non-bank); attainment = code order.

    S0000 has the lowest attainment (0.00), S0001 the next (0.01) ...; every 10th supervisor's
    balance tipped this week (balanced last week, targets_only now).
    """
    rng = np.random.default_rng(seed)
    codes = [f"S{i:04d}" for i in range(count)]
    departments = [f"D{i % 4:02d}" for i in range(count)]
    table = pd.DataFrame(
        {
            "supervisor_id": range(1, count + 1),
            "code": codes,
            "name": [f"Name {i}" for i in range(count)],
            "department_code": departments,
            "department_name": [f"Department {d}" for d in departments],
            "segment": ["bank" if int(d[1:]) % 2 == 0 else "non_bank" for d in departments],
            "team_size": rng.integers(3, 12, count),
        }
    )
    table["label"] = table["name"] + " (" + table["code"] + ")"
    for kpi in KPIS:
        table[kpi] = rng.random(count) * (100 if kpi.startswith("score") else 1)
    table["attainment_13w"] = np.arange(count) / 100.0
    table["team_skills_mean"] = (table["score_team"] + table["score_skills"]) / 2
    table["diagnosis"] = ["targets_only" if i % 10 == 5 else "balanced" for i in range(count)]
    table["diagnosis_last_week"] = "balanced"
    table["diagnosis_weeks"] = 1
    for kpi in KPIS:
        table[f"percentile_{kpi}"] = table[kpi].rank(pct=True) * 100
    week_codes = [f"2026-W{w:02d}" for w in range(48 - weeks, 48)]
    rows = [
        (
            code,
            f"Name {i}",
            f"Name {i} ({code})",
            departments[i],
            week,
            leg,
            float(rng.random() * 100),
            "balanced",
        )
        for i, code in enumerate(codes)
        for leg in LEGS
        for week in week_codes
    ]
    return Comparison(week_codes[-1], table[COMPARISON_COLUMNS], pd.DataFrame(rows, columns=TREND_COLUMNS))


@pytest.mark.parametrize(
    ("now", "before", "expected"),
    [
        ("targets_only", "balanced", True),  # tipped this week
        ("struggling", None, True),  # a pattern where there was no diagnosis
        ("team_only", "targets_only", True),  # one pattern to another
        ("targets_only", "targets_only", False),  # held: not news this week
        ("balanced", "targets_only", False),  # back to balance is not a tip
        (None, "balanced", False),  # no diagnosis
    ],
)
def test_a_balance_tipped_this_week_when_a_new_pattern_appears(now, before, expected):
    frame = pd.DataFrame({"diagnosis": [now], "diagnosis_last_week": [before]}, dtype="object")
    assert bool(tipped(frame).iloc[0]) is expected


def test_up_to_the_limit_every_supervisor_gets_a_small_chart():
    ranked = rank_supervisors(comparison(12).table, "attainment_13w")
    panels = pick_panels(ranked)
    assert panels.reason == "all" and panels.codes == tuple(ranked["code"])


def test_past_the_limit_the_tipped_then_the_lowest_and_highest_are_drawn():
    # 100 supervisors: S0005, S0015 ... S0095 tipped (10); attainment rises with the code.
    ranked = rank_supervisors(comparison(100).table, "attainment_13w")
    panels = pick_panels(ranked)
    assert panels.reason == "picked" and len(panels.codes) == SMALL_MULTIPLES_LIMIT == 24
    assert (panels.tipped, panels.lowest, panels.highest) == (10, 7, 7)
    flips = {f"S{i:04d}" for i in range(5, 100, 10)}
    lowest = {"S0000", "S0001", "S0002", "S0003", "S0004", "S0006", "S0007"}  # S0005 is among the tipped
    highest = {"S0099", "S0098", "S0097", "S0096", "S0094", "S0093", "S0092"}  # S0095 too
    assert set(panels.codes) == flips | lowest | highest
    assert list(panels.codes) == [code for code in ranked["code"] if code in set(panels.codes)]  # best first


def test_at_most_half_of_the_small_charts_go_to_tipped_balances():
    table = comparison(300).table.assign(diagnosis="struggling")  # everyone tipped
    panels = pick_panels(rank_supervisors(table, "attainment_13w"))
    assert (panels.tipped, panels.lowest, panels.highest) == (12, 6, 6)


def test_the_readers_choice_replaces_the_default_and_is_capped():
    ranked = rank_supervisors(comparison(100).table, "attainment_13w")
    assert pick_panels(ranked, ["S0003", "S0050"]).codes == ("S0050", "S0003")
    chosen = [f"S{i:04d}" for i in range(40)]
    assert len(pick_panels(ranked, chosen).codes) == SMALL_MULTIPLES_LIMIT


def test_the_ranking_chart_draws_the_best_and_the_worst_fifteen_of_many():
    ranked = rank_supervisors(comparison(100).table, "attainment_13w")
    drawn = ranking_rows(ranked)
    assert list(drawn["code"]) == [f"S{i:04d}" for i in range(99, 84, -1)] + [
        f"S{i:04d}" for i in range(14, -1, -1)
    ]
    few = rank_supervisors(comparison(30).table, "attainment_13w")
    assert len(ranking_rows(few)) == 30


def test_departments_and_segment_filter_rows_and_trend():
    company = comparison(40)
    shown = filter_rows(company, ["D00", "D01"], None)
    assert set(shown.table["department_code"]) == {"D00", "D01"} and len(shown.table) == 20
    assert set(shown.trend["code"]) == set(shown.table["code"])
    assert set(filter_rows(company, ["D00", "D01"], "bank").table["department_code"]) == {"D00"}
    assert len(filter_rows(company, None, None).table) == 40


def test_a_thousand_supervisors_give_24_small_charts_one_balance_trace_per_diagnosis_quickly():
    company = comparison(1000)
    started = time.perf_counter()
    view = build_compare_view(
        company, department_codes=None, segment=None, kpi="attainment_13w", chosen=(), lang="zh"
    )
    seconds = time.perf_counter() - started
    assert len(view.ranked) == 1000 and len(view.ranking_data) == 1000
    assert len(view.trend_data) == 24 * 3 * 13  # the rows behind the small charts drawn
    assert len(view.panels.codes) == 24
    panels = {trace.name for trace in view.trends.data}
    assert len(view.trends.data) == 24 * 3 and len(panels) == 3  # three legs, one line each per panel
    assert len(view.balance.data) <= len(DIAGNOSES) + 1
    assert all(trace.type == "scattergl" for trace in view.balance.data)
    assert sum(len(trace.x) for trace in view.balance.data) == 1000
    assert len(view.ranking.data[0].y) + sum(len(tr.y) for tr in view.ranking.data[1:]) == 30
    assert seconds < 10  # was over 9 s for the small multiples alone; about 1 s now on a busy machine
    caption = panels_caption(view, "attainment_13w", "en")
    assert caption.startswith("Small charts for 24 of the 1,000 supervisors: 12 whose balance tipped")
