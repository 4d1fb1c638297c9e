"""The weekly booking aggregate (booking_week) stays equal to the booking rows after every write,
and the figures read through it equal the figures summed from the rows."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import delete, func, select

from core import aggregates
from core import models as m
from core.db import read_session, write_session
from core.importing.engine import import_frame
from core.importing.load import seed_demo
from core.importing.upload import UploadRefused, undo_upload
from core.metrics import targets
from core.periods import Window, week_index

MONDAY = date(2026, 11, 16)  # 2026-W47
W46, W47, W48 = week_index(MONDAY) - 1, week_index(MONDAY), week_index(MONDAY) + 1


def _load(engine, kind: str, rows: list[dict]) -> object:
    result = import_frame(engine, kind, pd.DataFrame(rows, dtype=str))
    assert result.committed, result.message("en")
    return result


@pytest.fixture
def org(engine):
    """Two teams of department D1; rep R1 moves from S1 to S2 on Wednesday of 2026-W47."""
    _load(engine, "departments", [{"code": "D1", "name": "一部", "segment": "bank"}])
    _load(
        engine,
        "supervisors",
        [
            {"code": "S1", "name": "甲", "department_code": "D1"},
            {"code": "S2", "name": "乙", "department_code": "D1"},
        ],
    )
    _load(
        engine,
        "reps",
        [
            {"code": "R1", "name": "一", "supervisor_code": "S1", "hired_on": "2026-01-05", "left_on": ""},
            {"code": "R2", "name": "二", "supervisor_code": "S1", "hired_on": "2026-01-05", "left_on": ""},
        ],
    )
    _load(engine, "assignments", [{"rep_code": "R1", "supervisor_code": "S2", "start_on": "2026-11-18"}])
    _load(
        engine,
        "customers",
        [
            {
                "code": "C1",
                "name": "客户一",
                "segment": "bank",
                "department_code": "D1",
                "owner_rep_code": "R1",
                "key_account": "0",
                "since": "2020-01-01",
            }
        ],
    )
    with read_session(engine) as session:
        ids = dict(session.execute(select(m.Rep.code, m.Rep.id)).all())
        ids |= dict(session.execute(select(m.Supervisor.code, m.Supervisor.id)).all())
    return ids


def _booking(code: str, rep: str, day: str, amount: str) -> dict:
    return {"id": code, "rep_code": rep, "customer_code": "C1", "booked_on": day, "amount": amount}


def _cells(engine) -> dict[tuple[int, int], tuple[int, int]]:
    bw = m.BookingWeek.__table__
    with read_session(engine) as session:
        rows = session.execute(select(bw.c.rep_id, bw.c.week, bw.c.bookings, bw.c.amount_cents)).all()
    return {(r, w): (n, c) for r, w, n, c in rows}


def _raw_cells(engine) -> dict[tuple[int, int], tuple[int, int]]:
    """A GROUP BY over the raw rows, computed here in Python (not by the module under test)."""
    with read_session(engine) as session:
        rows = session.execute(select(m.Booking.rep_id, m.Booking.booked_on, m.Booking.amount)).all()
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for rep, day, amount in rows:
        n, c = out.get((rep, week_index(day)), (0, 0))
        out[(rep, week_index(day))] = (n + 1, c + round(float(amount) * 100))
    return out


def _week_by_supervisor(engine, week_monday: date) -> dict[int, float]:
    with read_session(engine) as session:
        frame = targets.bookings_by(
            session, Window(week_monday, week_monday + timedelta(days=6)), "supervisor"
        )
    return dict(zip(frame["unit_id"], frame["bookings"], strict=True))


def test_import_reimport_and_delete_keep_the_weekly_sums_exact(engine, org):
    r1, r2, s1, s2 = org["R1"], org["R2"], org["S1"], org["S2"]
    first = [
        _booking("B1", "R1", "2026-11-16", "100.00"),  # W47 Monday: R1 still in S1's team
        _booking("B2", "R1", "2026-11-19", "50.25"),  # W47 Thursday: R1 now in S2's team
        _booking("B3", "R2", "2026-11-17", "10.10"),
        _booking("B4", "R1", "2026-11-09", "7.00"),  # W46
    ]
    _load(engine, "bookings", first)
    assert _cells(engine) == {(r1, W46): (1, 700), (r1, W47): (2, 15025), (r2, W47): (1, 1010)}
    assert _cells(engine) == _raw_cells(engine)
    # The week's figures: R1's Monday counts for S1, his Thursday for S2 (the cell is split by day).
    assert _week_by_supervisor(engine, MONDAY) == {s1: 110.10, s2: 50.25}

    # Re-import: B2's amount changes, B3 moves to the next week, B5 is new; B1 and B4 unchanged.
    second = [
        first[0],
        _booking("B2", "R1", "2026-11-19", "60.25"),
        _booking("B3", "R2", "2026-11-24", "10.10"),
        first[3],
        _booking("B5", "R2", "2026-11-20", "0.01"),
    ]
    result = _load(engine, "bookings", second)
    assert (result.inserted, result.updated, result.duplicate) == (1, 2, 2)
    assert _cells(engine) == {
        (r1, W46): (1, 700),
        (r1, W47): (2, 16025),
        (r2, W47): (1, 1),  # B3 left this cell, B5 entered it
        (r2, W48): (1, 1010),
    }
    assert _cells(engine) == _raw_cells(engine)
    assert _week_by_supervisor(engine, MONDAY) == {s1: 100.01, s2: 60.25}

    # Booking uploads cannot be undone (only complaint uploads can): refused, nothing changes.
    with pytest.raises(UploadRefused), write_session(engine) as session:
        undo_upload(session, result.upload_id, username="boss", role="admin")
    assert _cells(engine) == _raw_cells(engine)

    # A correction through the ORM (delete one booking, move another) is followed as well.
    with write_session(engine) as session:
        session.delete(session.scalars(select(m.Booking).where(m.Booking.code == "B5")).one())
        moved = session.scalars(select(m.Booking).where(m.Booking.code == "B4")).one()
        moved.booked_on = date(2026, 11, 24)
    assert _cells(engine) == {(r1, W47): (2, 16025), (r1, W48): (1, 700), (r2, W48): (1, 1010)}
    assert _cells(engine) == _raw_cells(engine)

    # A refused file (one bad row) writes nothing, the aggregate included.
    refused = import_frame(
        engine,
        "bookings",
        pd.DataFrame([_booking("B6", "R1", "2026-11-17", "5.00"), _booking("B7", "R9", "2026-11-17", "1")]),
    )
    assert not refused.committed
    assert _cells(engine) == _raw_cells(engine)

    # rebuild_all from scratch gives the same cells; check_all finds nothing to fix.
    before = _cells(engine)
    with write_session(engine) as session:
        session.execute(delete(m.BookingWeek))
        assert aggregates.rebuild_all(session) == {"booking_week": len(before)}
    assert _cells(engine) == before
    with read_session(engine) as session:
        assert aggregates.check_all(session) == {"booking_week": 0}


def _reference(session, window: Window, level: str, department_ids, *, by_rep=False, by_week=False):
    """The figures summed straight from the booking rows (the computation before booking_week)."""
    cents = targets._raw_cents(session, window, level, department_ids, by_rep=by_rep, by_week=by_week)
    keys = [c for c in cents.columns if c != "cents"]
    return {
        tuple(int(v) for v in row[:-1]): int(row[-1])
        for row in cents[[*keys, "cents"]].itertuples(index=False)
    }


def _as_cents(frame: pd.DataFrame) -> dict[tuple, int]:
    keys = [c for c in frame.columns if c != "bookings"]
    return {
        tuple(int(v) for v in row[:-1]): round(row[-1] * 100)
        for row in frame[[*keys, "bookings"]].itertuples(index=False)
    }


def test_demo_organisation_aggregate_equals_group_by_and_figures_equal_raw_sums(engine):
    seed_demo(engine)
    with read_session(engine) as session:
        # Some mid-week team moves, so that cells split by day are part of what is compared.
        reps = session.execute(select(m.Rep.code).order_by(m.Rep.code)).scalars().all()
        sups = session.execute(select(m.Supervisor.code).order_by(m.Supervisor.code)).scalars().all()
        last = session.scalar(select(func.max(m.Booking.booked_on)))
    rng = random.Random(47)
    moves = [
        {
            "rep_code": rep,
            "supervisor_code": rng.choice(sups),
            "start_on": (last - timedelta(days=rng.randint(3, 200))).isoformat(),
        }
        for rep in rng.sample(reps, 12)
    ]
    _load(engine, "assignments", moves)
    assert _cells(engine) == _raw_cells(engine)
    with read_session(engine) as session:
        assert aggregates.check_all(session) == {"booking_week": 0}
        assert session.scalar(select(func.sum(m.BookingWeek.bookings))) == session.scalar(
            select(func.count()).select_from(m.Booking)
        )
        departments = session.execute(select(m.Department.id)).scalars().all()
        for _ in range(12):
            start = last - timedelta(days=rng.randint(0, 400))
            window = Window(start, start + timedelta(days=rng.randint(0, 120)))
            for level in ("rep", "supervisor", "department", "company"):
                for scope in (None, departments[:1]):
                    got = targets.bookings_by(session, window, level, department_ids=scope)
                    assert _as_cents(got) == _reference(session, window, level, scope), (window, level, scope)
                    weekly = targets.weekly_bookings(
                        session, window, level, by_rep=True, department_ids=scope
                    )
                    expected = _reference(session, window, level, scope, by_rep=True, by_week=True)
                    assert _as_cents(weekly) == expected, (window, level, scope)


def test_the_migration_fills_the_weekly_table_from_the_bookings_already_stored(tmp_path):
    """A database from before 0003 with bookings: after `init`, booking_week holds their sums."""
    from alembic import command
    from sqlalchemy import text

    from core.db import alembic_config, drop_all, init_db, make_engine
    from tests.conftest import TEST_DATABASE_URL

    if TEST_DATABASE_URL:
        engine = make_engine(TEST_DATABASE_URL)
        drop_all(engine)
    else:
        engine = make_engine(f"sqlite:///{tmp_path / 'before_0003.db'}")
    try:
        cfg = alembic_config(engine)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "0002")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO department (id, code, name, segment) VALUES (1, 'D1', 'x', 'bank')")
            )
            conn.execute(
                text("INSERT INTO rep (id, code, name, hired_on) VALUES (1, 'R1', 'a', '2026-01-05')")
            )
            conn.execute(
                text("INSERT INTO rep (id, code, name, hired_on) VALUES (2, 'R2', 'b', '2026-01-05')")
            )
            conn.execute(
                text(
                    "INSERT INTO customer (id, code, name, segment, department_id, key_account, since) "
                    "VALUES (1, 'C1', 'c', 'bank', 1, false, '2020-01-01')"
                )
            )
            rows = [
                ("B1", 1, "2026-11-16", 100.00),  # W47 Monday
                ("B2", 1, "2026-11-22", 0.15),  # W47 Sunday
                ("B3", 1, "2026-11-23", 7.00),  # W48 Monday
                ("B4", 2, "2026-11-18", 19.99),
            ]
            for code, rep, day, amount in rows:
                conn.execute(
                    text(
                        "INSERT INTO booking (code, rep_id, customer_id, booked_on, amount) "
                        "VALUES (:code, :rep, 1, :day, :amount)"
                    ),
                    {"code": code, "rep": rep, "day": date.fromisoformat(day), "amount": amount},
                )
        init_db(engine)
        assert _cells(engine) == {(1, W47): (2, 10015), (1, W48): (1, 700), (2, W47): (1, 1999)}
    finally:
        if TEST_DATABASE_URL:
            drop_all(engine)
            m.SQLModel.metadata.create_all(engine)
        engine.dispose()
