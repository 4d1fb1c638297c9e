"""Hard days for the importer: a process killed mid-write, and overlapping uploads at the same time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from core import models as m
from core.db import init_db, make_engine
from core.importing.load import load_folder
from tests.conftest import TEST_DATABASE_URL
from tests.test_import_canonical import TINY_ORG, _write

ROOT = Path(__file__).resolve().parents[1]
HEADER = (
    "id,received_at,customer_code,department_code,category,severity,channel,status,resolved_at,description\n"
)


def complaints_csv(first: int, last: int) -> bytes:
    rows = [
        f"K{i:06d},2024-03-{1 + i % 28:02d}T{i % 24:02d}:15,C{1 + i % 2},,"
        f"交付延迟,中,电话,已结案,,第{i}号投诉\n"
        for i in range(first, last)
    ]
    return (HEADER + "".join(rows)).encode()


@pytest.fixture
def database_url(tmp_path, _pg_engine):
    """A database reachable from other processes: a SQLite file, or the PostgreSQL test database."""
    if TEST_DATABASE_URL:
        from tests.conftest import _truncate_all

        _truncate_all(_pg_engine)
        return TEST_DATABASE_URL
    url = f"sqlite:///{tmp_path / 'faults.db'}"
    init_db(make_engine(url))
    return url


@pytest.fixture
def org_engine(database_url, tmp_path):
    engine = make_engine(database_url)
    assert load_folder(engine, _write(tmp_path / "org", TINY_ORG)).ok
    yield engine
    engine.dispose()


def _complaints(engine) -> int:
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(m.Complaint)).scalar_one()


def _env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}


KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from core.db import make_engine
    from core.importing import engine as import_engine
    from core.importing.load import import_path

    original = import_engine.bulk_insert

    def bulk_insert_then_wait(*args, **kwargs):
        original(*args, **kwargs)
        print("WRITTEN", flush=True)  # every row is written, the transaction is still open
        sys.stdin.readline()          # wait here until the parent kills us

    import_engine.bulk_insert = bulk_insert_then_wait
    import_path(make_engine(), "complaints", Path(sys.argv[1]))
    """
)


def test_sigkill_during_an_import_leaves_the_database_as_it_was(database_url, org_engine, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(complaints_csv(0, 20_000))
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=_env(database_url),
        cwd=ROOT,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "WRITTEN"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    fresh = make_engine(database_url)
    assert _complaints(fresh) == 0
    with Session(fresh) as s:
        assert (
            s.execute(
                select(func.count()).select_from(m.Upload).where(m.Upload.kind == "complaints")
            ).scalar_one()
            == 0
        )
        if fresh.dialect.name == "sqlite":
            assert s.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    from core.importing.load import import_path

    result = import_path(fresh, "complaints", path)
    assert result.committed and result.inserted == 20_000
    assert _complaints(fresh) == 20_000


UPLOAD_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from core.db import make_engine
    from core.importing.load import import_path

    result = import_path(make_engine(), "complaints", Path(sys.argv[1]), username=sys.argv[2])
    print(json.dumps(result.to_dict()))
    """
)


def test_overlapping_uploads_at_the_same_time_lose_nothing(database_url, org_engine, tmp_path):
    import json

    # Six call-center exports whose id ranges overlap their neighbours' by half.
    ranges = [(i * 500, i * 500 + 1_000) for i in range(6)]
    procs = []
    for n, (first, last) in enumerate(ranges):
        path = tmp_path / f"export-{n}.csv"
        path.write_bytes(complaints_csv(first, last))
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", UPLOAD_SCRIPT, str(path), f"agent{n}"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=_env(database_url),
                cwd=ROOT,
                text=True,
            )
        )
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        assert "locked" not in err.lower()
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert all(r["committed"] for r in results)
    for r in results:
        assert (
            r["rows_read"] == r["inserted"] + r["updated"] + r["duplicate"] + r["unmatched"] + r["rejected"]
        )
    distinct = ranges[-1][1] - ranges[0][0]
    assert _complaints(org_engine) == distinct
    assert sum(r["inserted"] for r in results) == distinct  # each complaint inserted exactly once
    with Session(org_engine) as s:
        uploads = s.execute(
            select(func.count()).select_from(m.Upload).where(m.Upload.kind == "complaints")
        ).scalar_one()
    assert uploads == len(ranges)
