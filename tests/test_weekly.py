"""The weekly KPI set for 2026-W47 (16..22 Nov 2026): shape, hand-computed values, deltas, scope, CLI."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date, datetime

import pytest
from legs_builders import Org

from core.cli import main
from core.db import init_db, make_engine
from core.metrics.weekly import (
    DEPARTMENT_KEYS,
    SUPERVISOR_KEYS,
    UnknownDepartmentError,
    kpi_deltas,
    kpi_tables,
    weekly_kpi_changes,
    weekly_kpi_set,
)
from core.periods import PeriodError
from core.settings import get_settings

WEEK = "2026-W47"


def build(o: Org) -> None:
    """D1 (bank): S1 with R1, S2 with R2. D2 (non-bank): S3 with R3. Everyone hired in 2024.

    Targets November 2026: R1 3,000 (100 a day), R2 1,500 (50 a day). Bookings: R1 300 on
    10 Oct and 500 on 17 Nov, R2 200 on 18 Nov, R3 100 on 19 Nov; R1 1,000 in June 2025.
    D1 has 25 customers owned by R1 (two key accounts) plus one bookings customer; D2 one.
    """
    o.department("D1")
    o.department("D2", segment="non_bank")
    o.supervisor("S1", "D1")
    o.supervisor("S2", "D1")
    o.supervisor("S3", "D2")
    for rep, sup in (("R1", "S1"), ("R2", "S2"), ("R3", "S3")):
        o.rep(rep, sup, date(2024, 1, 1))
    o.target("R1", date(2026, 11, 1), 3000)
    o.target("R2", date(2026, 11, 1), 1500)
    o.booking("R1", date(2025, 6, 1), 1000)
    o.booking("R1", date(2026, 10, 10), 300)
    o.booking("R1", date(2026, 11, 17), 500)
    o.booking("R2", date(2026, 11, 18), 200)
    o.booking("R3", date(2026, 11, 19), 100)
    o.plan("D1", 2026, 1150, 18.0)
    o.exam("R1", date(2026, 6, 1), 80, True)
    o.exam("R2", date(2026, 6, 1), 40, False)

    customers = o.customers("D1", 25, owner="R1", key_accounts=2)
    o.complaint(customers[5], datetime(2026, 11, 16, 0, 0))
    o.complaint(customers[6], datetime(2026, 11, 22, 23, 59))
    o.complaint(customers[6], datetime(2026, 11, 23, 0, 0))  # next week
    for score in (5, 4, 2):
        o.survey("R1", customers[0], date(2026, 11, 20), score)
    o.survey("R1", customers[1], date(2026, 10, 1), 5)  # in S1's 13 weeks, not in the week
    o.contact("R1", customers[0], date(2026, 11, 1))  # within 30 days of 22 Nov
    o.contact("R1", customers[1], date(2026, 10, 1))  # overdue
    o.commit()


@pytest.fixture
def org(session):
    o = Org(session)
    build(o)
    return o


D1 = {
    "code": "D1",
    "segment": "bank",
    "bookings_week": 700.0,
    "target_week": 7 * 150.0,
    "attainment_week": 700 / 1050,
    # 1 Oct .. 22 Nov: 300 + 500 + 200 against 22 days x 150.
    "attainment_qtd": 1000 / 3300,
    "customers": 26,
    "complaints_week": 2,
    "complaint_rate_week": 2 / 26 * 100,
    "complaint_spike": None,  # no baseline yet
    "surveys_week": 3,
    "csat_pct_week": 2 / 3,
    "exam_coverage": 0.5,
    "key_account_contact_coverage": 0.5,
    "plan_growth": 0.15,
    "industry_growth": 0.18,
    "plan_below_forecast": True,
}
D2 = {
    "code": "D2",
    "segment": "non_bank",
    "bookings_week": 100.0,
    "target_week": 0.0,
    "attainment_week": None,
    "attainment_qtd": None,
    "customers": 1,
    "complaints_week": 0,
    "complaint_rate_week": None,  # fewer customers than the minimum
    "surveys_week": 0,
    "csat_pct_week": None,
    "exam_coverage": 0.0,
    "key_account_contact_coverage": None,
    "plan_growth": None,
    "industry_growth": None,
    "plan_below_forecast": None,
}
# S1: 13 weeks (24 Aug .. 22 Nov) 800 against 22 x 100; team 100 x (0.4 + 0 + 0.3); skills
# 100 x (0.4 x 1 + 0.3 x 0.8 + 0) -> (36.4, 70, 64): neglects targets, also in W46 and W45;
# in W44 the target was one day (100) against 300 booked -> targets_only.
S1 = {
    "department_code": "D1",
    "attainment_13w": 800 / 2200,
    "score_targets": 800 / 2200 * 100,
    "score_team": 70.0,
    "score_skills": 64.0,
    "diagnosis": "neglects_targets",
    "diagnosis_last_week": "neglects_targets",
    "diagnosis_weeks": 3,
    "contribution_evenness": 1.0,
    "exam_coverage": 1.0,
    "csat_pct_13w": 0.75,
    "complaints_week": 2,
    "complaint_rate_week": 8.0,
}
# S2: 200 against 22 x 50 -> 18.2; team 70; skills 100 x (0 + 0.3 x 0.4 + 0) = 12 (R2 failed
# with 40) -> team_only. In W46 nothing booked: evenness 0, team 30, targets 0 -> struggling.
S2 = {
    "attainment_13w": 200 / 1100,
    "score_team": 70.0,
    "score_skills": 12.0,
    "diagnosis": "team_only",
    "diagnosis_last_week": "struggling",
    "diagnosis_weeks": 1,
    "exam_coverage": 0.0,
    "csat_pct_13w": None,
    "complaints_week": 0,
    "complaint_rate_week": None,
}
S3 = {"department_code": "D2", "score_targets": None, "diagnosis": None, "diagnosis_weeks": None}


def _rows(kpi: dict, part: str) -> dict[str, dict]:
    return {row["code"]: row for row in kpi[part]}


EXPECTED = [
    ("departments", "D1", D1),
    ("departments", "D2", D2),
    ("supervisors", "S1", S1),
    ("supervisors", "S2", S2),
    ("supervisors", "S3", S3),
]


@pytest.mark.parametrize(("part", "code", "expected"), EXPECTED, ids=[code for _, code, _ in EXPECTED])
def test_weekly_set_by_hand(session, org, part, code, expected):
    row = _rows(weekly_kpi_set(session, WEEK), part)[code]
    wrong = {}
    for key, value in expected.items():
        if value is None or isinstance(value, (bool, str)):
            ok = row[key] == value and type(row[key]) is type(value)
        else:
            ok = row[key] is not None and row[key] == pytest.approx(value)
        if not ok:
            wrong[key] = (row[key], value)
    assert wrong == {}


def test_shape_and_json(session, org):
    kpi = weekly_kpi_set(session, "2026w47")
    assert (kpi["week"], kpi["week_start"], kpi["week_end"]) == (WEEK, "2026-11-16", "2026-11-22")
    assert [row["code"] for row in kpi["departments"]] == ["D1", "D2"]
    assert [row["code"] for row in kpi["supervisors"]] == ["S1", "S2", "S3"]
    assert all(tuple(row) == DEPARTMENT_KEYS for row in kpi["departments"])
    assert all(tuple(row) == SUPERVISOR_KEYS for row in kpi["supervisors"])
    text = json.dumps(kpi, allow_nan=False)  # no NaN, no numpy types
    assert json.loads(text) == kpi
    tables = kpi_tables(kpi)
    assert tables["supervisors"].shape == (3, len(SUPERVISOR_KEYS))


def test_scope_by_code_and_ids(session, org):
    one = weekly_kpi_set(session, WEEK, department_code="D2")
    assert [row["code"] for row in one["departments"]] == ["D2"]
    assert [row["code"] for row in one["supervisors"]] == ["S3"]
    scoped = weekly_kpi_set(session, WEEK, department_ids=[org.ids["D1"]])
    assert [row["code"] for row in scoped["supervisors"]] == ["S1", "S2"]
    # The same figures whether the department is asked alone or with the company.
    assert _rows(scoped, "departments")["D1"] == _rows(weekly_kpi_set(session, WEEK), "departments")["D1"]


def test_unknown_department_and_week(session, org):
    with pytest.raises(UnknownDepartmentError) as info:
        weekly_kpi_set(session, WEEK, department_code="NOPE")
    assert str(info.value) == "Unknown department 'NOPE'. Known departments: D1, D2."
    assert "NOPE" in info.value.text("zh") and "部门" in info.value.text("zh")
    with pytest.raises(UnknownDepartmentError):  # exists, but outside the caller's scope
        weekly_kpi_set(session, WEEK, department_code="D2", department_ids=[org.ids["D1"]])
    with pytest.raises(PeriodError):
        weekly_kpi_set(session, "2027-W53")


def test_week_over_week(session, org):
    changes = weekly_kpi_changes(session, WEEK)
    assert changes["previous"]["week"] == "2026-W46"
    assert changes["current"] == weekly_kpi_set(session, WEEK)
    deltas = changes["deltas"]
    assert deltas["previous_week"] == "2026-W46"
    d1 = _rows(deltas, "departments")["D1"]
    assert d1["bookings_week"] == pytest.approx(700.0)  # nothing booked in W46
    assert d1["complaints_week"] == 2
    assert d1["plan_growth"] == pytest.approx(0.0)
    assert d1["plan_below_forecast"] is True  # flags keep their current value
    assert d1["attainment_week"] == pytest.approx(700 / 1050 - 0.0)
    s1 = _rows(deltas, "supervisors")["S1"]
    # W46: 300 against 15 x 100.
    assert s1["attainment_13w"] == pytest.approx(800 / 2200 - 300 / 1500)
    assert s1["diagnosis"] == "neglects_targets"
    assert _rows(deltas, "supervisors")["S3"]["score_targets"] is None


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [(5, 3, 2), (0.5, 0.25, 0.25), (None, 3, None), (3, None, None), (True, False, True)],
)
def test_kpi_deltas_table(current, previous, expected):
    def kpi(value, week):
        return {"week": week, "departments": [{"code": "D", "x": value}], "supervisors": []}

    assert kpi_deltas(kpi(current, "2026-W47"), kpi(previous, "2026-W46"))["departments"][0]["x"] == expected


def test_empty_organisation(session):
    kpi = weekly_kpi_set(session, WEEK)
    assert kpi["departments"] == [] and kpi["supervisors"] == []


# --- the CLI ------------------------------------------------------------------------------


@pytest.fixture
def cli_db(engine, tmp_path, monkeypatch):
    """The organisation in the database the CLI reaches through DATABASE_URL."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        target = engine
    else:
        url = f"sqlite:///{tmp_path / 'kpi.db'}"
        target = make_engine(url)
        init_db(target)
    from sqlmodel import Session

    with Session(target) as session:
        build(Org(session))
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield target
    get_settings.cache_clear()
    if target is not engine:
        target.dispose()


