"""The three legs per supervisor over the 13 weeks ending 2026-W47 (24 Aug .. 22 Nov 2026), by hand."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from legs_builders import Org

from core.metrics.legs import LEG_COLUMNS, legs_for_week, legs_history
from core.params import DEFAULT_PARAMS

WEEK = "2026-W47"
LONG_AGO = date(2024, 1, 1)


@pytest.fixture
def org(session):
    o = Org(session)
    o.department("D1")
    for sup in ("S1", "S2", "S3", "S4", "S5", "S6"):
        o.supervisor(sup, "D1")

    # S1: two steady reps.
    o.rep("R1", "S1", LONG_AGO)
    o.rep("R2", "S1", LONG_AGO)
    o.booking("R1", date(2026, 9, 1), 300)
    o.booking("R2", date(2026, 11, 22), 100)  # the window's last day
    o.booking("R2", date(2026, 11, 23), 999)  # the day after: not in the window
    o.target("R1", date(2026, 10, 1), 310)
    o.target("R2", date(2026, 10, 1), 190)
    o.activity("S1", date(2026, 9, 7), ["R1", "R2"])
    o.activity("S1", date(2026, 10, 5), ["R1", "R2"])
    o.activity("S1", date(2026, 11, 2), ["R1"])
    o.activity("S1", date(2026, 8, 23), ["R1", "R2"])  # the day before the window
    o.training("R1", date(2026, 9, 10), 10)
    o.training("R2", date(2026, 10, 10), 6)
    o.training("R2", date(2026, 8, 23), 8)  # before the window
    o.exam("R1", date(2026, 6, 1), 85, True)
    o.exam("R2", date(2026, 6, 1), 50, False)
    o.exam("R2", date(2026, 12, 1), 90, True)  # after the week: not yet

    # S2: a leaver, a newcomer, a rep who transferred in from S3.
    o.rep("R3", "S2", LONG_AGO, left_on=date(2026, 5, 1))
    o.rep("R4", "S2", LONG_AGO)
    o.rep("R5", "S2", date(2026, 10, 5))
    o.rep("R6", "S3", LONG_AGO)
    o.move("R6", "S2", date(2026, 10, 1))
    o.booking("R4", date(2026, 9, 2), 300)
    o.booking("R6", date(2026, 9, 15), 100)  # still S3's
    o.booking("R6", date(2026, 10, 15), 200)  # S2's
    # R4 attends an S1 activity: not S1's rep, so it does not count for S1's cadence.
    o.activity("S1", date(2026, 10, 12), ["R4"])

    # S4 has no reps at all. S5: a rep with no bookings, and one who leaves on the week's Sunday.
    o.rep("R7", "S5", LONG_AGO, left_on=date(2026, 11, 22))
    o.rep("R8", "S5", LONG_AGO)
    # S6: a one-person team.
    o.rep("R9", "S6", LONG_AGO)
    o.booking("R9", date(2026, 10, 1), 50)
    o.commit()
    return o


def _row(frame: pd.DataFrame, org: Org, sup: str) -> pd.Series:
    return frame.set_index("supervisor_id").loc[org.ids[sup]]


# Hand computation. S1: 2 reps x 91 days = 182 rep-days. Shares 300/400, 100/400 -> Σs² = 0.625,
# 1.6 effective reps of 2 -> 0.8. Attendances 2 + 2 + 1 = 5 -> 5 x 28 / 182 = 10/13 per rep per
# 4 weeks. Target: October 310 + 190 = 500 -> 400 / 500 = 0.8. Training 16 h / 2 reps = 8 of 16.
# Exams at 22 Nov: R1 passed (85), R2 failed (50) -> coverage 0.5, mean 0.675.
S1 = {
    "team_size": 2,
    "members_13w": 2,
    "bookings_13w": 400.0,
    "target_13w": 500.0,
    "attainment_13w": 0.8,
    "score_targets": 80.0,
    "contribution_evenness": 0.8,
    "attendances_13w": 5.0,
    "avg_headcount_13w": 2.0,
    "cadence_rate": 10 / 13,
    "cadence": 10 / 13,
    "leavers_52w": 0,
    "retention": 1.0,
    "score_team": 100 * (0.4 * 0.8 + 0.3 * 10 / 13 + 0.3 * 1.0),
    "exam_coverage": 0.5,
    "latest_score_mean": 0.675,
    "training_hours_13w": 16.0,
    "training_hours_per_rep": 8.0,
    "training_ratio": 0.5,
    "score_skills": 100 * (0.4 * 0.5 + 0.3 * 0.675 + 0.3 * 0.5),
}

# S2: members in the window R4 (91 days), R5 (5 Oct.., 49 days), R6 (1 Oct.., 53 days) = 193.
# Bookings 300 (R4) + 200 (R6) -> shares 0.6, 0.4 -> 1/0.52 effective of 3 members.
# Retention window 24 Nov 2025 .. 22 Nov 2026: R3 158 days (left 1 May), R4 364, R5 49, R6 53
# = 624 rep-days = 624/364 average heads; one leaver.
S2 = {
    "team_size": 3,
    "members_13w": 3,
    "bookings_13w": 500.0,
    "target_13w": 0.0,
    "attainment_13w": None,
    "score_targets": None,
    "contribution_evenness": (1 / 0.52) / 3,
    "avg_headcount_13w": 193 / 91,
    "cadence": 0.0,
    "leavers_52w": 1,
    "avg_headcount_52w": 624 / 364,
    "retention": 1 - 1 / (624 / 364),
    "exam_coverage": 0.0,
    # Nobody has sat the exam: each current rep's latest score counts as 0.
    "latest_score_mean": 0.0,
    "training_ratio": 0.0,
    "score_skills": 0.0,
}

# S3: R6 until 30 Sep (38 days in the window, 311 in the year), no one left, nobody current.
S3 = {
    "team_size": 0,
    "members_13w": 1,
    "bookings_13w": 100.0,
    "contribution_evenness": 1.0,
    "retention": 1.0,
    "exam_coverage": None,
    "avg_headcount_13w": 38 / 91,
}

# S4: no reps ever: nothing to score.
S4 = {
    "team_size": 0,
    "members_13w": 0,
    "bookings_13w": 0.0,
    "score_targets": None,
    "contribution_evenness": None,
    "cadence": None,
    "retention": None,
    "score_team": None,
    "exam_coverage": None,
    "training_ratio": None,
    "score_skills": None,
}

# S5: R7 leaves on the Sunday (left_on is the first day gone): a leaver, not current.
# Nobody booked: evenness 0 (the team had reps, none contributed).
S5 = {
    "team_size": 1,
    "members_13w": 2,
    "leavers_52w": 1,
    "contribution_evenness": 0.0,
    "avg_headcount_13w": (90 + 91) / 91,
    "retention": 1 - 1 / ((363 + 364) / 364),
}

# S6: one rep, who booked everything: 1 effective rep of 1.
S6 = {"team_size": 1, "contribution_evenness": 1.0, "bookings_13w": 50.0}

CASES = [("S1", S1), ("S2", S2), ("S3", S3), ("S4", S4), ("S5", S5), ("S6", S6)]


def _mismatches(row: pd.Series | dict, expected: dict) -> dict:
    """{column: (got, expected)} for every expected value the row does not match."""
    wrong = {}
    for column, value in expected.items():
        got = row[column]
        if value is None:
            ok = got is None or pd.isna(got)
        elif isinstance(value, (bool, str)):
            ok = got == value
        else:
            ok = got is not None and not pd.isna(got) and got == pytest.approx(value)
        if not ok:
            wrong[column] = (got, value)
    return wrong


@pytest.mark.parametrize(("sup", "expected"), CASES, ids=[sup for sup, _ in CASES])
def test_legs_by_hand(session, org, sup, expected):
    assert _mismatches(_row(legs_for_week(session, WEEK), org, sup), expected) == {}


def test_frame_shape(session, org):
    frame = legs_for_week(session, WEEK)
    assert list(frame.columns) == LEG_COLUMNS
    assert len(frame) == 6
    assert set(frame["week"]) == {WEEK}


def test_department_scope(session, org):
    org.department("D2")
    org.supervisor("X1", "D2")
    org.commit()
    assert len(legs_for_week(session, WEEK, department_ids=[org.ids["D2"]])) == 1
    assert len(legs_for_week(session, WEEK, department_ids=[org.ids["D1"]])) == 6
    assert legs_for_week(session, WEEK, department_ids=[]).empty


def test_history_equals_week_by_week(session, org):
    history = legs_history(session, WEEK, 6)
    assert sorted(set(history["week"])) == ["2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46", WEEK]
    for week in ("2026-W42", "2026-W46", WEEK):
        alone = legs_for_week(session, week).set_index("supervisor_id")
        within = history[history["week"] == week].set_index("supervisor_id")
        pd.testing.assert_frame_equal(within[LEG_COLUMNS[1:]], alone[LEG_COLUMNS[1:]], check_dtype=False)


def test_history_moves_the_window(session, org):
    history = legs_history(session, WEEK, 2).set_index(["supervisor_id", "week"])
    s1 = org.ids["S1"]
    # R2's 100 on 22 Nov is in W47 only; R1's 300 on 1 Sep in both.
    assert history.loc[(s1, "2026-W46"), "bookings_13w"] == pytest.approx(300.0)
    assert history.loc[(s1, WEEK), "bookings_13w"] == pytest.approx(400.0)
    # At the end of 2026-W40 (Sunday 4 Oct) R4 and R6 (moved in on 1 Oct) are on S2's team;
    # R5 is hired the next day.
    early = legs_for_week(session, "2026-W40")
    assert _row(early, org, "S2")["team_size"] == 2
    assert _row(early, org, "S3")["team_size"] == 0


def test_params_change_the_window_and_norms(session, org):
    params = DEFAULT_PARAMS.with_overrides(training_norm_hours=8.0, cadence_norm=0.5)
    row = _row(legs_for_week(session, WEEK, params=params), org, "S1")
    assert row["training_ratio"] == pytest.approx(1.0)
    assert row["cadence"] == pytest.approx(1.0)
    short = DEFAULT_PARAMS.with_overrides(legs_window_weeks=1)
    row = _row(legs_for_week(session, WEEK, params=short), org, "S1")
    assert row["bookings_13w"] == pytest.approx(100.0)
    assert row["avg_headcount_13w"] == pytest.approx(2.0)
    assert not math.isnan(row["contribution_evenness"])
