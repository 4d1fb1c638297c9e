"""The This week page under AppTest, on the demo organisation: figures, diagnoses, notes, scope, languages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import streamlit as st
from sqlalchemy import delete, select
from streamlit.testing.v1 import AppTest
from test_app_shell import ENGLISH_ONLY, TIMEOUT, app_engine, org, texts  # noqa: F401 (fixtures)

from core.auth import CurrentUser
from core.balance import diagnosis_text
from core.db import make_engine, read_session, write_session
from core.i18n import format_date, format_number, format_percent, format_week, read_catalogue
from core.importing.load import demo_source_folder
from core.metrics.weekly import weekly_kpi_changes
from core.models import AuditEvent, Department, Note, Supervisor
from core.params import DEFAULT_PARAMS
from core.periods import parse_week
from core.settings import PROJECT_ROOT
from core.week_view import change_points
from ui.signin import USER_KEY

PAGE = str(PROJECT_ROOT / "pages" / "this_week.py")
MANIFEST = json.loads((demo_source_folder() / "manifest.json").read_text(encoding="utf-8"))
WEEK = MANIFEST["window"]["week"]  # the 13 weeks of the planted stories end here


def english_patterns() -> list[re.Pattern[str]]:
    """Every English message with a translation, placeholders as wildcards: a shown text matching one
    in Chinese mode is an untranslated message."""
    patterns = []
    for msgid, text in read_catalogue("zh").items():
        if isinstance(msgid, str) and isinstance(text, str) and text != msgid and "{" in msgid:
            parts = re.split(r"\{[^}]*\}", msgid)
            if sum(len(p.strip()) for p in parts) >= 8:  # enough fixed words to recognise
                patterns.append(re.compile(".*".join(re.escape(p) for p in parts)))
    return patterns


def untranslated(at: AppTest) -> list[str]:
    shown = texts(at) + [str(m.value) for m in at.metric] + [str(e.label) for e in at.expander]
    patterns = english_patterns()
    return [s for s in shown if s.strip() in ENGLISH_ONLY or any(p.search(s) for p in patterns)]


def user(role: str, department: str | None = None, supervisor: str | None = None) -> CurrentUser:
    with read_session(make_engine(st_url())) as session:
        dep_id = session.execute(select(Department.id).where(Department.code == department)).scalar()
        sup_id = session.execute(select(Supervisor.id).where(Supervisor.code == supervisor)).scalar()
    return CurrentUser(
        id=1,
        username=f"test-{role}",
        display_name="",
        role=role,
        department_id=dep_id,
        department_code=department,
        supervisor_id=sup_id,
        supervisor_code=supervisor,
    )


_URL: list[str] = []


def st_url() -> str:
    return _URL[0]


@pytest.fixture
def app(demo_app: str) -> Iterator[str]:
    _URL[:] = [demo_app]
    yield demo_app


def open_page(
    lang: str = "zh", role: str = "admin", home: str | None = None, path: str = PAGE, **query: str
) -> AppTest:
    """The page as `role` (a manager's or supervisor's own department: `home`), opened at a URL."""
    at = AppTest.from_file(path, default_timeout=TIMEOUT)
    at.session_state["tripod_lang"] = lang
    at.session_state[USER_KEY] = user(role, home, query.get("supervisor") if role == "supervisor" else None)
    at.query_params.update({"week": WEEK, "department": "D01", **query})
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def core_set(department: str) -> dict:
    with read_session(make_engine(st_url())) as session:
        return weekly_kpi_changes(session, WEEK, department)


# --- what the page shows ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_renders_in_each_language_with_charts(app, lang):
    at = open_page(lang)
    assert at.title[0].value == {"zh": "本周", "en": "This week"}[lang]
    assert len(at.get("plotly_chart")) == 3 + 3  # three supervisors' legs, three trends
    assert len(at.get("download_button")) == 1 + 3  # the supervisors' table and each trend
    # The detector must see the English page as English, or its silence in Chinese proves nothing.
    assert bool(untranslated(at)) is (lang == "en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_tiles_show_the_core_figures(app, lang):
    at = open_page(lang)
    changes = core_set("D01")
    now, delta = changes["current"]["departments"][0], changes["deltas"]["departments"][0]
    shown = {m.label: (m.value, m.delta or None) for m in at.metric}
    sunday = format_date(parse_week(WEEK)[1], lang, style="MMMd")  # quarter to date runs to the week's end
    labels = {
        "zh": [
            "目标完成率（本周）",
            f"目标完成率（本季度截至{sunday}）",
            "满意度（本周）",
            "实战考试通过率",
            "重点客户按时联系率",
        ],
        "en": [
            "Target attainment, week",
            f"Target attainment, quarter to {sunday}",
            "Customer satisfaction (CSAT), week",
            "Reps who passed the hands-on exam",
            "Key accounts contacted in time",
        ],
    }[lang]
    keys = [
        "attainment_week",
        "attainment_qtd",
        "csat_pct_week",
        "exam_coverage",
        "key_account_contact_coverage",
    ]
    # D01's CSAT this week rests on 4 surveys: a small sample, marked so, with no arrow and no colour.
    assert 0 < now["surveys_week"] < DEFAULT_PARAMS.csat_min_surveys
    marker = {
        "zh": f"样本小：{now['surveys_week']} 份问卷",
        "en": f"small sample: {now['surveys_week']} surveys",
    }
    # The marker is a badge of its own under the value, not part of the (truncatable) label.
    # (st.badge renders as a markdown badge.)
    assert f":gray-badge[:material/info: {marker[lang]}]" in [str(md.value) for md in at.markdown]
    for label, key in zip(labels, keys, strict=True):
        small = key == "csat_pct_week"
        assert shown[label] == (
            format_percent(now[key], lang),
            None if small else change_points(delta[key], lang),
        )
    rate_label = {"zh": "每百家客户投诉率（投诉数）", "en": "Complaints per 100 customers (count)"}[lang]
    rate = format_number(now["complaint_rate_week"], lang, decimals=1)
    count = format_number(now["complaints_week"], lang)
    assert shown[rate_label][0] == {"zh": f"{rate}（{count} 起）", "en": f"{rate} ({count})"}[lang]


def _cards(at: AppTest) -> dict[str, list[str]]:
    """Supervisor code -> the markdown drawn in that supervisor's card after the name, in order."""
    cards: dict[str, list[str]] = {}
    current: list[str] | None = None
    for value in (str(m.value) for m in at.markdown):
        named = re.fullmatch(r"\*\*.+ \\\((S\d+)\\\)\*\*", value)
        if named:
            current = cards.setdefault(named.group(1), [])
        elif current is not None:
            current.append(value)
    return cards


