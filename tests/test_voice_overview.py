"""The Satisfaction & complaints page's data: pooled CSAT, the rated quarter, unmatched, the parts, charts."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd
import pytest
from voice_builders import VoiceOrg

from core.charts import STATUS_COLOURS, complaint_rate_with_spikes, csat_against_indicator
from core.metrics.voice_overview import (
    count_unmatched,
    latest_rating_quarter,
    pooled_csat,
    quarter_label,
    reason_text,
    unmatched_reason,
    voice_overview,
)

NAN = math.nan
JAN = [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19), date(2026, 1, 26)]


def same(actual, expected) -> bool:
    return all(
        (pd.isna(a) and pd.isna(e)) or a == pytest.approx(e) for a, e in zip(actual, expected, strict=True)
    )


# --- pooled CSAT --------------------------------------------------------------------------

WEEKLY = pd.DataFrame(
    {
        "department_id": [1, 1, 1, 2],
        "week_start": [JAN[0], JAN[2], JAN[3], JAN[0]],
        "responses": [2, 4, 1, 1],
        "csat_pct": [0.5, 0.75, 1.0, 0.0],
    }
)
TARGETS = pd.DataFrame({"department_id": [1], "year": [2026], "target_pct": [0.85]})


@pytest.mark.parametrize(
    ("pooled_weeks", "department", "responses", "csat"),
    [
        # Jan 12: Jan 5 + 12 (2 answers, 1 satisfied); Jan 19: Jan 12 + 19 (4, 3); Jan 26: 19 + 26 (5, 4)
        (2, 1, [2, 4, 5], [0.5, 0.75, 0.8]),
        (2, 2, [1, 0, 0], [0.0, NAN, NAN]),  # no answer in the pooled weeks: no CSAT
        (1, 1, [0, 4, 1], [NAN, 0.75, 1.0]),  # one week pooled = the weekly figure
        (4, 1, [2, 6, 7], [0.5, 4 / 6, 5 / 7]),
    ],
)
def test_each_week_pools_the_answers_of_the_weeks_ending_with_it(pooled_weeks, department, responses, csat):
    weekly = WEEKLY[
        WEEKLY["week_start"] >= date(2026, 1, 12) - pd.Timedelta(weeks=pooled_weeks - 1).to_pytimedelta()
    ]
    out = pooled_csat(weekly, JAN[1:], TARGETS, pooled_weeks)
    rows = out[out["department_id"] == department]
    assert list(rows["week_start"]) == JAN[1:]
    assert list(rows["responses"]) == responses
    assert same(list(rows["csat_pct"]), csat)
    assert same(list(rows["target_pct"]), [0.85] * 3 if department == 1 else [NAN] * 3)


def test_pooling_nothing_gives_nothing():
    assert pooled_csat(WEEKLY.iloc[0:0], JAN, TARGETS).empty


# --- words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("department_ref", "customer_ref", "lang", "text"),
    [
        ("D9", "C1", "en", "department 'D9' is not known"),
        ("", "招商银行", "zh", "未知客户“招商银行”，且未填写部门"),
        (None, "X1", "en", "customer 'X1' is not known and no department is given"),
        ("", "", "zh", "客户和部门均未填写"),
    ],
)
def test_an_unmatched_complaint_says_why_in_the_language(department_ref, customer_ref, lang, text):
    assert reason_text(unmatched_reason(department_ref, customer_ref), lang) == text


@pytest.mark.parametrize(
    ("quarter", "lang", "text"),
    [("2026-Q3", "en", "Q3 2026"), ("2026-Q3", "zh", "2026年第3季度"), (None, "en", "—")],
)
def test_quarter_labels(quarter, lang, text):
    assert quarter_label(quarter, lang) == text


# --- on a database ------------------------------------------------------------------------


def rated_org(session) -> VoiceOrg:
    org = VoiceOrg(session)
    org.department("DA")
    org.department("DB")
    org.supervisor("SA", "DA")
    org.supervisor("SB", "DB")
    org.rep("RA", "SA")
    org.rep("RB", "SB")
    org.rep_rating("SA", "RA", "2026-Q1", 4.0)
    org.supervisor_rating("SB", "2026-Q3", 3.5)
    org.supervisor_rating("SB", "2027-Q1", 3.5)
    org.commit()
    return org


@pytest.mark.parametrize(
    ("until", "scope", "expected"),
    [
        ("2026-Q4", None, "2026-Q3"),  # the latest up to the week's quarter; 2027 is later
        ("2026-Q2", None, "2026-Q1"),
        ("2026-Q4", "DA", "2026-Q1"),  # only the department's own ratings
        ("2025-Q4", None, None),
    ],
)
def test_the_rating_chain_uses_the_latest_rated_quarter(session, until, scope, expected):
    org = rated_org(session)
    ids = None if scope is None else [org.ids[scope]]
    assert latest_rating_quarter(session, until, ids) == expected


def test_unmatched_complaints_are_counted_for_the_whole_company_only(session):
    org = VoiceOrg(session)
    org.department("DA")
    org.customer("CA", "DA")
    org.complaint(datetime(2026, 3, 2, 9), customer="CA")
    org.complaint(datetime(2026, 3, 3, 9), unmatched=True)
    org.complaint(datetime(2026, 3, 4, 9), unmatched=True)
    org.commit()
    assert count_unmatched(session) == 2
    assert count_unmatched(session, [org.ids["DA"]]) == 0


def voice_org(session, *, unmatched: bool = True) -> VoiceOrg:
    """DA: 20 customers (CA1 a key account never contacted); in week 2026-W10 (2-8 March): CA1 complains
    twice (resolved in 2 h, and still open), CA2 once (resolved in 72 h), all 'billing' but one 'delay'.
    Surveys of RA: 4 and 2 in W10, 5 in W09. Indicator 80%. One unmatched complaint."""
    org = VoiceOrg(session)
    org.department("DA")
    org.supervisor("SA", "DA")
    org.rep("RA", "SA")
    for index in range(1, 21):
        org.customer(f"CA{index}", "DA", "RA", key_account=index == 1)
    org.complaint(
        datetime(2026, 3, 2, 9), customer="CA1", resolved_at=datetime(2026, 3, 2, 11), category="billing"
    )
    org.complaint(datetime(2026, 3, 5, 9), customer="CA1", category="billing")
    org.complaint(
        datetime(2026, 3, 6, 9), customer="CA2", resolved_at=datetime(2026, 3, 9, 9), category="delay"
    )
    if unmatched:
        org.complaint(datetime(2026, 3, 6, 10), unmatched=True)
    org.survey("RA", date(2026, 3, 3), 4, customer="CA3")
    org.survey("RA", date(2026, 3, 4), 2, customer="CA4")
    org.survey("RA", date(2026, 2, 24), 5, customer="CA5")
    org.csat_target("DA", 2026, 80.0)
    org.commit()
    return org


def test_the_overview_gathers_every_part_for_the_window(session):
    voice_org(session)
    v = voice_overview(session, "2026-W10")

    assert (v.week, v.window.start, v.window.end) == ("2026-W10", date(2025, 12, 8), date(2026, 3, 8))
    assert v.has_data
    last = v.complaint_trend.iloc[-1]
    assert (last["department_code"], last["week"], last["complaints"], last["customers"]) == (
        "DA",
        "2026-W10",
        3,
        20,
    )
    assert last["complaint_rate"] == pytest.approx(15.0)
    assert list(v.pareto["label"]) == ["billing", "delay"]
    assert list(v.pareto["complaints"]) == [2, 1]
    resolution = v.resolution.iloc[0]
    assert (resolution["complaints"], resolution["resolved"], resolution["within_sla"]) == (3, 2, 1)
    assert resolution["median_hours_to_resolve"] == pytest.approx((2 + 72) / 2)
    assert list(v.repeats["customer_code"]) == ["CA1"]
    assert v.repeats_summary("en") == "1 of 2 complaining customers complained again (50%)."
    reactive = v.reactive.iloc[0]
    assert (reactive["key_account_complaints"], reactive["reactive"]) == (2, 2)
    assert v.unmatched_count == 1 and len(v.unmatched) == 1
    assert v.unmatched_summary("en") == "1 complaint names no known customer or department."
    assert reason_text(v.unmatched["reason"].iloc[0], "en") == (
        "customer 'someone' is not known and no department is given"
    )

    csat = v.csat_trend.set_index("week_start")
    # W10 pools W07-W10: answers 5, 4, 2 -> 2 of 3 satisfied; W09 pools W06-W09: the 5 alone.
    assert csat.loc[date(2026, 3, 2), "responses"] == 3
    assert csat.loc[date(2026, 3, 2), "csat_pct"] == pytest.approx(2 / 3)
    assert csat.loc[date(2026, 2, 23), "csat_pct"] == pytest.approx(1.0)
    assert csat.loc[date(2026, 3, 2), "target_pct"] == pytest.approx(0.8)
    summary = v.csat_summary.iloc[0]
    assert (summary["responses"], summary["csat_pct"], summary["meets_target"]) == (
        3,
        pytest.approx(2 / 3),
        False,
    )
    assert v.department_names == {"DA": "Dept DA"}
    assert list(v.week_labels("en").values())[-2:] == ["Feb 23", "Mar 2"]


def test_call_center_users_get_the_complaints_without_any_score(session):
    voice_org(session)
    v = voice_overview(session, "2026-W10", include_scores=False)
    assert v.csat_trend.empty and v.csat_summary.empty and v.rating_gaps.empty
    assert v.rating_quarter is None
    assert not v.complaint_trend.empty and v.unmatched_count == 1


def test_a_department_scope_sees_no_unmatched_complaint(session):
    org = voice_org(session)
    v = voice_overview(session, "2026-W10", department_ids=[org.ids["DA"]])
    assert v.unmatched_count == 0 and v.unmatched.empty
    assert list(v.resolution["department_code"]) == ["DA"]


def test_an_empty_window_has_no_data_unless_complaints_wait_for_attribution(session):
    voice_org(session, unmatched=False)
    assert not voice_overview(session, "2024-W10").has_data
    assert voice_overview(session, "2026-W10").has_data


# --- charts -------------------------------------------------------------------------------

SERIES = pd.DataFrame(
    {
        "department_code": ["D2", "D2", "D1", "D1"],
        "week_start": [date(2026, 3, 2), date(2026, 3, 9)] * 2,
        "complaint_rate": [1.0, 9.0, 2.0, 2.5],
        "complaints": [2, 18, 4, 5],
        "is_spike": pd.array([False, True, False, pd.NA], dtype="boolean"),
        "csat_pct": [0.9, 0.8, 0.7, 0.75],
        "target_pct": [0.85, 0.85, 0.8, 0.8],
    }
)


def test_spikes_are_marked_and_labelled_with_the_department_and_count():
    fig = complaint_rate_with_spikes(
        SERIES, title="t", colour_map={"D1": "#111111", "D2": "#222222"}, names={"D2": "银行二部"},
        spike_label="Spike", week_labels={date(2026, 3, 2): "Mar 2", date(2026, 3, 9): "Mar 9"},
    )  # fmt: skip
    assert [a.text for a in fig.layout.annotations] == ["Spike: 银行二部 (18)"]
    markers = [trace for trace in fig.data if trace.name == "Spike"]
    assert markers[0].marker.color == STATUS_COLOURS["red"] and list(markers[0].y) == [9.0]
    assert list(fig.layout.xaxis.ticktext) == ["Mar 9"]  # every second week, the latest kept


def test_each_indicator_is_dashed_in_its_department_colour_and_left_out_of_the_legend():
    fig = csat_against_indicator(SERIES, title="t", colour_map={"D1": "#111111", "D2": "#222222"}, names={})
    dashed = [trace for trace in fig.data if trace.line.dash == "dash"]
    assert {trace.line.color for trace in dashed} == {"#111111", "#222222"}
    assert not any(trace.showlegend for trace in dashed)
