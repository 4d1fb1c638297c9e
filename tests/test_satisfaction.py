"""Customer satisfaction: CSAT% per level across a team move, the yearly indicator, the rating chain."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from voice_builders import VoiceOrg

from core.metrics import COMPANY_UNIT_ID
from core.metrics.satisfaction import (
    csat_by,
    csat_vs_target,
    csat_weekly,
    rating_gaps,
    rep_rating_chain,
    satisfaction_index,
    supervisor_rating_bias,
    supervisor_rating_chain,
)
from core.periods import Window, parse_quarter

WEEK = Window(date(2026, 11, 16), date(2026, 11, 22))


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    out = []
    for record in frame[columns].itertuples(index=False):
        out.append(tuple(None if isinstance(v, float) and math.isnan(v) else v for v in record))
    return out


@pytest.mark.parametrize(
    ("scores", "responses", "csat_pct", "mean_score"),
    [
        ([5, 4, 3, 1], 4, 0.5, 3.25),
        ([5, 5], 2, 1.0, 5.0),
        ([1, 2, 3], 3, 0.0, 2.0),
        ([4], 1, 1.0, 4.0),
        ([3, 4, 4, 5, 2, 1, 5], 7, 4 / 7, 24 / 7),
    ],
)
def test_csat_of_scores(session, scores, responses, csat_pct, mean_score):
    org = VoiceOrg(session)
    org.department("D1")
    org.supervisor("S1", "D1")
    org.rep("R1", "S1")
    for score in scores:
        org.survey("R1", date(2026, 11, 18), score)
    org.commit()
    out = csat_by(session, WEEK, "company")
    assert list(out.columns) == ["unit_id", "responses", "csat_pct", "mean_score"]
    assert len(out) == 1
    row = out.iloc[0]
    assert row["unit_id"] == COMPANY_UNIT_ID
    assert row["responses"] == responses
    assert row["csat_pct"] == pytest.approx(csat_pct)
    assert row["mean_score"] == pytest.approx(mean_score)


def test_company_without_surveys_is_one_row_without_figures(session):
    org = VoiceOrg(session)
    org.department("D1")
    org.commit()
    out = csat_by(session, WEEK, "company")
    assert _rows(out, ["unit_id", "responses", "csat_pct", "mean_score"]) == [(0, 0, None, None)]
    assert csat_by(session, WEEK, "supervisor").empty


@pytest.fixture
def moved(session):
    """R1 leaves S1 (D1) for S2 (D2) on Wed 18 Nov; R2 stays with S1.

    Surveys: R1 17 Nov 5 (S1), 18 Nov 2 (S2: the move day belongs to the new team), 20 Nov 4
    (S2); R2 19 Nov 3; one survey after the window (23 Nov) and one before (15 Nov).
    """
    org = VoiceOrg(session)
    org.department("D1")
    org.department("D2")
    org.supervisor("S1", "D1")
    org.supervisor("S2", "D2")
    org.rep("R1", "S1")
    org.rep("R2", "S1")
    org.move("R1", "S2", date(2026, 11, 18))
    org.survey("R1", date(2026, 11, 17), 5)
    org.survey("R1", date(2026, 11, 18), 2)
    org.survey("R1", date(2026, 11, 20), 4)
    org.survey("R2", date(2026, 11, 19), 3)
    org.survey("R2", date(2026, 11, 23), 1)
    org.survey("R1", date(2026, 11, 15), 1)
    org.commit()
    return org


@pytest.mark.parametrize(
    ("level", "scope", "expected"),
    [
        ("rep", None, [("R1", 3, 2 / 3, 11 / 3), ("R2", 1, 0.0, 3.0)]),
        ("supervisor", None, [("S1", 2, 0.5, 4.0), ("S2", 2, 0.5, 3.0)]),
        ("department", None, [("D1", 2, 0.5, 4.0), ("D2", 2, 0.5, 3.0)]),
        ("company", None, [(None, 4, 0.5, 3.5)]),
        ("rep", ["D2"], [("R1", 2, 0.5, 3.0)]),
        ("supervisor", ["D2"], [("S2", 2, 0.5, 3.0)]),
        ("department", ["D1"], [("D1", 2, 0.5, 4.0)]),
        ("company", ["D1"], [(None, 2, 0.5, 4.0)]),
        ("supervisor", [], []),
    ],
)
def test_csat_levels_follow_the_team_on_the_survey_day(session, moved, level, scope, expected):
    ids = None if scope is None else [moved.ids[code] for code in scope]
    out = csat_by(session, WEEK, level, ids)
    want = [(moved.ids[u] if u else COMPANY_UNIT_ID, n, pct, mean) for u, n, pct, mean in expected]
    got = _rows(out, ["unit_id", "responses", "csat_pct", "mean_score"])
    assert [(u, n) for u, n, _, _ in got] == [(u, n) for u, n, _, _ in want]
    for (_, _, pct, mean), (_, _, want_pct, want_mean) in zip(got, want, strict=True):
        assert pct == pytest.approx(want_pct)
        assert mean == pytest.approx(want_mean)


def test_csat_against_the_yearly_indicator(session, moved):
    moved.department("D3")
    moved.csat_target("D1", 2026, 50.0)
    moved.csat_target("D2", 2026, 80.0)
    moved.csat_target("D3", 2026, 90.0)
    moved.csat_target("D1", 2025, 99.0)
    moved.commit()
    out = csat_vs_target(session, WEEK)
    ids = moved.ids
    got = {row.department_id: row for row in out.itertuples(index=False)}
    assert set(got) == {ids["D1"], ids["D2"], ids["D3"]}
    d1, d2, d3 = got[ids["D1"]], got[ids["D2"]], got[ids["D3"]]
    assert (d1.responses, d1.csat_pct, d1.target_pct, d1.gap) == (2, 0.5, 0.5, 0.0)
    assert d1.meets_target
    assert d2.target_pct == pytest.approx(0.8)
    assert d2.gap == pytest.approx(-0.3)
    assert not d2.meets_target
    assert d3.responses == 0 and math.isnan(d3.csat_pct) and d3.target_pct == pytest.approx(0.9)
    assert pd.isna(d3.meets_target)


def test_csat_weekly_splits_by_iso_week(session, moved):
    out = csat_weekly(session, Window(date(2026, 11, 9), date(2026, 11, 29)))
    got = _rows(out, ["department_id", "week_start", "responses"])
    ids = moved.ids
    assert got == [
        (ids["D1"], date(2026, 11, 9), 1),  # R1 on Sun 15 Nov, still in S1
        (ids["D1"], date(2026, 11, 16), 2),
        (ids["D1"], date(2026, 11, 23), 1),
        (ids["D2"], date(2026, 11, 16), 2),
    ]
    assert out["target_pct"].isna().all()


# --- the rating chain ---------------------------------------------------------------------


@pytest.mark.parametrize(("score", "index"), [(1, 0.0), (2, 25.0), (3, 50.0), (4.2, 80.0), (5, 100.0)])
def test_satisfaction_index(score, index):
    assert satisfaction_index(score) == pytest.approx(index)


@pytest.mark.parametrize(
    ("rating", "scores", "gap", "flag"),
    [
        (5, [3, 3, 3, 3, 3], 50.0, "over"),  # rated 100, customers say 50
        (4, [3, 3, 3, 3, 3], 25.0, "over"),  # exactly the threshold
        (4, [3, 3, 3, 4, 3], 20.0, "within"),  # 75 against 55
        (3, [3, 3, 4, 3, 2], 0.0, "within"),
        (2, [4, 4, 4, 4, 4], -50.0, "under"),
        (2, [3, 3, 3, 3, 3], -25.0, "under"),
        (5, [1, 1, 1, 1], None, "no_data"),  # 4 answers: below the minimum of 5
        (5, [], None, "no_data"),
    ],
)
def test_rep_rating_chain(session, rating, scores, gap, flag):
    org = VoiceOrg(session)
    org.department("D1")
    org.supervisor("S1", "D1")
    org.rep("R1", "S1")
    org.rep_rating("S1", "R1", "2026-Q4", rating)
    for i, score in enumerate(scores):
        org.survey("R1", date(2026, 10, 1 + i), score)
    org.survey("R1", date(2026, 9, 30), 1)  # previous quarter
    org.commit()
    out = rep_rating_chain(session, "2026-Q4")
    assert len(out) == 1
    row = out.iloc[0]
    assert row["rep_id"] == org.ids["R1"] and row["supervisor_id"] == org.ids["S1"]
    assert row["responses"] == len(scores)
    assert row["rating_index"] == pytest.approx((rating - 1) * 25)
    assert row["gap_flag"] == flag
    if gap is None:
        assert math.isnan(row["gap"])
    else:
        assert row["gap"] == pytest.approx(gap)


@pytest.fixture
def chain(session):
    """S1 rates R1 5 and R2 3; the company rates S1 5 and S2 3. All customers answer 3, except
    R3's (team S2), who answer 5."""
    org = VoiceOrg(session)
    org.department("D1")
    org.department("D2")
    org.supervisor("S1", "D1")
    org.supervisor("S2", "D2")
    for rep, sup in (("R1", "S1"), ("R2", "S1"), ("R3", "S2")):
        org.rep(rep, sup)
        for day in range(1, 6):
            org.survey(rep, date(2026, 11, day), 5 if rep == "R3" else 3)
    org.rep_rating("S1", "R1", "2026-Q4", 5)
    org.rep_rating("S1", "R2", "2026-Q4", 3)
    org.rep_rating("S2", "R3", "2026-Q3", 1)  # another quarter
    org.supervisor_rating("S1", "2026-Q4", 5)
    org.supervisor_rating("S2", "2026-Q4", 3)
    org.commit()
    return org


