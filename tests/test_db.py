"""Database seam: connection rules, migrations, constraints, and a round-trip of every model."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import models as m
from core.db import DatabaseBusyError, drop_all, init_db, make_engine, write_session
from core.settings import load_settings, normalise_database_url
from tests.conftest import TEST_DATABASE_URL


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        (" sqlite:///x.db ", "sqlite:///x.db"),
    ],
)
def test_database_urls_are_normalised(given, expected):
    assert normalise_database_url(given) == expected


def test_default_database_is_a_sqlite_file_under_data():
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("data/tripod.db")
    assert settings.timezone == "Asia/Shanghai"
    assert settings.demo_mode is True
    assert load_settings({"TRIPOD_DEMO": "0"}).demo_mode is False


def test_sqlite_pragmas_hold_on_every_pooled_connection(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 't.db'}", busy_timeout_ms=1234)
    connections = [engine.connect() for _ in range(3)]  # three distinct pooled connections
    try:
        for conn in connections:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        for conn in connections:
            conn.close()


def test_sqlite_file_uris_make_no_folder_and_open_read_only(tmp_path, monkeypatch):
    database = tmp_path / "ro.db"
    writer = make_engine(f"sqlite:///{database}")
    with write_session(writer) as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        s.execute(text("INSERT INTO t VALUES (1)"))
    writer.dispose()
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    reader = make_engine(f"sqlite:///file:{database}?mode=ro&uri=true")
    try:
        with reader.connect() as conn:
            assert conn.exec_driver_sql("SELECT x FROM t").scalar() == 1
            with pytest.raises(Exception, match="readonly"):
                conn.exec_driver_sql("INSERT INTO t VALUES (2)")
    finally:
        reader.dispose()
    assert not (tmp_path / "file:").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("ro.db")) == [
        n for n in before if not n.startswith("ro.db")
    ]


def test_concurrent_read_then_write_transactions_do_not_fail(tmp_path):
    """The measured failure mode: deferred read-then-write transactions lose to 'database is locked'."""
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    init_db(engine)
    with write_session(engine) as s:
        s.add(m.Department(code="D1", name="x", segment="bank"))
    errors: list[Exception] = []

    def worker(n: int) -> None:
        for i in range(25):
            try:
                with write_session(engine) as s:
                    s.execute(select(m.Department)).all()
                    s.add(m.Supervisor(code=f"S{n}-{i}", name="n", department_id=1))
            except Exception as exc:  # noqa: BLE001 - any failure is what we count
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(engine) as s:
        assert len(s.execute(select(m.Supervisor)).all()) == 150


def test_writer_blocked_past_busy_timeout_gets_a_clear_message(tmp_path):
    path = tmp_path / "busy.db"
    engine = make_engine(f"sqlite:///{path}", busy_timeout_ms=100)
    init_db(engine)
    holder = sqlite3.connect(path, isolation_level=None)  # another process's writer, in effect
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusyError) as info, write_session(engine) as s:
            s.add(m.Department(code="D1", name="x", segment="bank"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "busy" in str(info.value)
    with Session(engine) as s:
        assert s.execute(select(m.Department)).all() == []


def _migrated_engine(tmp_path):
    if TEST_DATABASE_URL:
        engine = make_engine(TEST_DATABASE_URL)
        drop_all(engine)
        return engine
    return make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")


def test_migrations_reach_head_and_match_the_models(tmp_path):
    engine = _migrated_engine(tmp_path)
    try:
        revision = init_db(engine)
        assert revision
        assert init_db(engine) == revision  # idempotent
        tables = set(inspect(engine).get_table_names())
        assert set(m.SQLModel.metadata.tables) <= tables
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, m.SQLModel.metadata)
        assert diff == []
    finally:
        if TEST_DATABASE_URL:
            drop_all(engine)
            m.SQLModel.metadata.create_all(engine)  # leave the shared test schema as conftest made it
        engine.dispose()


def test_the_provenance_migration_knows_which_upload_inserted_each_complaint(tmp_path):
    """Complaints from before 0004: created by the upload that stamped them, unless it only updated them."""
    from alembic import command

    from core.db import alembic_config

    engine = _migrated_engine(tmp_path)
    try:
        cfg = alembic_config(engine)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "0003")
        with engine.begin() as conn:
            for upload_id in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO upload (id, kind, source, file_name, file_hash, size_bytes, encoding, "
                        "mapping_json, username, created_at_utc, status, rows_read, inserted, updated, "
                        "duplicate, unmatched, rejected, message, undone_by) VALUES (:id, 'complaints', "
                        "'callcenter', 'f.csv', '', 0, '', '{}', 'cc', :now, 'committed', "
                        "2, 2, 0, 0, 0, 0, '', '')"
                    ),
                    {"id": upload_id, "now": datetime(2024, 3, 1)},
                )
            # Upload 1 inserted K1 and K2; upload 2 updated K2 (id 2 <= 2, its marker) and inserted K3.
            for complaint_id, upload_id in ((1, 1), (2, 2), (3, 2)):
                conn.execute(
                    text(
                        "INSERT INTO complaint (id, source, code, received_at, received_week, customer_ref, "
                        "department_ref, category, severity, channel, status, description, match_status, "
                        "unmatched_reason, upload_id) VALUES (:id, 'callcenter', :code, :at, :week, '', '', "
                        "'', '', '', '', '', 'unmatched', '', :upload)"
                    ),
                    {
                        "id": complaint_id,
                        "code": f"K{complaint_id}",
                        "at": datetime(2024, 3, 5, 9),
                        "week": date(2024, 3, 4),
                        "upload": upload_id,
                    },
                )
            conn.execute(
                text(
                    "INSERT INTO audit_event (at_utc, username, action, target, detail) VALUES "
                    "(:now, 'cc', 'upload.commit', 'upload:2', '{\"new_ids_above\": 2, \"exact\": true}')"
                ),
                {"now": datetime(2024, 3, 1)},
            )
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT setval('complaint_id_seq', 3)"))
        init_db(engine)
        with engine.connect() as conn:
            created = conn.execute(text("SELECT code, created_upload_id FROM complaint ORDER BY code")).all()
        assert [tuple(r) for r in created] == [("K1", 1), ("K2", None), ("K3", 2)]
    finally:
        if TEST_DATABASE_URL:
            drop_all(engine)
            m.SQLModel.metadata.create_all(engine)
        engine.dispose()


def _organisation(session: Session) -> dict[str, int]:
    dept = m.Department(code="D1", name="银行一部", segment="bank")
    session.add(dept)
    session.flush()
    sup = m.Supervisor(code="S1", name="王伟", department_id=dept.id)
    rep = m.Rep(code="R1", name="张三", hired_on=date(2024, 1, 1))
    session.add_all([sup, rep])
    session.flush()
    cust = m.Customer(
        code="C1",
        name="华夏银行",
        segment="bank",
        department_id=dept.id,
        owner_rep_id=rep.id,
        since=date(2020, 1, 1),
    )
    session.add(cust)
    session.flush()
    return {"dept": dept.id, "sup": sup.id, "rep": rep.id, "cust": cust.id}


def test_every_model_round_trips(session):
    ids = _organisation(session)
    upload = m.Upload(kind="complaints", file_name="投诉.csv", rows_read=1, inserted=1)
    session.add(upload)
    session.flush()
    activity = m.Activity(
        code="A1", supervisor_id=ids["sup"], date=date(2024, 3, 1), kind="coaching", minutes=30
    )
    session.add(activity)
    session.flush()
    records = [
        m.Assignment(rep_id=ids["rep"], supervisor_id=ids["sup"], start_on=date(2024, 1, 1)),
        m.Booking(
            code="B1", rep_id=ids["rep"], customer_id=ids["cust"], booked_on=date(2024, 3, 1), amount=12.34
        ),
        m.Target(rep_id=ids["rep"], month_start=date(2024, 3, 1), amount=100),
        m.Plan(department_id=ids["dept"], year=2025, amount=1e6, industry_growth_pct=18),
        m.ActivityAttendee(activity_id=activity.id, rep_id=ids["rep"]),
        m.Training(code="T1", rep_id=ids["rep"], date=date(2024, 3, 2), hours=2.5, topic="谈判"),
        m.Exam(code="E1", rep_id=ids["rep"], date=date(2024, 3, 3), score=85, passed=True),
        m.Survey(code="Q1", customer_id=ids["cust"], rep_id=ids["rep"], date=date(2024, 3, 4), score=5),
        m.RepRating(supervisor_id=ids["sup"], rep_id=ids["rep"], quarter="2024-Q1", score=4),
        m.SupervisorRating(supervisor_id=ids["sup"], quarter="2024-Q1", score=3.5),
        m.CsatTarget(department_id=ids["dept"], year=2024, csat_pct=85),
        m.Complaint(
            code="K1",
            received_at=datetime(2024, 3, 5, 9, 30),
            received_week=date(2024, 3, 4),
            customer_id=ids["cust"],
            department_id=ids["dept"],
            category="交付延迟",
            resolved_at=datetime(2024, 3, 6, 9, 30),
            upload_id=upload.id,
            created_upload_id=upload.id,
        ),
        m.Contact(code="V1", customer_id=ids["cust"], rep_id=ids["rep"], date=date(2024, 3, 5), kind="visit"),
        m.MappingProfile(name="呼叫中心导出", header_signature="abc", mapping_json='{"id": "工单号"}'),
        m.NameAlias(name_key="华夏", written="华夏 ", customer_id=ids["cust"], created_by="cc1"),
        m.User(username="boss", role="director", password_hash="x"),
        m.Note(supervisor_id=ids["sup"], week="2024-W10", text="跟进", action="复盘"),
        m.AuditEvent(username="boss", action="upload", target="1"),
    ]
    session.add_all(records)
    session.commit()
    for record in records:
        model = type(record)
        key = m.SQLModel.metadata.tables[model.__tablename__].primary_key.columns.keys()
        stored = session.get(
            model, tuple(getattr(record, k) for k in key) if len(key) > 1 else getattr(record, key[0])
        )
        assert stored is not None
        assert stored.model_dump() == record.model_dump()
    complaint = session.execute(select(m.Complaint)).scalar_one()
    assert complaint.received_at == datetime(2024, 3, 5, 9, 30)  # naive local time survives
    assert complaint.received_at.tzinfo is None


@pytest.mark.parametrize(
    ("record", "what"),
    [
        (
            lambda ids: m.Survey(
                code="Q", customer_id=ids["cust"], rep_id=ids["rep"], date=date(2024, 1, 1), score=6
            ),
            "score",
        ),
        (
            lambda ids: m.Exam(code="E", rep_id=ids["rep"], date=date(2024, 1, 1), score=-1, passed=False),
            "score",
        ),
        (
            lambda ids: m.Booking(
                code="B", rep_id=ids["rep"], customer_id=ids["cust"], booked_on=date(2024, 1, 1), amount=-1
            ),
            "amount",
        ),
        (lambda ids: m.Department(code="D9", name="x", segment="retail"), "segment"),
        (lambda ids: m.Department(code="D1", name="again", segment="bank"), "unique code"),
        (lambda ids: m.Supervisor(code="S9", name="x", department_id=999), "foreign key"),
        (
            lambda ids: m.Rep(code="R9", name="x", hired_on=date(2024, 5, 1), left_on=date(2024, 4, 1)),
            "left_on",
        ),
    ],
)
def test_database_refuses_what_breaks_a_rule(session, record, what):
    ids = _organisation(session)
    session.commit()
    session.add(record(ids))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_foreign_keys_are_enforced_on_sqlite_too(engine):
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
