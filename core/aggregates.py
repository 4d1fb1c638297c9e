"""Weekly pre-aggregates of the event tables, kept exact by every path that writes those tables.

`booking_week` (core.models.BookingWeek) holds, per rep and ISO week, the number of bookings and
their amount in whole cents. The metrics read whole weeks from it instead of scanning millions
of bookings (docs/benchmarks.md). It is exact by construction: a cell is never adjusted by a
delta, it is recomputed from the raw rows of that rep and week, inside the transaction that
wrote the rows, so a rollback takes the refresh with it.

Writers call:

- `cells_of(session, kind, ids)` before they update or delete stored rows (the cells those rows
  leave), and
- `refresh_weeks(session, kind, keys)` after the write, with those cells and the rows written.
  `keys=None` recomputes the whole table (for a writer that does not know which rows it
  touched, e.g. an undo).

`rebuild_all(session)` recomputes every aggregate (`python -m core.cli aggregates rebuild`).
This module is pure core: no Streamlit, no pages.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Table,
    and_,
    delete,
    event,
    func,
    insert,
    select,
    tuple_,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from core import models as m
from core.i18n import t
from core.metrics.sqlcal import week_number
from core.periods import FIRST_MONDAY, week_index, week_of_index

# kind (as core.importing.kinds names it) -> the aggregate tables fed by that kind's rows.
AGGREGATED_KINDS = {"bookings": ("booking_week",)}

Cell = tuple[int, int]  # (rep_id, week index)
_SIX_DAYS = timedelta(days=6)


def _cents(column):  # type: ignore[no-untyped-def]
    # The same expression as core.metrics.targets.money_cents: sums of cells equal sums of rows.
    return func.round(column * 100).cast(BigInteger)


def _booking_cells_select():  # type: ignore[no-untyped-def]
    b = m.Booking.__table__
    week = week_number(b.c.booked_on)
    return (
        select(b.c.rep_id, week.label("week"), func.count().label("bookings"), func.sum(_cents(b.c.amount)))
        .select_from(b)
        .group_by(b.c.rep_id, week)
    )


# --- which cells ------------------------------------------------------------------------------


def week_of(day: object) -> int:
    """The week index of a date (or a date-like value)."""
    if isinstance(day, pd.Timestamp):
        day = day.date()
    if not isinstance(day, date):
        day = pd.Timestamp(day).date()
    return week_index(day)


def cells_of_frame(frame: pd.DataFrame, *, rep: str = "rep_id", day: str = "booked_on") -> set[Cell]:
    """The (rep_id, week) cells of booking rows held in a frame (rows without a rep or day skipped)."""
    if frame is None or frame.empty or rep not in frame or day not in frame:
        return set()
    part = frame[[rep, day]].dropna()
    if part.empty:
        return set()
    days = pd.to_datetime(pd.Series(part[day].to_numpy(), dtype=object)).to_numpy("datetime64[D]")
    weeks = (days.astype("int64") - FIRST_MONDAY) // 7
    pairs = pd.DataFrame({"r": part[rep].to_numpy().astype("int64"), "w": weeks}).drop_duplicates()
    return set(zip(pairs["r"].tolist(), pairs["w"].tolist(), strict=True))


def cells_of(session: Session, kind: str, ids: Iterable[int]) -> set[Cell]:
    """The cells that stored rows of `kind` with these ids belong to now (call before changing them)."""
    if kind not in AGGREGATED_KINDS:
        return set()
    wanted = sorted({int(i) for i in ids if i is not None and not pd.isna(i)})
    if not wanted:
        return set()
    b = m.Booking.__table__
    out: set[Cell] = set()
    for start in range(0, len(wanted), 20_000):
        chunk = wanted[start : start + 20_000]
        rows = session.execute(select(b.c.rep_id, b.c.booked_on).where(b.c.id.in_(chunk))).all()
        out.update((int(rep), week_index(day)) for rep, day in rows)
    return out


def cells_before_write(session: Session, kind: str, plan_frame: pd.DataFrame) -> set[Cell]:
    """For the importer: the cells its updated rows are in before the update."""
    if kind not in AGGREGATED_KINDS or plan_frame is None or "_outcome" not in plan_frame:
        return set()
    updates = plan_frame.loc[plan_frame["_outcome"] == "update", "_id"]
    return cells_of(session, kind, updates.dropna().tolist())


def cells_after_write(kind: str, plan_frame: pd.DataFrame) -> set[Cell]:
    """For the importer: the cells of the rows it inserted or updated (their new values)."""
    if kind not in AGGREGATED_KINDS or plan_frame is None or "_outcome" not in plan_frame:
        return set()
    written = plan_frame[plan_frame["_outcome"].isin(["insert", "update"])]
    return cells_of_frame(written)


# --- recomputing ------------------------------------------------------------------------------


_KEYS = Table(
    "tripod_aggregate_keys",
    MetaData(),
    Column("rep_id", Integer, primary_key=True),
    Column("week", Integer, primary_key=True),
    Column("first_day", m.Booking.__table__.c.booked_on.type),
    Column("last_day", m.Booking.__table__.c.booked_on.type),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",  # gone with the transaction, however it ends
)


def _key_table(session: Session, cells: Iterable[Cell]) -> Table:
    """A temporary table of (rep_id, week, first day, last day) for the cells to recompute.

    Filled through the driver's bulk path (executemany of tuples, COPY on PostgreSQL): a first
    load of half a million bookings touches ~150,000 cells.
    """
    conn = session.connection()
    _KEYS.drop(conn, checkfirst=True)
    _KEYS.create(conn)
    mondays: dict[int, date] = {}
    rows = []
    for rep, week in cells:
        monday = mondays.get(week)
        if monday is None:
            monday = mondays[week] = week_of_index(week)
        rows.append((int(rep), int(week), monday, monday + _SIX_DAYS))
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        copy_sql = "COPY tripod_aggregate_keys (rep_id, week, first_day, last_day) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor = raw.cursor()
        try:
            text_rows = [(r, w, a.isoformat(), b.isoformat()) for r, w, a, b in rows]
            cursor.executemany("INSERT INTO tripod_aggregate_keys VALUES (?, ?, ?, ?)", text_rows)
        finally:
            cursor.close()
    return _KEYS


def _refresh_booking_cells(session: Session, cells: set[Cell] | None) -> int:
    """Recompute booking_week for `cells` (None: every cell) from the booking rows; returns cells kept."""
    bw = m.BookingWeek.__table__
    conn = session.connection()
    if cells is None:
        conn.execute(delete(bw))
        conn.execute(
            insert(bw).from_select(["rep_id", "week", "bookings", "amount_cents"], _booking_cells_select())
        )
        return int(session.execute(select(func.count()).select_from(bw)).scalar_one())
    if not cells:
        return 0
    keys = _key_table(session, cells)
    # A row-value IN, not a correlated EXISTS: the database looks the cells up by primary key
    # instead of probing the key table once for every cell of the whole table.
    conn.execute(delete(bw).where(tuple_(bw.c.rep_id, bw.c.week).in_(select(keys.c.rep_id, keys.c.week))))
    b = m.Booking.__table__
    # Driven by the key table: each cell reads its rep's bookings of that week through the
    # (rep_id, booked_on) index, never the whole table.
    fresh = (
        select(keys.c.rep_id, keys.c.week, func.count(), func.sum(_cents(b.c.amount)))
        .select_from(keys)
        .join(
            b,
            and_(
                b.c.rep_id == keys.c.rep_id,
                b.c.booked_on >= keys.c.first_day,
                b.c.booked_on <= keys.c.last_day,
            ),
        )
        .group_by(keys.c.rep_id, keys.c.week)
    )
    conn.execute(insert(bw).from_select(["rep_id", "week", "bookings", "amount_cents"], fresh))
    keys.drop(conn)
    return len(cells)


def refresh_weeks(session: Session, kind: str, keys: Iterable[Cell] | None) -> int:
    """Recompute exactly the cells `keys` of `kind`'s aggregate (None: all), in the caller's transaction.

    Call it after the rows are written, with the cells the written rows are in now and the
    cells they were in before (`cells_of` before an update or delete). Kinds without an
    aggregate are ignored. Returns how many cells were recomputed.
    """
    if kind not in AGGREGATED_KINDS:
        return 0
    return _refresh_booking_cells(session, None if keys is None else set(keys))


def refresh_after_write(session: Session, kind: str, plan_frame: pd.DataFrame, before: set[Cell]) -> int:
    """For the importer, right after its write: refresh the cells rows left (`before`) and entered."""
    if kind not in AGGREGATED_KINDS:
        return 0
    return refresh_weeks(session, kind, before | cells_after_write(kind, plan_frame))


def rebuild_all(session: Session) -> dict[str, int]:
    """Recompute every aggregate table from the raw rows; returns the cells per table."""
    return {"booking_week": _refresh_booking_cells(session, None)}


def check_all(session: Session) -> dict[str, int]:
    """Cells that differ from a fresh GROUP BY over the raw rows, per table (0 everywhere = exact)."""
    fresh = _booking_cells_select().subquery()
    bw = m.BookingWeek.__table__
    stored = {
        (r, w): (n, c)
        for r, w, n, c in session.execute(select(bw.c.rep_id, bw.c.week, bw.c.bookings, bw.c.amount_cents))
    }
    computed = {(r, w): (n, c) for r, w, n, c in session.execute(select(fresh)).all()}
    differing = sum(1 for k in stored.keys() | computed.keys() if stored.get(k) != computed.get(k))
    return {"booking_week": differing}


# --- ORM writes -------------------------------------------------------------------------------
#
# The importer writes through the driver and calls refresh_weeks itself. Anything that adds,
# changes or deletes Booking objects through a Session (an admin fix, a test's fixture) is
# followed here: the cells the objects leave and enter are collected before the flush and
# recomputed right after it, in the same transaction.

_PENDING = "tripod_aggregate_cells"


def _object_cells(obj: m.Booking, *, old: bool) -> set[Cell]:
    cells: set[Cell] = set()
    if obj.rep_id is not None and obj.booked_on is not None:
        cells.add((int(obj.rep_id), week_of(obj.booked_on)))
    if old:
        state = sa_inspect(obj)
        reps = state.attrs.rep_id.history
        days = state.attrs.booked_on.history
        for rep in [*reps.deleted, *reps.unchanged, *reps.added] or [obj.rep_id]:
            for day in [*days.deleted, *days.unchanged, *days.added] or [obj.booked_on]:
                if rep is not None and day is not None:
                    cells.add((int(rep), week_of(day)))
    return cells


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context: object, _instances: object) -> None:
    cells: set[Cell] = set()
    for obj in session.new:
        if isinstance(obj, m.Booking):
            cells |= _object_cells(obj, old=False)
    for obj in session.dirty:
        if isinstance(obj, m.Booking) and session.is_modified(obj):
            cells |= _object_cells(obj, old=True)
    for obj in session.deleted:
        if isinstance(obj, m.Booking):
            cells |= _object_cells(obj, old=True)
    if cells:
        session.info.setdefault(_PENDING, set()).update(cells)


@event.listens_for(Session, "after_flush")
def _refresh(session: Session, _context: object) -> None:
    cells = session.info.pop(_PENDING, None)
    if cells:
        refresh_weeks(session, "bookings", cells)


# --- command line: python -m core.cli aggregates rebuild|check -------------------------------


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Recompute the weekly pre-aggregates from the raw rows (rebuild), or count cells that differ (check)."
    )
    parser.add_argument("action", choices=["rebuild", "check"])
    parser.add_argument("--lang", choices=("zh", "en"), default=None)


def _run(args: argparse.Namespace) -> int:
    from core.db import init_db, make_engine, read_session, write_session
    from core.i18n import cli_language

    lang = cli_language(args.lang)
    engine = make_engine()
    init_db(engine)
    if args.action == "rebuild":
        with write_session(engine) as session:
            counts = rebuild_all(session)
        for table, cells in counts.items():
            print(t("{table}: {cells} cells rebuilt from the raw rows.", lang, table=table, cells=cells))
        return 0
    with read_session(engine) as session:
        counts = check_all(session)
    for table, differing in counts.items():
        print(t("{table}: {cells} cells differ from the raw rows.", lang, table=table, cells=differing))
    return 1 if any(counts.values()) else 0


AGGREGATE_COMMANDS = {"aggregates": (_configure, _run)}