def test_supervisor_rating_chain(session, chain):
    out = supervisor_rating_chain(session, "2026-Q4")
    got = _rows(out, ["supervisor_id", "responses", "customer_index", "gap", "gap_flag"])
    assert got == [
        (chain.ids["S1"], 10, 50.0, 50.0, "over"),
        (chain.ids["S2"], 5, 100.0, -50.0, "under"),
    ]


def test_rating_gaps_lists_both_chains_and_honours_scope(session, chain):
    ids = chain.ids
    out = rating_gaps(session, "2026-Q4")
    assert _rows(out, ["subject", "subject_id", "gap_flag", "gap"]) == [
        ("rep", ids["R1"], "over", 50.0),
        ("supervisor", ids["S1"], "over", 50.0),
        ("supervisor", ids["S2"], "under", -50.0),
    ]
    scoped = rating_gaps(session, "2026-Q4", [ids["D2"]])
    assert _rows(scoped, ["subject", "subject_id"]) == [("supervisor", ids["S2"])]


def test_supervisor_rating_bias(session, chain):
    out = supervisor_rating_bias(rep_rating_chain(session, "2026-Q4"))
    assert _rows(out, ["supervisor_id", "rated_reps", "compared_reps", "mean_gap", "over_flags"]) == [
        (chain.ids["S1"], 2, 2, 25.0, 1)
    ]


def test_quarter_window_of_the_chain():
    assert parse_quarter("2026-Q4") == Window(date(2026, 10, 1), date(2026, 12, 31))
