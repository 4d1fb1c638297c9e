"""The weekly report: figures equal the metrics engine's, scope is enforced, text stays text, both languages.

One organisation (tests/report_org.py) is loaded once for the module; every test only reads
it, and the reports built from it are cached by (language, department, format, charts).
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import _truncate_all
from report_org import INJECTION, NOTE_TEXT, OVERDUE_ACTION, WEEK, add_report_org

from core import cli
from core.auth import Scope
from core.db import create_all, make_engine, read_session, write_session
from core.i18n import format_currency, format_number, format_percent, t
from core.metrics.complaints import complaint_rate, customers_at
from core.metrics.contacts import key_account_coverage
from core.metrics.legs import legs_for_week
from core.metrics.satisfaction import csat_by
from core.metrics.targets import attainment_windows
from core.metrics.weekly import weekly_kpi_set
from core.models import User
from core.periods import Window, parse_week, qtd
from core.reports import MEDIA_TYPES, ReportError, ReportScopeError, build_report, gather_report
from core.reports import cli as report_cli
from core.reports.sections import csat_sample_note
from core.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "artifacts" / "reports"
EVERYTHING = Scope(department_ids=None, supervisor_ids=None)
PREVIOUS = "2026-W46"
TILE_KEYS = [
    "bookings_week",
    "attainment_week",
    "attainment_qtd",
    "complaints_week",
    "complaint_rate_week",
    "csat_pct_week",
    "exam_coverage",
    "key_account_contact_coverage",
]


@dataclass
class Org:
    engine: object
    ids: dict[str, int]
    cache: dict = field(default_factory=dict)

    def scope(self, *departments: str, supervisors: tuple[str, ...] | None = None, **kw) -> Scope:
        return Scope(
            department_ids=frozenset(self.ids[d] for d in departments),
            supervisor_ids=None if supervisors is None else frozenset(self.ids[s] for s in supervisors),
            **kw,
        )

    def report(
        self, lang: str, department: str | None, fmt: str, *, charts: bool = False, scope=None
    ) -> bytes:
        key = (lang, department, fmt, charts, scope)
        if key not in self.cache:
            with read_session(self.engine) as session:
                self.cache[key] = build_report(
                    session,
                    WEEK,
                    department_code=department,
                    lang=lang,
                    scope=scope or EVERYTHING,
                    fmt=fmt,
                    charts=charts,
                )
        return self.cache[key]

    def kpi(self, week: str, department: str | None = None) -> dict:
        with read_session(self.engine) as session:
            return weekly_kpi_set(session, week, department_code=department)


@pytest.fixture(scope="module")
def org(_pg_engine) -> Org:
    if _pg_engine is not None:
        _truncate_all(_pg_engine)
        engine = _pg_engine
    else:
        engine = make_engine("sqlite://")
        create_all(engine)
    ids = add_report_org(engine)
    with write_session(engine) as session:
        session.add(User(username="bank_manager", role="manager", department_id=ids["BANK1"]))
    yield Org(engine, ids)
    if _pg_engine is None:
        engine.dispose()


# --- reading the outputs back ---------------------------------------------------------------


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_rows(book: openpyxl.Workbook, sheet: str) -> tuple[list[str], list[dict]]:
    """Headers (row 4) and the rows under them as {header: value}, up to the first empty row."""
    ws = book[sheet]
    headers = [c.value for c in ws[4] if c.value is not None]
    rows = []
    for cells in ws.iter_rows(min_row=5, max_col=len(headers)):
        values = [c.value for c in cells]
        if all(v is None for v in values):
            break
        rows.append(dict(zip(headers, values, strict=True)))
    return headers, rows


def pdf_text(data: bytes, tmp_path: Path, name: str = "report.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a == pytest.approx(b, rel=1e-9, abs=1e-9)


# --- expected figures, straight from the metrics engine -----------------------------------


def company_figures(org: Org, week: str) -> dict:
    """The company tiles from the engine's own functions (not the report's), over all departments."""
    monday, sunday = parse_week(week)
    window = Window(monday, sunday)
    rows = org.kpi(week)["departments"]
    with read_session(org.engine) as session:
        att = attainment_windows(session, {"week": window, "qtd": qtd(sunday)}, "company")
        legs = legs_for_week(session, week)
        csat = csat_by(session, window, "company")
        contact = key_account_coverage(session, sunday, "company")
        customers = int(customers_at(session, sunday, "company")["customers"].sum())
    complaints = sum(r["complaints_week"] for r in rows)
    staffed = legs[legs["team_size"] > 0]
    return {
        "bookings_week": sum(r["bookings_week"] for r in rows),
        "attainment_week": float(att.loc[att["window"] == "week", "attainment"].iloc[0]),
        "attainment_qtd": float(att.loc[att["window"] == "qtd", "attainment"].iloc[0]),
        "complaints_week": complaints,
        "complaint_rate_week": complaint_rate(complaints, customers),
        "csat_pct_week": float(csat["csat_pct"].iloc[0]),
        "exam_coverage": float(
            (staffed["exam_coverage"] * staffed["team_size"]).sum() / staffed["team_size"].sum()
        ),
        "key_account_contact_coverage": float(contact["coverage"].iloc[0]),
    }


def department_figures(org: Org, week: str, code: str) -> dict:
    return org.kpi(week, code)["departments"][0]


# --- the workbook -----------------------------------------------------------------------


@pytest.mark.parametrize("department", [None, "BANK1"])
def test_workbook_tiles_equal_the_metrics_with_last_weeks_change(org, department):
    book = workbook(org.report("en", department, "xlsx"))
    summary = book[t("Summary", "en")]
    if department is None:
        now, before = company_figures(org, WEEK), company_figures(org, PREVIOUS)
    else:
        now, before = department_figures(org, WEEK, department), department_figures(org, PREVIOUS, department)
    for row, key in enumerate(TILE_KEYS, start=6):
        value, previous, change = (summary.cell(row, col).value for col in (2, 3, 4))
        assert close(value, now[key]), key
        assert close(previous, before[key]), key
        assert close(change, now[key] - before[key]), key


def test_workbook_tiles_match_the_hand_count(org):
    # Four complaints in BANK1 this week, one in CORP1 last week; 36 customers in all.
    summary = workbook(org.report("en", None, "xlsx"))["Summary"]
    assert [summary.cell(9, col).value for col in (2, 3, 4)] == [4, 1, 3]
    assert summary.cell(9, 5).value == "36 customers"
    assert summary.cell(10, 2).value == pytest.approx(4 / 36 * 100)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_workbook_supervisor_table_equals_the_kpi_set(org, lang):
    book = workbook(org.report(lang, None, "xlsx"))
    headers, rows = sheet_rows(book, t("Supervisors", lang))
    expected = {row["code"]: row for row in org.kpi(WEEK)["supervisors"]}
    previous = {row["code"]: row for row in org.kpi(PREVIOUS)["supervisors"]}
    assert [r[headers[0]] for r in rows] == ["S1", "S2", "S3"]
    report = _gathered(org, lang)
    column = {c.key: c.header for c in report.table("supervisors").columns}
    for row in rows:
        want = expected[row[column["code"]]]
        for key in (
            "score_targets",
            "score_team",
            "score_skills",
            "attainment_13w",
            "contribution_evenness",
            "exam_coverage",
            "csat_pct_13w",
            "complaints_week",
            "complaint_rate_week",
            "diagnosis_weeks",
        ):
            assert close(row[column[key]], want[key]), (want["code"], key)
        before = previous[want["code"]]
        assert close(row[column["score_skills_delta"]], want["score_skills"] - before["score_skills"])
        from core.balance import diagnosis_text

        text = diagnosis_text(want["diagnosis"], lang)
        assert row[column["diagnosis"]] == text["label"]
        assert row[column["consequence"]] == text["consequence"]
        assert row[column["actions"]].splitlines() == [f"{i}. {a}" for i, a in enumerate(text["actions"], 1)]


def test_workbook_department_table_equals_the_kpi_set(org):
    book = workbook(org.report("en", None, "xlsx"))
    _, rows = sheet_rows(book, "Departments")
    column = {c.key: c.header for c in _gathered(org, "en").table("departments").columns}
    expected = {row["code"]: row for row in org.kpi(WEEK)["departments"]}
    assert [r["Code"] for r in rows] == ["BANK1", "CORP1"]
    for row in rows:
        want = expected[row["Code"]]
        for key, header in column.items():
            if key in ("code", "name", "segment"):
                continue
            if key == "csat_sample":  # the small-sample marker, from the KPI set's count
                note = csat_sample_note(want["surveys_week"], want["csat_pct_week"], "en")
                assert (row[header] or "") == note, key
                continue
            if isinstance(want[key], bool) or key in ("complaint_spike", "plan_below_forecast"):
                assert row[header] == {True: "Yes", False: "No", None: None}[want[key]], key
            else:
                assert close(row[header], want[key]), key
    # Hand-set stories: BANK1 spikes and plans below the forecast; CORP1 has too few customers
    # for a rate (an empty cell) but a count.
    assert rows[0]["Spike"] == "Yes" and rows[0]["Plan below forecast"] == "Yes"
    assert rows[1]["Per 100 customers"] is None and rows[1]["Complaints"] == 0


@pytest.mark.parametrize(
    ("lang", "sheet", "first_headers"),
    [
        ("zh", "主管", ["代码", "主管", "部门", "完成目标", "完成目标：变化", "团队建设"]),
        ("en", "Supervisors", ["Code", "Supervisor", "Department", "Targets", "Targets: change", "Team"]),
        ("zh", "预警", ["级别", "预警事项", "对象", "详情"]),
        ("en", "Alerts", ["Level", "Alert", "Who", "Detail"]),
    ],
)
def test_workbook_headers_follow_the_language(org, lang, sheet, first_headers):
    headers, _ = sheet_rows(workbook(org.report(lang, None, "xlsx")), sheet)
    assert headers[: len(first_headers)] == first_headers


@pytest.mark.parametrize(
    ("lang", "title", "subtitle"),
    [
        ("zh", "周报：全公司", "2026年第47周 (11月16日–11月22日) · 2026-W47"),
        ("en", "Weekly report: Company", "Week 47, 2026 (Nov 16–Nov 22) · 2026-W47"),
    ],
)
def test_workbook_title_names_the_week_and_its_dates(org, lang, title, subtitle):
    summary = workbook(org.report(lang, None, "xlsx"))[t("Summary", lang)]
    assert (summary["A1"].value, summary["A2"].value) == (title, subtitle)


def test_workbook_is_formatted_numbers_frozen_headers_and_charts(org):
    data = org.report("en", None, "xlsx")
    book = workbook(data)
    ws = book["Supervisors"]
    assert ws.freeze_panes == "B5"
    assert ws["D5"].data_type == "n" and ws["D5"].number_format == "0"  # targets score
    assert ws["E5"].number_format == "+0;-0;0"  # its change
    assert ws.column_dimensions["S"].width > 40  # the consequence column, wrapped
    departments = book["Departments"]
    assert departments["D5"].number_format == "#,##0"  # bookings
    assert departments["F5"].number_format == "0.0%"  # attainment, a fraction
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 4  # legs, CSAT trend, complaint trend, categories


# --- text never becomes a formula or a link ---------------------------------------------


def test_workbook_keeps_formula_like_text_as_text(org):
    data = org.report("en", None, "xlsx")
    book = workbook(data)
    cells = [
        cell
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))
    ]
    values = {cell.value for cell in cells}
    assert {INJECTION, NOTE_TEXT, OVERDUE_ACTION} <= values
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    assert book["Repeat complainants"]["B5"].value == INJECTION
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in xml or b"<f " in xml for xml in sheets)
        assert not any(n.endswith(".rels") and b"hyperlink" in archive.read(n) for n in archive.namelist())


def test_pdf_prints_formula_like_text_as_plain_text(org, tmp_path):
    data = org.report("en", None, "pdf")
    text = pdf_text(data, tmp_path)
    assert INJECTION in text and OVERDUE_ACTION in text
    assert b"/URI" not in data and b"/Annots" not in data  # no link was made of anything


# --- the PDF ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_figures_equal_the_metrics(org, lang, tmp_path):
    text = pdf_text(org.report(lang, "BANK1", "pdf"), tmp_path)
    now = department_figures(org, WEEK, "BANK1")
    before = department_figures(org, PREVIOUS, "BANK1")
    assert format_currency(now["bookings_week"], lang) in text
    assert format_percent(now["attainment_week"], lang, decimals=1) in text
    assert format_percent(now["attainment_qtd"], lang, decimals=1) in text
    assert format_number(now["complaint_rate_week"], lang, decimals=2) in text
    assert format_percent(now["csat_pct_week"], lang, decimals=1) in text
    change = format_currency(now["bookings_week"] - before["bookings_week"], lang, signed=True)
    assert t("Change: {change}", lang, change=change) in text
    for sup in org.kpi(WEEK, "BANK1")["supervisors"]:
        # The supervisor table's row: name (code), then the department code.
        line = next(
            x for x in text.splitlines() if re.match(rf"\s*{sup['name']} \({sup['code']}\)\s+BANK1", x)
        )
        scores = [format_number(sup[k], lang) for k in ("score_targets", "score_team", "score_skills")]
        positions = [line.index(f" {s} (") for s in scores]
        assert positions == sorted(positions), line


@pytest.mark.parametrize(
    ("lang", "title", "week"),
    [
        ("zh", "周报：银行一部 (BANK1)", "2026年第47周 (11月16日–11月22日) · 2026-W47"),
        ("en", "Weekly report: 银行一部 (BANK1)", "Week 47, 2026 (Nov 16–Nov 22) · 2026-W47"),
    ],
)
def test_pdf_title_and_chinese_text_read_back(org, lang, title, week, tmp_path):
    text = pdf_text(org.report(lang, "BANK1", "pdf"), tmp_path)
    assert title in text and week in text
    assert "王芳 (S1)" in text and "银行一部" in text  # data stays as entered in both languages
    assert t("Supervisors: the three legs and the diagnosis", lang) in text


def test_pdf_says_so_when_a_chart_cannot_be_drawn(org, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    data = org.report("en", "BANK1", "pdf", charts=True, scope=org.scope("BANK1"))
    text = pdf_text(data, tmp_path)
    assert text.count("Chart not available:") == 4
    assert "The three legs per supervisor (0–100)" in text
    assert b"/Subtype /Image" not in data


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_with_charts_first_pages_as_png(org, lang, tmp_path):
    """Renders the charts through kaleido and Chromium, and leaves PNGs of the first pages to look at."""
    data = org.report(lang, None, "pdf", charts=True)
    assert data.count(b"/Subtype /Image") == 4
    text = pdf_text(data, tmp_path)
    assert t("Chart not available: {reason}", lang, reason="") not in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"weekly-{lang}.pdf").write_bytes(data)
    prefix = ARTIFACTS / f"weekly-{lang}-page"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "2",
            str(ARTIFACTS / f"weekly-{lang}.pdf"),
            str(prefix),
        ],
        check=True,
    )
    pages = sorted(ARTIFACTS.glob(f"weekly-{lang}-page-*.png"))
    assert len(pages) == 2 and all(p.stat().st_size > 20_000 for p in pages)


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_a_week_before_any_data_still_makes_a_report(org, fmt, tmp_path):
    with read_session(org.engine) as session:
        data = build_report(
            session, "2020-W01", department_code=None, lang="en", scope=EVERYTHING, fmt=fmt, charts=False
        )
    if fmt == "xlsx":
        book = workbook(data)
        assert [book["Summary"].cell(row, 2).value for row in range(6, 14)] == [
            0,
            None,
            None,
            0,
            None,
            None,
            None,
            None,
        ]
        assert book["Alerts"]["A5"].value == "No alerts this week."  # in place of rows
    else:
        text = pdf_text(data, tmp_path)
        assert "Week 1, 2020 (Dec 30–Jan 5) · 2020-W01" in text and "No alerts this week." in text


# --- alerts, notes and actions ----------------------------------------------------------


def test_alerts_name_every_planted_problem(org):
    _, rows = sheet_rows(workbook(org.report("en", None, "xlsx")), "Alerts")
    found = [(r["Level"], r["Alert"], r["Who"]) for r in rows]
    assert found == [
        ("High", "Complaint spike", "银行一部"),
        ("High", "Plan below industry forecast", "银行一部"),
        ("Medium", "Rating-chain gap", "刘洋 (R1)"),
        ("Medium", "Key accounts overdue for contact", "银行一部"),
        ("Medium", "Reps not yet passed", "李强 (S2)"),
        ("Medium", "Reps not yet passed", "张伟 (S3)"),
    ]
    details = [r["Detail"] for r in rows]
    assert (
        details[0] == "4 complaints this week; a usual week has 0.0 and more than 0 is out of the ordinary."
    )
    assert details[1] == (
        "The 2026 plan grows +10.0% while the industry expects +18.0%; the recommended growth is +25.0%."
    )
    assert details[3] == "2 key accounts not contacted within 30 days (1 never contacted)."
    assert details[4] == "1 of 2 reps have not passed the hands-on exam: 赵敏."


def test_notes_and_open_actions(org):
    book = workbook(org.report("en", None, "xlsx"))
    _, notes = sheet_rows(book, "Notes")
    assert [(n["Supervisor"], n["Note"], n["Status"]) for n in notes] == [("王芳 (S1)", NOTE_TEXT, "Open")]
    _, actions = sheet_rows(book, "Open actions")
    # The action closed in W44 is gone; the one due in W46 is overdue and comes first.
    assert [(a["Supervisor"], a["Raised in week"], a["Due week"], a["Overdue"]) for a in actions] == [
        ("李强 (S2)", "2026-W45", "2026-W46", "Yes"),
        ("王芳 (S1)", "2026-W47", "2026-W49", "No"),
    ]


def test_overdue_key_accounts_and_repeat_complainants(org):
    book = workbook(org.report("en", None, "xlsx"))
    _, overdue = sheet_rows(book, "Overdue key accounts")
    assert [(r["Customer code"], r["Last contact"], r["Days since contact"]) for r in overdue] == [
        ("C01", None, None),
        ("C10", datetime(2026, 9, 23), 60),
    ]
    _, repeats = sheet_rows(book, "Repeat complainants")
    assert [(r["Customer"], r["Complaints this week"], r["Repeats"]) for r in repeats] == [(INJECTION, 2, 1)]


# --- scope ------------------------------------------------------------------------------


def test_a_manager_report_holds_only_their_department(org):
    manager = org.scope("BANK1")
    data = org.report("en", None, "xlsx", scope=manager)
    book = workbook(data)
    assert book["Summary"]["A1"].value == "Weekly report: 银行一部 (BANK1)"
    assert [r["Code"] for r in sheet_rows(book, "Departments")[1]] == ["BANK1"]
    assert [r["Code"] for r in sheet_rows(book, "Supervisors")[1]] == ["S1", "S2"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        strings = archive.read("xl/sharedStrings.xml").decode()
    assert "企业客户部" not in strings and "张伟" not in strings and "CORP1" not in strings


@pytest.mark.parametrize("requested", ["CORP1", "NOPE"])
@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Department '{code}' is outside your access. You may report on: BANK1."),
        ("zh", "部门“{code}”不在您的权限范围内。您可以查看的部门：BANK1。"),
    ],
)
def test_a_manager_is_refused_another_department(org, requested, lang, message):
    # An unknown code gets the same answer: the error never lists departments outside the scope.
    with read_session(org.engine) as session, pytest.raises(ReportScopeError) as caught:
        build_report(session, WEEK, department_code=requested, lang=lang, scope=org.scope("BANK1"), fmt="pdf")
    assert caught.value.text(lang) == message.format(code=requested)


@pytest.mark.parametrize(
    ("scope", "reason"),
    [
        (Scope(department_ids=frozenset(), supervisor_ids=frozenset()), "no_departments"),
        (Scope(department_ids=None, supervisor_ids=None, complaints_only=True), "complaints_only"),
    ],
)
def test_scopes_without_a_report_are_refused(org, scope, reason):
    with read_session(org.engine) as session, pytest.raises(ReportScopeError) as caught:
        build_report(session, WEEK, department_code=None, lang="en", scope=scope, fmt="xlsx")
    assert caught.value.reason == reason


def test_a_supervisor_sees_only_their_own_row(org):
    scope = org.scope("BANK1", supervisors=("S2",))
    book = workbook(org.report("en", None, "xlsx", scope=scope))
    assert [r["Code"] for r in sheet_rows(book, "Supervisors")[1]] == ["S2"]
    assert [r["Supervisor"] for r in sheet_rows(book, "Open actions")[1]] == ["李强 (S2)"]


def test_the_director_report_covers_every_department(org):
    book = workbook(org.report("en", None, "xlsx"))
    assert [r["Code"] for r in sheet_rows(book, "Departments")[1]] == ["BANK1", "CORP1"]


def test_unknown_department_and_format_for_the_director(org):
    with read_session(org.engine) as session:
        with pytest.raises(ReportError) as caught:
            build_report(session, WEEK, department_code="NOPE", lang="en", scope=EVERYTHING, fmt="xlsx")
        assert caught.value.text("en") == "Unknown department 'NOPE'. Known departments: BANK1, CORP1."
        with pytest.raises(ReportError) as caught:
            build_report(session, WEEK, department_code=None, lang="zh", scope=EVERYTHING, fmt="docx")
        assert caught.value.text("zh") == "未知的报告格式“docx”，请使用 xlsx 或 pdf。"


# --- the command ------------------------------------------------------------------------


@pytest.fixture
def cli_engine(org, monkeypatch):
    # The command opens the configured database; point it at the module's organisation.
    monkeypatch.setattr(report_cli, "make_engine", lambda: org.engine)
    monkeypatch.setattr(org.engine, "dispose", lambda *a, **k: None)
    return org.engine


def test_command_writes_the_report(cli_engine, tmp_path, capsys):
    rc = cli.main(
        ["report", "--week", "2026-w47", "--department", "BANK1", "--format", "xlsx", "--lang", "en"]
        + ["--out", f"{tmp_path}/"]
    )
    out = tmp_path / "tripod-weekly-2026-W47-BANK1.xlsx"
    assert rc == 0 and out.exists()
    assert f"Wrote {out}" in capsys.readouterr().out
    book = workbook(out.read_bytes())
    assert book["Summary"]["A1"].value == "Weekly report: 银行一部 (BANK1)"
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--department", "NOPE", "--lang", "en"],
            "Unknown department 'NOPE'. Known departments: BANK1, CORP1.",
        ),
        (
            ["--as-user", "bank_manager", "--department", "CORP1", "--lang", "zh"],
            "部门“CORP1”不在您的权限范围内",
        ),
        (["--as-user", "nobody", "--lang", "en"], "nobody"),
        (["--week", "2026-W60", "--lang", "en"], "2026 has no ISO week 60"),
    ],
)
def test_command_refusals_exit_2_with_a_message(cli_engine, tmp_path, capsys, args, message):
    rc = cli.main(["report", "--format", "pdf", "--no-charts", "--out", str(tmp_path / "r.pdf"), *args])
    assert rc == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()


def test_command_as_a_manager_gets_their_department(cli_engine, tmp_path):
    out = tmp_path / "bank.xlsx"
    rc = cli.main(
        ["report", "--week", WEEK, "--format", "xlsx", "--as-user", "bank_manager", "--out", str(out)]
    )
    assert rc == 0
    assert workbook(out.read_bytes())["概要"]["A1"].value == "周报：银行一部 (BANK1)"


def test_media_types_for_downloads():
    assert MEDIA_TYPES == {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
    }


# --- helpers ----------------------------------------------------------------------------


def _gathered(org: Org, lang: str):
    key = ("gathered", lang)
    if key not in org.cache:
        with read_session(org.engine) as session:
            org.cache[key] = gather_report(session, WEEK, department_code=None, lang=lang, scope=EVERYTHING)
    return org.cache[key]


# --- the quarter-to-date figure names its as-of day, as on This week ------------------------


@pytest.mark.parametrize(
    ("lang", "tile", "column"),
    [
        ("en", "Target attainment, quarter to Nov 22", "Attainment, quarter to Nov 22"),
        ("zh", "目标完成率（本季度截至11月22日）", "完成率（本季度截至11月22日）"),
    ],
)
def test_the_quarter_to_date_labels_carry_the_weeks_sunday(org, tmp_path, lang, tile, column):
    report = _gathered(org, lang)
    assert {t.key: t.label for t in report.tiles}["attainment_qtd"] == tile
    assert report.table("departments").column("attainment_qtd").header == column
    book = workbook(org.report(lang, None, "xlsx"))
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value}
    assert tile in cells and column in cells
    text = " ".join(pdf_text(org.report(lang, None, "pdf"), tmp_path).split())
    assert " ".join(tile.split()) in text or tile.replace(" ", "") in text.replace(" ", "")
