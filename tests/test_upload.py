"""Complaint uploads end to end: real exports, counts, profiles, undo, unmatched, rejected rows out, CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from core import models as m
from core.db import write_session
from core.importing.engine import OUTCOMES
from core.importing.errors import FileRefused
from core.importing.upload import (
    UploadRefused,
    find_profile,
    import_complaint_upload,
    import_record_upload,
    is_formula_like,
    list_uploads,
    neutralise,
    read_upload,
    rejected_rows_download,
    resolve_unmatched,
    save_profile,
    undo_upload,
    unmatched_groups,
    upload_kinds,
)

REAL = Path(__file__).resolve().parents[2] / "shared/data/real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real sample files not present at {REAL}")


def real(name: str) -> bytes:
    return (REAL / name).read_bytes()


@pytest.fixture
def org(engine: Engine) -> dict[str, int]:
    """Departments and customers named as in the real files, so that some of their rows match.

    NYPD and HPD are departments by code (nyc311's Agency column); the car brands and two US
    banks are customers by name. 大众(进口) is written with full-width brackets in the car file.
    """
    ids: dict[str, int] = {}
    with write_session(engine) as session:
        for code, name, segment in (
            ("NYPD", "New York Police Department", "non_bank"),
            ("HPD", "Housing Preservation and Development", "non_bank"),
            ("D01", "银行一部", "bank"),
        ):
            row = m.Department(code=code, name=name, segment=segment)
            session.add(row)
            session.flush()
            ids[code] = row.id
        for code, name, dept in (
            ("CAR1", "一汽-大众", "D01"),
            ("CAR2", "上汽大众", "D01"),
            ("CAR3", "大众(进口)", "D01"),
            ("BOA", "Bank of America", "D01"),
            ("WF", "Wells Fargo & Company", "D01"),
            ("EXP", "Experian Information Solutions", "HPD"),
        ):
            row = m.Customer(
                code=code, name=name, segment="bank", department_id=ids[dept], since=date(2020, 1, 1)
            )
            session.add(row)
            session.flush()
            ids[code] = row.id
    return ids


def complaint_count(engine: Engine, **where: object) -> int:
    with Session(engine) as session:
        stmt = select(func.count()).select_from(m.Complaint)
        for column, value in where.items():
            stmt = stmt.where(getattr(m.Complaint, column) == value)
        return session.execute(stmt).scalar_one()


def assert_counts_add_up(outcome, rows_in_file: list[int]) -> None:
    counts = outcome.counts()
    assert sum(counts[name] for name in OUTCOMES) == counts["rows_read"] == len(rows_in_file)
    table = outcome.result.outcomes
    assert sorted(table["row"].tolist()) == sorted(rows_in_file)  # every row exactly once
    assert table["outcome"].value_counts().to_dict() == {
        k: v for k, v in counts.items() if k in OUTCOMES and v
    }


# --- real exports -------------------------------------------------------------------------

CAR_MAPPING = {
    "id": "id",
    "received_at": "complain_time",
    "customer": "brand",
    "status": "status",
    "description": "problem_desc",
}
CFPB_MAPPING = {
    "id": "complaint_id",
    "received_at": "date_received",
    "customer": "company",
    "category": "issue",
}


@needs_real
@pytest.mark.parametrize(
    ("name", "mapping", "counts"),
    [
        # Agency: NYPD 2,370 + HPD 2,497 rows resolve by department code; 17 other agencies do not.
        ("nyc311_2018-10-21.csv", None, {"inserted": 4867, "unmatched": 1898}),
        # GBK; 30 ids repeated with identical rows; 一汽-大众 163, 上汽大众 134, 大众（进口） 3 all resolve.
        ("car_complaints_12365auto_gbk.csv", CAR_MAPPING, {"inserted": 270, "duplicate": 30}),
        # Bank of America 99 + Wells Fargo & Company 73 resolve; the other companies are unknown.
        ("cfpb_complaints_2013.csv", CFPB_MAPPING, {"inserted": 172, "unmatched": 828}),
        # 留言用户 (anonymised citizens) is suggested as the customer: none is known.
        ("gov_hotline_messages_replies_zh.xlsx", None, {"unmatched": 2816}),
        # No customer or department column at all: kept, unmatched, never dropped.
        ("call_center_phonenow_2021q1.xlsx", None, {"unmatched": 5000}),
    ],
)
def test_each_real_export_imports_and_every_row_has_one_outcome(engine, org, name, mapping, counts):
    outcome = import_complaint_upload(engine, real(name), name, mapping=mapping, username="cc1")
    expected = {"inserted": 0, "updated": 0, "duplicate": 0, "unmatched": 0, "rejected": 0, **counts}
    assert outcome.committed and not outcome.recognised
    assert {k: v for k, v in outcome.counts().items() if k != "rows_read"} == expected
    assert_counts_add_up(outcome, outcome.prepared.original.index.tolist())
    stored = complaint_count(engine)
    assert stored == counts.get("inserted", 0) + counts.get("unmatched", 0)
    assert complaint_count(engine, upload_id=outcome.upload_id) == stored
    with Session(engine) as session:
        upload = list_uploads(session).iloc[0]
    assert (upload["file_name"], upload["username"], upload["status"]) == (name, "cc1", "committed")
    assert upload["rows_read"] == outcome.counts()["rows_read"]


@needs_real
def test_full_width_brackets_match_a_customer_after_nfkc(engine, org):
    import_complaint_upload(engine, real("car_complaints_12365auto_gbk.csv"), "car.csv", mapping=CAR_MAPPING)
    assert complaint_count(engine, customer_id=org["CAR3"]) == 3  # written 大众（进口） in the file
    assert complaint_count(engine, department_id=org["D01"], match_status="matched") == 270


@needs_real
def test_the_same_file_twice_adds_nothing_and_is_recognised_at_once(engine, org):
    data = real("car_complaints_12365auto_gbk.csv")
    first = import_complaint_upload(engine, data, "car.csv", mapping=CAR_MAPPING)
    again = import_complaint_upload(engine, data, "car-again.csv", mapping=CAR_MAPPING, username="cc2")
    assert again.recognised and again.committed and again.prepared is None
    assert again.counts() == {**dict.fromkeys(first.counts(), 0), "rows_read": 300, "duplicate": 300}
    assert f"upload #{first.upload_id}" in again.message("en") and "已导入过" in again.message("zh")
    assert complaint_count(engine) == 270
    with Session(engine) as session:
        history = list_uploads(session)
    assert history["file_name"].tolist() == ["car-again.csv", "car.csv"]


@needs_real
def test_an_overlapping_re_export_adds_only_what_is_new(engine, org):
    lines = real("nyc311_2018-10-21.csv").split(b"\r\n")  # no quoted line breaks in this file
    header, rows = lines[0], lines[1:]
    first = b"\r\n".join([header, *rows[:3000]])
    second = b"\r\n".join([header, *rows[2000:]])  # rows 2001-3000 again, then 3,765 new ones
    one = import_complaint_upload(engine, first, "311-a.csv")
    two = import_complaint_upload(engine, second, "311-b.csv")
    assert one.counts()["rows_read"] == 3000 and two.counts()["rows_read"] == 4765
    assert two.counts()["duplicate"] == 1000 and two.counts()["updated"] == 0
    assert two.counts()["inserted"] + two.counts()["unmatched"] == 3765
    assert complaint_count(engine) == 6765


# --- a small export with every outcome ----------------------------------------------------

HEADER = "工单号,受理时间,客户名称,所属部门,处理状态,投诉内容"
EXPORT_1 = "\n".join(
    [
        HEADER,
        "T1,2024/3/5 9:32,Bank of America,,处理中,账单",
        "T2,2024/3/5 10:00,一汽-大众,,处理中,延迟",
        "T3,2024/3/6 11:15,未知公司,,待处理,态度",
        "T4,2024/3/6 14:00,,HPD,已结案,质量",
        "T5,2024/3/7 08:30,上汽大众,,处理中,响应慢",
        "T6,2024/3/7 16:45,,NYPD,处理中,其他",
    ]
)
# A week later: T4-T6 again (T5 now closed), T7-T9 new.
EXPORT_2 = "\n".join(
    [
        HEADER,
        "T4,2024/3/6 14:00,,HPD,已结案,质量",
        "T5,2024/3/7 08:30,上汽大众,,已结案,响应慢",
        "T6,2024/3/7 16:45,,NYPD,处理中,其他",
        "T7,2024/3/12 09:00,Bank of America,,待处理,账单",
        "T8,2024/3/12 10:00,另一家未知公司,,待处理,账单",
        "T9,2024/3/13 10:00,,HPD,待处理,质量",
    ]
)


def gbk(text: str) -> bytes:
    return (text + "\r\n").replace("\n", "\r\n").replace("\r\r", "\r").encode("gbk")


def test_rows_stored_without_a_hash_are_compared_column_by_column(engine, org):
    """Complaints stored before row_hash existed (or changed by a resolution) have none: same outcomes."""
    import_complaint_upload(engine, gbk(EXPORT_1), "week10.csv")
    with write_session(engine) as session:
        session.execute(update(m.Complaint).where(m.Complaint.code.in_(["T4", "T5"])).values(row_hash=None))
    two = import_complaint_upload(engine, gbk(EXPORT_2), "week11.csv")
    assert {k: two.counts()[k] for k in ("inserted", "updated", "duplicate", "unmatched")} == {
        "inserted": 2,
        "updated": 1,  # T5, without a hash, compared column by column
        "duplicate": 2,  # T4 (without a hash) and T6 (by its hash)
        "unmatched": 1,
    }
    assert complaint(engine, "T4").row_hash is None and complaint(engine, "T5").row_hash is not None
    assert complaint(engine, "T5").status == "已结案"


def test_a_weekly_re_export_inserts_updates_and_skips_duplicates(engine, org):
    one = import_complaint_upload(engine, gbk(EXPORT_1), "week10.csv")
    assert one.prepared.encoding == "gbk"
    assert one.counts() == {
        "rows_read": 6,
        "inserted": 5,
        "updated": 0,
        "duplicate": 0,
        "unmatched": 1,
        "rejected": 0,
    }
    two = import_complaint_upload(engine, gbk(EXPORT_2), "week11.csv")
    assert two.counts() == {
        "rows_read": 6,
        "inserted": 2,
        "updated": 1,
        "duplicate": 2,
        "unmatched": 1,
        "rejected": 0,
    }
    assert_counts_add_up(two, [2, 3, 4, 5, 6, 7])
    with Session(engine) as session:
        t5 = session.execute(select(m.Complaint).where(m.Complaint.code == "T5")).scalar_one()
    assert t5.status == "已结案" and t5.upload_id == two.upload_id


def complaint(engine: Engine, code: str) -> m.Complaint:
    with Session(engine) as session:
        return session.execute(select(m.Complaint).where(m.Complaint.code == code)).scalar_one()


def stored_codes(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.execute(select(m.Complaint.code)).scalars())


def undo(engine: Engine, upload_id: int):
    with write_session(engine) as session:
        return undo_upload(session, upload_id, username="boss", role="admin")


def test_undo_removes_what_the_upload_added_and_restores_what_it_updated(engine, org):
    one = import_complaint_upload(engine, gbk(EXPORT_1), "week10.csv")
    hash_before = complaint(engine, "T5").row_hash
    two = import_complaint_upload(engine, gbk(EXPORT_2), "week11.csv", username="cc1")
    assert complaint(engine, "T5").row_hash not in (None, hash_before)
    assert complaint(engine, "T5").created_upload_id == one.upload_id
    assert complaint(engine, "T7").created_upload_id == two.upload_id
    with Session(engine) as session:  # one change record: T5, the one row the upload updated
        changes = session.execute(select(m.UploadChange.upload_id, m.UploadChange.complaint_id)).all()
    assert changes == [(two.upload_id, complaint(engine, "T5").id)]
    undone = undo(engine, two.upload_id)
    assert (undone.deleted, undone.restored) == (3, 1)  # T7, T8, T9 gone; T5 open again
    t5 = complaint(engine, "T5")
    assert (t5.status, t5.upload_id, t5.created_upload_id) == ("处理中", one.upload_id, one.upload_id)
    assert t5.row_hash == hash_before
    assert t5.match_status == "matched" and t5.customer_id == org["CAR2"]
    with Session(engine) as session:
        upload = session.get(m.Upload, two.upload_id)
        first = session.get(m.Upload, one.upload_id)
        events = session.execute(
            select(m.AuditEvent.action, m.AuditEvent.username).where(
                m.AuditEvent.target == f"upload:{two.upload_id}"
            )
        ).all()
        assert session.execute(select(func.count()).select_from(m.UploadChange)).scalar_one() == 0
    assert stored_codes(engine) == {"T1", "T2", "T3", "T4", "T5", "T6"}
    assert (upload.status, upload.undone_by) == ("undone", "boss") and upload.undone_at_utc is not None
    assert first.status == "committed"
    assert ("upload.undo", "boss") in events and ("upload.commit", "cc1") in events
    with write_session(engine) as session, pytest.raises(UploadRefused) as twice:
        undo_upload(session, two.upload_id, username="boss", role="admin")
    assert "already undone by boss" in twice.value.message("en") and "已于" in twice.value.message("zh")
    # The record stays, marked undone, and the same file can now be imported again, with T5 updated again.
    again = import_complaint_upload(engine, gbk(EXPORT_2), "week11.csv")
    assert not again.recognised and again.counts()["inserted"] + again.counts()["unmatched"] == 3
    assert again.counts()["updated"] == 1 and complaint(engine, "T5").status == "已结案"


def test_an_upload_whose_rows_a_later_upload_changed_is_undone_after_that_one(engine, org):
    one = import_complaint_upload(engine, gbk(EXPORT_1), "week10.csv")
    two = import_complaint_upload(engine, gbk(EXPORT_2), "week11.csv")  # updates T5, which one inserted
    with write_session(engine) as session, pytest.raises(UploadRefused) as refused:
        undo_upload(session, one.upload_id, username="boss", role="admin")
    assert refused.value.code == "undo_later"
    assert f"upload #{two.upload_id}" in refused.value.message("en") and "1 of its" in refused.value.message(
        "en"
    )
    assert f"#{two.upload_id}" in refused.value.message("zh") and "请先撤销" in refused.value.message("zh")
    assert complaint_count(engine) == 9  # nothing was changed
    assert undo(engine, two.upload_id).deleted == 3
    undone = undo(engine, one.upload_id)
    assert (undone.deleted, undone.restored) == (6, 0) and complaint_count(engine) == 0


OTHER_WEEK = "\n".join(
    [
        HEADER,
        "T1,2024/3/5 9:32,Bank of America,,已结案,账单",  # T1 closed (inserted by the first upload)
        "T20,2024/3/20 9:00,,HPD,待处理,新的",
        "T21,2024/3/21 9:00,一汽-大众,,待处理,新的",
    ]
)


def test_undo_is_exact_although_other_uploads_committed_afterwards(engine, org):
    one = import_complaint_upload(engine, gbk(EXPORT_1), "week10.csv")
    two = import_complaint_upload(engine, gbk(EXPORT_2), "week11.csv")
    three = import_complaint_upload(engine, gbk(OTHER_WEEK), "other.csv")
    assert three.counts()["updated"] == 1 and three.counts()["inserted"] == 2
    undone = undo(engine, two.upload_id)  # three touched none of two's rows
    assert (undone.deleted, undone.restored) == (3, 1)
    assert stored_codes(engine) == {"T1", "T2", "T3", "T4", "T5", "T6", "T20", "T21"}
    assert complaint(engine, "T5").status == "处理中"
    assert (complaint(engine, "T1").status, complaint(engine, "T1").upload_id) == ("已结案", three.upload_id)
    undone = undo(engine, three.upload_id)
    assert (undone.deleted, undone.restored) == (2, 1)
    assert complaint(engine, "T1").status == "处理中" and complaint(engine, "T1").upload_id == one.upload_id
    assert stored_codes(engine) == {"T1", "T2", "T3", "T4", "T5", "T6"}


def test_undo_of_an_upload_that_overlapped_another_is_exact(engine, org, monkeypatch):
    """Another upload commits between this one's start and its write, and this one updates its rows."""
    from core.importing import upload as upload_module

    real_import_frame = upload_module.import_frame
    slipped = []

    def another_upload_first(*args, **kwargs):
        if not slipped:
            slipped.append(None)  # (the other upload goes through this function too)
            slipped[0] = import_complaint_upload(engine, gbk(EXPORT_1), "other.csv")
        return real_import_frame(*args, **kwargs)

    monkeypatch.setattr(upload_module, "import_frame", another_upload_first)
    late = import_complaint_upload(engine, gbk(EXPORT_2), "late.csv")
    assert late.counts()["updated"] == 1  # T5, which the other upload had just inserted
    undone = undo(engine, late.upload_id)
    assert (undone.deleted, undone.restored) == (3, 1)
    assert complaint_count(engine) == 6 and complaint(engine, "T5").status == "处理中"
    assert undo(engine, slipped[0].upload_id).deleted == 6


def test_a_restored_complaint_takes_a_name_resolved_since(engine, org):
    import_complaint_upload(engine, gbk(EXPORT_1), "week10.csv")  # T3 names 未知公司: unmatched
    changed = HEADER + "\nT3,2024/3/6 11:15,未知公司,,已结案,态度"
    two = import_complaint_upload(engine, gbk(changed), "week11.csv")
    assert two.counts()["unmatched"] == 1
    with write_session(engine) as session:
        resolve_unmatched(session, "未知公司", customer_code="BOA", username="cc1")
    assert undo(engine, two.upload_id).restored == 1
    t3 = complaint(engine, "T3")
    assert (t3.status, t3.match_status, t3.customer_id) == ("待处理", "matched", org["BOA"])


@pytest.mark.parametrize(
    ("role", "setup", "code"),
    [
        ("call_center", None, "undo_forbidden"),
        ("manager", None, "undo_forbidden"),
        ("admin", "missing", "upload_unknown"),
        ("admin", "refused", "undo_nothing"),
        ("admin", "departments", "undo_kind"),
    ],
)
def test_undo_is_refused_clearly(engine, org, role, setup, code):
    if setup == "refused":
        bad = gbk(HEADER + "\nT1,2024/2/30 9:00,,HPD,,x")  # 30 February: rejected, nothing written
        upload_id = import_complaint_upload(engine, bad, "bad.csv").upload_id
    elif setup == "departments":
        upload_id = import_record_upload(
            engine, "departments", b"code,name,segment\nDX,X,bank\n", "d.csv"
        ).upload_id
    else:
        upload_id = (
            999 if setup == "missing" else import_complaint_upload(engine, gbk(EXPORT_1), "a.csv").upload_id
        )
    with write_session(engine) as session, pytest.raises(UploadRefused) as refused:
        undo_upload(session, upload_id, username="someone", role=role)
    assert refused.value.code == code
    assert refused.value.message("zh") != refused.value.message("en")


def test_without_a_role_undo_asks_the_user_table(engine, org):
    from core.auth import create_user

    upload_id = import_complaint_upload(engine, gbk(EXPORT_1), "a.csv").upload_id
    with write_session(engine) as session:
        create_user(session, "cc9", "call_center", "a long test passphrase")
        create_user(session, "root9", "admin", "a long test passphrase")
    for username, allowed in (("ghost", False), ("cc9", False), ("root9", True)):
        with write_session(engine) as session:
            if allowed:
                assert undo_upload(session, upload_id, username=username).deleted == 6
            else:
                with pytest.raises(UploadRefused, match="Only an administrator"):
                    undo_upload(session, upload_id, username=username)


# --- unmatched ------------------------------------------------------------------------------


@needs_real
def test_resolving_a_customer_name_makes_its_complaints_count(engine, org):
    import_complaint_upload(engine, real("cfpb_complaints_2013.csv"), "cfpb.csv", mapping=CFPB_MAPPING)
    with Session(engine) as session:
        groups = unmatched_groups(session)
    experian = groups[groups["ref_text"] == "Experian"].iloc[0]
    assert (experian["complaints"], experian["ref_field"], experian["reason_code"]) == (
        58,
        "customer",
        "unknown_customer",
    )
    assert experian["reason_zh"] == "未知客户“Experian”，且未填写部门"
    with write_session(engine) as session:
        done = resolve_unmatched(session, "  experian ", customer_code="EXP", username="cc1")
    assert done.matched == 58 and done.spellings == ["Experian"]
    assert (
        complaint_count(engine, customer_id=org["EXP"], department_id=org["HPD"], match_status="matched")
        == 58
    )
    assert complaint_count(engine, match_status="unmatched") == 828 - 58
    with Session(engine) as session:
        assert "Experian" not in set(unmatched_groups(session)["ref_text"])
        event = session.execute(
            select(m.AuditEvent).where(m.AuditEvent.action == "complaint.resolve")
        ).scalar_one()
    assert event.username == "cc1" and json.loads(event.detail)["complaints"] == 58


@needs_real
def test_resolving_an_agency_maps_it_to_a_department(engine, org):
    import_complaint_upload(engine, real("nyc311_2018-10-21.csv"), "311.csv")
    with write_session(engine) as session:
        done = resolve_unmatched(session, "DSNY", department_code="D01", username="cc1")
    assert done.matched == 711
    assert complaint_count(engine, department_id=org["D01"]) == 711
    with Session(engine) as session:
        assert unmatched_groups(session, department_ids=[org["D01"]]).empty  # a manager's scope sees none


def test_a_resolved_name_is_matched_directly_when_a_later_export_repeats_it(engine, org):
    import_complaint_upload(engine, gbk(EXPORT_1), "week10.csv")  # T3 names 未知公司
    with write_session(engine) as session:
        resolve_unmatched(session, "未知公司", customer_code="BOA", username="cc1")
    assert complaint(engine, "T3").row_hash is None  # changed by the resolution: compared in full
    with Session(engine) as session:
        alias = session.execute(select(m.NameAlias)).scalar_one()
    assert (alias.name_key, alias.customer_id, alias.department_id) == ("未知公司", org["BOA"], None)
    assert alias.created_by == "cc1" and alias.created_at_utc is not None
    later = HEADER + "\nT3,2024/3/6 11:15,未知公司,,待处理,态度\nT10,2024/3/14 9:00,未知公司 ,,待处理,又来了"
    outcome = import_complaint_upload(engine, gbk(later), "week11.csv")
    # T3 is as stored (matched to BOA since the resolution); T10 is new and matched at once.
    assert outcome.counts() == {
        "rows_read": 2,
        "inserted": 1,
        "updated": 0,
        "duplicate": 1,
        "unmatched": 0,
        "rejected": 0,
    }
    assert (
        complaint_count(engine, customer_id=org["BOA"], department_id=org["D01"], match_status="matched") == 3
    )
    assert complaint_count(engine, match_status="unmatched") == 0


def test_a_name_resolved_to_a_department_is_matched_in_either_column(engine, org):
    export = EXPORT_1 + "\nT7,2024/3/8 9:00,,火星部,待处理,x"
    import_complaint_upload(engine, gbk(export), "week10.csv")
    with write_session(engine) as session:
        resolve_unmatched(session, "火星部", department_code="NYPD", username="cc1")
    later = HEADER + "\nT30,2024/3/20 9:00,,火星部,待处理,x\nT31,2024/3/20 9:00,ＦＯＯ 火星部,,待处理,x"
    with write_session(engine) as session:  # a second decision for another name
        resolve_unmatched(session, "未知公司", department_code="HPD", username="cc2")
    later += "\nT32,2024/3/21 9:00,未知公司,,待处理,x"
    outcome = import_complaint_upload(engine, gbk(later), "week12.csv")
    assert (outcome.counts()["inserted"], outcome.counts()["unmatched"]) == (
        2,
        1,
    )  # ＦＯＯ 火星部 is another name
    assert (
        complaint(engine, "T30").department_id == org["NYPD"]
        and complaint(engine, "T30").match_status == "matched"
    )
    t32 = complaint(engine, "T32")
    assert (t32.department_id, t32.customer_id, t32.match_status) == (org["HPD"], None, "matched")
    assert complaint(engine, "T31").match_status == "unmatched"


@pytest.mark.parametrize(
    ("ref", "kwargs", "code"),
    [
        ("未知公司", {}, "resolve_choose_one"),
        ("未知公司", {"customer_code": "CAR1", "department_code": "D01"}, "resolve_choose_one"),
        ("未知公司", {"customer_code": "NOPE"}, "resolve_unknown_customer"),
        ("未知公司", {"department_code": "NOPE"}, "resolve_unknown_department"),
        ("没人写过的名字", {"department_code": "D01"}, "resolve_nothing"),
        ("火星部", {"customer_code": "CAR1"}, "resolve_department_column"),
    ],
)
def test_resolve_refuses_clearly(engine, org, ref, kwargs, code):
    export = EXPORT_1 + "\nT7,2024/3/8 9:00,,火星部,待处理,x"
    import_complaint_upload(engine, gbk(export), "week10.csv")
    with write_session(engine) as session, pytest.raises(UploadRefused) as refused:
        resolve_unmatched(session, ref, username="cc1", **kwargs)
    assert refused.value.code == code
    assert complaint_count(engine, match_status="unmatched") == 2


# --- profiles -------------------------------------------------------------------------------


@needs_real
def test_a_saved_profile_is_offered_when_the_same_header_comes_again(engine, org):
    data = real("car_complaints_12365auto_gbk.csv")
    prepared, applied = read_upload(engine, data, "car.csv", mapping=CAR_MAPPING)
    assert applied is None
    with write_session(engine) as session:
        save_profile(session, "汽车投诉网", prepared, username="cc1")
    with Session(engine) as session:
        assert find_profile(session, prepared.header_signature).name == "汽车投诉网"
        assert find_profile(session, "0" * 64) is None
    again, applied = read_upload(engine, data, "car-week2.csv")
    assert applied == "汽车投诉网" and again.mapping["customer"] == "brand"
    outcome = import_complaint_upload(engine, data, "car-week2.csv")
    assert outcome.profile == "汽车投诉网" and outcome.counts()["inserted"] == 270
    by_name = import_complaint_upload(engine, data, "x.csv", profile="汽车投诉网", dry_run=True)
    assert by_name.recognised  # the same bytes: recognised before any profile is needed


@pytest.mark.parametrize(
    ("name", "mapping", "code"),
    [("", {"id": "a", "received_at": "b"}, "profile_no_name"), ("p", {"id": "a"}, "profile_incomplete")],
)
def test_a_profile_needs_a_name_and_the_required_fields(engine, name, mapping, code):
    with write_session(engine) as session, pytest.raises(UploadRefused) as refused:
        save_profile(session, name, mapping, "f" * 64, "cc1")
    assert refused.value.code == code


def test_an_unknown_profile_names_the_saved_ones(engine, org):
    with write_session(engine) as session:
        save_profile(session, "呼叫中心", {"id": "工单号", "received_at": "受理时间"}, "f" * 64, "cc1")
    with pytest.raises(UploadRefused) as refused:
        import_complaint_upload(engine, gbk(EXPORT_1), "a.csv", profile="别的")
    assert "呼叫中心" in refused.value.message("en")


def test_a_file_whose_headers_name_no_required_field_is_refused_listing_its_columns(engine, org):
    with pytest.raises(UploadRefused) as refused:
        import_complaint_upload(engine, b"a,b,c\n1,2,3\n", "odd.csv")
    assert "“a”, “b”, “c”" in refused.value.message("en")
    assert complaint_count(engine) == 0


def test_an_ambiguous_date_order_must_be_chosen(engine, org):
    data = b"ticket #,created date\nA1,03/04/2024\nA2,05/06/2024\n"
    with pytest.raises(FileRefused) as refused:
        import_complaint_upload(engine, data, "us.csv")
    assert refused.value.code == "date_order_needed"
    chosen = import_complaint_upload(engine, data, "us.csv", day_first=False)
    assert chosen.prepared.fields.loc[2, "received_at"] == datetime(2024, 3, 4)


# --- rejected rows out ----------------------------------------------------------------------

WITH_BAD_ROWS = "\n".join(
    [
        HEADER,
        "T1,2024/3/5 9:32,Bank of America,,处理中,账单",
        'T2,2024/2/30 10:00,一汽-大众,,处理中,"=HYPERLINK(""x"")"',
        "T3,昨天,未知公司,,待处理,-5",
    ]
)


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+86 138 0000", "'+86 138 0000"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("-5", "-5"),
        ("-73.92", "-73.92"),
        ("账单", "账单"),
        ("", ""),
    ],
)
def test_formula_like_cells_are_neutralised(cell, safe):
    assert neutralise(cell) == safe
    assert is_formula_like(cell) == (safe != cell)


