"""The upload page under AppTest: who sees it, a file in, counts before and after writing, undo, resolve."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from shell_org import add_small_org
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from core.auth import CurrentUser
from core.db import init_db, make_engine
from core.models import Complaint, Upload
from core.settings import PROJECT_ROOT, get_settings
from ui.signin import USER_KEY

TIMEOUT = 60
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()

# A call-center export in GBK: one known customer, one unknown one, one impossible date.
HEADER = "工单号,受理时间,客户名称,投诉类别,投诉内容"
EXPORT = "\r\n".join(
    [
        HEADER,
        "W1,2025/3/5 9:32,招商银行深圳分行,账单争议,多收费",
        "W2,2025/3/6 10:00,未知公司,服务态度,态度差",
        'W3,2025/2/30 11:00,海尔集团,产品质量,"=HYPERLINK(""x"")"',
    ]
).encode("gbk")


@pytest.fixture
def app_engine(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """The small organisation in a database the page opens: a SQLite file, or the PostgreSQL test one."""
    if TEST_DATABASE_URL:
        from alembic import command

        from core.db import alembic_config

        engine = request.getfixturevalue("engine")
        command.stamp(alembic_config(engine), "head")
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
        init_db(engine)
    add_small_org(engine)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TRIPOD_DEMO", "0")
    get_settings.cache_clear()
    st.cache_data.clear()
    yield engine
    get_settings.cache_clear()


def upload_page(role: str, lang: str = "zh", department_id: int | None = None) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "pages/upload.py"), default_timeout=TIMEOUT)
    at.session_state["tripod_lang"] = lang
    at.session_state[USER_KEY] = CurrentUser(
        id=1,
        username=f"test-{role}",
        display_name="",
        role=role,
        department_id=department_id,
        department_code=None,
        supervisor_id=None,
        supervisor_code=None,
    )
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def count(engine: Engine, *where) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Complaint).where(*where)).scalar_one()


@pytest.mark.parametrize(
    ("role", "sees_page", "kinds"),
    [("call_center", True, 1), ("admin", True, 17), ("manager", True, 17), ("supervisor", False, 0)],
)
def test_who_sees_the_upload_page(app_engine, role, sees_page, kinds):
    at = upload_page(role, "en")
    assert not at.exception
    if not sees_page:
        assert not at.title and not at.file_uploader
        assert "may open this page" in at.warning[0].value
        return
    assert at.title[0].value == "Upload" and len(at.file_uploader) == 1
    chooser = [s for s in at.selectbox if s.key == "upload_kind"]
    assert (len(chooser[0].options) if chooser else 1) == kinds


def test_a_call_center_user_uploads_a_file_sees_the_counts_and_imports_the_valid_rows(app_engine):
    at = upload_page("call_center")
    at.file_uploader[0].set_value(("导出.csv", EXPORT, "text/csv")).run()
    assert not at.exception
    assert [s.label for s in at.status] == ["检查完成：可以导入。"]
    assert metrics(at) == {"读取行数": "3", "新增": "1", "更新": "0", "重复": "0", "未匹配": "1", "拒绝": "1"}
    assert any("有 1 行被拒绝" in w.value for w in at.warning)
    assert count(app_engine) == 3  # the small organisation's own complaints; nothing written yet
    assert [s.value for s in at.selectbox if s.key == "upload_map_customer"] == ["客户名称"]

    button(at, "导入 2 行有效数据").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["上传 #1 已保存：已写入 2 行（新增 1、更新 0、未匹配 1）。"]
    assert metrics(at)["新增"] == "1" and metrics(at)["未匹配"] == "1"
    assert count(app_engine, Complaint.upload_id == 1) == 2
    history = at.dataframe[-2].value
    assert history.iloc[0]["文件"] == "导出.csv" and history.iloc[0]["状态"] == "已导入"
    assert any("未知公司" in str(v) for v in at.dataframe[-1].value.iloc[:, 0])


def test_columns_the_page_cannot_guess_are_chosen_in_the_mapping_editor(app_engine):
    at = upload_page("call_center", "en")
    data = "编号X,什么时候,客户名称\nQ1,2025-03-05 09:00,海尔集团\n".encode()
    at.file_uploader[0].set_value(("odd.csv", data, "text/csv")).run()
    assert any("Columns in the file: “编号X”, “什么时候”, “客户名称”" in w.value for w in at.warning)
    assert not [b for b in at.button if b.key == "upload_go"]
    at.selectbox(key="upload_map_id").set_value("编号X")
    at.selectbox(key="upload_map_received_at").set_value("什么时候").run()
    assert not at.exception
    assert metrics(at)["New"] == "1"
    button(at, "Import 1 row").click().run()
    assert count(app_engine, Complaint.code == "Q1") == 1


def test_an_admin_undoes_an_upload_from_the_history(app_engine):
    at = upload_page("admin", "en")
    at.file_uploader[0].set_value(("export.csv", EXPORT, "text/csv")).run()
    button(at, "Import the 2 valid rows").click().run()
    assert count(app_engine) == 5
    at.checkbox(key="upload_undo_sure").check()
    button(at, "Undo").click().run()
    assert not at.exception
    done = "Upload #1 undone: 2 complaints deleted, 0 restored to their previous values."
    assert [s.value for s in at.success][0] == done
    assert count(app_engine) == 3
    with app_engine.connect() as connection:
        assert connection.execute(select(Upload.status, Upload.undone_by)).one() == ("undone", "test-admin")


def test_a_call_center_user_cannot_undo_but_resolves_an_unknown_customer(app_engine):
    at = upload_page("call_center", "en")
    at.file_uploader[0].set_value(("export.csv", EXPORT, "text/csv")).run()
    button(at, "Import the 2 valid rows").click().run()
    assert not [c for c in at.checkbox if c.key == "upload_undo_sure"]
    at.selectbox(key="resolve_ref").set_value("未知公司")
    at.radio(key="resolve_kind").set_value("customer")
    at.text_input(key="resolve_customer").input("C5")
    button(at, "Resolve").click().run()
    assert not at.exception
    assert "1 complaint mentioning “未知公司” now counts." in [s.value for s in at.success]
    assert count(app_engine, Complaint.match_status == "unmatched") == 0
    assert any("Every complaint is matched" in c.value for c in at.caption)


def test_a_manager_sees_only_their_own_uploads_and_no_unmatched_list(app_engine):
    at = upload_page("manager", "en", department_id=1)
    assert any("No upload yet." in c.value for c in at.caption)
    assert any("the call center or an administrator resolves them" in c.value for c in at.caption)


def workbook(sheets: dict[str, list[list[str]]]) -> bytes:
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


def test_an_ambiguous_date_order_is_asked_for_and_then_the_counts_show(app_engine):
    at = upload_page("call_center", "en")
    data = b"Ticket #,Created Date,Customer\nA1,03/04/2025 09:00,C1\nA2,05/06/2025 10:00,C2\n"
    at.file_uploader[0].set_value(("us.csv", data, "text/csv")).run()
    assert [s.label for s in at.status] == ["The file needs your attention."]
    assert any("could be day-first or month-first" in w.value for w in at.warning)
    assert not at.metric
    at.selectbox(key="upload_day_first").set_value("month").run()
    assert not at.exception
    assert [s.label for s in at.status] == ["Checked: ready to import."]
    assert metrics(at)["New"] == "2"


def test_a_workbook_sheet_is_chosen_when_the_first_one_is_empty(app_engine):
    at = upload_page("call_center", "en")
    data = workbook({"封面": [], "投诉": [["投诉编号", "受理时间"], ["X1", "2025-03-05 09:00"]]})
    at.file_uploader[0].set_value(("log.xlsx", data, "application/octet-stream")).run()
    assert [s.label for s in at.status] == ["The file cannot be imported."]
    assert any("“封面” is empty" in e.value for e in at.error)
    at.selectbox(key="upload_sheet").set_value("投诉").run()
    assert metrics(at)["Rows read"] == "1" and metrics(at)["Unmatched"] == "1"


def test_a_file_that_is_not_a_table_is_refused_and_nothing_is_written(app_engine):
    at = upload_page("call_center", "zh")
    at.file_uploader[0].set_value(("投诉.csv", b"\x89PNG\r\n\x1a\n" + bytes(200), "text/csv")).run()
    assert not at.exception
    assert [s.label for s in at.status] == ["该文件无法导入。"]
    assert any("PNG 图片" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "upload_go"]
    assert count(app_engine) == 3


def test_a_managers_file_keeps_only_their_departments_rows(app_engine):
    from core.models import Exam

    at = upload_page("manager", "en", department_id=1)  # BANK1: reps R1-R3; R4 is CORP1's
    at.selectbox(key="upload_kind").set_value("exams").run()
    data = b"id,rep_code,date,score,passed\nE1,R1,2025-03-04,88,1\nE2,R4,2025-03-04,70,1\n"
    at.file_uploader[0].set_value(("exams.csv", data, "text/csv")).run()
    assert not at.exception
    assert (metrics(at)["New"], metrics(at)["Rejected"]) == ("1", "1")
    reasons = [str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel()]
    assert any("rep_code 'R4' belongs to another department" in r for r in reasons)
    button(at, "Import the 1 valid row").click().run()
    assert not at.exception
    with app_engine.connect() as connection:
        assert connection.execute(select(Exam.code)).scalars().all() == ["E1"]


@pytest.mark.parametrize(
    ("lang", "said", "day"),
    [
        (
            "zh",
            "该文件已导入过（上传记录 #1，{when}），再次导入不会有任何变化。",
            "{d.year}年{d.month}月{d.day}日",
        ),
        (
            "en",
            "This exact file was already imported (upload #1, {when}); nothing would change.",
            "{d:%b} {d.day}, {d.year}",
        ),
    ],
)
def test_the_same_file_again_is_recognised_in_the_language_and_local_time_of_the_history(
    app_engine, monkeypatch, lang, said, day
):
    from datetime import timedelta

    monkeypatch.setenv("TRIPOD_TIMEZONE", "Asia/Tokyo")  # UTC+9 all year
    get_settings.cache_clear()
    first = upload_page("call_center", lang)
    first.file_uploader[0].set_value(("export.csv", EXPORT, "text/csv")).run()
    next(b for b in first.button if b.key == "upload_go").click().run()
    assert not first.exception
    with app_engine.connect() as connection:
        created = connection.execute(select(Upload.created_at_utc)).scalar_one()
    local = created.replace(tzinfo=None) + timedelta(hours=9)
    when = f"{day.format(d=local)} {local:%H:%M}"

    again = upload_page("call_center", lang)
    again.file_uploader[0].set_value(("export (1).csv", EXPORT, "text/csv")).run()
    assert not again.exception
    assert [i.value for i in again.info] == [said.format(when=when)]
    assert "UTC" not in again.info[0].value
    history = again.dataframe[-2].value
    assert when in history.iloc[0].to_numpy().tolist()


# A call-center export in GBK whose rows name neither a customer nor a department (the column is
# there, but empty), next to one that names a known customer.
NEITHER = "\r\n".join(
    [
        "工单号,受理时间,客户名称,投诉类别,投诉内容",
        "N1,2025/3/5 9:32,招商银行深圳分行,账单争议,多收费",
        "N2,2025/3/6 10:00,,服务态度,态度差",
        "N3,2025/3/7 11:00,,产品质量,坏了",
    ]
).encode("gbk")


@pytest.mark.parametrize(
    ("lang", "warned", "button_label", "saved"),
    [
        (
            "zh",
            "2 行既未填写客户也未填写部门：导入后会以“未匹配”保存，但永远无法归属到任何部门",
            "导入 3 行",
            "上传 #1 已保存：已写入 3 行（新增 1、更新 0、未匹配 2）。",
        ),
        (
            "en",
            "2 rows name neither a customer nor a department: they would be stored as unmatched but can "
            "never be attributed to a department",
            "Import 3 rows",
            "Upload #1 saved: 3 rows written (1 new matched, 0 updated, 2 unmatched).",
        ),
    ],
)
def test_rows_that_name_neither_customer_nor_department_are_warned_about_before_the_import(
    app_engine, lang, warned, button_label, saved
):
    at = upload_page("call_center", lang)
    at.file_uploader[0].set_value(("导出.csv", NEITHER, "text/csv")).run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert sum(warned in w for w in warnings) == 1
    # The resolvable-unmatched warning does not count them: no row here can be resolved by name.
    assert not any("stored as unmatched:" in w or "条投诉将以" in w for w in warnings)
    # The importer's counts stay as they were: the rows are still written as unmatched.
    unmatched = "未匹配" if lang == "zh" else "Unmatched"
    assert metrics(at)[unmatched] == "2"
    button(at, button_label).click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [saved]
    assert count(app_engine, Complaint.match_status == "unmatched") == 2
    # The history shows the non-zero counts in one column, so the table fits the window.
    history = at.dataframe[-2].value
    outcome = "新增 1 · 未匹配 2" if lang == "zh" else "New 1 · Unmatched 2"
    assert history.iloc[0][("结果" if lang == "zh" else "Outcome")] == outcome
