"""Key-account contact: coverage within the cadence, the overdue list, reactive complaints."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from voice_builders import VoiceOrg

from core.metrics import COMPANY_UNIT_ID
from core.metrics.contacts import (
    cadence_start,
    key_account_contacts,
    key_account_coverage,
    overdue_key_accounts,
    reactive_complaints,
)
from core.params import DEFAULT_PARAMS
from core.periods import Window

SUNDAY = date(2026, 11, 22)  # the cadence ending on it runs from 24 Oct
WEEK = Window(date(2026, 11, 16), SUNDAY)


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    out = []
    for record in frame[columns].itertuples(index=False):
        out.append(tuple(None if (not isinstance(v, str) and pd.isna(v)) else v for v in record))
    return out


def _org(session) -> VoiceOrg:
    org = VoiceOrg(session)
    org.department("D1")
    org.department("D2")
    org.supervisor("S1", "D1")
    org.supervisor("S2", "D2")
    org.rep("R1", "S1")
    org.rep("R2", "S2")
    return org


def test_cadence_start():
    assert cadence_start(SUNDAY) == date(2026, 10, 24)
    assert cadence_start(SUNDAY, DEFAULT_PARAMS.with_overrides(contact_cadence_days=7)) == date(2026, 11, 16)


@pytest.mark.parametrize(
    ("contacts", "covered", "days_since"),
    [
        ([date(2026, 11, 22)], True, 0),
        ([date(2026, 10, 24)], True, 29),  # first day of the 30-day cadence
        ([date(2026, 10, 23)], False, 30),  # one day too early: overdue
        ([date(2026, 11, 23)], False, None),  # after the day: not yet known on the day
        ([date(2026, 9, 1), date(2026, 11, 1)], True, 21),  # the latest contact counts
        ([], False, None),
    ],
)
def test_coverage_and_days_since_contact(session, contacts, covered, days_since):
    org = _org(session)
    org.customer("K1", "D1", "R1", key_account=True)
    org.customer("K2", "D1", "R1", key_account=True)
    org.contact("K2", "R1", date(2026, 11, 20))
    org.customer("N1", "D1", "R1")  # not a key account: never counted
    org.customer("LATE", "D1", "R1", key_account=True, since=date(2026, 11, 23))
    for day in contacts:
        org.contact("K1", "R2", day)  # a contact by any rep counts
    org.commit()
    out = key_account_coverage(session, SUNDAY, "company")
    assert list(out.columns) == ["unit_id", "key_accounts", "contacted", "coverage"]
    assert _rows(out, ["unit_id", "key_accounts", "contacted", "coverage"]) == [
        (COMPANY_UNIT_ID, 2, 1 + covered, (1 + covered) / 2)
    ]
    listed = key_account_contacts(session, SUNDAY)
    k1 = listed[listed["customer_code"] == "K1"].iloc[0]
    assert bool(k1["overdue"]) is (not covered)
    assert (None if pd.isna(k1["days_since_contact"]) else k1["days_since_contact"]) == days_since
    overdue = overdue_key_accounts(session, SUNDAY)
    assert overdue["customer_code"].tolist() == ([] if covered else ["K1"])


def test_coverage_per_supervisor_follows_the_owner_reps_team_on_the_day(session):
    org = _org(session)
    org.customer("K1", "D1", "R1", key_account=True)
    org.customer("K2", "D1", "R1", key_account=True)
    org.customer("K3", "D2", "R2", key_account=True)
    org.contact("K1", "R1", date(2026, 11, 1))
    org.move("R1", "S2", date(2026, 11, 22))
    org.commit()
    ids = org.ids
    by_supervisor = key_account_coverage(session, SUNDAY, "supervisor")
    assert _rows(by_supervisor, ["unit_id", "key_accounts", "contacted", "coverage"]) == [
        (ids["S2"], 3, 1, 1 / 3)
    ]
    before = key_account_coverage(session, date(2026, 11, 21), "supervisor")
    assert _rows(before, ["unit_id", "key_accounts", "contacted"]) == [(ids["S1"], 2, 1), (ids["S2"], 1, 0)]
    by_department = key_account_coverage(session, SUNDAY, "department", [ids["D1"]])
    assert _rows(by_department, ["unit_id", "key_accounts", "contacted", "coverage"]) == [
        (ids["D1"], 2, 1, 0.5)
    ]
    none = key_account_coverage(session, SUNDAY, "company", [])
    assert _rows(none, ["key_accounts", "coverage"]) == [(0, None)]


def test_overdue_list_names_owner_and_team_and_puts_the_silent_first(session):
    org = _org(session)
    org.customer("K1", "D1", "R1", key_account=True)
    org.customer("K2", "D1", "R1", key_account=True)
    org.customer("K3", "D1", None, key_account=True)
    org.customer("K4", "D2", "R2", key_account=True)
    org.contact("K1", "R1", date(2026, 10, 1))
    org.contact("K2", "R1", date(2026, 9, 1))
    org.contact("K4", "R2", date(2026, 8, 1))
    org.commit()
    ids = org.ids
    out = overdue_key_accounts(session, SUNDAY, [ids["D1"]])
    assert _rows(
        out, ["customer_code", "owner_rep_code", "supervisor_id", "last_contact_on", "days_since_contact"]
    ) == [
        ("K3", None, None, None, None),
        ("K2", "R1", ids["S1"], date(2026, 9, 1), 82),
        ("K1", "R1", ids["S1"], date(2026, 10, 1), 52),
    ]
    team = overdue_key_accounts(session, SUNDAY, supervisor_id=ids["S2"])
    assert team["customer_code"].tolist() == ["K4"]


@pytest.mark.parametrize(
    ("key_account", "contact_day", "reactive"),
    [
        (True, date(2026, 10, 21), False),  # 30 days before the complaint: still in cadence
        (True, date(2026, 10, 20), True),  # 31 days before: overdue when the customer called
        (True, date(2026, 11, 20), True),  # a contact on the complaint day answers it; it does not count
        (True, None, True),
        (False, None, False),  # not a key account
    ],
)
def test_reactive_complaints(session, key_account, contact_day, reactive):
    org = _org(session)
    org.customer("C1", "D1", "R1", key_account=key_account)
    org.customer("C2", "D1", "R1")
    if contact_day:
        org.contact("C1", "R1", contact_day)
    org.complaint(datetime(2026, 11, 20, 15, 0), customer="C1")
    org.complaint(datetime(2026, 11, 18, 9, 0), customer="C2")
    org.commit()
    for level, unit in (("department", org.ids["D1"]), ("supervisor", org.ids["S1"]), ("company", 0)):
        out = reactive_complaints(session, WEEK, level)
        assert list(out.columns) == [
            "unit_id",
            "complaints",
            "key_account_complaints",
            "reactive",
            "reactive_share",
        ]
        assert _rows(
            out, ["unit_id", "complaints", "key_account_complaints", "reactive", "reactive_share"]
        ) == [(unit, 2, int(key_account), int(reactive), 0.5 if reactive else 0.0)]
