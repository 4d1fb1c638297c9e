"""The Satisfaction & complaints page under AppTest: CSAT, the rating chain, complaints, scope, languages."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from dashboard_pages import MANIFEST, WEEK, figures, numbers, open_page, table_with, untranslated
from streamlit.testing.v1 import AppTest
from test_app_shell import TIMEOUT, app_engine, as_user, org  # noqa: F401 (app_engine, org: fixtures)

from core.db import make_engine, read_session, write_session
from core.i18n import format_number, format_percent
from core.metrics.complaints import category_pareto, resolution_stats, weekly_complaint_series
from core.metrics.contacts import reactive_complaints
from core.metrics.satisfaction import csat_vs_target
from core.metrics.voice_overview import department_names, voice_window
from core.models import Complaint
from core.periods import parse_week
from core.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def core(demo_url: str) -> dict:
    """The core figures the page must show for the demo week, keyed by department code."""
    window = voice_window(WEEK)
    with read_session(make_engine(demo_url)) as session:
        names = department_names(session).set_index("department_id")
        code = names["department_code"].to_dict()
        spikes = weekly_complaint_series(session, window.start, parse_week(WEEK)[0])
        return {
            "names": dict(zip(names["department_code"], names["department_name"], strict=True)),
            "csat": csat_vs_target(session, window).assign(code=lambda f: f["department_id"].map(code)),
            "sla": resolution_stats(session, window, "department").assign(
                code=lambda f: f["unit_id"].map(code)
            ),
            "reactive": reactive_complaints(session, window, "department").assign(
                code=lambda f: f["unit_id"].map(code)
            ),
            "pareto": category_pareto(session, window),
            "spikes": spikes[spikes["is_spike"].fillna(False)].assign(
                code=lambda f: f["department_id"].map(code)
            ),
        }


@pytest.mark.parametrize(("lang", "title"), [("zh", "满意度与投诉"), ("en", "Satisfaction & complaints")])
def test_the_page_renders_in_each_language_with_its_charts(demo_app, lang, title):
    at = open_page("satisfaction", demo_app, lang=lang)
    assert at.title[0].value == title
    assert len(at.get("plotly_chart")) == 3  # CSAT, complaint rate, categories
    assert bool(untranslated(at)) is (lang == "en"), untranslated(at)


def test_csat_against_the_indicator_is_the_core_figure(demo_app, core):
    table = table_with(open_page("satisfaction", demo_app, lang="en"), "Meets the indicator")
    csat = core["csat"].sort_values("code")
    assert list(table["Department"]) == [core["names"][c] for c in csat["code"]]
    assert list(table["Survey answers"]) == [format_number(n, "en") for n in csat["responses"]]
    assert list(table["CSAT"]) == [format_percent(p, "en", decimals=1) for p in csat["csat_pct"]]
    assert list(table["Indicator"]) == [format_percent(p, "en") for p in csat["target_pct"]]
    assert list(table["Meets the indicator"]) == ["Yes" if m else "No" for m in csat["meets_target"]]
    below = {core["names"][c] for c in MANIFEST["csat_below_target_departments"]}
    assert set(table.loc[table["Meets the indicator"] == "No", "Department"]) == below


def test_the_rating_chain_flags_the_planted_supervisor(demo_app):
    table = table_with(open_page("satisfaction", demo_app, lang="en"), "Verdict")
    for code in MANIFEST["rating_gap_supervisors"]:
        assert any(f"({code})" in name for name in table["Supervisor"]), code
    assert set(table["Verdict"]) <= {
        "rated well above what customers say",
        "rated well below what customers say",
    }


def test_each_spike_is_annotated_on_the_complaint_rate(demo_app, core):
    at = open_page("satisfaction", demo_app, lang="zh")
    rate = next(f for f in figures(at) if f["layout"]["title"]["text"] == "各部门每周投诉率（每百名客户）")
    notes = sorted(note["text"] for note in rate["layout"]["annotations"] if note["text"].startswith("异常"))
    expected = sorted(
        f"异常高峰: {core['names'][row.code]} ({row.complaints})" for row in core["spikes"].itertuples()
    )
    assert notes == expected
    planted = {(spike["department_code"], spike["week"]) for spike in MANIFEST["complaint_spikes"]}
    found = {
        (row.code, f"{row.week_start.isocalendar()[0]}-W{row.week_start.isocalendar()[1]:02d}")
        for row in core["spikes"].itertuples()
    }
    assert planted <= found


def test_the_category_pareto_counts_like_core(demo_app, core):
    at = open_page("satisfaction", demo_app, lang="en")
    pareto = next(f for f in figures(at) if f["layout"]["title"]["text"] == "Complaints by category")
    bars = pareto["data"][0]
    assert list(bars["x"]) == list(core["pareto"]["label"])
    assert numbers(bars["y"]) == [float(n) for n in core["pareto"]["complaints"]]


def test_time_to_resolve_sla_and_reactive_complaints_are_the_core_figures(demo_app, core):
    at = open_page("satisfaction", demo_app, lang="en")
    sla = table_with(at, "Share within the SLA")
    rows = core["sla"].sort_values("code")
    assert list(sla["Median hours to resolve"]) == [
        format_number(h, "en", decimals=1) for h in rows["median_hours_to_resolve"]
    ]
    assert list(sla["Share within the SLA"]) == [
        format_percent(s, "en", decimals=1) for s in rows["sla_share"]
    ]
    reactive = table_with(at, "From key accounts overdue for contact")
    rows = core["reactive"].sort_values("code")
    assert list(reactive["From key accounts overdue for contact"]) == [
        format_number(n, "en") for n in rows["reactive"]
    ]


def test_a_manager_sees_only_their_department(demo_app, core):
    at = open_page("satisfaction", demo_app, lang="en", role="manager", home="D01", department="D02")
    assert at.selectbox(key="filter_department").options == [f"{core['names']['D01']} (D01)"]
    own = {core["names"]["D01"]}
    for header in ("Meets the indicator", "Share within the SLA", "From key accounts overdue for contact"):
        assert set(table_with(at, header)["Department"]) == own
    assert set(table_with(at, "Repeat complaints")["Department"]) == own
    rate = next(f for f in figures(at) if f["layout"]["title"]["text"].startswith("Complaints per 100"))
    assert {trace["name"] for trace in rate["data"]} <= own | {"Spike"}
    assert "Unmatched complaints" not in [h.value for h in at.header]


def test_call_center_users_see_complaints_but_no_score(demo_app):
    at = open_page("satisfaction", demo_app, lang="en", role="call_center")
    headers = [h.value for h in at.header]
    assert headers == ["Complaints", "Unmatched complaints"]
    assert not any("Rating chain" in s.value for s in at.subheader)
    shown_headers = {column for frame in [*at.table, *at.dataframe] for column in frame.value.columns}
    assert not shown_headers & {"CSAT", "Rating given (1–5)", "Meets the indicator"}
    assert len(at.get("plotly_chart")) == 2  # complaint rate and categories


def test_unmatched_complaints_are_listed_with_why_they_wait(app_engine, org):  # noqa: F811
    received = datetime.now().replace(microsecond=0) - timedelta(days=10)
    with write_session(app_engine) as session:
        session.add(
            Complaint(
                code="U1",
                received_at=received,
                received_week=(received - timedelta(days=received.weekday())).date(),
                department_ref="X9",
                match_status="unmatched",
                unmatched_reason="department 'X9' is not known",
            )
        )
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "satisfaction.py"), default_timeout=TIMEOUT)
    at.session_state["tripod_lang"] = "zh"
    as_user(at, "call_center").run()
    assert not at.exception and not at.error
    table = table_with(at, "未匹配原因")
    assert list(table["投诉编号"]) == ["U1"]
    assert list(table["未匹配原因"]) == ["未知部门“X9”"]
    assert "有 1 条投诉找不到对应的客户或部门。" in [i.value for i in at.info]


def test_an_empty_database_says_what_to_upload(app_engine):  # noqa: F811
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "satisfaction.py"), default_timeout=TIMEOUT)
    at.session_state["tripod_lang"] = "en"
    as_user(at, "admin").run()
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == [
        "Nothing to show yet: upload the complaint log and the survey results."
    ]