def test_rejected_rows_download_as_csv_with_the_original_columns_and_a_reason(engine, org):
    outcome = import_complaint_upload(engine, gbk(WITH_BAD_ROWS), "bad.csv")
    assert not outcome.committed and outcome.counts()["rejected"] == 2 and complaint_count(engine) == 0
    for lang, reason in (("en", "Reason"), ("zh", "原因")):
        text = rejected_rows_download(outcome, lang, "csv").decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == [*HEADER.split(","), reason]
        assert [r[0] for r in rows[1:]] == ["T2", "T3"]
        assert rows[1][5] == '\'=HYPERLINK("x")' and rows[2][5] == "-5"
    assert "2024/2/30" in rows[1][6] and "真实存在" in rows[1][6]


def test_rejected_rows_download_as_xlsx_keeps_formulas_as_quoted_text(engine, org):
    outcome = import_complaint_upload(engine, gbk(WITH_BAD_ROWS), "bad.csv", on_reject="skip")
    assert outcome.committed and outcome.counts()["inserted"] == 1
    book = openpyxl.load_workbook(io.BytesIO(rejected_rows_download(outcome, "en", "xlsx")))
    sheet = book.active
    assert [c.value for c in sheet[1]] == [*HEADER.split(","), "Reason"]
    cell = sheet.cell(row=2, column=6)
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s" and cell.quotePrefix
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    assert "not a real date" in sheet.cell(row=2, column=7).value


