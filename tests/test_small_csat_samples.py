"""A CSAT from fewer than csat_min_surveys answers is marked and not judged wherever it is shown:
the This week cards, the Supervisor tile, the Satisfaction page's table and trend, the report's
Departments and Satisfaction tables (docs/metrics.md, "Small CSAT samples")."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core import charts
from core.reports.sections import department_table, satisfaction_table
from core.supervisor_view import csat_tile as supervisor_csat_tile
from core.week_view import csat_with_count, with_sample_marks


def test_a_cards_13_week_csat_says_how_many_answers_it_rests_on():
    assert csat_with_count(0.9, 42, "en") == "90% (42 surveys)"
    assert csat_with_count(0.75, 4, "en") == "75% (small sample: 4 surveys)"
    assert csat_with_count(0.75, 4, "zh") == "75%（样本小：4 份问卷）"
    assert csat_with_count(None, 0, "en") == "—"


def supervisor_view(surveys: int, csat: float) -> dict:
    return {
        "current": {"csat_pct_13w": csat, "surveys_13w": surveys},
        "previous": {"csat_pct_13w": csat - 0.2, "surveys_13w": surveys},
        "csat_indicator": 0.9,
        "statuses": {"csat_pct_13w": "red"},
    }


def test_the_supervisor_tile_from_few_answers_is_grey_without_a_change():
    tile = supervisor_csat_tile(supervisor_view(3, 0.67), "en")
    assert (tile.value, tile.status, tile.delta, tile.sample) == (
        "67%",
        None,
        None,
        "small sample: 3 surveys",
    )
    assert tile.help.startswith("3 survey answers; against the department's indicator, 90%.")
    enough = supervisor_csat_tile(supervisor_view(30, 0.67), "en")
    assert (enough.status, enough.delta, enough.sample) == ("red", "+20.0 pp", None)


def csat_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department_name": ["Small", "Large", "Silent"],
            "responses": [4, 40, 0],
            "csat_pct": [1.0, 0.8, float("nan")],
            "target_pct": [0.9, 0.9, 0.9],
            "meets_target": pd.array([True, False, pd.NA], dtype="boolean"),
        }
    )


def test_the_satisfaction_table_marks_a_small_sample_and_gives_no_verdict():
    marked = with_sample_marks(csat_rows(), "en")
    assert list(marked["sample"]) == ["small sample: 4 surveys", "", ""]
    assert marked["meets_target"].iloc[0] is None  # 4 answers at 100%: not "meets the indicator"
    assert bool(marked["meets_target"].iloc[1]) is False
    assert with_sample_marks(csat_rows(), "zh")["sample"].iloc[0] == "样本小：4 份问卷"
    assert "sample" in with_sample_marks(pd.DataFrame(), "en")


def test_the_csat_trend_rings_points_from_few_answers():
    frame = pd.DataFrame(
        {
            "department_code": ["D01", "D01", "D02", "D02"],
            "week_start": [date(2026, 11, 9), date(2026, 11, 16)] * 2,
            "responses": [3, 25, 30, 31],
            "csat_pct": [0.67, 0.84, 0.9, 0.88],
            "target_pct": [0.85] * 4,
        }
    )
    fig = charts.csat_against_indicator(
        with_sample_marks(frame, "en"),
        title="CSAT",
        colour_map={},
        names={},
        small_sample="sample",
        small_label="Small sample, not judged",
    )
    ringed = [trace for trace in fig.data if trace.name == "Small sample, not judged"]
    assert len(ringed) == 1
    assert list(ringed[0].y) == [0.67]
    assert ringed[0].customdata.tolist() == [["small sample: 3 surveys"]]
    plain = charts.csat_against_indicator(frame, title="CSAT", colour_map={}, names={})
    assert not [trace for trace in plain.data if trace.name == "Small sample, not judged"]


def department_row(code: str, surveys: int, csat: float | None) -> dict:
    numbers = (
        "bookings_week",
        "target_week",
        "attainment_week",
        "attainment_qtd",
        "customers",
        "complaints_week",
        "complaint_rate_week",
        "exam_coverage",
        "key_account_contact_coverage",
        "plan_growth",
        "industry_growth",
    )
    return dict.fromkeys(numbers, 1.0) | {
        "code": code,
        "name": f"Department {code}",
        "segment": "bank",
        "surveys_week": surveys,
        "csat_pct_week": csat,
        "complaint_spike": False,
        "plan_below_forecast": False,
    }


@pytest.mark.parametrize(("lang", "mark"), [("en", "small sample: 4 surveys"), ("zh", "样本小：4 份问卷")])
def test_the_reports_department_table_marks_a_small_sample(lang, mark):
    rows = [department_row("D01", 4, 1.0), department_row("D02", 40, 0.8), department_row("D03", 0, None)]
    table = department_table(rows, lang)
    assert [row["csat_sample"] for row in table.rows] == [mark, "", ""]
    assert "csat_sample" in table.pdf_columns
    assert table.pdf_columns.index("csat_sample") == table.pdf_columns.index("csat_pct_week") + 1


def test_the_reports_satisfaction_table_gives_a_small_sample_no_change_and_no_verdict():
    rows = [department_row("D01", 4, 1.0), department_row("D02", 40, 0.8)]
    deltas = {"D01": {"csat_pct_week": 0.5}, "D02": {"csat_pct_week": -0.05}}
    year = pd.DataFrame(
        {
            "department_id": [1, 2],
            "responses": [6, 400],
            "csat_pct": [1.0, 0.8],
            "target_pct": [0.9, 0.9],
            "gap": [0.1, -0.1],
            "meets_target": [True, False],
        }
    )
    departments = pd.DataFrame({"code": ["D01", "D02"], "id": [1, 2]})
    table = satisfaction_table(rows, deltas, year, departments, "en")
    small, large = table.rows
    assert (small["csat_sample"], small["csat_pct_week_delta"]) == ("small sample: 4 surveys", None)
    assert small["meets_target"] is None  # 6 answers this year: not judged against the indicator
    assert (large["csat_sample"], large["csat_pct_week_delta"]) == ("", -0.05)
    assert large["meets_target"] is False


def test_every_card_of_the_demo_week_gives_its_csat_survey_count(demo_url):
    """The count on the cards is csat_by's over the legs' window, the window of the 13-week CSAT."""
    from dashboard_pages import WEEK

    from core.auth import Scope
    from core.db import make_engine, read_session
    from core.metrics.satisfaction import csat_by
    from core.periods import weeks_window
    from core.week_view import department_week, supervisor_cards

    everything = Scope(department_ids=None, supervisor_ids=None)
    with read_session(make_engine(demo_url)) as session:
        view = department_week(session, "D01", WEEK, scope=everything)
        csat = csat_by(session, weeks_window(WEEK, 13), "supervisor")
    counts = dict(zip(csat["unit_id"], csat["responses"], strict=True))
    assert view["supervisors"]
    for row, card in zip(view["supervisors"], supervisor_cards(view, "en"), strict=True):
        assert row["surveys_13w"] == counts.get(row["id"], 0)
        assert f"CSAT {csat_with_count(row['csat_pct_13w'], row['surveys_13w'], 'en')}" in card["figures"]
        assert "survey" in card["figures"]


def test_the_cards_figures_are_two_short_lines_in_each_language(demo_url):
    """Item: the one long line wrapped its last character onto a line of its own in Chinese."""
    from dashboard_pages import WEEK

    from core.auth import Scope
    from core.db import make_engine, read_session
    from core.week_view import department_week, supervisor_cards

    with read_session(make_engine(demo_url)) as session:
        view = department_week(session, "D01", WEEK, scope=Scope(department_ids=None, supervisor_ids=None))
    row = view["supervisors"][0]
    zh = supervisor_cards(view, "zh")[0]["figures"].split("  \n")
    en = supervisor_cards(view, "en")[0]["figures"].split("  \n")
    assert len(zh) == len(en) == 2
    assert zh[0].startswith("近 13 周：完成率 ") and "份问卷" in zh[0]
    assert zh[1].endswith(f"本周投诉 {row['complaints_week']} 起")
    assert en[1].startswith("Exam passed ") and en[1].endswith("this week")
    assert max(len(line) for line in zh) <= 40  # fits the card's column at 1400 px
