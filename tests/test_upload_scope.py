"""A department manager's uploads of other kinds: rows of another department are rejected, with why."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from core import models as m
from core.auth import scope_for
from core.importing.kinds import get_kind
from core.importing.upload import import_record_upload

ORG = (
    ("departments", "code,name,segment\nD1,银行一部,bank\nD2,企业客户部,non_bank\n"),
    ("supervisors", "code,name,department_code\nS1,王伟,D1\nS2,李娜,D2\n"),
    ("reps", "code,name,supervisor_code,hired_on,left_on\nR1,张三,S1,2024-01-01,\nR2,李四,S2,2024-01-01,\n"),
    (
        "customers",
        "code,name,segment,department_code,owner_rep_code,key_account,since\n"
        "C1,华夏银行,bank,D1,R1,1,2020-01-01\nC2,中远物流,non_bank,D2,R2,0,2020-01-01\n",
    ),
)


@pytest.fixture
def org(engine: Engine) -> dict[str, int]:
    for kind, text in ORG:
        outcome = import_record_upload(engine, kind, text.encode(), f"{kind}.csv", username="admin")
        assert outcome.committed and outcome.counts()["inserted"] == 2, outcome.message("en")
    with Session(engine) as session:
        return dict(session.execute(select(m.Department.code, m.Department.id)).all())


def manager_of(org: dict[str, int], code: str) -> frozenset[int]:
    """The scope a signed-in manager of department `code` uploads with (as the page passes it)."""
    user = m.User(username="mgr", role="manager", department_id=org[code])
    departments = scope_for(user).department_ids
    assert departments is not None
    return departments


def rows(engine: Engine, kind: str) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(get_kind(kind).model)).scalar_one()


# kind, header, a row of the manager's department D1, a row that is D2's, the column and value named
CASES = [
    ("departments", "code,name,segment", "D1,银行一部（新）,bank", "D2,企业客户部,non_bank", "code", "D2"),
    ("supervisors", "code,name,department_code", "S3,赵六,D1", "S4,钱七,D2", "department_code", "D2"),
    (
        "reps",
        "code,name,supervisor_code,hired_on,left_on",
        "R3,孙八,S1,2024-02-01,",
        "R4,周九,S2,2024-02-01,",
        "supervisor_code",
        "S2",
    ),
    (
        "assignments",
        "rep_code,supervisor_code,start_on",
        "R1,S1,2024-06-01",
        "R2,S2,2024-06-01",
        "rep_code",
        "R2",
    ),
    (
        "customers",
        "code,name,segment,department_code,owner_rep_code,key_account,since",
        "C3,招商银行,bank,D1,R1,0,2024-01-01",
        "C4,中粮集团,non_bank,D1,R2,0,2024-01-01",
        "owner_rep_code",
        "R2",
    ),
    (
        "bookings",
        "id,rep_code,customer_code,booked_on,amount",
        "B1,R1,C1,2024-03-05,100",
        "B2,R1,C2,2024-03-05,100",
        "customer_code",
        "C2",
    ),
    ("targets", "rep_code,month,amount", "R1,2024-03,1000", "R2,2024-03,1000", "rep_code", "R2"),
    (
        "plans",
        "department_code,year,amount,industry_growth_pct",
        "D1,2025,1000000,12",
        "D2,2025,1000000,12",
        "department_code",
        "D2",
    ),
    (
        "activities",
        "id,supervisor_code,date,kind,minutes,rep_codes",
        "A1,S1,2024-03-04,team_meeting,60,R1",
        "A2,S1,2024-03-04,coaching,30,R1;R2",
        "rep_codes",
        "R2",
    ),
    (
        "training",
        "id,rep_code,date,hours,topic",
        "T1,R1,2024-03-04,2,谈判",
        "T2,R2,2024-03-04,2,谈判",
        "rep_code",
        "R2",
    ),
    (
        "exams",
        "id,rep_code,date,score,passed",
        "E1,R1,2024-03-04,88,1",
        "E2,R2,2024-03-04,88,1",
        "rep_code",
        "R2",
    ),
    (
        "surveys",
        "id,customer_code,rep_code,date,score",
        "V1,C1,R1,2024-03-04,5",
        "V2,C1,R2,2024-03-04,5",
        "rep_code",
        "R2",
    ),
    (
        "rep_ratings",
        "supervisor_code,rep_code,quarter,score",
        "S1,R1,2024-Q1,4",
        "S2,R2,2024-Q1,4",
        "supervisor_code",
        "S2",
    ),
    (
        "supervisor_ratings",
        "supervisor_code,quarter,score",
        "S1,2024-Q1,4",
        "S2,2024-Q1,4",
        "supervisor_code",
        "S2",
    ),
    ("csat_targets", "department_code,year,csat_pct", "D1,2025,85", "D2,2025,85", "department_code", "D2"),
    (
        "contacts",
        "id,customer_code,rep_code,date,kind",
        "K1,C1,R1,2024-03-04,visit",
        "K2,C2,R1,2024-03-04,visit",
        "customer_code",
        "C2",
    ),
]


@pytest.mark.parametrize(
    ("kind", "header", "own", "foreign", "column", "value"), CASES, ids=[c[0] for c in CASES]
)
def test_a_manager_cannot_upload_another_departments_rows(
    engine, org, kind, header, own, foreign, column, value
):
    data = f"{header}\n{own}\n{foreign}\n".encode()
    before = rows(engine, kind)
    mine = manager_of(org, "D1")

    refused = import_record_upload(engine, kind, data, f"{kind}.csv", username="mgr", department_ids=mine)
    assert not refused.committed and rows(engine, kind) == before  # all or nothing, as for any rejection
    assert refused.counts()["rejected"] == 1
    assert (
        sum(refused.counts()[k] for k in ("inserted", "updated", "duplicate", "unmatched", "rejected")) == 2
    )
    table = refused.result.outcomes.set_index("row")
    assert table.loc[3, "outcome"] == "rejected" and table.loc[2, "outcome"] in ("inserted", "updated")
    assert table.loc[3, "column"] == column
    assert f"{column} '{value}' belongs to another department" in table.loc[3, "reason_en"]
    assert f"{column}“{value}”属于其他部门" in table.loc[3, "reason_zh"]
    assert refused.rejected_rows("en").index.tolist() == [3]

    skipped = import_record_upload(
        engine, kind, data, f"{kind}.csv", username="mgr", department_ids=mine, on_reject="skip"
    )
    assert skipped.committed and skipped.counts()["rejected"] == 1
    assert skipped.counts()["inserted"] + skipped.counts()["updated"] == 1
    assert rows(engine, kind) == before + skipped.counts()["inserted"]


@pytest.mark.parametrize(
    ("kind", "header", "own", "foreign", "column", "value"), CASES, ids=[c[0] for c in CASES]
)
def test_directors_and_administrators_upload_every_department(
    engine, org, kind, header, own, foreign, column, value
):
    data = f"{header}\n{own}\n{foreign}\n".encode()
    outcome = import_record_upload(engine, kind, data, f"{kind}.csv", username="boss", department_ids=None)
    assert outcome.committed and outcome.counts()["rejected"] == 0
    for role in ("director", "admin", "call_center"):
        assert scope_for(m.User(username=role, role=role)).department_ids is None


def test_a_manager_cannot_take_over_a_stored_row_of_another_department(engine, org):
    """The file names only the manager's codes, but the stored row with that key is D2's."""
    admin = import_record_upload(
        engine, "surveys", b"id,customer_code,rep_code,date,score\nV9,C2,R2,2024-03-04,3\n", "s.csv"
    )
    assert admin.committed
    mine = manager_of(org, "D1")
    outcome = import_record_upload(
        engine,
        "surveys",
        b"id,customer_code,rep_code,date,score\nV9,C1,R1,2024-03-04,5\n",
        "s2.csv",
        department_ids=mine,
    )
    assert not outcome.committed and outcome.counts()["rejected"] == 1
    reason = outcome.result.outcomes.iloc[0]
    assert reason["reason_en"].startswith("the stored row with this key belongs to another department")
    assert (
        "customer_code 'C2'" in reason["reason_en"] and "已保存的同键记录属于其他部门" in reason["reason_zh"]
    )
    moved = import_record_upload(
        engine,
        "reps",
        "code,name,supervisor_code,hired_on,left_on\nR2,李四,S1,2024-01-01,\n".encode(),
        "r.csv",
        department_ids=mine,
    )
    assert not moved.committed and "code 'R2'" in moved.result.outcomes.iloc[0]["reason_en"]
    with Session(engine) as session:
        score = session.execute(select(m.Survey.score).where(m.Survey.code == "V9")).scalar_one()
    assert score == 3


def test_a_rep_who_moved_into_the_department_is_the_managers_too(engine, org):
    moved = import_record_upload(
        engine, "assignments", b"rep_code,supervisor_code,start_on\nR2,S1,2024-06-01\n", "a.csv"
    )
    assert moved.committed
    mine = manager_of(org, "D1")
    outcome = import_record_upload(
        engine,
        "exams",
        b"id,rep_code,date,score,passed\nE5,R2,2024-07-01,70,1\n",
        "e.csv",
        department_ids=mine,
    )
    assert outcome.committed and outcome.counts()["inserted"] == 1


# --- complaints: attributed to another department, rejected; unmatched, let through -------------

COMPLAINTS = (
    "id,received_at,customer_code,department_code,category,severity,channel,status,resolved_at,description"
)


def complaint(code: str, customer: str = "", department: str = "") -> str:
    return f"{code},2024-03-04T10:00:00,{customer},{department},服务态度,低,电话,已结案,,客户来电"


def test_a_managers_complaint_upload_keeps_to_their_department_and_the_unmatched(engine, org):
    data = "\n".join(
        [
            COMPLAINTS,
            complaint("CP1", customer="C1"),  # row 2: D1's customer
            complaint("CP2", department="D1"),  # row 3: D1 named
            complaint("CP3", customer="C2"),  # row 4: D2's customer
            complaint("CP4", department="D2"),  # row 5: D2 named
            complaint("CP5", customer="无名客户"),  # row 6: no known customer: unmatched
            complaint("CP6", department="D9"),  # row 7: no known department: unmatched
        ]
    ).encode()
    mine = manager_of(org, "D1")
    outcome = import_record_upload(
        engine, "complaints", data, "c.csv", username="mgr", department_ids=mine, on_reject="skip"
    )
    assert outcome.committed
    table = outcome.result.outcomes.set_index("row")
    assert list(table.loc[[4, 5], "outcome"]) == ["rejected", "rejected"]
    assert (
        table.loc[4, "column"] == "customer_ref"
        and "'C2' belongs to another department" in table.loc[4, "reason_en"]
    )
    assert table.loc[5, "column"] == "department_ref" and "“D2”属于其他部门" in table.loc[5, "reason_zh"]
    assert outcome.counts()["inserted"] + outcome.counts()["unmatched"] == 4
    with Session(engine) as session:
        stored = dict(session.execute(select(m.Complaint.code, m.Complaint.match_status)).all())
    assert stored == {"CP1": "matched", "CP2": "matched", "CP5": "unmatched", "CP6": "unmatched"}

    # Everyone else uploads every department's complaints.
    theirs = f"{COMPLAINTS}\n{complaint('CP8', customer='C2')}\n{complaint('CP9', department='D2')}\n"
    everyone = import_record_upload(engine, "complaints", theirs.encode(), "c2.csv", department_ids=None)
    assert everyone.committed and everyone.counts()["rejected"] == 0 and everyone.counts()["inserted"] == 2


def test_a_manager_cannot_move_a_stored_complaint_of_another_department(engine, org):
    admin = import_record_upload(
        engine, "complaints", f"{COMPLAINTS}\n{complaint('CP7', customer='C2')}\n".encode(), "a.csv"
    )
    assert admin.committed
    moved = import_record_upload(
        engine,
        "complaints",
        f"{COMPLAINTS}\n{complaint('CP7', customer='C1')}\n".encode(),
        "m.csv",
        department_ids=manager_of(org, "D1"),
    )
    assert not moved.committed and moved.counts()["rejected"] == 1
    assert moved.result.outcomes.iloc[0]["reason_en"].startswith(
        "the stored row with this key belongs to another"
    )
    with Session(engine) as session:
        stored = session.execute(
            select(m.Customer.code).join(m.Complaint, m.Complaint.customer_id == m.Customer.id)
        ).scalar_one()
    assert stored == "C2"  # still D2's customer


def test_a_managers_call_center_export_keeps_to_their_department(engine, org):
    """The Upload page's export flow (a GBK file with Chinese headers) applies the same rule."""
    from core.importing.upload import import_complaint_upload

    export = "\n".join(
        [
            "工单号,受理时间,客户名称,所属部门,处理状态,投诉内容",
            "E1,2024/3/5 9:32,华夏银行,,处理中,账单有误",  # D1's customer
            "E2,2024/3/5 10:00,中远物流,,处理中,延迟",  # D2's customer
            "E3,2024/3/6 11:15,,D2,待处理,态度",  # D2 named
            "E4,2024/3/6 14:00,未知公司,,已结案,质量",  # unmatched: allowed
        ]
    )

    def gbk(text: str) -> bytes:
        return (text + "\n").replace("\n", "\r\n").encode("gbk")

    data = gbk(export)
    outcome = import_complaint_upload(
        engine, data, "week10.csv", username="mgr", department_ids=manager_of(org, "D1"), on_reject="skip"
    )
    assert outcome.committed
    counts = outcome.counts()
    assert counts["rejected"] == 2 and counts["inserted"] + counts["unmatched"] == 2
    table = outcome.result.outcomes.set_index("row")
    assert list(table.loc[[3, 4], "outcome"]) == ["rejected", "rejected"]
    assert "belongs to another department" in table.loc[3, "reason_en"]
    with Session(engine) as session:
        stored = dict(session.execute(select(m.Complaint.code, m.Complaint.match_status)).all())
    assert stored == {"E1": "matched", "E4": "unmatched"}

    # The same export from the call center (no department limit) keeps every row.
    everyone = import_complaint_upload(
        engine, gbk(export.replace(",2024", "-cc,2024")), "week10b.csv", username="cc"
    )
    assert (
        everyone.counts()["rejected"] == 0
        and everyone.counts()["inserted"] + everyone.counts()["unmatched"] == 4
    )
