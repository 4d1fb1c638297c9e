"""Customer classes: the boundaries at 30%, +-10%, 2 years and 6 months; summaries per unit; strategies."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from voice_builders import VoiceOrg

from core.classification import (
    CLASS_NAMES,
    CLASS_STRATEGY,
    CLASSES,
    ClassWindows,
    class_summary,
    customer_classes,
)
from core.metrics import COMPANY_UNIT_ID

DAY = date(2026, 11, 22)
# recent 2025-11-23..2026-11-22, prior 2024-11-23..2025-11-22, active from 2026-05-23,
# loyal if a customer since 2024-11-22 or earlier.
PRIOR = date(2025, 6, 1)
RECENT = date(2026, 10, 1)
LONG_AGO = date(2020, 1, 1)


def test_class_windows():
    w = ClassWindows.ending(DAY)
    assert (w.recent_start, w.prior_start, w.prior_end) == (
        date(2025, 11, 23),
        date(2024, 11, 23),
        date(2025, 11, 22),
    )
    assert (w.active_start, w.tenure_since) == (date(2026, 5, 23), date(2024, 11, 22))


def test_class_windows_clamp_to_the_end_of_a_shorter_month():
    w = ClassWindows.ending(date(2028, 2, 29))
    assert (w.prior_end, w.recent_start, w.tenure_since) == (
        date(2027, 2, 28),
        date(2027, 3, 1),
        date(2026, 2, 28),
    )
    assert ClassWindows.ending(date(2026, 8, 31)).active_start == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("since", "bookings", "expected", "growth"),
    [
        (LONG_AGO, [(PRIOR, 100.0), (RECENT, 130.0)], "fast_growing", 0.30),  # exactly 30%
        (LONG_AGO, [(PRIOR, 100.0), (RECENT, 129.99)], "worth_nurturing", 0.2999),
        (LONG_AGO, [(PRIOR, 333.33), (RECENT, 433.33)], "fast_growing", 100 / 333.33),
        (date(2026, 1, 1), [(PRIOR, 100.0), (RECENT, 300.0)], "fast_growing", 2.0),  # tenure irrelevant
        (LONG_AGO, [(PRIOR, 100.0), (RECENT, 110.0)], "loyal", 0.10),  # exactly +10%
        (LONG_AGO, [(PRIOR, 100.0), (RECENT, 90.0)], "loyal", -0.10),  # exactly -10%
        (LONG_AGO, [(PRIOR, 100.0), (RECENT, 110.01)], "worth_nurturing", 0.1001),
        (LONG_AGO, [(PRIOR, 100.0), (RECENT, 89.99)], "worth_nurturing", -0.1001),
        (LONG_AGO, [(PRIOR, 100.0), (RECENT, 40.0)], "worth_nurturing", -0.6),  # declining, still active
        (date(2024, 11, 22), [(PRIOR, 100.0), (RECENT, 100.0)], "loyal", 0.0),  # two years to the day
        (date(2024, 11, 23), [(PRIOR, 100.0), (RECENT, 100.0)], "worth_nurturing", 0.0),
        (LONG_AGO, [(RECENT, 500.0)], "worth_nurturing", None),  # no prior revenue: growth undefined
        (LONG_AGO, [(PRIOR, 100.0), (date(2026, 5, 22), 100.0)], "dormant", 0.0),  # last booking a day early
        (LONG_AGO, [(PRIOR, 100.0), (date(2026, 5, 23), 100.0)], "loyal", 0.0),  # on the first active day
        (LONG_AGO, [(date(2021, 3, 1), 100.0)], "dormant", None),  # long lapsed
        (LONG_AGO, [], "no_bookings", None),
        (LONG_AGO, [(date(2026, 11, 23), 100.0)], "no_bookings", None),  # only after the day
    ],
)
def test_customer_class_boundaries(session, since, bookings, expected, growth):
    org = VoiceOrg(session)
    org.department("D1")
    org.supervisor("S1", "D1")
    org.rep("R1", "S1")
    org.customer("C1", "D1", "R1", since=since)
    for day, amount in bookings:
        org.booking("C1", "R1", day, amount)
    org.commit()
    out = customer_classes(session, DAY)
    assert len(out) == 1
    row = out.iloc[0]
    assert row["customer_class"] == expected
    if growth is None:
        assert pd.isna(row["growth"])
    else:
        assert row["growth"] == pytest.approx(growth, abs=1e-9)


def test_customers_who_are_not_yet_customers_are_not_classified(session):
    org = VoiceOrg(session)
    org.department("D1")
    org.customer("C1", "D1", since=date(2026, 11, 23))
    org.commit()
    assert customer_classes(session, DAY).empty


@pytest.fixture
def book(session):
    """Two teams in D1 (bank) and D2 (non-bank); R1 moves from S1 to S2 on 1 Nov 2026."""
    org = VoiceOrg(session)
    org.department("D1", "bank")
    org.department("D2", "non_bank")
    org.supervisor("S1", "D1")
    org.supervisor("S2", "D2")
    org.rep("R1", "S1")
    org.rep("R2", "S1")
    org.rep("R3", "S2")
    org.move("R1", "S2", date(2026, 11, 1))
    stories = {
        # code: (department, owner, segment, prior, recent)
        "A": ("D1", "R1", "bank", 100.0, 200.0),  # fast-growing
        "B": ("D1", "R2", "bank", 100.0, 105.0),  # loyal
        "C": ("D1", "R2", "non_bank", 100.0, 100.0),  # loyal
        "E": ("D1", "R2", "bank", 100.0, 0.0),  # dormant
        "F": ("D2", "R3", "non_bank", 0.0, 50.0),  # worth nurturing
        "G": ("D2", None, "non_bank", 0.0, 0.0),  # no bookings, no owner
    }
    for code, (department, owner, segment, prior, recent) in stories.items():
        org.customer(code, department, owner, segment=segment)
        if prior:
            org.booking(code, owner, PRIOR, prior)
        if recent:
            org.booking(code, owner, RECENT, recent)
    org.commit()
    return org


def test_class_summary_per_department(session, book):
    ids = book.ids
    out = class_summary(session, DAY, "department")
    assert list(out.columns) == [
        "unit_id",
        "customer_class",
        "segment",
        "customers",
        "revenue_recent",
        "revenue_prior",
    ]
    assert [tuple(r) for r in out.itertuples(index=False)] == [
        (ids["D1"], "loyal", "bank", 1, 105.0, 100.0),
        (ids["D1"], "loyal", "non_bank", 1, 100.0, 100.0),
        (ids["D1"], "fast_growing", "bank", 1, 200.0, 100.0),
        (ids["D1"], "dormant", "bank", 1, 0.0, 100.0),
        (ids["D2"], "worth_nurturing", "non_bank", 1, 50.0, 0.0),
        (ids["D2"], "no_bookings", "non_bank", 1, 0.0, 0.0),
    ]


def test_class_summary_per_supervisor_uses_the_owner_reps_team_on_the_day(session, book):
    ids = book.ids
    out = class_summary(session, DAY, "supervisor")
    got = [(r.unit_id, r.customer_class, r.segment, r.customers) for r in out.itertuples(index=False)]
    assert got == [
        (ids["S1"], "loyal", "bank", 1),
        (ids["S1"], "loyal", "non_bank", 1),
        (ids["S1"], "dormant", "bank", 1),
        (ids["S2"], "fast_growing", "bank", 1),  # A's owner R1 joined S2 on 1 Nov
        (ids["S2"], "worth_nurturing", "non_bank", 1),
    ]
    before_move = class_summary(session, date(2026, 10, 31), "supervisor", [ids["D1"]])
    assert set(before_move["unit_id"]) == {ids["S1"]}
    assert before_move["customers"].sum() == 4


def test_class_summary_for_the_company_and_the_drill_down_list(session, book):
    out = class_summary(session, DAY, "company", [book.ids["D2"]])
    assert [tuple(r) for r in out.itertuples(index=False)] == [
        (COMPANY_UNIT_ID, "worth_nurturing", "non_bank", 1, 50.0, 0.0),
        (COMPANY_UNIT_ID, "no_bookings", "non_bank", 1, 0.0, 0.0),
    ]
    loyal = customer_classes(session, DAY, customer_class="loyal")
    assert loyal["customer_code"].tolist() == ["B", "C"]
    mine = customer_classes(session, DAY, owner_rep_ids=[book.ids["R1"]])
    assert mine["customer_code"].tolist() == ["A"]
    with pytest.raises(ValueError, match="customer_class must be one of"):
        customer_classes(session, DAY, customer_class="vip")


@pytest.mark.parametrize("code", CLASSES)
def test_every_class_has_a_name_and_a_strategy_in_both_languages(code):
    for texts in (CLASS_NAMES[code], CLASS_STRATEGY[code]):
        assert set(texts) == {"zh", "en"}
        assert re.search(r"[\u4e00-\u9fff]", texts["zh"])
        assert re.search(r"[A-Za-z]{3}", texts["en"])