def test_other_kinds_take_the_same_path_and_give_back_their_rejected_rows(engine):
    data = "code,name,segment\nDX,新部门,bank\nDY,坏部门,retail\n".encode()
    outcome = import_record_upload(engine, "departments", data, "departments.csv", on_reject="skip")
    assert outcome.counts()["inserted"] == 1 and outcome.counts()["rejected"] == 1
    rejected = outcome.rejected_rows("zh")
    assert list(rejected.columns) == ["code", "name", "segment", "原因"] and rejected.index.tolist() == [3]
    assert import_record_upload(engine, "departments", data, "again.csv").recognised


def test_a_file_checked_again_names_the_earlier_upload_in_local_time(engine, monkeypatch):
    from datetime import UTC, timedelta

    from core.settings import get_settings

    monkeypatch.setenv("TRIPOD_TIMEZONE", "Asia/Tokyo")  # UTC+9 all year
    get_settings.cache_clear()
    try:
        data = "code,name,segment\nDZ,新部门,bank\n".encode()
        first = import_record_upload(engine, "departments", data, "departments.csv")
        again = import_record_upload(engine, "departments", data, "again.csv", dry_run=True)
        with Session(engine) as session:
            created = session.get(m.Upload, first.upload_id).created_at_utc
        local = (created.replace(tzinfo=UTC) if created.tzinfo is None else created) + timedelta(hours=9)
        assert again.recognised
        assert f"(upload #{first.upload_id}, {local:%Y-%m-%d %H:%M});" in again.message("en")
        assert f"（上传记录 #{first.upload_id}，{local:%Y-%m-%d %H:%M}）" in again.message("zh")
        assert "UTC" not in again.message("en")
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("role", "kinds"),
    [("call_center", ["complaints"]), ("supervisor", []), ("director", []), ("manager", 17), ("admin", 17)],
)
def test_who_may_upload_what(role, kinds):
    got = upload_kinds(role)
    assert got == kinds if isinstance(kinds, list) else (len(got) == kinds and got[0] == "complaints")


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def cli_db(request, engine, tmp_path, monkeypatch):
    """The CLI opens the database named by DATABASE_URL: the PostgreSQL test database, or a SQLite file."""
    from core.db import create_all, make_engine
    from core.settings import get_settings
    from tests.conftest import TEST_DATABASE_URL

    if TEST_DATABASE_URL:
        from alembic import command

        from core.db import alembic_config

        command.stamp(alembic_config(engine), "head")
        target = engine
    else:
        target = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
        create_all(target)
        from alembic import command

        from core.db import alembic_config

        command.stamp(alembic_config(target), "head")
    monkeypatch.setenv("DATABASE_URL", target.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield target
    get_settings.cache_clear()


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    from core.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_imports_lists_and_undoes_an_upload(cli_db, capsys, tmp_path):
    path = tmp_path / "导出.csv"
    path.write_bytes(gbk(EXPORT_1))
    code, out, _ = run_cli(capsys, "import", "complaints", str(path), "--dry-run", "--format", "json")
    assert code == 0 and json.loads(out)["dry_run"] and complaint_count(cli_db) == 0
    code, out, _ = run_cli(capsys, "import", "complaints", str(path), "--source", "crm", "--format", "json")
    summary = json.loads(out)
    assert code == 0 and summary["committed"] and summary["encoding"] == "gbk"
    assert {k: summary[k] for k in ("rows_read", "inserted", "unmatched")} == {
        "rows_read": 6,
        "inserted": 0,
        "unmatched": 6,  # no departments or customers in this database
    }
    code, out, _ = run_cli(capsys, "import", "complaints", str(path), "--source", "crm")
    assert code == 0 and "already imported" in out and "duplicate=6" in out
    code, out, _ = run_cli(capsys, "uploads", "--format", "json")
    history = json.loads(out)
    assert [(h["status"], h["inserted"] + h["unmatched"]) for h in history] == [
        ("committed", 0),
        ("committed", 6),
    ]
    first_id = summary["upload_id"]
    code, out, _ = run_cli(capsys, "undo", str(first_id))
    assert code == 0 and "6 complaint(s) deleted" in out and complaint_count(cli_db) == 0
    code, _, err = run_cli(capsys, "undo", str(first_id))
    assert code == 2 and "already undone" in err
    code, out, _ = run_cli(capsys, "uploads")
    assert f"#{first_id}" in out and "[undone by cli]" in out


def test_cli_maps_columns_by_header_text_and_explains_what_is_missing(cli_db, capsys, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("编号X,什么时候,内容\nQ1,2024-03-05 09:00,a\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "import", "complaints", str(path))
    assert code == 2 and "“编号X”, “什么时候”, “内容”" in err and "--map FIELD=COLUMN" in err
    code, out, _ = run_cli(
        capsys, "import", "complaints", str(path), "--map", "id=编号X", "--map", "received_at=什么时候"
    )
    assert code == 0 and "rows_read=1" in out and "unmatched=1" in out and "[committed]" in out


def test_cli_skip_rejected_writes_the_valid_rows(cli_db, capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(gbk(WITH_BAD_ROWS))
    code, out, err = run_cli(capsys, "import", "complaints", str(path))
    assert code == 2 and "rejected=2" in out and "row 3:" in err and complaint_count(cli_db) == 0
    code, out, _ = run_cli(capsys, "import", "complaints", str(path), "--skip-rejected")
    assert code == 0 and "unmatched=1" in out and complaint_count(cli_db) == 1