def _unexplained(at: AppTest) -> set[str]:
    return {code for code, shown in _cards(at).items() if any("Unexplained" in v for v in shown[:2])}


@pytest.mark.parametrize("department", ["D01", "D02", "D03", "D04"])
def test_the_planted_supervisors_show_their_diagnoses(app, department):
    at = open_page("en", department=department)
    supervisors = [s["code"] for s in core_set(department)["current"]["supervisors"]]
    cards = _cards(at)
    assert sorted(cards) == sorted(supervisors)
    for code in supervisors:
        label = diagnosis_text(MANIFEST["planted"][code], "en")["label"]
        assert re.fullmatch(rf":\w+-badge\[{re.escape(label)}\]", cards[code][0]), (code, cards[code][0])


def test_the_alerts_name_the_planted_problems(app):
    at = open_page("en", department="D02")
    shown = " ".join(str(m.value) for m in at.markdown)
    spike = next(
        s for s in MANIFEST["complaint_spikes"] if s["department_code"] == "D02" and s["week"] == WEEK
    )
    assert spike and ":red-badge[High] **Complaint spike" in shown
    assert "**Rating\\-chain gap" in shown  # S04 rates reps far above what customers say


# --- notes, actions and the unexplained mark --------------------------------------------------


@pytest.fixture
def notes_cleared(app: str) -> Iterator[None]:
    """The demo database is shared by the session: the notes a test writes are removed after it."""
    yield
    with write_session(make_engine(app)) as session:
        session.execute(delete(Note))
        session.execute(delete(AuditEvent).where(AuditEvent.action.startswith("note.")))
    st.cache_data.clear()


def test_a_note_and_its_action_persist_and_explain_the_week(app, notes_cleared):
    at = open_page("en", role="manager", home="D01")
    assert "S02" in _unexplained(at)  # neglects skills, exam coverage red, no note yet
    at.selectbox(key="this_week_supervisor").select(_id_of("S02"))
    at.text_area(key="this_week_text").input("Exams booked for the five reps")
    at.text_input(key="this_week_action").input("Run the hands-on exam")
    at.text_input(key="this_week_owner").input("冯志远")
    at.selectbox(key="this_week_due").select_index(2)
    _save(at)
    assert not at.exception and [s.value for s in at.success] == ["Saved."]
    # A saved note empties the whole form, the due week included, ready for the next one.
    assert at.text_area(key="this_week_text").value == ""
    assert at.text_input(key="this_week_action").value == ""
    assert at.text_input(key="this_week_owner").value == ""
    assert at.selectbox(key="this_week_due").value is None
    at.run()  # a later run reads it back from the database
    shown = " ".join(str(m.value) for m in at.markdown)
    assert "Exams booked for the five reps" in shown and "Run the hands\\-on exam" in shown
    assert "S02" not in _unexplained(at)
    with read_session(make_engine(app)) as session:
        note = session.execute(select(Note)).scalar_one()
        assert (note.week, note.action_owner, note.created_by) == (WEEK, "冯志远", "test-manager")
    at.button(key=f"this_week_close_{note.id}").click().run()
    assert [s.value for s in at.success] == ["Action closed."]
    assert any(c.value.startswith("Closed ") for c in at.caption)  # closed after the week: still listed


