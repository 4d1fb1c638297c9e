"""One measurement in a process of its own, so its peak memory is its own: `python -m bench.worker TASK`.

Each task prints one JSON object as its last line of output; bench.run reads it and the
process's peak resident memory (os.wait4).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import pickle
import sys
import time
from pathlib import Path

import pandas as pd


def _engine(url: str):  # type: ignore[no-untyped-def]
    from core.db import make_engine

    return make_engine(url)


# --- setting databases up --------------------------------------------------------------------


def setup(args: argparse.Namespace) -> dict:
    """Create the schema and load an organisation's files through the importer.

    Files larger than --chunk rows go in as several uploads of --chunk rows each, so that
    loading a 5-million-row bookings file never needs more memory than the benchmark itself.
    """
    from core.db import init_db
    from core.importing.engine import ROW, FileMeta, import_frame
    from core.importing.kinds import LOAD_ORDER, get_kind

    engine = _engine(args.url)
    init_db(engine)
    skip = set(filter(None, args.without.split(",")))
    loaded: dict[str, int] = {}
    started = time.perf_counter()
    for kind in LOAD_ORDER:
        path = Path(args.org) / get_kind(kind).file
        if kind in skip or not path.exists():
            continue
        t0 = time.perf_counter()
        rows = 0
        reader = pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=args.chunk)
        for part, frame in enumerate(reader):
            frame[ROW] = range(rows + 2, rows + len(frame) + 2)
            rows += len(frame)
            result = import_frame(engine, kind, frame, meta=FileMeta(file_name=f"{path.name}#{part}"))
            if not result.committed:
                raise SystemExit(f"{kind} part {part} refused: {result.message('en')}")
        loaded[kind] = rows
        print(
            f"  {kind:<20} {rows:>10,} rows  {time.perf_counter() - t0:6.1f} s", file=sys.stderr, flush=True
        )
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return {"seconds": time.perf_counter() - started, "rows": loaded}


def migrate(args: argparse.Namespace) -> dict:
    """Bring a kept template database to this version's schema (`init`): a no-op when it is."""
    from core.db import init_db

    engine = _engine(args.url)
    started = time.perf_counter()
    revision = init_db(engine)
    engine.dispose()
    return {"seconds": time.perf_counter() - started, "revision": revision}


# --- the complaint import ----------------------------------------------------------------------


def import_file(args: argparse.Namespace) -> dict:
    """The product's import of one file, end to end: read, decode, map, validate, attribute, write."""
    from core.importing.load import import_path

    engine = _engine(args.url)
    with engine.connect():
        pass  # the first connection (and its pragmas) is not part of the import
    started = time.perf_counter()
    result = import_path(engine, "complaints", Path(args.file), username="bench")
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, **result.to_dict()}


class _Captured(Exception):
    pass


def capture(args: argparse.Namespace) -> dict:
    """The rows exactly as the importer hands them to the driver, kept for the baseline; nothing is saved."""
    from core.importing import engine as import_engine
    from core.importing.load import import_path

    captured: dict = {}

    def keep(session, table_name, columns, frame):  # type: ignore[no-untyped-def]
        upload_id = int(frame["upload_id"].iloc[0])
        rows = [row for chunk in import_engine.driver_rows(frame) for row in chunk]
        captured.update(table=table_name, columns=list(columns), rows=rows, upload_id=upload_id)
        raise _Captured

    import_engine.bulk_insert = keep
    with contextlib.suppress(_Captured):
        import_path(_engine(args.url), "complaints", Path(args.file))
    with open(args.out, "wb") as fh:
        pickle.dump(captured, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return {"rows": len(captured["rows"]), "columns": captured["columns"]}


def baseline(args: argparse.Namespace) -> dict:
    """The yardstick: the same prepared rows into the same table, with the driver and nothing else.

    SQLite: one transaction of plain `sqlite3` executemany, on a connection with Tripod's
    pragmas (WAL, synchronous=NORMAL, foreign keys on) and SQLite's default page cache unless
    --cache-mb says otherwise. PostgreSQL: one plain psycopg COPY.
    """
    from sqlalchemy.engine import make_url

    from core import models as m

    with open(args.rows, "rb") as fh:
        captured = pickle.load(fh)
    table, columns, rows = captured["table"], captured["columns"], captured["rows"]
    # The rows name the upload that wrote them; it must exist for the foreign key.
    engine = _engine(args.url)
    from core.db import write_session

    with write_session(engine) as session:
        session.add(m.Upload(id=captured["upload_id"], kind="complaints", source="callcenter"))
    engine.dispose()
    column_list = ", ".join(f'"{c}"' for c in columns)
    url = make_url(args.url)
    if url.get_backend_name() == "sqlite":
        import sqlite3

        conn = sqlite3.connect(url.database, isolation_level=None)
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        if args.cache_mb:
            conn.execute(f"PRAGMA cache_size=-{args.cache_mb * 1024}")
        placeholders = ", ".join("?" for _ in columns)
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f'INSERT INTO "{table}" ({column_list}) VALUES ({placeholders})', rows)
        conn.execute("COMMIT")
        seconds = time.perf_counter() - started
        conn.close()
    else:
        import psycopg

        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn) as conn:
            started = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f'COPY "{table}" ({column_list}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": len(rows)}


