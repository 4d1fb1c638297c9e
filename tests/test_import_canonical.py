"""The canonical import path: outcomes per row, idempotency, refusals that write nothing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from core import models as m
from core.importing.engine import ImportRefused
from core.importing.load import import_bytes, load_folder

TINY_ORG = {
    "departments.csv": "code,name,segment\nD1,银行一部,bank\nD2,企业客户部,non_bank\n",
    "supervisors.csv": "code,name,department_code\nS1,王伟,D1\nS2,李娜,D2\n",
    "reps.csv": (
        "code,name,supervisor_code,hired_on,left_on\n"
        "R1,张三,S1,2024-01-01,\nR2,李四,S1,2024-01-01,2024-06-30\nR3,王五,S2,2024-02-01,\n"
    ),
    "assignments.csv": "rep_code,supervisor_code,start_on\nR3,S1,2024-05-01\n",
    "customers.csv": (
        "code,name,segment,department_code,owner_rep_code,key_account,since\n"
        "C1,华夏银行上海分行,bank,D1,R1,1,2020-01-01\n"
        "C2,中远物流有限公司,non_bank,D2,R3,0,2023-03-01\n"
    ),
    "bookings.csv": (
        "id,rep_code,customer_code,booked_on,amount\nB1,R1,C1,2024-03-05,1000.50\nB2,R3,C2,2024-03-06,200\n"
    ),
    "targets.csv": "rep_code,month,amount\nR1,2024-03,3100\nR3,2024-03,1000\n",
    "exams.csv": "id,rep_code,date,score,passed\nE1,R1,2024-03-01,88,1\n",
    "activities.csv": (
        "id,supervisor_code,date,kind,minutes,rep_codes\nA1,S1,2024-03-04,team_meeting,60,R1;R2\n"
    ),
}


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _count(engine, model) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def tiny_org(engine, tmp_path):
    outcome = load_folder(engine, _write(tmp_path / "org", TINY_ORG))
    assert outcome.ok, outcome.refusal
    return outcome


def test_folder_loads_every_file_with_its_counts(engine, tiny_org):
    inserted = {kind: r.inserted for kind, r in tiny_org.results.items()}
    assert inserted == {
        "departments": 2,
        "supervisors": 2,
        "reps": 3,
        "assignments": 1,
        "customers": 2,
        "bookings": 2,
        "targets": 2,
        "activities": 1,
        "exams": 1,
    }
    assert _count(engine, m.ActivityAttendee) == 2
    with Session(engine) as s:
        amount = s.execute(select(m.Booking.amount).where(m.Booking.code == "B1")).scalar_one()
    assert amount == pytest.approx(1000.50)


def test_team_change_closes_the_earlier_assignment(engine, tiny_org):
    with Session(engine) as s:
        rows = s.execute(
            select(m.Assignment.start_on, m.Assignment.end_on, m.Supervisor.code)
            .join(m.Rep, m.Rep.id == m.Assignment.rep_id)
            .join(m.Supervisor, m.Supervisor.id == m.Assignment.supervisor_id)
            .where(m.Rep.code == "R3")
            .order_by(m.Assignment.start_on)
        ).all()
    assert [tuple(r) for r in rows] == [
        (date(2024, 2, 1), date(2024, 5, 1), "S2"),
        (date(2024, 5, 1), None, "S1"),
    ]


def test_loading_the_same_folder_twice_changes_nothing(engine, tiny_org, tmp_path):
    before = {t: _count(engine, t) for t in (m.Rep, m.Booking, m.Assignment, m.ActivityAttendee)}
    again = load_folder(engine, tmp_path / "org")
    assert again.ok
    assert all(r.inserted == 0 and r.updated == 0 for r in again.results.values())
    assert {t: _count(engine, t) for t in before} == before


def test_same_content_in_new_bytes_reports_duplicates(engine, tiny_org):
    # A re-export with a different line ending is not the same file, but has the same rows.
    data = TINY_ORG["bookings.csv"].replace("\n", "\r\n").encode()
    result = import_bytes(engine, "bookings", data)
    assert result.counts() == {
        "rows_read": 2,
        "inserted": 0,
        "updated": 0,
        "duplicate": 2,
        "unmatched": 0,
        "rejected": 0,
    }


def test_changed_row_is_updated_and_new_row_inserted(engine, tiny_org):
    data = "id,rep_code,customer_code,booked_on,amount\nB1,R1,C1,2024-03-05,999\nB3,R1,C1,2024-03-07,5\n"
    result = import_bytes(engine, "bookings", data.encode())
    assert (result.inserted, result.updated, result.duplicate) == (1, 1, 0)
    with Session(engine) as s:
        assert s.execute(select(m.Booking.amount).where(m.Booking.code == "B1")).scalar_one() == 999


def test_reps_supervisor_change_in_reps_file_is_an_update(engine, tiny_org):
    data = "code,name,supervisor_code,hired_on,left_on\nR1,张三,S2,2024-01-01,\n"
    result = import_bytes(engine, "reps", data.encode())
    assert result.updated == 1
    with Session(engine) as s:
        sup = s.execute(
            select(m.Supervisor.code)
            .join(m.Assignment, m.Assignment.supervisor_id == m.Supervisor.id)
            .join(m.Rep, m.Rep.id == m.Assignment.rep_id)
            .where(m.Rep.code == "R1")
        ).scalar_one()
    assert sup == "S2"


BAD_FILES = [
    # (kind, content, row, column, reason fragment)
    (
        "bookings",
        "id,rep_code,customer_code,booked_on,amount\nB9,R1,C1,2024-03-05,abc\n",
        2,
        "amount",
        "not a number",
    ),
    (
        "bookings",
        "id,rep_code,customer_code,booked_on,amount\nB9,R1,C1,2024-03-05,-5\n",
        2,
        "amount",
        "below",
    ),
    (
        "bookings",
        "id,rep_code,customer_code,booked_on,amount\nB9,R9,C1,2024-03-05,5\n",
        2,
        "rep_code",
        "not a known",
    ),
    (
        "bookings",
        "id,rep_code,customer_code,booked_on,amount\nB9,R1,C1,2024-02-30,5\n",
        2,
        "booked_on",
        "not a date",
    ),
    (
        "bookings",
        "id,rep_code,customer_code,booked_on,amount\nB9,R1,C1,05/03/2024,5\n",
        2,
        "booked_on",
        "not a date",
    ),
    ("exams", "id,rep_code,date,score,passed\nE9,R1,2024-03-01,101,1\n", 2, "score", "above the maximum 100"),
    ("exams", "id,rep_code,date,score,passed\nE9,R1,2024-03-01,80,maybe\n", 2, "passed", "not 1 or 0"),
    ("surveys", "id,customer_code,rep_code,date,score\nQ1,C1,R1,2024-03-01,6\n", 2, "score", "above"),
    (
        "surveys",
        "id,customer_code,rep_code,date,score\nQ1,C1,R1,2024-03-01,4.5\n",
        2,
        "score",
        "whole number",
    ),
    ("targets", "rep_code,month,amount\nR1,2024-13,5\n", 2, "month", "not a month"),
    ("departments", "code,name,segment\nD9,新部门,retail\n", 2, "segment", "not one of"),
    (
        "reps",
        "code,name,supervisor_code,hired_on,left_on\nR9,赵六,S1,2024-05-01,2024-04-01\n",
        2,
        "left_on",
        "earlier",
    ),
    (
        "bookings",
        "id,rep_code,customer_code,booked_on,amount\nB8,R1,C1,2024-03-05,5\nB8,R1,C1,2024-03-05,6\n",
        3,
        "id",
        "appears earlier",
    ),
    ("bookings", "id,rep_code,customer_code,booked_on,amount\n,R1,C1,2024-03-05,5\n", 2, "id", "required"),
]


@pytest.mark.parametrize(("kind", "content", "row", "column", "fragment"), BAD_FILES)
def test_bad_row_refuses_the_whole_file_and_writes_nothing(
    engine, tiny_org, kind, content, row, column, fragment
):
    model = {
        "bookings": m.Booking,
        "exams": m.Exam,
        "surveys": m.Survey,
        "targets": m.Target,
        "departments": m.Department,
        "reps": m.Rep,
    }[kind]
    before = _count(engine, model)
    # A good row next to the bad one must not be written either.
    result = import_bytes(engine, kind, content.encode())
    assert not result.committed
    assert result.rejected >= 1
    assert sum(result.counts()[k] for k in ("inserted", "updated", "duplicate", "unmatched", "rejected")) == (
        result.rows_read
    )
    bad = result.outcomes[result.outcomes["outcome"] == "rejected"].iloc[0]
    assert (bad["row"], bad["column"]) == (row, column)
    assert fragment in bad["reason_en"]
    assert bad["reason_zh"]
    assert "nothing was saved" in result.message("en")
    assert _count(engine, model) == before
    with Session(engine) as s:
        statuses = s.execute(select(m.Upload.status).order_by(m.Upload.id.desc())).scalars().first()
    assert statuses == "refused"


def test_missing_required_column_is_refused_with_the_column_names(engine, tiny_org):
    with pytest.raises(ImportRefused) as info:
        import_bytes(engine, "bookings", b"id,rep_code,booked_on,amount\nB9,R1,2024-03-05,5\n")
    assert "customer_code" in info.value.message("en")
    assert "customer_code" in info.value.message("zh")


@pytest.mark.parametrize(
    ("data", "code"), [(b"", "empty"), (b"code,name,segment\n", "empty"), (b"\xff\xfe\x00bad", "not_utf8")]
)
def test_empty_or_undecodable_files_are_refused(engine, data, code):
    with pytest.raises(ImportRefused) as info:
        import_bytes(engine, "departments", data)
    assert info.value.code == code
    assert _count(engine, m.Department) == 0


def test_skip_rejected_writes_the_valid_rows(engine, tiny_org):
    data = "id,rep_code,customer_code,booked_on,amount\nB5,R1,C1,2024-03-05,5\nB6,R1,C1,2024-03-05,x\n"
    result = import_bytes(engine, "bookings", data.encode(), on_reject="skip")
    assert result.committed
    assert (result.inserted, result.rejected) == (1, 1)


def test_identical_bytes_again_are_recognised(engine, tiny_org):
    data = b"id,rep_code,customer_code,booked_on,amount\nB7,R1,C1,2024-03-05,5\n"
    first = import_bytes(engine, "bookings", data)
    second = import_bytes(engine, "bookings", data)
    assert first.inserted == 1
    assert second.message_code == "already_imported"
    assert (second.inserted, second.duplicate) == (0, 1)


COMPLAINTS = (
    "id,received_at,customer_code,department_code,category,severity,channel,status,resolved_at,description\n"
    "K1,2024-03-05T09:30,C1,,交付延迟,高,电话,已结案,2024-03-06T10:00,迟到\n"  # department from customer
    "K2,2024-03-06T10:00:15,,D2,服务态度,中,邮件,处理中,,\n"  # department given
    "K3,2024-03-07T11:00,未知公司,,产品质量,低,微信,待处理,,\n"  # unknown customer: unmatched
    "K4,2024-03-07T12:00,ＣＯ,D9,产品质量,低,微信,待处理,,\n"  # unknown department: unmatched
    'K5,2024-03-08T08:00,  中远物流有限公司 ,,账单争议,低,网页,已结案,2024-03-08T09:00,=HYPERLINK("x")\n'
)


def test_complaints_are_attributed_or_kept_unmatched(engine, tiny_org):
    result = import_bytes(engine, "complaints", COMPLAINTS.encode())
    assert result.committed
    assert result.counts() == {
        "rows_read": 5,
        "inserted": 3,
        "updated": 0,
        "duplicate": 0,
        "unmatched": 2,
        "rejected": 0,
    }
    with Session(engine) as s:
        rows = {c.code: c for c in s.execute(select(m.Complaint)).scalars()}
        d1 = s.execute(select(m.Department.id).where(m.Department.code == "D1")).scalar_one()
        d2 = s.execute(select(m.Department.id).where(m.Department.code == "D2")).scalar_one()
    assert rows["K1"].department_id == d1
    assert rows["K2"].department_id == d2
    assert rows["K5"].department_id == d2  # matched by name after trimming
    assert rows["K3"].match_status == "unmatched" and "未知公司" in rows["K3"].unmatched_reason
    assert rows["K4"].match_status == "unmatched" and "D9" in rows["K4"].unmatched_reason
    assert rows["K1"].received_at == datetime(2024, 3, 5, 9, 30)
    assert rows["K1"].received_week == date(2024, 3, 4)
    assert rows["K5"].description == '=HYPERLINK("x")'
    assert all(r.upload_id == result.upload_id for r in rows.values())
    again = import_bytes(engine, "complaints", COMPLAINTS.replace("K5,", "K6,").encode())
    # Unchanged rows are duplicates whether matched or not; only K6 is new.
    assert (again.inserted, again.duplicate, again.unmatched) == (1, 4, 0)


def test_complaint_resolved_before_received_is_rejected(engine, tiny_org):
    data = (
        "id,received_at,customer_code,department_code,category,severity,channel,status,resolved_at,description\n"
        "K9,2024-03-05T09:30,C1,,a,,,,2024-03-04T09:30,\n"
    )
    result = import_bytes(engine, "complaints", data.encode())
    assert result.rejected == 1
    assert result.outcomes.iloc[0]["column"] == "resolved_at"


def test_an_entirely_blank_department_column_falls_back_to_the_customer(engine, tiny_org):
    data = (
        "id,received_at,customer_code,department_code,category,severity,channel,status,resolved_at,description\n"
        "K20,2024-03-05T09:30,C1,,a,,,,,\nK21,2024-03-05T10:30,C2,,b,,,,,\n"
    )
    result = import_bytes(engine, "complaints", data.encode())
    assert (result.inserted, result.unmatched) == (2, 0), result.outcomes["reason_en"].tolist()
