"""A tiny organisation builder for the metrics tests: add rows by code, straight through the models."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import count

from sqlmodel import Session, select

from core.models import (
    Activity,
    ActivityAttendee,
    Assignment,
    Booking,
    Complaint,
    Contact,
    Customer,
    Department,
    Exam,
    Plan,
    Rep,
    Supervisor,
    Survey,
    Target,
    Training,
)


class Org:
    """Rows keyed by code; ids are looked up so tests read like the story they tell."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids: dict[str, int] = {}
        self._sup_department: dict[str, str] = {}
        self._rep_supervisor: dict[str, str] = {}
        self._customers: dict[str, int] = {}
        self._seq = count(1)

    def _add(self, row):  # type: ignore[no-untyped-def]
        self.session.add(row)
        self.session.flush()
        return row

    def _code(self, prefix: str) -> str:
        return f"{prefix}{next(self._seq)}"

    def department(self, code: str, segment: str = "bank") -> int:
        self.ids[code] = self._add(Department(code=code, name=f"Dept {code}", segment=segment)).id
        return self.ids[code]

    def supervisor(self, code: str, department: str) -> int:
        row = self._add(Supervisor(code=code, name=f"Sup {code}", department_id=self.ids[department]))
        self.ids[code] = row.id
        self._sup_department[code] = department
        return row.id

    def rep(self, code: str, supervisor: str, hired_on: date, left_on: date | None = None) -> int:
        row = self._add(Rep(code=code, name=f"Rep {code}", hired_on=hired_on, left_on=left_on))
        self.ids[code] = row.id
        self._add(Assignment(rep_id=row.id, supervisor_id=self.ids[supervisor], start_on=hired_on))
        self._rep_supervisor[code] = supervisor
        return row.id

    def move(self, rep: str, supervisor: str, start_on: date) -> None:
        """The rep joins `supervisor`'s team on start_on; the open assignment ends that day."""
        statement = select(Assignment).where(Assignment.rep_id == self.ids[rep], Assignment.end_on.is_(None))
        open_row = self.session.exec(statement).one()
        open_row.end_on = start_on
        self._add(Assignment(rep_id=self.ids[rep], supervisor_id=self.ids[supervisor], start_on=start_on))
        self._rep_supervisor[rep] = supervisor

    def _customer(self, rep: str) -> int:
        department = self._sup_department[self._rep_supervisor[rep]]
        if department not in self._customers:
            row = Customer(
                code=self._code("C"),
                name=f"Customer of {department}",
                segment="bank",
                department_id=self.ids[department],
                since=date(2000, 1, 1),
            )
            self._customers[department] = self._add(row).id
        return self._customers[department]

    def booking(self, rep: str, day: date, amount: float) -> None:
        self._add(
            Booking(
                code=self._code("B"),
                rep_id=self.ids[rep],
                customer_id=self._customer(rep),
                booked_on=day,
                amount=amount,
            )
        )

    def target(self, rep: str, month_start: date, amount: float) -> None:
        self._add(Target(rep_id=self.ids[rep], month_start=month_start, amount=amount))

    def plan(self, department: str, year: int, amount: float, industry_growth_pct: float) -> None:
        self._add(
            Plan(
                department_id=self.ids[department],
                year=year,
                amount=amount,
                industry_growth_pct=industry_growth_pct,
            )
        )

    def activity(self, supervisor: str, day: date, reps: list[str], kind: str = "team_meeting") -> None:
        row = self._add(
            Activity(
                code=self._code("A"), supervisor_id=self.ids[supervisor], date=day, kind=kind, minutes=60
            )
        )
        for rep in reps:
            self._add(ActivityAttendee(activity_id=row.id, rep_id=self.ids[rep]))

    def training(self, rep: str, day: date, hours: float) -> None:
        self._add(Training(code=self._code("T"), rep_id=self.ids[rep], date=day, hours=hours))

    def exam(self, rep: str, day: date, score: float, passed: bool) -> None:
        self._add(Exam(code=self._code("E"), rep_id=self.ids[rep], date=day, score=score, passed=passed))

    def customers(
        self, department: str, count: int, owner: str | None = None, key_accounts: int = 0
    ) -> list[int]:
        """`count` customers of a department since 2020, the first `key_accounts` of them key accounts."""
        ids = []
        for index in range(count):
            row = Customer(
                code=self._code("C"),
                name=f"Customer {index}",
                segment="bank",
                department_id=self.ids[department],
                owner_rep_id=self.ids[owner] if owner else None,
                key_account=index < key_accounts,
                since=date(2020, 1, 1),
            )
            ids.append(self._add(row).id)
        return ids

    def complaint(self, customer_id: int, received_at: datetime) -> None:
        customer = self.session.get(Customer, customer_id)
        day = received_at.date()
        self._add(
            Complaint(
                code=self._code("K"),
                received_at=received_at,
                received_week=day - timedelta(days=day.weekday()),
                customer_id=customer_id,
                department_id=customer.department_id,
            )
        )

    def survey(self, rep: str, customer_id: int, day: date, score: int) -> None:
        self._add(
            Survey(code=self._code("V"), customer_id=customer_id, rep_id=self.ids[rep], date=day, score=score)
        )

    def contact(self, rep: str, customer_id: int, day: date) -> None:
        self._add(
            Contact(
                code=self._code("N"), customer_id=customer_id, rep_id=self.ids[rep], date=day, kind="visit"
            )
        )

    def commit(self) -> None:
        self.session.commit()
