"""The app shell under AppTest: first start, language, scope, filters in the URL, caches, safe pages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from shell_org import COUNTS, add_small_org
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from core.auth import CurrentUser
from core.db import init_db, is_initialised, make_engine, write_session
from core.i18n import read_catalogue
from core.models import Department
from core.params import DEFAULT_PARAMS, param_label, params_table
from core.settings import PROJECT_ROOT, get_settings
from ui.registry import PAGES, available_pages, landing_page
from ui.signin import USER_KEY

TIMEOUT = 60  # seconds; the first run of a page imports plotly, pandas and babel
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


# --- fixtures -----------------------------------------------------------------------------


def _point_app_at(url: str, monkeypatch: pytest.MonkeyPatch, *, demo: bool) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TRIPOD_DEMO", "1" if demo else "0")
    get_settings.cache_clear()
    st.cache_data.clear()


@pytest.fixture
def app_engine(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """An initialised, empty database for the app under test: a SQLite file, or the PostgreSQL one."""
    if TEST_DATABASE_URL:
        from alembic import command

        from core.db import alembic_config

        engine = request.getfixturevalue("engine")  # emptied PostgreSQL tables
        command.stamp(alembic_config(engine), "head")  # tables made by create_all are at head
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
        init_db(engine)
    _point_app_at(engine.url.render_as_string(hide_password=False), monkeypatch, demo=False)
    yield engine
    get_settings.cache_clear()


@pytest.fixture
def org(app_engine: Engine) -> dict[str, int]:
    return add_small_org(app_engine)


def as_user(
    at: AppTest, role: str, department: str | None = None, ids: dict[str, int] | None = None
) -> AppTest:
    at.session_state[USER_KEY] = CurrentUser(
        id=1,
        username=f"test-{role}",
        display_name="",
        role=role,
        department_id=(ids or {}).get(department) if department else None,
        department_code=department,
        supervisor_id=None,
        supervisor_code=None,
    )
    return at


def page(
    path: str, *, lang: str = "zh", role: str = "admin", department: str | None = None, ids=None
) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / path), default_timeout=TIMEOUT)
    at.session_state["tripod_lang"] = lang
    return as_user(at, role, department, ids)


def signed_in_dashboard(engine: Engine, *, role: str = "admin", department: str | None = None) -> AppTest:
    """dashboard.py with a real user of `role` signed in (the frame re-reads the user each run)."""
    from core.auth import create_user, load_current_user
    from core.models import User

    username = f"shell-{role}"
    with write_session(engine) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            user = create_user(session, username, role, "a long test passphrase", department_code=department)
        session.flush()
        current = load_current_user(session, user.id)
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.session_state[USER_KEY] = current
    return at


def texts(at: AppTest) -> list[str]:
    """Every piece of text a user can read on the page."""
    found: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
    ):
        found += [str(element.value) for element in getattr(at, kind)]
    found += [m.label for m in at.metric] + [b.label for b in at.button] + [s.label for s in at.selectbox]
    for table in list(at.table) + list(at.dataframe):
        found += [str(c) for c in table.value.columns]
    return found


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def department_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Department)).scalar_one()


# --- first start --------------------------------------------------------------------------


@pytest.fixture
def blank_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # First start needs a database without any table, so these tests use their own SQLite file
    # on both backends; the PostgreSQL path of init_db is covered by the foundation's tests.
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    yield url
    get_settings.cache_clear()


def test_first_start_creates_the_database_and_loads_the_demo_with_progress(blank_sqlite, monkeypatch):
    from core.importing import load

    steps = []

    def fake_seed(engine, *, progress=None, today=None):
        for step, kind in enumerate(("departments", "supervisors"), start=1):
            progress(kind, step, 2)
            steps.append(kind)
        with write_session(engine) as session:
            session.add(Department(code="DEMO1", name="演示一部", segment="bank"))
        return {"files": {}}

    monkeypatch.setattr(load, "seed_demo", fake_seed)
    _point_app_at(blank_sqlite, monkeypatch, demo=True)
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.context["locale"] = "zh-CN"
    at.run()

    assert not at.exception
    engine = make_engine(blank_sqlite)
    assert is_initialised(engine) and department_count(engine) == 1
    assert steps == ["departments", "supervisors"]
    assert [s.label for s in at.status] == ["演示机构已载入。"]
    assert "演示数据：虚构的机构，仅供试用 Tripod。" in [w.value for w in at.sidebar.warning]
    # A first visitor meets the sign-in form, with the demo users listed under it.
    assert at.title[0].value == "登录 Tripod"
    shown = [str(v) for table in list(at.table) + list(at.dataframe) for v in table.value.to_numpy().ravel()]
    assert "admin" in shown and "demo-admin" in shown
    at.text_input(key="signin_username").input("admin")
    at.text_input(key="signin_password").input("demo-admin")
    at.button[0].click().run()
    assert not at.exception
    at.switch_page("pages/overview.py").run()
    assert metrics(at)["部门"] == "1"  # what was just loaded is there


def test_a_failing_demo_load_is_explained_and_the_app_carries_on(blank_sqlite, monkeypatch):
    from core.importing import load

    def broken_seed(engine, *, progress=None, today=None):
        raise RuntimeError("demo files missing")

    monkeypatch.setattr(load, "seed_demo", broken_seed)
    _point_app_at(blank_sqlite, monkeypatch, demo=True)
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.context["locale"] = "en-US"
    at.run()

    assert not at.exception
    assert [s.label for s in at.status] == ["The demo organisation could not be loaded."]
    assert any("server log under reference" in e.value for e in at.error)
    assert "demo files missing" not in " ".join(texts(at))  # details go to the log, not the page
    at.text_input(key="signin_username").input("admin")
    at.text_input(key="signin_password").input("demo-admin")
    at.button[0].click().run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    assert any("Nothing is loaded yet" in i.value for i in at.info)


def test_without_demo_mode_first_start_only_creates_the_schema(blank_sqlite, monkeypatch):
    _point_app_at(blank_sqlite, monkeypatch, demo=False)
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.run()
    engine = make_engine(blank_sqlite)
    assert not at.exception
    assert is_initialised(engine) and department_count(engine) == 0
    assert not at.status and not at.sidebar.warning


# --- language -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "title"), [("zh-CN", "已载入的数据"), ("en-GB", "What is loaded"), (None, "What is loaded")]
)
def test_the_language_follows_the_browser(app_engine, locale, title):
    at = signed_in_dashboard(app_engine)
    at.context["locale"] = locale
    at.run().switch_page("pages/overview.py").run()
    assert not at.exception
    assert at.title[0].value == title


def test_the_sidebar_switch_changes_the_language_for_the_session(app_engine, org):
    at = signed_in_dashboard(app_engine)
    at.context["locale"] = "zh-CN"
    at.run().switch_page("pages/overview.py").run()
    assert at.title[0].value == "已载入的数据"
    at.sidebar.button_group[0].set_value("en").run()
    assert at.title[0].value == "What is loaded"
    assert metrics(at)["Customers"] == "5"
    assert [link.label for link in at.page_link] == ["How every figure is computed"]
    assert not at.error
    at.run()  # a later run of the same session keeps the choice
    assert at.title[0].value == "What is loaded"
    assert at.session_state["tripod_lang"] == "en"


# --- pages in both languages, as their users ------------------------------------------------

ENGLISH_ONLY = {
    msgid
    for msgid, text in read_catalogue("zh").items()
    if isinstance(msgid, str) and isinstance(text, str) and "{" not in msgid and text != msgid
}


@pytest.mark.parametrize(
    ("path", "lang", "title"),
    [
        ("pages/overview.py", "zh", "已载入的数据"),
        ("pages/overview.py", "en", "What is loaded"),
        ("pages/method.py", "zh", "计算方法"),
        ("pages/method.py", "en", "Method"),
    ],
)
def test_the_shell_pages_render_in_each_language(app_engine, org, path, lang, title):
    at = page(path, lang=lang)
    at.run()
    assert not at.exception and not at.error
    assert at.title[0].value == title


EXISTING_PAGES = [spec for spec in PAGES if (PROJECT_ROOT / spec.path).exists()]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("spec", EXISTING_PAGES, ids=[spec.key for spec in EXISTING_PAGES])
def test_every_page_renders_for_an_administrator_without_untranslated_text(app_engine, org, spec, lang):
    at = page(spec.path, lang=lang)
    at.run()
    assert not at.exception and not at.error
    assert at.title, "every page has a title"
    if lang == "zh":
        untranslated = [text for text in texts(at) if text.strip() in ENGLISH_ONLY]
        assert not untranslated


@pytest.mark.parametrize(
    ("role", "department", "scope_caption"),
    [
        ("admin", None, "以下数量涵盖整个机构。"),
        ("director", None, "以下数量涵盖整个机构。"),
        ("manager", "BANK1", "以下数量仅包含您所在的部门。"),
    ],
)
def test_the_overview_counts_what_the_user_may_see(app_engine, org, role, department, scope_caption):
    at = page("pages/overview.py", role=role, department=department, ids=org)
    at.run()
    assert not at.error
    expected = COUNTS[department]
    assert metrics(at) == {
        "部门": str(expected["departments"]),
        "主管": str(expected["supervisors"]),
        "代表": str(expected["reps"]),
        "客户": str(expected["customers"]),
        "投诉": str(expected["complaints"]),
    }
    assert scope_caption in [c.value for c in at.caption]
    table = at.table[0].value if at.table else at.dataframe[0].value
    rows = dict(zip(table["记录类型"], table["行数"], strict=True))
    assert rows["销售业绩"] == str(expected["bookings"])


def test_the_overview_dates_each_kind_in_the_language(app_engine, org):
    at = page("pages/overview.py", role="manager", department="BANK1", ids=org, lang="en")
    at.run()
    table = at.dataframe[0].value
    bookings = table[table["Kind of record"] == "Bookings"].iloc[0]
    assert (bookings["From"], bookings["To"]) == ("Mar 5, 2024", "Jun 10, 2024")


def test_the_overview_of_an_empty_database_points_to_the_upload(app_engine):
    at = page("pages/overview.py", lang="en")
    at.run()
    assert not at.exception
    assert [i.value for i in at.info] == [
        "Nothing is loaded yet: start with departments, supervisors and reps."
    ]


@pytest.mark.parametrize(("role", "allowed"), [("supervisor", False), ("call_center", True), (None, False)])
def test_a_page_checks_who_opens_it_even_when_run_alone(app_engine, org, role, allowed):
    at = AppTest.from_file(str(PROJECT_ROOT / "pages/overview.py"), default_timeout=TIMEOUT)
    at.session_state["tripod_lang"] = "en"
    if role:
        as_user(at, role, "BANK1", org)
    at.run()
    assert not at.exception
    assert bool(at.metric) is allowed
    if not allowed:
        assert [w.value for w in at.warning] == ["Please sign in with an account that may open this page."]


def test_the_method_page_lists_every_threshold_in_force(app_engine):
    at = page("pages/method.py", lang="en")
    at.run()
    shown = set()
    for table in at.table:
        shown |= set(table.value["Setting"])
    assert shown == {param_label(name, "en") for name in params_table("en", DEFAULT_PARAMS)["name"]}


# --- navigation ---------------------------------------------------------------------------


def test_navigation_lists_existing_allowed_pages_in_order(tmp_path):
    for spec in PAGES:
        if spec.key in ("overview", "method", "this_week", "admin"):
            (tmp_path / spec.path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / spec.path).write_text("")
    shown = available_pages(["method", "admin", "overview", "compare", "this_week"], root=tmp_path)
    assert [s.key for s in shown] == ["this_week", "overview", "method", "admin"]  # compare: no file yet
    assert landing_page(shown).key == "this_week"
    assert landing_page(available_pages(["method"], root=tmp_path)).key == "method"
    assert landing_page([]) is None


# --- shared filters bound to the URL ----------------------------------------------------------


def _filters_app() -> None:
    import streamlit as st

    from ui import glue

    lang = glue.current_lang()
    department = glue.department_filter(lang)
    supervisor = glue.supervisor_filter(lang, department.id if department else None, allow_all=True)
    week = glue.week_filter(lang)
    st.text(f"department={department.code if department else 'all'}")
    st.text(f"supervisor={supervisor.code if supervisor else 'all'}")
    st.text(f"week={week}")


def _shown(at: AppTest) -> dict[str, str]:
    return dict(t.value.split("=", 1) for t in at.text)


def test_filters_start_from_the_url_and_write_back_to_it(app_engine, org):
    at = AppTest.from_function(_filters_app, default_timeout=TIMEOUT)
    as_user(at, "director")
    at.session_state["tripod_lang"] = "en"
    at.query_params.update({"department": "BANK1", "supervisor": "S2", "week": "2025-W10"})
    at.run()
    assert not at.exception
    assert _shown(at) == {"department": "BANK1", "supervisor": "S2", "week": "2025-W10"}
    at.selectbox(key="filter_supervisor").select("S1").run()
    assert _shown(at)["supervisor"] == "S1"
    assert at.query_params["supervisor"] == "S1"
    assert at.query_params["department"] == "BANK1"


def test_filters_ignore_values_outside_the_list_or_the_scope(app_engine, org):
    from core import periods
    from ui.glue import today

    at = AppTest.from_function(_filters_app, default_timeout=TIMEOUT)
    as_user(at, "manager", "BANK1", org)
    at.session_state["tripod_lang"] = "en"
    at.query_params.update({"department": "CORP1", "supervisor": "S3", "week": "1999-W01"})
    at.run()
    assert not at.exception
    shown = _shown(at)
    assert shown["department"] == "BANK1"  # a forged department never opens
    assert shown["supervisor"] == "all"  # S3 is in CORP1
    assert shown["week"] == periods.last_complete_week(today())  # 1999 is not on offer
    assert at.selectbox(key="filter_department").options == ["银行一部 (BANK1)"]
    assert at.query_params["department"] == "BANK1"


def test_defaults_without_a_url_are_all_departments_and_the_last_complete_week(app_engine, org):
    from core import periods
    from ui.glue import today

    at = AppTest.from_function(_filters_app, default_timeout=TIMEOUT)
    as_user(at, "admin")
    at.run()
    assert _shown(at) == {
        "department": "all",
        "supervisor": "all",
        "week": periods.last_complete_week(today()),
    }


# --- caches and safe pages --------------------------------------------------------------------


def _cached_count_app() -> None:
    import streamlit as st
    from sqlalchemy import func, select

    from core.models import Department
    from ui import glue

    @glue.cached_loader(ttl=3600)
    def count_departments(session) -> int:
        return session.execute(select(func.count()).select_from(Department)).scalar_one()

    st.text(f"departments={count_departments()}")
    if st.button("add"):
        with glue.writing() as session:
            session.add(Department(code="NEW1", name="新部门", segment="bank"))
        st.rerun()


def test_loaders_are_cached_until_a_write_through_the_glue(app_engine, org):
    at = AppTest.from_function(_cached_count_app, default_timeout=TIMEOUT)
    at.run()
    assert at.text[0].value == "departments=2"
    with write_session(app_engine) as session:  # a write elsewhere (CLI, another server)
        session.add(Department(code="CLI1", name="命令行部门", segment="bank"))
    at.run()
    assert at.text[0].value == "departments=2"  # still the cached answer, until the ttl
    at.button[0].click().run()
    assert at.text[0].value == "departments=4"  # the glue's write cleared the cache


def _failing_app() -> None:
    from core.db import DatabaseBusyError
    from ui import glue

    def broken() -> None:
        raise ValueError("secret detail")

    def busy() -> None:
        raise DatabaseBusyError("locked")

    glue.run_page(broken, lang="en")
    glue.run_page(busy, lang="zh")


def test_a_failing_page_shows_a_message_and_never_a_traceback(app_engine, caplog):
    at = AppTest.from_function(_failing_app, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    [error] = at.error
    assert error.value.startswith("This part could not be shown. Reference ")
    reference = error.value.split("Reference ")[1].split(";")[0]
    assert "secret detail" not in error.value
    assert f"ref {reference}" in caplog.text and "secret detail" in caplog.text
    assert [w.value for w in at.warning] == ["数据库正在处理另一项修改，请稍后再试。"]


# --- widgets ------------------------------------------------------------------------------


def _widgets_app() -> None:
    import pandas as pd

    from core.charts import bar_chart
    from ui import widgets

    widgets.kpi_tile("投诉率", "1.8", "zh", delta="+0.4", higher_is_better=False, status="red")
    widgets.kpi_tile("满意度", "91%", "zh", delta="-2%", status="green")
    frame = pd.DataFrame({"department_code": ["BANK1", "CORP1"], "complaints": [12, 3]})
    widgets.chart(
        bar_chart(frame, x="department_code", y="complaints", title="投诉"), frame, key="c", lang="zh"
    )


def test_kpi_tiles_show_value_delta_direction_and_status_in_words(app_engine):
    at = AppTest.from_function(_widgets_app, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    rate, csat = at.metric
    assert (rate.label, rate.value, rate.delta) == ("投诉率", "1.8", "+0.4")
    assert (csat.label, csat.value, csat.delta) == ("满意度", "91%", "-2%")
    assert rate.proto.color == csat.proto.color  # a rise in complaints is drawn like a fall in CSAT: red
    badges = " ".join(m.value for m in at.markdown)
    assert "需采取行动" in badges and "正常" in badges
    assert [b.label for b in at.get("download_button")] == ["下载数据（CSV）"]


def test_csv_downloads_open_in_excel_with_chinese_headers():
    import pandas as pd

    from ui.widgets import csv_bytes

    frame = pd.DataFrame({"department_code": ["BANK1"], "complaints": [12]})
    data = csv_bytes(frame, {"department_code": "部门", "complaints": "投诉数"})
    assert data.startswith("\ufeff".encode())  # the byte-order mark Excel needs to read UTF-8
    assert data.decode("utf-8-sig").splitlines() == ["部门,投诉数", "BANK1,12"]


def _two_loaders_app() -> None:
    import streamlit as st
    from sqlalchemy import func, select

    from core.models import Department, Supervisor
    from ui import glue

    @glue.cached_loader()
    def how_many(session) -> int:
        return session.execute(select(func.count()).select_from(Department)).scalar_one()

    first = how_many

    @glue.cached_loader()
    def how_many(session) -> int:  # noqa: F811 -- same name and signature, another query
        return session.execute(select(func.count()).select_from(Supervisor)).scalar_one()

    st.text(f"{first()} {how_many()}")


def test_two_loaders_never_share_a_cache_entry(app_engine, org):
    at = AppTest.from_function(_two_loaders_app, default_timeout=TIMEOUT)
    at.run()
    assert at.text[0].value == "2 3"
