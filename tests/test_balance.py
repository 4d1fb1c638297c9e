"""The balance diagnosis: every code and boundary, the texts in both languages, and its history."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

import pandas as pd
import pytest
from legs_builders import Org

from core.balance import (
    DIAGNOSES,
    DIAGNOSIS_TEXT,
    LEG_LABELS,
    balance_history,
    diagnose,
    diagnose_frame,
    diagnosis_text,
    run_lengths,
    supervisor_balance,
)
from core.metrics.legs import legs_history
from core.params import DEFAULT_PARAMS

# (targets, team, skills) -> code, with the defaults: struggling below 50, balanced within 20.
TABLE = [
    ((80, 70, 65), "balanced"),
    ((100, 100, 100), "balanced"),
    ((60, 50, 40.001), "balanced"),  # spread just under 20
    ((50, 50, 50), "balanced"),  # 50 is not below 50
    ((49.9, 49.9, 49.9), "struggling"),
    ((10, 20, 29), "struggling"),  # struggling is decided before balance
    ((49, 5, 49), "struggling"),
    ((90, 40, 40), "targets_only"),
    ((40, 90, 40), "team_only"),
    ((40, 40, 90), "skills_only"),
    ((90, 90, 40), "neglects_skills"),
    ((40, 90, 90), "neglects_targets"),
    ((90, 40, 90), "neglects_team"),
    ((60, 50, 40), "targets_only"),  # spread exactly 20: not balanced; 10 >= 10 -> the top leg
    ((90, 60, 40), "targets_only"),  # 30 above the middle, 20 below it
    ((90, 70, 40), "neglects_skills"),  # 20 above the middle, 30 below it
    ((50, 10, 10), "targets_only"),  # targets at 50 is enough not to be struggling
    ((30, 80, 55), "team_only"),  # 25 >= 25
    ((30, 80, 56), "neglects_targets"),  # 24 < 26
    ((80, 95, 99.9), "balanced"),
    ((70, 95, 100), "neglects_targets"),
    ((None, 80, 80), None),
    ((80, math.nan, 80), None),
    ((80, 80, None), None),
]


@pytest.mark.parametrize(("scores", "expected"), TABLE)
def test_diagnose(scores, expected):
    assert diagnose(*scores, DEFAULT_PARAMS) == expected


def test_frame_version_agrees_with_the_table():
    frame = pd.DataFrame(
        [scores for scores, _ in TABLE],
        columns=["score_targets", "score_team", "score_skills"],
        dtype="float64",
    )
    assert diagnose_frame(frame).tolist() == [code for _, code in TABLE]


def test_table_covers_every_code():
    assert {code for _, code in TABLE} - {None} == set(DIAGNOSES)


def test_thresholds_come_from_params():
    loose = DEFAULT_PARAMS.with_overrides(balanced_spread=60.0, struggling_below=20.0)
    assert diagnose(90, 40, 40, loose) == "balanced"
    assert diagnose(30, 25, 21, loose) == "balanced"
    assert diagnose(19, 10, 5, loose) == "struggling"


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("code", DIAGNOSES)
def test_every_code_has_both_languages_and_two_or_three_actions(code):
    zh, en = diagnosis_text(code, "zh"), diagnosis_text(code, "en")
    assert CJK.search(zh["label"]) and CJK.search(zh["consequence"])
    assert not CJK.search(en["label"] + en["consequence"] + "".join(en["actions"]))
    assert 2 <= len(zh["actions"]) == len(en["actions"]) <= 3
    assert all(CJK.search(action) for action in zh["actions"])


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("targets_only", "short-term breakthrough"),
        ("team_only", "harmonious team that does not deliver"),
        ("skills_only", "look down on each other"),
    ],
)
def test_domain_consequences(code, words):
    assert words in diagnosis_text(code, "en")["consequence"]


def test_no_diagnosis_text_and_labels():
    assert diagnosis_text(None, "en")["label"] == "Not enough data"
    assert diagnosis_text(None, "zh")["actions"] == []
    assert set(DIAGNOSIS_TEXT) == set(DIAGNOSES)
    assert LEG_LABELS["team"]["zh"] == "团队建设"


@pytest.mark.parametrize(
    ("codes", "cap", "expected"),
    [
        (["a", "a", "b", "b", "b"], None, [1, 2, 1, 2, 3]),
        ([None, "a", "a"], None, [None, 1, 2]),
        (["a", None, "a"], None, [1, None, 1]),
        (["a"] * 5, 3, [1, 2, 3, 3, 3]),
        ([], None, []),
    ],
)
def test_run_lengths(codes, cap, expected):
    assert run_lengths(codes, cap) == expected


WEEK = "2026-W47"


@pytest.fixture
def planted(session):
    """Two supervisors, steady since 2025: R1 books everything (far above a small target),
    R2 and R3 book nothing; no activities, no training, no exams.

    Scores every week: targets 100; team 100 x (0.4 x 1/3 + 0 + 0.3) = 43.3; skills 0
    -> targets_only. On 10 Nov 2026 (2026-W46) SB's three reps all pass the exam with 100
    and take 16 hours of training each: skills 100 -> neglects_team from W46.
    """
    o = Org(session)
    o.department("D1")
    for sup in ("SA", "SB"):
        o.supervisor(sup, "D1")
        for n in (1, 2, 3):
            o.rep(f"{sup}R{n}", sup, date(2024, 1, 1))
        day = date(2025, 1, 6)
        while day <= date(2026, 11, 22):
            o.booking(f"{sup}R1", day, 1000)
            day += timedelta(weeks=1)
        for year in (2025, 2026):
            for month in range(1, 13):
                o.target(f"{sup}R1", date(year, month, 1), 100)
    for n in (1, 2, 3):
        o.exam(f"SBR{n}", date(2026, 11, 10), 100, True)
        o.training(f"SBR{n}", date(2026, 11, 10), 16)
    o.commit()
    return o


def test_planted_history(session, planted):
    frame = supervisor_balance(session, WEEK).set_index("supervisor_id")
    sa, sb = frame.loc[planted.ids["SA"]], frame.loc[planted.ids["SB"]]
    assert sa["score_targets"] == pytest.approx(100)
    assert sa["score_team"] == pytest.approx(100 * (0.4 / 3 + 0.3))
    assert sa["score_skills"] == pytest.approx(0)
    assert (sa["diagnosis"], sa["diagnosis_last_week"], sa["diagnosis_weeks"]) == (
        "targets_only",
        "targets_only",
        26,
    )
    assert sb["score_skills"] == pytest.approx(100)
    assert (sb["diagnosis"], sb["diagnosis_last_week"], sb["diagnosis_weeks"]) == (
        "neglects_team",
        "neglects_team",
        2,
    )
    earlier = supervisor_balance(session, "2026-W45").set_index("supervisor_id").loc[planted.ids["SB"]]
    assert (earlier["diagnosis"], earlier["diagnosis_weeks"]) == ("targets_only", 26)


def test_history_rows_agree_with_single_weeks(session, planted):
    history = balance_history(session, WEEK, 3)
    assert sorted(set(history["week"])) == ["2026-W45", "2026-W46", WEEK]
    by_week = history.set_index(["supervisor_id", "week"])
    sb = planted.ids["SB"]
    assert by_week.loc[(sb, "2026-W46"), "diagnosis_weeks"] == 1
    assert by_week.loc[(sb, "2026-W46"), "diagnosis_last_week"] == "targets_only"
    assert by_week.loc[(sb, WEEK), "diagnosis_last_week"] == by_week.loc[(sb, "2026-W46"), "diagnosis"]


def test_short_lookback_caps_the_count(session, planted):
    params = DEFAULT_PARAMS.with_overrides(diagnosis_history_weeks=4)
    frame = supervisor_balance(session, WEEK, params=params).set_index("supervisor_id")
    assert frame.loc[planted.ids["SA"], "diagnosis_weeks"] == 4
    assert frame.loc[planted.ids["SB"], "diagnosis_weeks"] == 2


def test_no_scores_no_diagnosis(session):
    o = Org(session)
    o.department("D1")
    o.supervisor("S0", "D1")
    o.commit()
    row = supervisor_balance(session, WEEK).iloc[0]
    assert row["diagnosis"] is None and row["diagnosis_weeks"] is None and row["diagnosis_last_week"] is None
    assert len(legs_history(session, WEEK, 3)) == 3
