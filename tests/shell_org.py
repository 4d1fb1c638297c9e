"""A two-department organisation for the app-shell tests (AppTest and browser), with hand-counted rows.

BANK1 (bank) has supervisors S1 and S2, reps R1-R3, customers C1-C3, two bookings and two
complaints; CORP1 (non-bank) has S3, R4, customers C4-C5, one booking and one complaint.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine

from core.db import write_session
from core.models import Assignment, Booking, Complaint, Customer, Department, Rep, Supervisor

# What the overview must show, per scope (whole organisation, or BANK1 only).
COUNTS = {
    None: {"departments": 2, "supervisors": 3, "reps": 4, "customers": 5, "bookings": 3, "complaints": 3},
    "BANK1": {"departments": 1, "supervisors": 2, "reps": 3, "customers": 3, "bookings": 2, "complaints": 2},
}


def add_small_org(engine: Engine) -> dict[str, int]:
    """Insert the organisation; returns the id of every row by code."""
    ids: dict[str, int] = {}
    with write_session(engine) as session:

        def add(code: str, row):  # type: ignore[no-untyped-def]
            session.add(row)
            session.flush()
            ids[code] = row.id
            return row

        add("BANK1", Department(code="BANK1", name="银行一部", segment="bank"))
        add("CORP1", Department(code="CORP1", name="企业客户部", segment="non_bank"))
        for code, name, dept in (("S1", "王芳", "BANK1"), ("S2", "李强", "BANK1"), ("S3", "张伟", "CORP1")):
            add(code, Supervisor(code=code, name=name, department_id=ids[dept]))
        for code, name, sup in (
            ("R1", "刘洋", "S1"),
            ("R2", "陈静", "S1"),
            ("R3", "杨磊", "S2"),
            ("R4", "赵敏", "S3"),
        ):
            add(code, Rep(code=code, name=name, hired_on=date(2023, 1, 2)))
            session.add(Assignment(rep_id=ids[code], supervisor_id=ids[sup], start_on=date(2023, 1, 2)))
        customers = (
            ("C1", "招商银行深圳分行", "bank", "BANK1", "R1"),
            ("C2", "中国银行上海分行", "bank", "BANK1", "R2"),
            ("C3", "兴业银行福州分行", "bank", "BANK1", "R3"),
            ("C4", "华为技术有限公司", "non_bank", "CORP1", "R4"),
            ("C5", "海尔集团", "non_bank", "CORP1", "R4"),
        )
        for code, name, segment, dept, owner in customers:
            add(
                code,
                Customer(
                    code=code,
                    name=name,
                    segment=segment,
                    department_id=ids[dept],
                    owner_rep_id=ids[owner],
                    key_account=code in ("C1", "C4"),
                    since=date(2023, 2, 1),
                ),
            )
        for code, rep, customer, day, amount in (
            ("B1", "R1", "C1", date(2024, 3, 5), 120000.0),
            ("B2", "R2", "C2", date(2024, 6, 10), 80000.0),
            ("B3", "R4", "C4", date(2025, 1, 15), 200000.0),
        ):
            session.add(
                Booking(code=code, rep_id=ids[rep], customer_id=ids[customer], booked_on=day, amount=amount)
            )
        for code, customer, dept, moment in (
            ("K1", "C1", "BANK1", datetime(2024, 4, 1, 9, 30)),
            ("K2", "C2", "BANK1", datetime(2024, 5, 6, 14, 0)),
            ("K3", "C4", "CORP1", datetime(2025, 2, 3, 10, 15)),
        ):
            week = moment.date().fromordinal(moment.date().toordinal() - moment.weekday())
            session.add(
                Complaint(
                    code=code,
                    received_at=moment,
                    received_week=week,
                    customer_id=ids[customer],
                    department_id=ids[dept],
                    category="服务态度",
                )
            )
    return ids