def test_cli_json_matches_the_function(cli_db, capsys):
    assert main(["kpi", "--week", WEEK]) == 0
    printed = json.loads(capsys.readouterr().out)
    from sqlmodel import Session

    with Session(cli_db) as session:
        assert printed == weekly_kpi_set(session, WEEK)


def test_cli_department_csv_and_table(cli_db, capsys):
    assert main(["kpi", "--week", WEEK, "--department", "D1", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(row["level"], row["code"]) for row in rows] == [
        ("department", "D1"),
        ("supervisor", "S1"),
        ("supervisor", "S2"),
    ]
    assert float(rows[0]["bookings_week"]) == pytest.approx(700.0)
    assert rows[1]["diagnosis"] == "neglects_targets"
    assert main(["kpi", "--week", WEEK, "--format", "table"]) == 0
    table = capsys.readouterr().out
    assert "neglects_targets" in table and "D2" in table


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--week", "2027-W53"], "2027 has no ISO week 53"),
        (["--week", "last"], "'last' is not an ISO week"),
        (["--week", WEEK, "--department", "NOPE"], "Unknown department 'NOPE'. Known departments: D1, D2."),
        (["--week", WEEK, "--department", "NOPE", "--lang", "zh"], "未知的部门代码“NOPE”"),
    ],
)
def test_cli_refusals_exit_2(cli_db, capsys, argv, message):
    assert main(["kpi", *argv]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


# --- the demo organisation ----------------------------------------------------------------


@pytest.mark.slow
def test_demo_planted_supervisors_get_their_diagnoses(engine, tmp_path):
    """Generator -> importer -> weekly set: every planted story comes out as planted."""
    from core.importing.load import load_folder
    from seed_data.generate import generate

    folder = tmp_path / "demo"
    generate(folder, today=date(2026, 11, 25), scale=1, seed=7)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert load_folder(engine, folder).ok
    from sqlmodel import Session

    with Session(engine) as session:
        kpi = weekly_kpi_set(session, manifest["window"]["week"])
    diagnoses = {row["code"]: row["diagnosis"] for row in kpi["supervisors"]}
    assert diagnoses == manifest["planted"]
    below = {row["code"] for row in kpi["departments"] if row["plan_below_forecast"]}
    assert below == {p["department_code"] for p in manifest["plan_below_forecast"] if p["year"] == 2026}
    spikes = {row["code"] for row in kpi["departments"] if row["complaint_spike"]}
    assert spikes == {s["department_code"] for s in manifest["complaint_spikes"] if s["week"] == kpi["week"]}
