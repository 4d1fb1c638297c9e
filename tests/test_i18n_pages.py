"""In Chinese no page shows English words; in English none shows Chinese interface text (AppTest, demo).

The scan reads what a user reads — titles, headings, markdown, captions, alerts, metric labels,
buttons, select boxes and their options, radios, tabs, expanders, table headers, chart titles
and axes — and fails on any run of three or more Latin letters that is not data (a file name,
a code span of the Method page's formulas) or a word in the short allowlist below. In English
mode it fails on any Chinese text of the catalogues. Data stays as entered, so table cells,
department and customer names are not scanned.
"""

from __future__ import annotations

import re

import pytest
from dashboard_pages import demo_ids, figure_texts, figures, open_page
from streamlit.testing.v1 import AppTest
from test_app_shell import app_engine, org, page  # noqa: F401 (fixtures)

from core.i18n import read_catalogue

# Abbreviations a Chinese sales manager reads as they are, and names that are not translated.
ALLOWED = {
    "CSAT",  # the customer-satisfaction share, as the organisation calls it
    "KPI",
    "CSV",
    "TXT",
    "TSV",
    "XLSX",
    "XLS",
    "XLSM",
    "Excel",
    "PDF",
    "ISO",  # ISO weeks
    "UTC",
    "UTF",
    "GBK",
    "JSON",
    "Tripod",
    "README",  # the file the settings are documented in
    "demo",  # the user name the demo organisation was uploaded under: data
}
# The Method page also shows the formulas' technical vocabulary (docs/metrics.zh.md).
ALLOWED_ON_METHOD = {"SQL", "SQLite", "PostgreSQL", "numpy", "NaN", "WebGL", "min", "max"}

_LATIN_RUN = re.compile(r"[A-Za-z]{3,}")
_CJK = re.compile(r"[\u3400-\u9fff]")
_NOT_WORDS = [
    re.compile(r"`[^`]*`"),  # code spans: identifiers and formulas
    re.compile(r":material/[a-z_]+:"),  # icons
    re.compile(
        r":(?:red|orange|yellow|green|blue|violet|gray|grey|rainbow|primary)(?:-badge|-background)?\["
    ),
    re.compile(r"https?://\S+"),
    re.compile(r"[\w.-]*\.(?:csv|xlsx|xls|xlsm|txt|tsv|md|py|pdf|db)\b", re.IGNORECASE),  # file names
    re.compile(r"\b[A-Z][a-z]+/[A-Za-z_]+\b"),  # time zones such as Asia/Shanghai: settings, as configured
    re.compile(r"<!--.*?-->", re.DOTALL),
    re.compile(r"\b20\d\d-(?:W\d\d|Q\d|H\d|\d\d-\d\d)\b"),  # week and period codes
]


def visible_texts(at: AppTest) -> list[str]:
    """The interface texts of a page run (not table cells, which are data)."""
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
    found += [str(m.label) for m in at.metric] + [str(m.value) for m in at.metric]
    found += [str(m.proto.delta) for m in at.metric if m.proto.delta]
    found += [str(b.label) for b in at.button] + [str(b.label) for b in at.get("download_button")]
    for element in list(at.selectbox) + list(at.multiselect) + list(at.radio):
        found.append(str(element.label))
        found += [str(option) for option in element.options]
    found += [str(e.label) for e in at.get("text_input")] + [str(e.label) for e in at.get("checkbox")]
    found += [str(e.label) for e in at.get("toggle")] + [str(e.label) for e in at.get("date_input")]
    found += [str(tab.label) for tab in at.tabs] + [str(e.label) for e in at.expander]
    for table in list(at.table) + list(at.dataframe):
        found += [str(column) for column in table.value.columns]
    for figure in figures(at):
        found += figure_texts(figure)
    found += help_texts(at._tree)
    return [text for text in found if text and text.strip()]


