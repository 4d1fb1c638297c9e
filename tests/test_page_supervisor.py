"""The Supervisor page under AppTest, on the demo organisation: figures, diagnoses, tables, notes, scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from test_page_this_week import (  # noqa: F401 (app and notes_cleared are fixtures)
    MANIFEST,
    WEEK,
    app,
    notes_cleared,
    open_page,
    st_url,
    untranslated,
)

from core.auth import Scope
from core.balance import diagnosis_text
from core.db import make_engine, read_session
from core.i18n import format_number, format_percent
from core.metrics.contacts import key_account_contacts
from core.metrics.weekly import weekly_kpi_set
from core.models import Note, Supervisor
from core.settings import PROJECT_ROOT
from core.supervisor_view import supervisor_week

pytestmark = pytest.mark.usefixtures("app")  # the demo organisation, shared with test_page_this_week

PAGE = str(PROJECT_ROOT / "pages" / "supervisor.py")
THIS_WEEK = str(PROJECT_ROOT / "pages" / "this_week.py")
DEPARTMENT_OF = {"S04": "D02", "S05": "D02", "S06": "D02", "S01": "D01", "S02": "D01"}


def supervisor_page(code: str, lang: str = "en", role: str = "admin", home: str | None = None) -> AppTest:
    department = DEPARTMENT_OF.get(code) or _department_of(code)
    return open_page(lang, role, home, path=PAGE, department=department, supervisor=code)


def _department_of(code: str) -> str:
    for row in weekly_set()["supervisors"]:
        if row["code"] == code:
            return row["department_code"]
    raise KeyError(code)


def weekly_set(department: str | None = None) -> dict:
    with read_session(make_engine(st_url())) as session:
        return weekly_kpi_set(session, WEEK, department)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_renders_in_each_language(lang):
    at = supervisor_page("S04", lang)
    assert at.title[0].value.endswith("(S04)")
    assert len(at.get("plotly_chart")) == 2  # the legs over 13 weeks, the portfolio
    assert bool(untranslated(at)) is (lang == "en")


@pytest.mark.parametrize("code", sorted(MANIFEST["planted"]))
def test_each_planted_supervisor_shows_the_planted_diagnosis(code):
    at = supervisor_page(code)
    label = diagnosis_text(MANIFEST["planted"][code], "en")["label"]
    assert any(str(m.value).endswith(f"-badge[{label}]") for m in at.markdown), label


def test_the_tiles_show_the_core_figures():
    at = supervisor_page("S04")
    row = next(r for r in weekly_set("D02")["supervisors"] if r["code"] == "S04")
    shown = {m.label: m.value for m in at.metric}
    assert shown == {
        "Target attainment, 13 weeks": format_percent(row["attainment_13w"], "en"),
        "CSAT, 13 weeks": format_percent(row["csat_pct_13w"], "en"),
        "Exam passed": format_percent(row["exam_coverage"], "en"),
        "Complaints this week": format_number(row["complaints_week"], "en"),
    }


def test_the_tables_list_the_team_and_its_key_accounts():
    at = supervisor_page("S04")
    engine = make_engine(st_url())
    with read_session(engine) as session:
        view = supervisor_week(session, "S04", WEEK, scope=Scope(None, None))
        sup_id = session.execute(select(Supervisor.id).where(Supervisor.code == "S04")).scalar_one()
        accounts = key_account_contacts(session, view["window"].end, [view["supervisor"]["department_id"]],
                                        supervisor_id=sup_id)  # fmt: skip
    tables = {tuple(df.value.columns)[0]: df.value for df in [*at.table, *at.dataframe]}
    reps, key_accounts = tables["Rep"], tables["Key account"]
    assert len(reps) == view["current"]["team_size"] == 7
    assert len(key_accounts) == len(accounts)
    assert set(tables["Class"]["Class"]) == {"Loyal", "Fast-growing", "Worth nurturing", "Dormant"}
    not_passed = reps[~reps["Hands-on exam"].str.startswith("Passed")]
    assert len(not_passed) == round(7 * (1 - view["current"]["exam_coverage"]))


def test_a_supervisor_sees_only_their_own_team_and_cannot_write():
    at = open_page("en", "supervisor", "D02", path=PAGE, department="D02", supervisor="S05")
    at.query_params["supervisor"] = "S04"  # a forged link to a colleague
    at.run()
    assert at.title[0].value.endswith("(S05)")
    assert [o[-5:] for o in at.selectbox(key="filter_supervisor").options] == ["(S05)"]
    assert not any(b.label == "Save" for b in at.button)
    assert "Your role may read notes and actions but not write them." in [c.value for c in at.caption]


def test_a_manager_cannot_open_a_supervisor_of_another_department():
    at = open_page("en", "manager", "D01", path=PAGE, department="D02", supervisor="S04")
    assert not at.title[0].value.endswith("(S04)")
    assert [o[-5:] for o in at.selectbox(key="filter_supervisor").options] == ["(S01)", "(S02)", "(S03)"]


@pytest.mark.usefixtures("notes_cleared")
def test_a_note_written_here_shows_on_this_week():
    at = supervisor_page("S04", role="manager", home="D02")
    at.text_area(key="supervisor_text").input("Talked about the rating gap")
    next(b for b in at.button if b.label == "Save").click().run()
    assert [s.value for s in at.success] == ["Saved."]
    with read_session(make_engine(st_url())) as session:
        assert session.execute(select(Note.text)).scalar_one() == "Talked about the rating gap"
    week = open_page("en", "manager", "D02", path=THIS_WEEK, department="D02")
    assert any("Talked about the rating gap" in str(m.value) for m in week.markdown)
