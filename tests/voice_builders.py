"""A small organisation builder for the customer-voice tests: rows by code, straight through the models."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import count

from sqlmodel import Session, select

from core.models import (
    Assignment,
    Booking,
    Complaint,
    Contact,
    CsatTarget,
    Customer,
    Department,
    Rep,
    RepRating,
    Supervisor,
    SupervisorRating,
    Survey,
)


class VoiceOrg:
    """Departments, supervisors, reps, customers and their voice, keyed by the codes tests use."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids: dict[str, int] = {}
        self._seq = count(1)
        self._first_department: str | None = None

    def _add(self, row):  # type: ignore[no-untyped-def]
        self.session.add(row)
        self.session.flush()
        return row

    def _code(self, prefix: str) -> str:
        return f"{prefix}{next(self._seq)}"

    def department(self, code: str, segment: str = "bank") -> int:
        self.ids[code] = self._add(Department(code=code, name=f"Dept {code}", segment=segment)).id
        self._first_department = self._first_department or code
        return self.ids[code]

    def supervisor(self, code: str, department: str) -> int:
        row = self._add(Supervisor(code=code, name=f"Sup {code}", department_id=self.ids[department]))
        self.ids[code] = row.id
        return row.id

    def rep(self, code: str, supervisor: str, hired_on: date = date(2020, 1, 1)) -> int:
        row = self._add(Rep(code=code, name=f"Rep {code}", hired_on=hired_on))
        self.ids[code] = row.id
        self._add(Assignment(rep_id=row.id, supervisor_id=self.ids[supervisor], start_on=hired_on))
        return row.id

    def move(self, rep: str, supervisor: str, start_on: date) -> None:
        """The rep joins `supervisor`'s team on start_on; the open assignment ends that day."""
        statement = select(Assignment).where(Assignment.rep_id == self.ids[rep], Assignment.end_on.is_(None))
        open_row = self.session.exec(statement).one()
        open_row.end_on = start_on
        self._add(Assignment(rep_id=self.ids[rep], supervisor_id=self.ids[supervisor], start_on=start_on))

    def customer(
        self,
        code: str,
        department: str,
        owner: str | None = None,
        *,
        since: date = date(2020, 1, 1),
        key_account: bool = False,
        segment: str = "bank",
    ) -> int:
        row = Customer(
            code=code,
            name=f"Customer {code}",
            segment=segment,
            department_id=self.ids[department],
            owner_rep_id=self.ids[owner] if owner else None,
            key_account=key_account,
            since=since,
        )
        self.ids[code] = self._add(row).id
        return self.ids[code]

    def survey(self, rep: str, day: date, score: int, customer: str | None = None) -> None:
        customer_id = self.ids[customer] if customer else self._any_customer()
        self._add(
            Survey(code=self._code("S"), customer_id=customer_id, rep_id=self.ids[rep], date=day, score=score)
        )

    def _any_customer(self) -> int:
        # Surveys are attributed through the rep, so which customer answered rarely matters.
        if "_survey_customer" not in self.ids:
            assert self._first_department is not None, "add a department first"
            self.customer("_survey_customer", self._first_department)
        return self.ids["_survey_customer"]

    def complaint(
        self,
        received_at: datetime,
        *,
        customer: str | None = None,
        department: str | None = None,
        resolved_at: datetime | None = None,
        category: str = "",
        severity: str = "",
        channel: str = "",
        unmatched: bool = False,
    ) -> int:
        customer_id = self.ids[customer] if customer else None
        department_id = self.ids[department] if department else None
        if department_id is None and customer_id is not None and not unmatched:
            department_id = self.session.get(Customer, customer_id).department_id
        day = received_at.date()
        row = Complaint(
            code=self._code("K"),
            received_at=received_at,
            received_week=day - timedelta(days=day.weekday()),
            customer_id=customer_id,
            department_id=department_id,
            customer_ref="someone" if unmatched else "",
            resolved_at=resolved_at,
            category=category,
            severity=severity,
            channel=channel,
            match_status="unmatched" if unmatched else "matched",
            unmatched_reason="customer not found" if unmatched else "",
        )
        return self._add(row).id

    def contact(self, customer: str, rep: str, day: date) -> None:
        row = Contact(code=self._code("T"), customer_id=self.ids[customer], rep_id=self.ids[rep], date=day)
        self._add(row)

    def booking(self, customer: str, rep: str, day: date, amount: float) -> None:
        self._add(
            Booking(
                code=self._code("B"),
                rep_id=self.ids[rep],
                customer_id=self.ids[customer],
                booked_on=day,
                amount=amount,
            )
        )

    def rep_rating(self, supervisor: str, rep: str, quarter: str, score: float) -> None:
        self._add(
            RepRating(supervisor_id=self.ids[supervisor], rep_id=self.ids[rep], quarter=quarter, score=score)
        )

    def supervisor_rating(self, supervisor: str, quarter: str, score: float) -> None:
        self._add(SupervisorRating(supervisor_id=self.ids[supervisor], quarter=quarter, score=score))

    def csat_target(self, department: str, year: int, pct: float) -> None:
        self._add(CsatTarget(department_id=self.ids[department], year=year, csat_pct=pct))

    def commit(self) -> None:
        self.session.commit()
