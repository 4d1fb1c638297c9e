"""A small two-department organisation for the weekly-report tests, with the stories the report must tell.

Report week: 2026-W47 (Mon 16 – Sun 22 Nov 2026).

- BANK1 (bank, 24 customers): supervisors S1 王芳 (reps R1, R2) and S2 李强 (R3, R4).
  A complaint spike: no complaint for 12 weeks, then 4 in the report week. The 2026 plan
  grows 10% against an industry forecast of 18% (below forecast). R4 failed the exam.
  Customer C01, named `=HYPERLINK("x")`, is a key account never contacted and complains
  twice in the week (a repeat complainant). S1 rates R1 5 of 5 for 2026-Q3 while R1's
  customers give 2 of 5 (a rating-chain gap).
- CORP1 (non-bank, 12 customers, too few for a complaint rate): supervisor S3 张伟 (R5, R6);
  R6 has no exam yet. One complaint every other week; plan +30% against +18%.
- Notes: S1 in W47 with a formula-like text; S2 an open action from W45 due W46 (overdue);
  S2 an action closed in W44 (not open any more).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from core.db import write_session
from core.models import (
    Activity,
    ActivityAttendee,
    Assignment,
    Booking,
    Complaint,
    Contact,
    CsatTarget,
    Customer,
    Department,
    Exam,
    Note,
    Plan,
    Rep,
    RepRating,
    Supervisor,
    SupervisorRating,
    Survey,
    Target,
    Training,
)

WEEK = "2026-W47"
MONDAY = date(2026, 11, 16)
SUNDAY = date(2026, 11, 22)
INJECTION = '=HYPERLINK("x")'
NOTE_TEXT = '=HYPERLINK("x") 请复核'
OVERDUE_ACTION = "+安排 R4 补考"

REPS = {  # code: (name, supervisor)
    "R1": ("刘洋", "S1"),
    "R2": ("陈静", "S1"),
    "R3": ("杨磊", "S2"),
    "R4": ("赵敏", "S2"),
    "R5": ("周杰", "S3"),
    "R6": ("吴昊", "S3"),
}
REP_DEPARTMENT = {"R1": "BANK1", "R2": "BANK1", "R3": "BANK1", "R4": "BANK1", "R5": "CORP1", "R6": "CORP1"}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def add_report_org(engine: Engine) -> dict[str, int]:
    """Insert the organisation; returns the id of every coded row."""
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
        for code, (name, sup) in REPS.items():
            add(code, Rep(code=code, name=name, hired_on=date(2024, 1, 2)))
            session.add(Assignment(rep_id=ids[code], supervisor_id=ids[sup], start_on=date(2024, 1, 2)))

        # Customers: 6 per BANK1 rep (24), 6 per CORP1 rep (12). Every third is a key account.
        number = 0
        customers_of: dict[str, list[str]] = {}
        for rep, dept in REP_DEPARTMENT.items():
            for _ in range(6):
                number += 1
                code = f"C{number:02d}"
                name = INJECTION if code == "C01" else f"客户{number:02d}有限公司"
                add(
                    code,
                    Customer(
                        code=code,
                        name=name,
                        segment="bank" if dept == "BANK1" else "non_bank",
                        department_id=ids[dept],
                        owner_rep_id=ids[rep],
                        key_account=number % 3 == 1,
                        since=date(2024, 2, 1),
                    ),
                )
                customers_of.setdefault(rep, []).append(code)

        # Bookings: every rep books weekly from 2025-01 to the report week; amounts differ by rep.
        booking = 0
        scale = {"R1": 30000, "R2": 12000, "R3": 20000, "R4": 8000, "R5": 25000, "R6": 15000}
        day = date(2025, 1, 6)
        while day <= SUNDAY:
            for i, (rep, base) in enumerate(scale.items()):
                booking += 1
                amount = base + (booking * 37 % 11) * 500 + (2000 if day >= MONDAY else 0) * i
                session.add(
                    Booking(
                        code=f"B{booking:05d}",
                        rep_id=ids[rep],
                        customer_id=ids[customers_of[rep][booking % 6]],
                        booked_on=day + timedelta(days=i % 5),
                        amount=float(amount),
                    )
                )
            day += timedelta(weeks=1)
        for rep, base in scale.items():
            for month in range(1, 13):
                start = date(2026, month, 1)
                session.add(Target(rep_id=ids[rep], month_start=start, amount=float(base * 4.6)))
        session.add(Plan(department_id=ids["BANK1"], year=2026, amount=1.0, industry_growth_pct=18.0))
        session.add(Plan(department_id=ids["CORP1"], year=2026, amount=1.0, industry_growth_pct=18.0))
        session.add(CsatTarget(department_id=ids["BANK1"], year=2026, csat_pct=85.0))
        session.add(CsatTarget(department_id=ids["CORP1"], year=2026, csat_pct=80.0))

        # Team activities, training and exams.
        activity = 0
        day = date(2026, 8, 3)
        while day <= SUNDAY:
            for sup, reps in (("S1", ["R1", "R2"]), ("S2", ["R3"]), ("S3", ["R5", "R6"])):
                activity += 1
                row = add(
                    f"A{activity}",
                    Activity(
                        code=f"A{activity:04d}",
                        supervisor_id=ids[sup],
                        date=day + timedelta(days=1),
                        kind="team_meeting",
                        minutes=60,
                    ),
                )
                for rep in reps:
                    session.add(ActivityAttendee(activity_id=row.id, rep_id=ids[rep]))
            day += timedelta(weeks=2)
        for i, (rep, hours) in enumerate({"R1": 8, "R2": 16, "R3": 4, "R4": 2, "R5": 20, "R6": 6}.items()):
            session.add(
                Training(code=f"T{i}", rep_id=ids[rep], date=date(2026, 10, 5), hours=float(hours), topic="")
            )
        exams = [
            ("R1", date(2026, 3, 2), 88.0, True),
            ("R2", date(2026, 9, 7), 72.0, True),
            ("R3", date(2026, 9, 7), 81.0, True),
            ("R4", date(2026, 9, 7), 55.0, False),
            ("R4", date(2026, 10, 12), 58.0, False),
            ("R5", date(2026, 6, 1), 90.0, True),
        ]
        for i, (rep, day, score, passed) in enumerate(exams):
            session.add(Exam(code=f"E{i}", rep_id=ids[rep], date=day, score=score, passed=passed))

        # Surveys: R1's customers unhappy in Q3 (2 of 5); the others content. A few in the week.
        survey = 0
        for rep in REPS:
            for week in range(30):
                day = date(2026, 5, 4) + timedelta(weeks=week)
                if day > SUNDAY:
                    break
                survey += 1
                score = 2 if rep == "R1" and day < date(2026, 10, 1) else 4 + (survey % 2)
                if rep == "R3" and week % 4 == 0:
                    score = 3
                session.add(
                    Survey(
                        code=f"V{survey:04d}",
                        customer_id=ids[customers_of[rep][week % 6]],
                        rep_id=ids[rep],
                        date=day + timedelta(days=2),
                        score=score,
                    )
                )
        session.add(RepRating(supervisor_id=ids["S1"], rep_id=ids["R1"], quarter="2026-Q3", score=5.0))
        session.add(RepRating(supervisor_id=ids["S2"], rep_id=ids["R3"], quarter="2026-Q3", score=4.0))
        session.add(SupervisorRating(supervisor_id=ids["S3"], quarter="2026-Q3", score=4.0))

        # Complaints. CORP1: one every other week since July (and one in the report week).
        complaint = 0

        def complain(customer: str, dept: str, moment: datetime, hours: float | None, category: str) -> None:
            nonlocal complaint
            complaint += 1
            session.add(
                Complaint(
                    code=f"K{complaint:04d}",
                    received_at=moment,
                    received_week=_monday(moment.date()),
                    customer_id=ids[customer],
                    department_id=ids[dept],
                    category=category,
                    resolved_at=None if hours is None else moment + timedelta(hours=hours),
                )
            )

        day = date(2026, 7, 20)
        while day <= SUNDAY:
            morning = datetime(day.year, day.month, day.day, 10, 0)
            complain("C26", "CORP1", morning, 20, "账单")
            day += timedelta(weeks=2)
        # BANK1: nothing for months, then four in the report week (C01 twice).
        complain("C01", "BANK1", datetime(2026, 11, 16, 9, 0), 10, "服务态度")
        complain("C01", "BANK1", datetime(2026, 11, 18, 15, 30), 72, "服务态度")
        complain("C04", "BANK1", datetime(2026, 11, 19, 11, 0), None, "交付延迟")
        complain("C07", "BANK1", datetime(2026, 11, 20, 16, 45), 30, "账单")

        # Contacts: key accounts C04, C07 ... contacted lately; C01 never; C10 60 days ago.
        contact = 0
        for number in range(1, 37):
            code = f"C{number:02d}"
            if number % 3 != 1 or code == "C01":
                continue
            contact += 1
            day = SUNDAY - timedelta(days=60 if code == "C10" else 10)
            owner = next(rep for rep, codes in customers_of.items() if code in codes)
            session.add(
                Contact(code=f"N{contact}", customer_id=ids[code], rep_id=ids[owner], date=day, kind="visit")
            )

        session.add(
            Note(
                supervisor_id=ids["S1"],
                week=WEEK,
                text=NOTE_TEXT,
                action="辅导陈静的成交技巧",
                action_owner="王芳",
                action_due_week="2026-W49",
                created_by="manager1",
            )
        )
        session.add(
            Note(
                supervisor_id=ids["S2"],
                week="2026-W45",
                text="R4 两次考试未通过",
                action=OVERDUE_ACTION,
                action_owner="李强",
                action_due_week="2026-W46",
                created_by="manager1",
            )
        )
        session.add(
            Note(
                supervisor_id=ids["S2"],
                week="2026-W44",
                text="团队例会频率不足",
                action="恢复每周例会",
                action_owner="李强",
                action_due_week="2026-W45",
                action_closed_at_utc=datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
                created_by="manager1",
            )
        )
    _set_plans(engine, ids)
    return ids


def _set_plans(engine: Engine, ids: dict[str, int]) -> None:
    """Plans relative to each department's 2025 bookings: BANK1 +10%, CORP1 +30%."""
    from sqlalchemy import func, select, update

    b, r, a, s = Booking.__table__, Rep.__table__, Assignment.__table__, Supervisor.__table__
    with write_session(engine) as session:
        for dept, growth in (("BANK1", 0.10), ("CORP1", 0.30)):
            total = session.execute(
                select(func.sum(b.c.amount))
                .join(r, r.c.id == b.c.rep_id)
                .join(a, a.c.rep_id == r.c.id)
                .join(s, s.c.id == a.c.supervisor_id)
                .where(
                    s.c.department_id == ids[dept],
                    b.c.booked_on >= date(2025, 1, 1),
                    b.c.booked_on <= date(2025, 12, 31),
                )
            ).scalar_one()
            session.execute(
                update(Plan.__table__)
                .where(Plan.__table__.c.department_id == ids[dept], Plan.__table__.c.year == 2026)
                .values(amount=round(float(total) * (1 + growth), 2))
            )