def test_a_refused_note_keeps_what_was_typed(app, notes_cleared):
    at = open_page("en", role="manager", home="D01")
    at.text_input(key="this_week_action").input("Coach the team")
    _save(at)
    assert [e.value for e in at.error] == ["Name who owns the action."]
    assert at.text_input(key="this_week_action").value == "Coach the team"


def _id_of(code: str) -> int:
    with read_session(make_engine(st_url())) as session:
        return session.execute(select(Supervisor.id).where(Supervisor.code == code)).scalar_one()


def _save(at: AppTest, label: str = "Save") -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


# --- scope -------------------------------------------------------------------------------


def test_a_manager_forging_another_department_sees_only_their_own(app):
    at = open_page("en", role="manager", home="D01", department="D02")
    own, other = core_set("D01"), core_set("D02")
    assert at.selectbox(key="filter_department").options == ["银行一部 (D01)"]
    assert at.query_params["department"] in ("D01", ["D01"])  # the forged value is overwritten
    shown = " ".join(texts(at))
    assert all(s["name"] not in shown for s in other["current"]["supervisors"])
    assert all(s["name"] in shown for s in own["current"]["supervisors"])
    attainment = {m.label: m.value for m in at.metric}["Target attainment, week"]
    assert attainment == format_percent(own["current"]["departments"][0]["attainment_week"], "en")


def test_a_role_without_the_page_is_refused_even_when_run_alone(app):
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["tripod_lang"] = "en"
    at.session_state[USER_KEY] = user("supervisor", "D01", "S01")
    at.run()
    assert not at.exception and not at.metric
    assert [w.value for w in at.warning] == ["Please sign in with an account that may open this page."]


# --- empty states -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (PAGE, "No department yet: upload departments, supervisors and reps first."),
        (
            str(PROJECT_ROOT / "pages" / "supervisor.py"),
            "No supervisor to show yet: upload departments, supervisors and reps.",
        ),
    ],
)
@pytest.mark.usefixtures("app_engine")
def test_an_empty_database_says_what_to_upload(path, message):
    at = AppTest.from_file(path, default_timeout=TIMEOUT)
    at.session_state["tripod_lang"] = "en"
    at.session_state[USER_KEY] = CurrentUser(1, "test-admin", "", "admin", None, None, None, None)
    at.run()
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == [message]
    assert "Ask a department manager or an administrator to upload the data." in [c.value for c in at.caption]


@pytest.mark.usefixtures("org")
def test_a_week_without_figures_says_what_to_upload():
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["tripod_lang"] = "en"
    at.session_state[USER_KEY] = CurrentUser(1, "test-admin", "", "admin", None, None, None, None)
    at.query_params.update({"department": "BANK1", "week": WEEK})  # the small organisation stops in 2025
    at.run()
    assert not at.exception and not at.metric
    assert [i.value for i in at.info] == [
        f"Nothing is recorded for 银行一部 in {format_week(WEEK, 'en')}: "
        "upload bookings, targets, surveys or complaints."
    ]


# --- a link naming what the user may not see --------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "notice"),
    [
        (
            "en",
            "The link named department “{code}”, which is not among the departments you can see; "
            "showing 银行二部 (D02) instead.",
        ),
        ("zh", "链接指定的部门“{code}”不在您可查看的部门之中；现显示银行二部 (D02)。"),
    ],
)
def test_a_link_to_a_department_out_of_reach_says_what_is_shown_instead(app, lang, notice):
    # D01 exists but is not the manager's; D99 does not exist: the same words, so a link cannot
    # be used to find out which departments exist.
    for code in ("D01", "D99"):
        at = open_page(lang, role="manager", home="D02", department=code)
        assert [w.value for w in at.warning] == [notice.format(code=code)]
        assert at.selectbox(key="filter_department").value == "D02"
        assert at.query_params["department"] == "D02"
        at.run()  # the URL now names what is shown: no notice on the next run
        assert not at.warning


def test_a_link_to_a_week_not_offered_says_which_week_is_shown(app):
    at = open_page("en", week="2031-W60")
    [notice] = [w.value for w in at.warning]
    assert notice.startswith(
        "The link named week “2031\\-W60”, which is not offered (the weeks offered run from "
    )
    assert notice.endswith(
        f"showing {format_week(at.selectbox(key='filter_week').value, 'en', with_dates=True)} instead."
    )


def test_a_link_with_markdown_in_it_is_shown_as_text(app):
    at = open_page("en", department="**[click](http://x)**")
    [notice] = [w.value for w in at.warning]
    assert "“\\*\\*\\[click\\]\\(http\\:" in notice


def test_a_link_without_a_problem_gives_no_notice(app):
    assert not open_page("en", department="D03").warning
    assert not open_page("en", department="*").warning  # "all departments" from another page