# --- KPIs and pages ----------------------------------------------------------------------------


def kpi(args: argparse.Namespace) -> dict:
    """The weekly KPI set, first call in a fresh process (cold) and the same call again (warm)."""
    from core.db import read_session
    from core.metrics.weekly import weekly_kpi_set

    engine = _engine(args.url)
    with engine.connect():
        pass
    department = args.department or None
    times = []
    for _ in range(args.repeat):
        with read_session(engine) as session:
            started = time.perf_counter()
            result = weekly_kpi_set(session, args.week, department_code=department)
            times.append(time.perf_counter() - started)
    engine.dispose()
    return {
        "seconds": times[0],
        "warm_seconds": min(times[1:]) if len(times) > 1 else None,
        "departments": len(result["departments"]),
        "supervisors": len(result["supervisors"]),
    }


def profile_kpi(args: argparse.Namespace) -> dict:
    """A pyinstrument profile of one cold weekly KPI set (for docs/benchmarks.md)."""
    from pyinstrument import Profiler

    from core.db import read_session
    from core.metrics.weekly import weekly_kpi_set

    engine = _engine(args.url)
    profiler = Profiler(interval=0.005)
    with read_session(engine) as session:
        profiler.start()
        weekly_kpi_set(session, args.week, department_code=args.department or None)
        profiler.stop()
    Path(args.out).write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")
    return {"profile": args.out}


def profile_import(args: argparse.Namespace) -> dict:
    """A pyinstrument profile of one complaint import (for docs/benchmarks.md)."""
    from pyinstrument import Profiler

    from core.importing.load import import_path

    engine = _engine(args.url)
    profiler = Profiler(interval=0.01)
    profiler.start()
    import_path(engine, "complaints", Path(args.file))
    profiler.stop()
    Path(args.out).write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")
    return {"profile": args.out}


def page(args: argparse.Namespace) -> dict:
    """One page's server work through Streamlit's AppTest: the first run (cold) and a rerun (cached)."""
    from bench.pages import run_page

    return run_page(args.url, args.page, repeat=args.repeat, role=args.role)


def peak_mb() -> float | None:
    """This process's own peak resident memory (VmHWM).

    Not ru_maxrss: on Linux a child started by fork/vfork + exec inherits its parent's peak
    in ru_maxrss, so a small worker started by a large parent would report the parent's size.
    VmHWM belongs to the address space the worker got at exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


TASKS = {
    "setup": setup,
    "migrate": migrate,
    "import": import_file,
    "capture": capture,
    "baseline": baseline,
    "kpi": kpi,
    "profile-kpi": profile_kpi,
    "profile-import": profile_import,
    "page": page,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--url", required=True)
    parser.add_argument("--org", default="")
    parser.add_argument("--without", default="")
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--file", default="")
    parser.add_argument("--out", default="")
    parser.add_argument("--rows", default="")
    parser.add_argument("--cache-mb", type=int, default=0)
    parser.add_argument("--week", default="")
    parser.add_argument("--department", default="")
    parser.add_argument("--page", default="")
    parser.add_argument("--role", default="admin")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    outcome = TASKS[args.task](args)
    outcome["peak_mb"] = peak_mb()
    print(json.dumps(outcome, ensure_ascii=False, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
