"""The Plans & targets page under AppTest: plans against the forecast, attainment by period, scope."""

from __future__ import annotations

import pytest
from dashboard_pages import MANIFEST, WEEK, figures, numbers, open_page, table_with, untranslated
from streamlit.testing.v1 import AppTest
from test_app_shell import TIMEOUT, app_engine, as_user  # noqa: F401 (app_engine is a fixture)

from core.db import make_engine, read_session
from core.i18n import format_currency, format_date, format_percent
from core.metrics.plans import as_of_day, last_full_day, period_attainment, period_label, plan_overview
from core.settings import PROJECT_ROOT
from ui.glue import today

# What the page takes by default: bookings up to the end of the chosen week (open_page's WEEK).
AS_OF = as_of_day(WEEK, last_full_day(today()))
DAY = format_date(AS_OF, "en", style="MMMd")
YEAR = AS_OF.year


@pytest.fixture(scope="module")
def core(demo_url: str) -> dict:
    with read_session(make_engine(demo_url)) as session:
        return {
            "plans": plan_overview(session, YEAR, as_of=AS_OF),
            "quarters": period_attainment(session, YEAR, "quarter", "department", as_of=AS_OF),
            "months": period_attainment(session, YEAR, "month", "supervisor", as_of=AS_OF),
        }


@pytest.mark.parametrize(("lang", "title"), [("zh", "计划与目标"), ("en", "Plans & targets")])
def test_the_page_renders_in_each_language_with_its_charts(demo_app, lang, title):
    at = open_page("plans", demo_app, lang=lang)
    assert at.title[0].value == title
    assert len(at.get("plotly_chart")) == 2  # plans against the forecast, attainment by period
    assert bool(untranslated(at)) is (lang == "en"), untranslated(at)


def test_each_plan_is_checked_against_the_forecast(demo_app, core):
    at = open_page("plans", demo_app, lang="zh")
    table = table_with(at, "低于行业预测")
    plans = core["plans"]
    assert list(table["部门"]) == list(plans["name"])
    assert list(table["计划增长"]) == [format_percent(g, "zh", decimals=1) for g in plans["plan_growth"]]
    assert list(table["建议计划"]) == [
        format_currency(p, "zh", compact=True) for p in plans["recommended_plan"]
    ]
    below = set(plans.loc[plans["plan_below_forecast"].astype(bool), "code"])
    assert below == {p["department_code"] for p in MANIFEST["plan_below_forecast"] if p["year"] == YEAR}
    warnings = [w.value for w in at.warning]
    assert len(warnings) == len(below)
    assert all(any(f"({code})" in w for w in warnings) for code in below)
    chart = next(f for f in figures(at) if f["layout"]["title"]["text"] == f"{YEAR}年计划增长与行业预测")
    assert numbers(chart["data"][0]["y"]) == pytest.approx(list(plans.sort_values("code")["plan_growth"]))


def test_quarterly_attainment_is_the_targets_engines(demo_app, core):
    at = open_page("plans", demo_app, lang="en")  # quarters by default
    table = table_with(at, "Attainment")
    quarters = core["quarters"]
    assert list(table["Department"]) == list(quarters["name"])
    assert list(table["Attainment"]) == [format_percent(a, "en", decimals=1) for a in quarters["attainment"]]
    running = [
        period_label("quarter", s, "en") + (f" (to {DAY})" if d else "")
        for s, d in zip(quarters["period_start"], quarters["to_date"], strict=True)
    ]
    assert list(table["Period"]) == running


def test_the_period_type_switches_to_months_for_each_supervisor(demo_app, core):
    at = open_page("plans", demo_app, lang="en", period="month")
    matrix = table_with(at, "Supervisor")
    months = core["months"]
    assert list(matrix["Code"]) == list(dict.fromkeys(months["code"]))
    first = months[months["code"] == "S01"]
    headers = [
        period_label("month", s, "en") + (f" (to {DAY})" if d else "")
        for s, d in zip(first["period_start"], first["to_date"], strict=True)
    ]
    assert list(matrix.columns[3:]) == headers
    row = matrix[matrix["Code"] == "S01"].iloc[0]
    assert list(row[3:]) == [format_percent(a, "en", decimals=1) for a in first["attainment"]]
    assert at.query_params["period"] == "month"


def test_a_manager_sees_only_their_department(demo_app, core):
    at = open_page("plans", demo_app, lang="en", role="manager", home="D03", department="D01")
    name = core["plans"].set_index("code").loc["D03", "name"]
    assert at.selectbox(key="filter_department").options == [f"{name} (D03)"]
    assert set(table_with(at, "Below the forecast")["Department"]) == {name}
    assert set(table_with(at, "Attainment")["Department"]) == {name}
    assert set(table_with(at, "Supervisor")["Department"]) == {"D03"}


def test_without_plans_or_targets_the_page_says_what_to_upload(app_engine):  # noqa: F811
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "plans.py"), default_timeout=TIMEOUT)
    at.session_state["tripod_lang"] = "en"
    as_user(at, "admin").run()
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == [
        f"No plan for {YEAR} yet: upload the plans file.",
        f"No targets for {YEAR} yet: upload the targets file.",
    ]


def test_counting_to_yesterday_says_so_and_dates_the_running_period(demo_app):
    yesterday = last_full_day(today())
    at = open_page("plans", demo_app, lang="en", to="yesterday")
    day = format_date(yesterday, "en")
    assert f"Bookings and targets counted up to yesterday, {day}." in [c.value for c in at.caption]
    periods = list(table_with(at, "Attainment")["Period"])
    running = f" (to {format_date(yesterday, 'en', style='MMMd')})"
    assert any(p.endswith(running) for p in periods) is (yesterday.year == YEAR)
