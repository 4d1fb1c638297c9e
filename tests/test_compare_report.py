"""The report offered on Compare covers what is on screen: the chosen departments of the chosen segment."""

from __future__ import annotations

import io

import openpyxl
import pytest
from dashboard_pages import WEEK, open_page
from test_app_shell import app_engine  # noqa: F401 (a fixture)

from core.auth import Scope
from core.db import make_engine, read_session
from core.reports import ReportScopeError, gather_report
from core.reports.content import resolve_unit

EVERYONE = Scope(department_ids=None, supervisor_ids=None)


def _department_codes(data: bytes) -> set[str]:
    """The codes in the Departments sheet's first column (D01 …), below its header."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {row[0] for row in book["Departments"].iter_rows(values_only=True) if str(row[0]).startswith("D0")}


def test_chosen_departments_narrow_the_company_report(demo_url):
    with read_session(make_engine(demo_url)) as session:
        report = gather_report(
            session, WEEK, department_code=None, lang="en", scope=EVERYONE, department_codes=["D03", "D01"]
        )
        everything = gather_report(session, WEEK, department_code=None, lang="en", scope=EVERYONE)
    assert report.title == "Weekly report: Chosen departments: D01, D03"
    assert [row["code"] for row in report.table("departments").rows] == ["D01", "D03"]
    assert {row["department_code"] for row in report.table("supervisors").rows} == {"D01", "D03"}
    assert everything.title == "Weekly report: Company"


def test_one_chosen_department_is_its_report_and_all_of_them_the_company(demo_url):
    with read_session(make_engine(demo_url)) as session:
        one = resolve_unit(session, None, EVERYONE, ["D02"])
        every = resolve_unit(session, None, EVERYONE, ["D01", "D02", "D03", "D04"])
    assert (one.department_code, one.chosen) == ("D02", False)
    assert (every.department_code, every.department_ids, every.chosen) == (None, None, False)


def test_a_chosen_department_outside_the_scope_is_refused(demo_url):
    with read_session(make_engine(demo_url)) as session:
        ids = resolve_unit(session, "D01", EVERYONE).department_ids
        two = resolve_unit(session, None, EVERYONE, ["D01", "D02"]).department_ids
        mine = Scope(department_ids=frozenset(two), supervisor_ids=None)
        with pytest.raises(ReportScopeError):
            resolve_unit(session, None, mine, ["D01", "D03"])
    assert ids and set(ids) < set(two)


def test_compare_with_two_departments_offers_their_report(demo_app):
    at = open_page("compare", demo_app, lang="en", departments="D01,D03")
    captions = " ".join(c.value for c in at.caption)
    assert "The report of the departments D01, D03 for Week 47, 2026" in captions
    at.button(key="compare_prepare_xlsx").click().run()
    assert not at.exception and not at.error
    data = at.session_state[f"report:compare:xlsx:{WEEK}:D01+D03:en"]
    assert _department_codes(data) == {"D01", "D03"}


def test_compare_of_one_segment_offers_that_segments_departments(demo_app):
    at = open_page("compare", demo_app, lang="zh", segment="non_bank")
    captions = " ".join(c.value for c in at.caption)
    assert "部门 D03, D04" in captions
    at = open_page("compare", demo_app, lang="en", departments="D01,D03", segment="bank")
    assert "The report of 银行一部 (D01) for Week 47, 2026" in " ".join(c.value for c in at.caption)
    at = open_page("compare", demo_app, lang="en")
    assert "The report of the company for Week 47, 2026" in " ".join(c.value for c in at.caption)
