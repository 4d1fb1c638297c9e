"""The Compare supervisors page under AppTest, on the demo organisation: ranking, percentiles, map, scope."""

from __future__ import annotations

import pytest
from dashboard_pages import MANIFEST, WEEK, figures, numbers, open_page, table_with, untranslated
from streamlit.testing.v1 import AppTest
from test_app_shell import TIMEOUT, app_engine, as_user  # noqa: F401 (app_engine is a fixture)

from core.balance import diagnosis_text
from core.db import make_engine, read_session
from core.i18n import format_number, format_percent
from core.metrics.compare import shown_values
from core.metrics.weekly import kpi_tables, weekly_kpi_set
from core.settings import PROJECT_ROOT
from ui.signin import USER_KEY


@pytest.fixture(scope="module")
def supervisors(demo_url: str):
    """The weekly set's supervisor rows for the demo week: what the page must show."""
    with read_session(make_engine(demo_url)) as session:
        return kpi_tables(weekly_kpi_set(session, WEEK))["supervisors"].set_index("code")


def label(row_code: str, supervisors) -> str:
    return f"{supervisors.loc[row_code, 'name']} ({row_code})"


@pytest.mark.parametrize(("lang", "title"), [("zh", "主管对比"), ("en", "Compare supervisors")])
def test_the_page_renders_in_each_language_with_its_charts(demo_app, lang, title):
    at = open_page("compare", demo_app, lang=lang)
    assert at.title[0].value == title
    assert len(at.get("plotly_chart")) == 3  # ranking, balance map, trends
    assert len(at.get("download_button")) == 4  # each chart, and the ranking table
    # In English the detector must find English, or its silence in Chinese would prove nothing.
    assert bool(untranslated(at)) is (lang == "en"), untranslated(at)


@pytest.mark.parametrize(
    ("kpi", "header", "higher_is_better", "shown"),
    [
        (
            "attainment_13w",
            "Target attainment, 13 weeks",
            True,
            lambda v: format_percent(v, "en", decimals=1),
        ),
        ("complaint_rate_week", "Complaint rate this week (per 100 customers)", False, None),
        ("score_skills", "Skills leg (0–100)", True, lambda v: format_number(v, "en")),
    ],
)
def test_the_ranking_shows_the_weekly_figures_best_first(
    demo_app, supervisors, kpi, header, higher_is_better, shown
):
    at = open_page("compare", demo_app, lang="en", kpi=kpi)
    table = table_with(at, "Percentile in the company")
    values = supervisors[kpi].astype(float)
    # Ranked on the value as shown: equal figures on screen are listed in code order.
    on_screen = shown_values(kpi, values)
    order = sorted(
        values.index, key=lambda code: (-on_screen[code] if higher_is_better else on_screen[code], code)
    )
    assert list(table["Supervisor"]) == [label(code, supervisors) for code in order]
    formatted = shown or (lambda v: format_number(v, "en", decimals=1))
    assert list(table[header]) == [formatted(values[code]) for code in order]
    assert table["Percentile in the company"].iloc[0] == "100"
    assert table["Percentile in the company"].iloc[-1] == "0"
    assert list(table["Rank"])[0] == "1"


def test_every_planted_supervisor_shows_the_diagnosis_it_was_planted_with(demo_app, supervisors):
    at = open_page("compare", demo_app, lang="zh")
    table = table_with(at, "公司内百分位")
    shown = dict(zip(table["主管"], table["诊断"], strict=True))
    for code, planted in MANIFEST["planted"].items():
        assert shown[label(code, supervisors)] == diagnosis_text(planted, "zh")["label"], code


def test_the_balance_map_places_each_supervisor_by_their_legs(demo_app, supervisors):
    at = open_page("compare", demo_app, lang="en")
    balance = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith("Balance map"))
    placed = {}
    for trace in balance["data"]:
        for name, x, y in zip(trace["hovertext"], numbers(trace["x"]), numbers(trace["y"]), strict=True):
            placed[name] = (x, y)
    for code, row in supervisors.iterrows():
        x, y = placed[label(code, supervisors)]
        assert x == pytest.approx((row["score_team"] + row["score_skills"]) / 2)
        assert y == pytest.approx(row["score_targets"])
    legend = {trace["name"] for trace in balance["data"]}
    assert legend == {diagnosis_text(code, "en")["label"] for code in set(MANIFEST["planted"].values())}