def help_texts(node: object) -> list[str]:
    """The tooltips (help=) of every element under `node`: metrics, badges, widgets."""
    found = []
    children = getattr(node, "children", None)
    for child in children.values() if isinstance(children, dict) else ():
        found += help_texts(child)
    proto = getattr(node, "proto", None)
    if proto is not None and getattr(proto, "help", ""):
        found.append(str(proto.help))
    return found


def english_words(texts: list[str], allowed: set[str]) -> list[tuple[str, str]]:
    """(word, text) for every run of 3+ Latin letters outside data and the allowlist."""
    found = []
    for text in texts:
        cleaned = text
        for pattern in _NOT_WORDS:
            cleaned = pattern.sub(" ", cleaned)
        for word in _LATIN_RUN.findall(cleaned):
            if word not in allowed:
                found.append((word, text[:160]))
    return found


def chinese_messages() -> list[str]:
    """The Chinese texts of the catalogues, long enough not to be part of a name by chance."""
    texts = set()
    for value in read_catalogue("zh").values():
        for text in value if isinstance(value, tuple) else (value,):
            fixed = re.split(r"\{[^}]*\}", text)
            texts.update(part.strip() for part in fixed if len(_CJK.findall(part)) >= 4)
    return sorted(texts)


def chinese_interface_texts(texts: list[str], names: set[str]) -> list[str]:
    """Texts in English mode that hold a Chinese message of the catalogues (data names excepted)."""
    messages = chinese_messages()
    found = []
    for text in texts:
        cleaned = text
        for name in names:
            cleaned = cleaned.replace(name, " ")
        if any(message in cleaned for message in messages):
            found.append(text[:160])
    return found


def _data_names(url: str) -> set[str]:
    """Department, supervisor and customer names: data, shown as entered in either language."""
    from sqlalchemy import select

    from core.db import make_engine, read_session
    from core.models import Customer, Department, Supervisor

    with read_session(make_engine(url)) as session:
        names = set(session.execute(select(Department.name)).scalars())
        names |= set(session.execute(select(Supervisor.name)).scalars())
        names |= set(session.execute(select(Customer.name)).scalars())
    return {name for name in names if name}


def _supervisor_of(url: str) -> tuple[str, str]:
    from sqlalchemy import select

    from core.db import make_engine, read_session
    from core.models import Department, Supervisor

    with read_session(make_engine(url)) as session:
        code, department = session.execute(
            select(Supervisor.code, Department.code)
            .join(Department, Department.id == Supervisor.department_id)
            .order_by(Supervisor.code)
        ).first()
    return code, department


# page, role, home department (a manager sees the department view of This week)
PAGES = [
    ("this_week", "manager", "D01"),
    ("this_week", "admin", None),
    ("compare", "director", None),
    ("supervisor", "admin", None),
    ("satisfaction", "admin", None),
    ("plans", "admin", None),
    ("upload", "admin", None),
    ("upload", "call_center", None),
    ("overview", "admin", None),
    ("method", "admin", None),
    ("admin", "admin", None),
]


def _open(name: str, role: str, home: str | None, url: str, lang: str) -> AppTest:
    query = {}
    if name == "supervisor":
        supervisor, department = _supervisor_of(url)
        query = {"supervisor": supervisor, "department": department}
    if home and home not in demo_ids(url):
        pytest.fail(f"the demo organisation has no department {home}")
    return open_page(name, url, lang=lang, role=role, home=home, **query)


@pytest.mark.parametrize(("name", "role", "home"), PAGES, ids=[f"{p}-{r}" for p, r, _ in PAGES])
def test_a_page_in_chinese_shows_no_english(demo_app, name, role, home):
    at = _open(name, role, home, demo_app, "zh")
    texts = visible_texts(at)
    assert len(texts) > 3, texts  # the page drew something to read
    allowed = ALLOWED | (ALLOWED_ON_METHOD if name == "method" else set())
    found = english_words(texts, allowed)
    assert not found, "English in Chinese mode:\n" + "\n".join(f"  {w!r} in {s!r}" for w, s in found)


