"""Complaint figures: attribution, rate per 100 customers, Poisson spikes, SLA, repeats, Pareto, unmatched."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from voice_builders import VoiceOrg

from core.metrics import COMPANY_UNIT_ID
from core.metrics.complaints import (
    category_pareto,
    complaint_breakdown,
    complaint_counts,
    complaint_rate,
    complaint_rate_table,
    customers_at,
    normalise_label,
    poisson_upper_bound,
    repeat_complainants,
    repeat_summary,
    repeats_with_summary,
    resolution_stats,
    unmatched_complaints,
    weekly_complaint_series,
    weekly_spikes,
)
from core.models import Complaint
from core.params import DEFAULT_PARAMS
from core.periods import Window

WEEK = Window(date(2026, 11, 16), date(2026, 11, 22))
MONDAY = WEEK.start


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    out = []
    for record in frame[columns].itertuples(index=False):
        out.append(tuple(None if (not isinstance(v, str) and pd.isna(v)) else v for v in record))
    return out


# --- rate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("complaints", "customers", "rate"),
    [
        (3, 100, 3.0),
        (2, 40, 5.0),
        (0, 20, 0.0),  # exactly the minimum
        (1, 19, None),  # too few customers: the count alone is shown
        (5, 0, None),
        (0, None, None),
        (7, 350, 2.0),
    ],
)
def test_complaint_rate(complaints, customers, rate):
    result = complaint_rate(complaints, customers, DEFAULT_PARAMS)
    assert result == (pytest.approx(rate) if rate is not None else None)


def test_complaint_rate_minimum_is_a_parameter():
    params = DEFAULT_PARAMS.with_overrides(complaint_rate_min_customers=5)
    assert complaint_rate(1, 10, params) == pytest.approx(10.0)


# --- attribution --------------------------------------------------------------------------


@pytest.fixture
def moved(session):
    """Customer C1 (D1) is owned by R1, who leaves S1 (D1) for S2 (D2) on Wed 18 Nov.

    Complaints of C1: Tue 17 Nov 23:30 (S1), Wed 18 Nov 00:00 (S2), Thu 19 Nov 10:00 (S2, but the
    file named D2 as the department), Sun 22 Nov 23:59:59 (S2); Mon 23 Nov 00:00 is next week.
    C2 (D1, owned by R2 of S1): one complaint. One complaint of D1 with no customer, one unmatched.
    """
    org = VoiceOrg(session)
    org.department("D1")
    org.department("D2")
    org.supervisor("S1", "D1")
    org.supervisor("S2", "D2")
    org.rep("R1", "S1")
    org.rep("R2", "S1")
    org.move("R1", "S2", date(2026, 11, 18))
    org.customer("C1", "D1", "R1")
    org.customer("C2", "D1", "R2")
    org.customer("C3", "D2", None)
    org.complaint(datetime(2026, 11, 17, 23, 30), customer="C1")
    org.complaint(datetime(2026, 11, 18, 0, 0), customer="C1")
    org.complaint(datetime(2026, 11, 19, 10, 0), customer="C1", department="D2")
    org.complaint(datetime(2026, 11, 22, 23, 59, 59), customer="C1")
    org.complaint(datetime(2026, 11, 23, 0, 0), customer="C1")
    org.complaint(datetime(2026, 11, 15, 23, 59, 59), customer="C1")
    org.complaint(datetime(2026, 11, 20, 9, 0), customer="C2")
    org.complaint(datetime(2026, 11, 20, 9, 0), department="D1")
    org.complaint(datetime(2026, 11, 20, 9, 0), unmatched=True)
    org.commit()
    return org


@pytest.mark.parametrize(
    ("level", "scope", "expected"),
    [
        ("department", None, [("D1", 5), ("D2", 1)]),
        ("supervisor", None, [("S1", 2), ("S2", 3)]),
        ("rep", None, [("R1", 4), ("R2", 1)]),
        ("company", None, [(None, 6)]),
        ("department", ["D2"], [("D2", 1)]),
        ("supervisor", ["D2"], [("S2", 3)]),
        ("supervisor", ["D1"], [("S1", 2)]),
        ("company", ["D1"], [(None, 5)]),
    ],
)
def test_complaint_counts_follow_the_owner_reps_team_on_the_day(session, moved, level, scope, expected):
    ids = None if scope is None else [moved.ids[c] for c in scope]
    out = complaint_counts(session, WEEK, level, ids)
    assert list(out.columns) == ["unit_id", "complaints"]
    want = [(moved.ids[u] if u else COMPANY_UNIT_ID, n) for u, n in expected]
    assert _rows(out, ["unit_id", "complaints"]) == want


@pytest.mark.parametrize(
    ("day", "level", "expected"),
    [
        (date(2026, 11, 17), "department", [("D1", 2), ("D2", 1)]),
        (date(2026, 11, 17), "supervisor", [("S1", 2)]),  # C3 has no owner
        (date(2026, 11, 18), "supervisor", [("S1", 1), ("S2", 1)]),  # R1 moved that day
        (date(2026, 11, 17), "company", [(None, 3)]),
        (date(2019, 12, 31), "company", [(None, 0)]),  # before every `since`
    ],
)
def test_customers_at(session, moved, day, level, expected):
    out = customers_at(session, day, level)
    want = [(moved.ids[u] if u else COMPANY_UNIT_ID, n) for u, n in expected]
    assert _rows(out, ["unit_id", "customers"]) == want


@pytest.mark.parametrize(("since_offset", "counted"), [(-1, 1), (0, 1), (1, 0)])
def test_customers_at_counts_since_on_or_before_the_day(session, since_offset, counted):
    org = VoiceOrg(session)
    org.department("D1")
    org.customer("C1", "D1", since=WEEK.end + timedelta(days=since_offset))
    org.commit()
    assert customers_at(session, WEEK.end, "company")["customers"].tolist() == [counted]


def test_complaint_rate_table_counts_customers_at_the_windows_end(session):
    org = VoiceOrg(session)
    org.department("D1")
    org.department("D2")
    for i in range(25):
        org.customer(f"A{i}", "D1")
    for i in range(10):
        org.customer(f"B{i}", "D2")
    org.customer("LATE", "D1", since=date(2026, 11, 23))
    for i in range(5):
        org.complaint(datetime(2026, 11, 18, 12, i), customer=f"A{i}")
    org.complaint(datetime(2026, 11, 18, 12, 0), customer="B0")
    org.commit()
    out = complaint_rate_table(session, WEEK, "department")
    assert _rows(out, ["unit_id", "complaints", "customers", "complaint_rate"]) == [
        (org.ids["D1"], 5, 25, 20.0),
        (org.ids["D2"], 1, 10, None),
    ]


# --- spikes -------------------------------------------------------------------------------


def _poisson_cdf(k: int, mean: float) -> float:
    return sum(math.exp(-mean) * mean**i / math.factorial(i) for i in range(k + 1))


@pytest.mark.parametrize(
    ("mean", "bound"),
    [(4.0, 9), (1.0, 4), (10.0, 18), (0.5, 3), (0.1, 1), (0.0, 0), (2.25, 6)],
)
def test_poisson_upper_bound(mean, bound):
    assert poisson_upper_bound(mean, 0.01) == bound
    if mean > 0:
        # the bound is the smallest count whose cumulative probability reaches 99%
        assert _poisson_cdf(bound, mean) >= 0.99 > _poisson_cdf(bound - 1, mean)


def _weekly(org: VoiceOrg, customer: str, week: date, n: int) -> None:
    for i in range(n):
        org.complaint(
            datetime.combine(week, datetime.min.time()) + timedelta(days=i % 7, hours=i), customer=customer
        )


@pytest.mark.parametrize(
    ("history", "current", "mean", "bound", "spike"),
    [
        ([4] * 12, 10, 4.0, 9, True),  # P(X >= 10 | 4) = 0.008 < 0.01
        ([4] * 12, 9, 4.0, 9, False),  # P(X >= 9 | 4) = 0.021
        ([2, 6] * 6, 10, 4.0, 9, True),
        ([0] * 12, 3, 0.0, 0, True),  # a quiet quarter, then three
        ([0] * 12, 2, 0.0, 0, False),  # below spike_min_complaints
        ([0] * 11 + [1], 3, 1 / 12, 1, True),
        ([1] * 12, 2, 1.0, 4, False),
    ],
)
def test_weekly_spikes(session, history, current, mean, bound, spike):
    org = VoiceOrg(session)
    org.department("D1")
    org.department("D2")
    org.customer("C1", "D1")
    org.customer("C2", "D2")
    # D2's complaint twelve weeks back starts the log, so every baseline week is observed.
    org.complaint(datetime(2026, 8, 24, 9), customer="C2")
    for back, n in enumerate(reversed(history), start=1):
        _weekly(org, "C1", MONDAY - timedelta(weeks=back), n)
    _weekly(org, "C1", MONDAY, current)
    org.commit()
    out = weekly_spikes(session, MONDAY)
    assert list(out.columns) == ["department_id", "complaints", "baseline_mean", "upper_bound", "is_spike"]
    d1 = out[out["department_id"] == org.ids["D1"]].iloc[0]
    assert d1["complaints"] == current
    assert d1["baseline_mean"] == pytest.approx(mean)
    assert d1["upper_bound"] == bound
    assert bool(d1["is_spike"]) is spike
    scoped = weekly_spikes(session, MONDAY, [org.ids["D2"]])
    assert scoped["department_id"].tolist() == [org.ids["D2"]]


@pytest.mark.parametrize(
    ("weeks_of_history", "mean", "spike"),
    [(3, None, None), (4, 1.0, True), (6, 1.0, True)],
)
def test_spike_needs_enough_observed_baseline_weeks(session, weeks_of_history, mean, spike):
    org = VoiceOrg(session)
    org.department("D1")
    org.customer("C1", "D1")
    for back in range(1, weeks_of_history + 1):
        _weekly(org, "C1", MONDAY - timedelta(weeks=back), 1)
    _weekly(org, "C1", MONDAY, 6)
    org.commit()
    row = weekly_spikes(session, MONDAY).iloc[0]
    if mean is None:
        assert pd.isna(row["baseline_mean"]) and pd.isna(row["upper_bound"]) and pd.isna(row["is_spike"])
    else:
        assert row["baseline_mean"] == pytest.approx(mean)
        assert bool(row["is_spike"]) is spike


def test_weekly_series_has_every_week_with_rate(session):
    org = VoiceOrg(session)
    org.department("D1")
    for i in range(20):
        org.customer(f"C{i}", "D1", since=date(2026, 1, 1))
    org.customer("NEW", "D1", since=date(2026, 11, 20))
    _weekly(org, "C0", MONDAY - timedelta(weeks=1), 2)
    _weekly(org, "C0", MONDAY, 1)
    org.commit()
    out = weekly_complaint_series(session, MONDAY - timedelta(weeks=2), MONDAY)
    assert _rows(out, ["week_start", "complaints", "customers", "complaint_rate"]) == [
        (MONDAY - timedelta(weeks=2), 0, 20, 0.0),
        (MONDAY - timedelta(weeks=1), 2, 20, 10.0),
        (MONDAY, 1, 21, 100 / 21),
    ]


# --- resolution and SLA -------------------------------------------------------------------


def test_resolution_and_sla_with_open_complaints(session):
    org = VoiceOrg(session)
    org.department("D1")
    org.customer("C1", "D1")
    received = datetime(2026, 11, 16, 8, 0)
    org.complaint(received, customer="C1", resolved_at=received + timedelta(hours=10))
    org.complaint(received, customer="C1", resolved_at=received + timedelta(hours=48))  # on the SLA
    org.complaint(received, customer="C1", resolved_at=received + timedelta(hours=49))
    org.complaint(datetime(2026, 11, 20, 0, 0), customer="C1")  # open 50 h at as_of: missed
    org.complaint(datetime(2026, 11, 21, 16, 0), customer="C1")  # open 10 h: not judged yet
    org.commit()
    as_of = datetime(2026, 11, 22, 2, 0)
    out = resolution_stats(session, WEEK, "department", as_of=as_of)
    assert _rows(
        out,
        [
            "unit_id",
            "complaints",
            "resolved",
            "median_hours_to_resolve",
            "within_sla",
            "missed_sla",
            "sla_share",
        ],
    ) == [(org.ids["D1"], 5, 3, 48.0, 2, 2, 0.5)]
    # By default the week is judged at its end, Mon 23 Nov 00:00: the complaint of Saturday 16:00
    # is then 32 hours old and still not judged.
    default = resolution_stats(session, WEEK, "company").iloc[0]
    assert (default["within_sla"], default["missed_sla"]) == (2, 2)
    longer = resolution_stats(session, WEEK, "company", as_of=datetime(2026, 11, 30)).iloc[0]
    assert (longer["within_sla"], longer["missed_sla"], longer["sla_share"]) == (2, 3, 0.4)


def test_resolution_of_an_empty_window(session):
    out = resolution_stats(session, WEEK, "department")
    assert out.empty and "sla_share" in out.columns


# --- repeats ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "repeat"),
    [
        (date(2026, 10, 20), date(2026, 11, 19), True),  # 30 days apart
        (date(2026, 10, 19), date(2026, 11, 19), False),  # 31 days apart
        (date(2026, 11, 19), date(2026, 11, 19), True),  # the same day
        (date(2026, 11, 16), date(2026, 11, 22), True),
    ],
)
def test_repeat_complainants(session, first, second, repeat):
    org = VoiceOrg(session)
    org.department("D1")
    org.customer("C1", "D1")
    org.customer("C2", "D1")
    org.complaint(datetime.combine(first, datetime.min.time()) + timedelta(hours=9), customer="C1")
    org.complaint(datetime.combine(second, datetime.min.time()) + timedelta(hours=17), customer="C1")
    org.complaint(datetime(2026, 11, 18, 12), customer="C2")
    org.commit()
    summary = repeat_summary(session, WEEK, "department").iloc[0]
    assert summary["complainants"] == 2
    assert summary["repeat_complainants"] == int(repeat)
    assert summary["repeat_share"] == pytest.approx(0.5 if repeat else 0.0)
    listed = repeat_complainants(session, WEEK)
    assert listed["customer_code"].tolist() == (["C1"] if repeat else [])


def test_a_repeat_is_any_complaint_in_the_window_after_one_within_30_days(session):
    org = VoiceOrg(session)
    org.department("D1")
    org.customer("C1", "D1")
    for day in (date(2026, 11, 1), date(2026, 11, 17), date(2026, 11, 20)):
        org.complaint(datetime.combine(day, datetime.min.time()), customer="C1")
    org.commit()
    listed = repeat_complainants(session, WEEK)
    assert _rows(listed, ["customer_code", "complaints", "repeat_complaints"]) == [("C1", 2, 2)]


@pytest.mark.parametrize("scope", [None, "D1", "D2"])
def test_repeats_with_summary_equals_the_two_figures_it_replaces(session, scope):
    org = VoiceOrg(session)
    for department in ("D1", "D2"):
        org.department(department)
    for n, department in enumerate(["D1", "D1", "D2", "D2", "D1"], start=1):
        org.customer(f"C{n}", department)
    days = {
        "C1": [date(2026, 10, 25), date(2026, 11, 17), date(2026, 11, 20)],  # repeats, one earlier
        "C2": [date(2026, 11, 18)],
        "C3": [date(2026, 11, 16), date(2026, 11, 16), date(2026, 11, 22)],
        "C4": [date(2026, 9, 1), date(2026, 11, 19)],  # 79 days apart: no repeat
        "C5": [date(2026, 11, 17), date(2026, 11, 21)],
    }
    for customer, dates in days.items():
        for day in dates:
            org.complaint(datetime.combine(day, datetime.min.time()) + timedelta(hours=10), customer=customer)
    # A matched complaint of another department than the customer's, and one without a department
    # (the company level counts it, the department level does not).
    org.complaint(datetime(2026, 11, 19, 8), customer="C2", department="D2")
    org.customer("C6", "D2")
    for day in (19, 21):  # C6's only complaints have no department: a repeater at company level only
        homeless = org.complaint(datetime(2026, 11, day, 8), customer="C6")
        org.session.get(Complaint, homeless).department_id = None
    homeless = org.complaint(datetime(2026, 11, 21, 8), customer="C5")
    org.session.get(Complaint, homeless).department_id = None
    org.complaint(datetime(2026, 11, 20, 8), customer="C2", unmatched=True)
    org.commit()
    ids = None if scope is None else [org.ids[scope]]
    table, summary = repeats_with_summary(session, WEEK, ids)
    pd.testing.assert_frame_equal(table, repeat_complainants(session, WEEK, ids))
    pd.testing.assert_frame_equal(summary, repeat_summary(session, WEEK, "company", ids))
    assert not table.empty and not summary.empty
    if scope is None:  # C6 counts in the company summary and is not listed
        assert "C6" not in table["customer_code"].tolist()
        assert summary["repeat_complainants"].iloc[0] == table.shape[0] + 1


def test_repeats_with_summary_of_an_empty_window(session):
    table, summary = repeats_with_summary(session, WEEK)
    pd.testing.assert_frame_equal(table, repeat_complainants(session, WEEK))
    pd.testing.assert_frame_equal(summary, repeat_summary(session, WEEK, "company"))


# --- breakdowns ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Billing", "billing"),
        ("  billing ", "billing"),
        ("ＢＩＬＬＩＮＧ", "billing"),
        ("服务态度", "服务态度"),
        ("Straße", "strasse"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_label(raw, key):
    assert normalise_label(raw) == key


def test_category_pareto(session):
    org = VoiceOrg(session)
    org.department("D1")
    org.customer("C1", "D1")
    categories = ["Billing", "Billing", "billing ", "ＢＩＬＬＩＮＧ", "Delivery", "delivery", "", "Quality"]
    for i, category in enumerate(categories):
        org.complaint(datetime(2026, 11, 17, 9, i), customer="C1", category=category)
    org.complaint(datetime(2026, 11, 24, 9), customer="C1", category="Quality")  # next week
    org.commit()
    out = category_pareto(session, WEEK)
    assert _rows(out, ["key", "label", "complaints", "share", "cumulative_share"]) == [
        ("billing", "Billing", 4, 0.5, 0.5),
        ("delivery", "Delivery", 2, 0.25, 0.75),
        ("quality", "Quality", 1, 0.125, 0.875),
        ("", "", 1, 0.125, 1.0),  # uncategorised comes last whatever its count
    ]


def test_breakdown_by_severity_per_department(session):
    org = VoiceOrg(session)
    org.department("D1")
    org.department("D2")
    org.customer("C1", "D1")
    org.customer("C2", "D2")
    for severity in ("high", "High", "low"):
        org.complaint(datetime(2026, 11, 17, 9), customer="C1", severity=severity, channel="phone")
    org.complaint(datetime(2026, 11, 17, 9), customer="C2", severity="low", channel="email")
    org.commit()
    ids = org.ids
    out = complaint_breakdown(session, WEEK, "severity", "department")
    assert _rows(out, ["unit_id", "key", "complaints", "share"]) == [
        (ids["D1"], "high", 2, 2 / 3),
        (ids["D1"], "low", 1, 1 / 3),
        (ids["D2"], "low", 1, 1.0),
    ]
    channels = complaint_breakdown(session, WEEK, "channel", "company", [ids["D2"]])
    assert _rows(channels, ["unit_id", "key", "complaints"]) == [(COMPANY_UNIT_ID, "email", 1)]
    with pytest.raises(ValueError, match="field must be one of"):
        complaint_breakdown(session, WEEK, "description")


# --- unmatched ----------------------------------------------------------------------------


def test_unmatched_complaints_are_listed_for_unscoped_users_only(session, moved):
    out = unmatched_complaints(session, WEEK)
    assert _rows(out, ["received_at", "unmatched_reason"]) == [
        (pd.Timestamp(2026, 11, 20, 9, 0), "customer not found")
    ]
    assert unmatched_complaints(session, Window(date(2026, 11, 23), date(2026, 11, 29))).empty
    assert unmatched_complaints(session, WEEK, [moved.ids["D1"]]).empty
