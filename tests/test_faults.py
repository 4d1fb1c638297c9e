"""Hard days: a locked, read-only or full database, a restarted server, many uploaders at once, restore."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from sqlmodel import Session

from core import models as m
from core.db import init_db, make_engine
from core.importing.engine import ImportRefused
from core.importing.load import import_bytes, load_folder
from core.ops import OpsRefused, backup_sqlite, check_backup, restore_sqlite
from tests.conftest import TEST_DATABASE_URL
from tests.test_import_canonical import TINY_ORG, _write

ROOT = Path(__file__).resolve().parents[1]
HEADER = (
    "id,received_at,customer_code,department_code,category,severity,channel,status,resolved_at,description\n"
)
sqlite_only = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="a SQLite file's own behaviour")
postgres_only = pytest.mark.skipif(not TEST_DATABASE_URL, reason="a PostgreSQL server's own behaviour")


def complaints_csv(first: int, last: int) -> bytes:
    """Complaints K<first>..K<last-1>; every one resolves to customer C1 or C2 of the tiny org."""
    rows = [
        f"K{i:06d},2024-03-{1 + i % 28:02d}T{i % 24:02d}:15,C{1 + i % 2},,交付延迟,中,电话,已结案,,第{i}号\n"
        for i in range(first, last)
    ]
    return (HEADER + "".join(rows)).encode()


@pytest.fixture
def database_url(tmp_path, _pg_engine):
    """A database other processes can reach, holding the tiny organisation and no complaints."""
    if TEST_DATABASE_URL:
        from tests.conftest import _truncate_all

        _truncate_all(_pg_engine)
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite:///{tmp_path / 'tripod.db'}"
        init_db(make_engine(url))
    engine = make_engine(url)
    assert load_folder(engine, _write(tmp_path / "org", TINY_ORG)).ok
    engine.dispose()
    return url


def _counts(url: str) -> tuple[int, int]:
    """(complaints stored, complaint uploads recorded)."""
    engine = make_engine(url)
    with Session(engine) as s:
        complaints = s.execute(select(func.count()).select_from(m.Complaint)).scalar_one()
        uploads = s.execute(
            select(func.count()).select_from(m.Upload).where(m.Upload.kind == "complaints")
        ).scalar_one()
    engine.dispose()
    return complaints, uploads


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}


# --- a database that will not take the write --------------------------------------------------

LOCK_HOLDER = textwrap.dedent(
    """
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")  # the write lock, held until the parent says so
    print("LOCKED", flush=True)
    sys.stdin.readline()
    conn.execute("ROLLBACK")
    """
)


@sqlite_only
def test_a_file_locked_past_the_busy_timeout_is_refused_as_busy_and_nothing_is_written(database_url):
    path = database_url.split("///", 1)[1]
    engine = make_engine(database_url, busy_timeout_ms=200)
    data = complaints_csv(0, 50)
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        with pytest.raises(ImportRefused) as refused:
            import_bytes(engine, "complaints", data)
    finally:
        holder.communicate("\n", timeout=30)
    assert refused.value.code == "busy"
    assert "busy" in refused.value.message("en") and "Try again" in refused.value.message("en")
    assert "正忙" in refused.value.message("zh")
    assert _counts(database_url) == (0, 0)
    # Once the other writer is gone the same file goes in, and the same bytes again while the
    # database is locked are refused the same way (not an unhandled error).
    assert import_bytes(engine, "complaints", data).inserted == 50
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        with pytest.raises(ImportRefused) as again:
            import_bytes(engine, "complaints", data)
    finally:
        holder.communicate("\n", timeout=30)
    assert again.value.code == "busy"
    assert _counts(database_url) == (50, 1)
    engine.dispose()


@sqlite_only
def test_a_read_only_database_file_is_refused_clearly_and_nothing_is_written(
    database_url, monkeypatch, tmp_path
):
    path = database_url.split("///", 1)[1]
    # mode=ro is how SQLite opens a file it may not write (root ignores chmod, so a test cannot
    # rely on permissions). make_engine creates the parent folder of whatever follows ///, so
    # work from tmp_path to keep that side effect out of the checkout.
    monkeypatch.chdir(tmp_path)
    read_only = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(ImportRefused) as refused:
        import_bytes(read_only, "complaints", complaints_csv(0, 20))
    read_only.dispose()
    assert refused.value.code == "read_only"
    assert "read-only" in refused.value.message("en") and "只读" in refused.value.message("zh")
    assert _counts(database_url) == (0, 0)


@postgres_only
def test_a_read_only_postgresql_database_is_refused_clearly_and_nothing_is_written(database_url):
    engine = make_engine(database_url)
    name = engine.url.database
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    try:
        with pytest.raises(ImportRefused) as refused:
            import_bytes(engine, "complaints", complaints_csv(0, 20))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" RESET default_transaction_read_only'))
        engine.dispose()
        admin.dispose()
    assert refused.value.code == "read_only"
    assert _counts(database_url) == (0, 0)


@sqlite_only
def test_a_full_database_is_refused_clearly_and_nothing_is_written(database_url):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _almost_full(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # A disk that has room for 30 more pages (120 KB): the way a full disk looks to SQLite.
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 30}")

    with pytest.raises(ImportRefused) as refused:
        import_bytes(engine, "complaints", complaints_csv(0, 5_000))
    engine.dispose()
    assert refused.value.code == "disk_full"
    assert "disk is full" in refused.value.message("en") and "磁盘已满" in refused.value.message("zh")
    assert _counts(database_url) == (0, 0)
    with sqlite3.connect(database_url.split("///", 1)[1]) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --- a PostgreSQL server that restarts ------------------------------------------------------------


def _terminate_other_backends(url: str) -> int:
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    return killed


@postgres_only
def test_after_the_server_drops_every_connection_the_next_query_reconnects(database_url):
    engine = make_engine(database_url)
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(m.Department)).scalar_one() == 2
    assert _terminate_other_backends(database_url) >= 1  # our pooled connection is now dead
    with Session(engine) as s:  # pre-ping notices and reconnects; the user sees nothing
        assert s.execute(select(func.count()).select_from(m.Department)).scalar_one() == 2
    engine.dispose()


@postgres_only
def test_a_connection_lost_during_an_import_is_refused_clearly_and_nothing_is_written(
    database_url, monkeypatch
):
    from core.importing import engine as import_engine

    original = import_engine.bulk_insert

    def lose_the_server_then_write(session, *args, **kwargs):  # type: ignore[no-untyped-def]
        _terminate_other_backends(database_url)
        return original(session, *args, **kwargs)

    monkeypatch.setattr(import_engine, "bulk_insert", lose_the_server_then_write)
    engine = make_engine(database_url)
    with pytest.raises(ImportRefused) as refused:
        import_bytes(engine, "complaints", complaints_csv(0, 100))
    assert refused.value.code == "database_unavailable"
    assert "could not be reached" in refused.value.message("en")
    monkeypatch.setattr(import_engine, "bulk_insert", original)
    assert import_bytes(engine, "complaints", complaints_csv(0, 100)).inserted == 100  # and it recovers
    engine.dispose()
    assert _counts(database_url) == (100, 1)


# --- many people at once -------------------------------------------------------------------------

UPLOADERS, READERS = 20, 5


def _upload(url: str, n: int, data: bytes, results) -> None:  # type: ignore[no-untyped-def]
    try:
        engine = make_engine(url)
        result = import_bytes(engine, "complaints", data, file_name=f"export-{n}.csv", username=f"agent{n}")
        results.put(("upload", n, result.to_dict()))
    except Exception as exc:  # reported to the test, which fails on it
        results.put(("error", n, repr(exc)))


def _read(url: str, n: int, done, results) -> None:  # type: ignore[no-untyped-def]
    """Read while uploads run: stored complaints must always equal what committed uploads inserted."""
    try:
        engine = make_engine(url)
        seen = []
        for _ in range(10_000):  # bounded, whatever happens to the uploaders
            finished = done.is_set()
            with engine.connect() as conn:
                # One statement, so one snapshot on PostgreSQL's READ COMMITTED as well.
                stored, recorded = conn.execute(
                    text(
                        "SELECT (SELECT count(*) FROM complaint), "
                        "(SELECT coalesce(sum(inserted), 0) FROM upload "
                        " WHERE kind = 'complaints' AND status = 'committed')"
                    )
                ).one()
            seen.append((int(stored), int(recorded)))
            if finished:
                break
            done.wait(0.02)  # pace the readers; returns at once when the uploads are over
        results.put(("read", n, seen))
    except Exception as exc:
        results.put(("error", n, repr(exc)))


def test_twenty_uploaders_and_five_readers_at_once_lose_nothing(database_url, monkeypatch):
    # forkserver: each process starts from a clean, preloaded interpreter (cheap, and no
    # threads or connections inherited from the test process).
    # A child re-runs the parent's __main__ file; an AppTest earlier in the session may have
    # left __main__ pointing at its generated script, so the children must not look for it.
    monkeypatch.delattr(sys.modules["__main__"], "__file__", raising=False)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["core.importing.load", "core.db"])
    results = context.Queue()
    done = context.Event()
    # Exports whose id ranges overlap their neighbours' by half; two uploaders send the very
    # same bytes as another one.
    files = [complaints_csv(i * 100, i * 100 + 200) for i in range(UPLOADERS - 2)]
    files += [files[0], files[5]]
    uploaders = [
        context.Process(target=_upload, args=(database_url, n, f, results)) for n, f in enumerate(files)
    ]
    readers = [context.Process(target=_read, args=(database_url, n, done, results)) for n in range(READERS)]
    for p in readers + uploaders:
        p.start()
    outcomes = [results.get(timeout=180) for _ in uploaders]
    done.set()
    outcomes += [results.get(timeout=60) for _ in readers]
    for p in readers + uploaders:
        p.join(timeout=60)
    errors = [o for o in outcomes if o[0] == "error"]
    assert not errors, errors
    uploads = [o[2] for o in outcomes if o[0] == "upload"]
    assert len(uploads) == UPLOADERS and all(u["committed"] for u in uploads)
    for u in uploads:
        assert (
            u["rows_read"] == u["inserted"] + u["updated"] + u["duplicate"] + u["unmatched"] + u["rejected"]
        )
    distinct = (UPLOADERS - 2) * 100 + 100
    assert sum(u["inserted"] for u in uploads) == distinct  # each complaint inserted exactly once
    assert _counts(database_url) == (distinct, UPLOADERS)  # every upload recorded
    reads = [o[2] for o in outcomes if o[0] == "read"]
    assert len(reads) == READERS
    for seen in reads:
        assert seen, "a reader read nothing"
        assert all(stored == recorded for stored, recorded in seen)  # counts add up at every moment
        assert [s for s, _ in seen] == sorted(s for s, _ in seen)  # and never go backwards
    assert max(seen[-1][0] for seen in reads) == distinct


# --- backup and restore ---------------------------------------------------------------------------


@sqlite_only
def test_backup_then_restore_gives_back_exactly_the_backed_up_data(database_url, tmp_path):
    engine = make_engine(database_url)
    import_bytes(engine, "complaints", complaints_csv(0, 300))
    copy = backup_sqlite(engine, f"{tmp_path / 'backups'}/")
    assert copy.path.parent == tmp_path / "backups" and copy.revision
    assert check_backup(copy.path) == copy.revision
    import_bytes(engine, "complaints", complaints_csv(300, 500))  # life goes on after the backup
    assert _counts(database_url) == (500, 2)

    restored = restore_sqlite(engine, copy.path)
    assert _counts(database_url) == (300, 1)  # the same engine sees the restored content
    assert restored.kept is not None and restored.kept.name.endswith(".before-restore")
    with sqlite3.connect(restored.kept) as kept:
        assert kept.execute("SELECT count(*) FROM complaint").fetchone()[0] == 500
    with sqlite3.connect(database_url.split("///", 1)[1]) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert import_bytes(engine, "complaints", complaints_csv(300, 500)).inserted == 200
    engine.dispose()


def _not_a_database(path: Path) -> Path:
    path.write_bytes(b"id,name\n1,x\n")
    return path


def _foreign_database(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    return path


def _future_database(path: Path, source: Path) -> Path:
    with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
        dst.execute("UPDATE alembic_version SET version_num = '9999'")
    return path


@sqlite_only
@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda tmp, live: tmp / "missing.db", "There is no file"),
        (lambda tmp, live: _not_a_database(tmp / "export.csv"), "is not a SQLite database"),
        (lambda tmp, live: _foreign_database(tmp / "other.db"), "is not a Tripod database"),
        (lambda tmp, live: _future_database(tmp / "newer.db", live), "does not know"),
    ],
)
def test_restore_refuses_a_file_that_is_not_a_good_tripod_backup(database_url, tmp_path, make, says):
    engine = make_engine(database_url)
    import_bytes(engine, "complaints", complaints_csv(0, 10))
    live = Path(database_url.split("///", 1)[1])
    with pytest.raises(OpsRefused) as refused:
        restore_sqlite(engine, make(tmp_path, live))
    engine.dispose()
    assert says in refused.value.message("en")
    assert refused.value.message("zh") != refused.value.message("en")
    assert _counts(database_url) == (10, 1)  # the live database is untouched
    assert not live.with_name(live.name + ".before-restore").exists()


def test_the_backup_command_copies_sqlite_and_points_postgresql_to_pg_dump(database_url, tmp_path):
    target = tmp_path / "nightly.db"
    proc = subprocess.run(
        [sys.executable, "-m", "core.cli", "backup", str(target), "--lang", "en"],
        env=_env(database_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if TEST_DATABASE_URL:
        assert proc.returncode == 1
        assert "pg_dump --format=custom" in proc.stderr and "pg_restore" in proc.stderr
        assert not target.exists()
        return
    assert proc.returncode == 0, proc.stderr
    assert "integrity ok" in proc.stdout and target.exists()
    again = subprocess.run(
        [sys.executable, "-m", "core.cli", "backup", str(target), "--lang", "zh"],
        env=_env(database_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 1 and "已存在" in again.stderr
    restore = subprocess.run(
        [sys.executable, "-m", "core.cli", "restore", str(target), "--lang", "en"],
        env=_env(database_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restore.returncode == 0, restore.stderr
    assert "Restored" in restore.stdout and ".before-restore" in restore.stdout