@pytest.mark.parametrize(
    ("query", "departments"),
    [
        ({"departments": "D02"}, {"D02"}),
        ({"departments": "D01,D03"}, {"D01", "D03"}),
        ({"segment": "non_bank"}, {"D03", "D04"}),
        ({}, {"D01", "D02", "D03", "D04"}),
        # This week's department lives in the URL too; Compare has its own and shows everyone.
        ({"department": "D01"}, {"D01", "D02", "D03", "D04"}),
    ],
)
def test_filters_from_the_url_narrow_the_rows_but_not_the_percentiles(
    demo_app, supervisors, query, departments
):
    everyone = table_with(open_page("compare", demo_app, lang="en"), "Percentile in the company")
    at = open_page("compare", demo_app, lang="en", **query)
    table = table_with(at, "Percentile in the company")
    expected = {
        label(code, supervisors)
        for code in supervisors.index
        if supervisors.loc[code, "department_code"] in departments
    }
    assert set(table["Supervisor"]) == expected
    company = dict(zip(everyone["Supervisor"], everyone["Percentile in the company"], strict=True))
    assert all(
        company[name] == pct
        for name, pct in zip(table["Supervisor"], table["Percentile in the company"], strict=True)
    )
    for key, value in query.items():
        assert at.query_params[key] == value


@pytest.mark.parametrize(
    ("role", "department", "allowed"),
    [
        ("director", None, True),
        ("manager", "D01", False),
        ("call_center", None, False),
        ("supervisor", "D01", False),
    ],
)
def test_only_directors_and_admins_compare_supervisors(demo_app, role, department, allowed):
    at = open_page("compare", demo_app, lang="en", role=role, home=department)
    assert bool(at.get("plotly_chart")) is allowed
    if not allowed:
        assert [w.value for w in at.warning] == ["Please sign in with an account that may open this page."]


def test_an_empty_organisation_says_what_to_upload(app_engine):  # noqa: F811
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "compare.py"), default_timeout=TIMEOUT)
    at.session_state["tripod_lang"] = "en"
    as_user(at, "admin").run()
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == [
        "No supervisor to compare here. Upload departments, supervisors, reps and bookings."
    ]


def test_a_director_who_chose_d01_on_this_week_compares_every_department(demo_app, supervisors):
    week = open_page("this_week", demo_app, lang="en", role="director")
    week.selectbox(key="filter_department").select("D01").run()
    assert week.query_params["department"] == "D01"
    # Then Compare in the same browser session: its URL and the filters the session remembers.
    # (AppTest runs one page file at a time, so the session is carried over by hand.)
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "compare.py"), default_timeout=TIMEOUT)
    carried = [USER_KEY, "tripod_lang"] + [
        f"filter_{name}{end}" for name in ("department", "week") for end in ("", "_value", "_url")
    ]
    for key in carried:
        at.session_state[key] = week.session_state[key]
    at.query_params.update(dict(week.query_params))
    at.run()
    assert not at.exception and not at.error
    assert at.query_params["department"] == "D01"  # still in the URL, for This week
    table = table_with(at, "Percentile in the company")
    assert set(table["Supervisor"]) == {label(code, supervisors) for code in supervisors.index}
    assert at.multiselect(key="filter_departments").value == []  # none picked: every department
    assert "departments" not in at.query_params


def test_a_link_naming_departments_out_of_reach_keeps_the_rest_and_says_so(demo_app, supervisors):
    at = open_page("compare", demo_app, lang="zh", departments="D02,D77")
    assert [w.value for w in at.warning] == [
        "链接指定的部门“D77”不在您可查看的部门之中；现显示银行二部 (D02)。"
    ]
    assert set(table_with(at, "公司内百分位")["主管"]) == {
        label(code, supervisors)
        for code in supervisors.index
        if supervisors.loc[code, "department_code"] == "D02"
    }


def test_the_small_charts_draw_everyone_when_few_and_the_readers_pick(demo_app, supervisors):
    at = open_page("compare", demo_app, lang="en")
    trends = next(f for f in figures(at) if f["layout"]["title"]["text"] == "The three legs week by week")
    assert len(trends["data"]) == 3 * len(supervisors)
    assert f"A small chart for each of the {len(supervisors)} supervisors." in [c.value for c in at.caption]
    at.multiselect(key="compare_panels").select("S01").select("S05").run()
    trends = next(f for f in figures(at) if f["layout"]["title"]["text"] == "The three legs week by week")
    assert len(trends["data"]) == 3 * 2
    titles = {note["text"] for note in trends["layout"]["annotations"]}
    assert titles == {label("S01", supervisors), label("S05", supervisors)}
    assert any(
        c.value.startswith("Small charts for the 2 supervisors you chose (of 12).") for c in at.caption
    )