@pytest.mark.parametrize(("name", "role", "home"), PAGES, ids=[f"{p}-{r}" for p, r, _ in PAGES])
def test_a_page_in_english_shows_no_chinese_interface_text(demo_app, name, role, home):
    at = _open(name, role, home, demo_app, "en")
    texts = visible_texts(at)
    # The detector must see English words here, or its silence in Chinese would prove nothing.
    assert english_words(texts, ALLOWED)
    found = chinese_interface_texts(texts, _data_names(demo_app))
    assert not found, "Chinese interface text in English mode:\n" + "\n".join(f"  {s!r}" for s in found)


def test_the_scan_finds_english_and_leaves_data_alone():
    texts = [
        "本周投诉率 Complaint rate",
        "文件 complaints.csv 已上传",
        "`score_team = 100 × (0.4 × evenness)` 的权重",
        "CSAT（13 周）",
        "2026-W47 与 2026-Q4",
    ]
    assert english_words(texts, ALLOWED) == [
        ("Complaint", "本周投诉率 Complaint rate"),
        ("rate", "本周投诉率 Complaint rate"),
    ]


def test_the_scan_finds_chinese_messages_in_english_mode():
    assert chinese_interface_texts(["Status: 需采取行动"], set()) == ["Status: 需采取行动"]
    assert chinese_interface_texts(["银行一部 (BANK1)"], {"银行一部"}) == []  # a name is data


# --- the audit trail in words ---------------------------------------------------------------


def _audit_frame(at: AppTest, header: str):
    found = [t.value for t in at.dataframe if header in t.value.columns]
    assert len(found) == 1
    return found[0].reset_index(drop=True)


@pytest.mark.parametrize(
    ("lang", "headers", "rows"),
    [
        (
            "zh",
            ("用户", "角色", "操作", "详情"),
            [
                ("wang.fang", "部门经理", "撤销上传"),
                ("王芳", "管理员", "新增用户"),
                ("test-admin", "—", "some.new_action"),
            ],
        ),
        (
            "en",
            ("User", "Role", "What was done", "Detail"),
            [
                ("wang.fang", "Department manager", "Undid an upload"),
                ("王芳", "Administrator", "Added a user"),
                ("test-admin", "—", "some.new_action"),
            ],
        ),
    ],
)
def test_the_audit_trail_names_people_roles_and_actions_in_the_language(app_engine, org, lang, headers, rows):
    from datetime import timedelta

    from core.audit import record_event
    from core.auth import create_user
    from core.db import write_session
    from core.models import utc_now

    now = utc_now()
    with write_session(app_engine) as s:
        # An admin with a display name, a manager without one (shown by username, never blank).
        create_user(s, "admin.wang", "admin", "a long enough passphrase", display_name="王芳", actor="setup")
        create_user(
            s, "wang.fang", "manager", "a long enough passphrase", department_code="BANK1", actor="setup"
        )
    with write_session(app_engine) as s:
        record_event(s, "admin.wang", "user.create", "zhao.min", "role=manager department=BANK1", at_utc=now)
        record_event(
            s, "wang.fang", "upload.undo", "upload 7", {"deleted": 3}, at_utc=now + timedelta(minutes=1)
        )
        record_event(s, "test-admin", "some.new_action", "", "", at_utc=now - timedelta(minutes=1))
    at = page("pages/admin.py", lang=lang).run()
    assert not at.exception
    user, role, action, detail = headers
    frame = _audit_frame(at, action)
    newest = frame[frame[user].isin(["wang.fang", "王芳", "test-admin"])].head(3)
    assert list(zip(newest[user], newest[role], newest[action], strict=True)) == rows
    # The new user's role and department in the detail are in words too.
    created = frame[frame[user] == "王芳"]
    assert created[detail].iloc[0] == (
        "角色：部门经理，部门：BANK1" if lang == "zh" else "Role: Department manager, Department: BANK1"
    )
    # The users table never shows a blank name: a user without one is shown by their username.
    name = "姓名" if lang == "zh" else "Name"
    users = _audit_frame(at, name).set_index(user)[name]
    assert users["admin.wang"] == "王芳" and users["wang.fang"] == "wang.fang"
