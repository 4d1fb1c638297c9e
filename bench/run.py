"""Run the benchmarks and print one markdown table: `python -m bench.run [--scale demo|bench|N] ...`.

Every figure is measured in a process of its own (peak memory is that process's own high-water
mark of resident memory, VmHWM) and sits beside a baseline measured in the same run, because
only ratios from one run on one machine mean anything. Results go to bench/results/ as JSON.
Generated inputs and template databases are kept under --work and reused by later runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from bench import data

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_WORK = ROOT / "data" / "bench"
DEFAULT_PG = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
# Fixed, so that generated inputs and loaded databases are reused from one run to the next.
DEFAULT_TODAY = date(2026, 11, 23)
REFERENCE_KINDS = {"departments", "supervisors", "reps", "assignments", "customers"}
ALL_KINDS = {
    *REFERENCE_KINDS,
    *("bookings", "targets", "plans", "activities", "training", "exams", "surveys", "rep_ratings"),
    *("supervisor_ratings", "csat_targets", "complaints", "contacts"),
}

# Targets from the issues: import (4), metrics (3), dashboards (5).
IMPORT_RATIO = 1.5
SAME_FILE_SECONDS = 3.0
PEAK_MB = 1536
KPI_DEPARTMENT_SECONDS = 1.0
KPI_COMPANY_SECONDS = 5.0
PG_RATIO = 2.0
PAGE_COLD_SECONDS = 1.0
PAGE_CACHED_SECONDS = 0.1


@dataclass
class Row:
    """One line of the results table."""

    section: str
    what: str
    backend: str
    seconds: float | None
    peak_mb: float | None = None
    baseline: str = ""
    baseline_seconds: float | None = None
    target: str = ""
    met: bool | None = None
    extra: dict = field(default_factory=dict)
    note: str = ""  # shown after `what`; not part of what pairs a PostgreSQL figure with SQLite's

    @property
    def ratio(self) -> float | None:
        if self.seconds is None or not self.baseline_seconds:
            return None
        return self.seconds / self.baseline_seconds


# --- processes ---------------------------------------------------------------------------------


def run_worker(task: str, *, env: dict[str, str] | None = None, code: str = "", **options: object) -> dict:
    """Run `python -m bench.worker TASK` and return its JSON plus wall time and peak memory.

    `code`: a folder whose `core/` the worker imports instead of this checkout's. It becomes the
    working directory, because `python -m` puts the working directory ahead of PYTHONPATH.
    """
    cmd = [sys.executable, "-m", "bench.worker", task]
    for key, value in options.items():
        if value is not None and value != "":
            cmd += [f"--{key.replace('_', '-')}", str(value)]
    started = time.perf_counter()
    path = os.pathsep.join([code, str(ROOT)] if code else [str(ROOT)])
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, cwd=code or ROOT, env={**os.environ, "PYTHONPATH": path, **(env or {})}
    )
    out = proc.stdout.read().decode()  # type: ignore[union-attr]
    # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the maximum over all children).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"bench.worker {task} failed ({proc.returncode}):\n{out[-2000:]}")
    outcome = json.loads(out.strip().splitlines()[-1])
    # The worker reports its own VmHWM; ru_maxrss is kept as a cross-check (it also counts the
    # parent's size inherited at fork, so it can only be larger).
    outcome["ru_maxrss_mb"] = usage.ru_maxrss / 1024
    if outcome.get("peak_mb") is None:
        outcome["peak_mb"] = outcome["ru_maxrss_mb"]
    outcome["process_seconds"] = time.perf_counter() - started
    return outcome


# --- databases ---------------------------------------------------------------------------------


class Backend:
    """Where template databases live and how a fresh copy of one is made."""

    name: str

    def url(self, db: str) -> str:
        raise NotImplementedError

    def has(self, db: str, stamp: str) -> bool:
        raise NotImplementedError

    def mark(self, db: str, stamp: str) -> None:
        raise NotImplementedError

    def clone(self, template: str, db: str) -> str:
        raise NotImplementedError

    def drop(self, db: str) -> None:
        raise NotImplementedError


class SqliteBackend(Backend):
    name = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def path(self, db: str) -> Path:
        return self.folder / f"{db}.db"

    def url(self, db: str) -> str:
        return f"sqlite:///{self.path(db)}"

    def has(self, db: str, stamp: str) -> bool:
        marker = self.path(db).with_suffix(".stamp")
        return self.path(db).exists() and marker.exists() and marker.read_text() == stamp

    def mark(self, db: str, stamp: str) -> None:
        self.path(db).with_suffix(".stamp").write_text(stamp)

    def clone(self, template: str, db: str) -> str:
        self.drop(db)
        shutil.copyfile(self.path(template), self.path(db))
        return self.url(db)

    def drop(self, db: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path(db)) + suffix).unlink(missing_ok=True)
        self.path(db).with_suffix(".stamp").unlink(missing_ok=True)


class PostgresBackend(Backend):
    name = "postgresql"

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url.rstrip("/")

    def url(self, db: str) -> str:
        return f"{self.server_url}/tripod_bench_{db}"

    def _admin(self):  # type: ignore[no-untyped-def]
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.server_url + "/postgres").set(drivername="postgresql")
        return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)

    def has(self, db: str, stamp: str) -> bool:
        with self._admin() as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                (f"tripod_bench_{db}",),
            ).fetchone()
        return row is not None and row[0] == stamp

    def mark(self, db: str, stamp: str) -> None:
        with self._admin() as conn:
            conn.execute(f"COMMENT ON DATABASE tripod_bench_{db} IS '{stamp}'")

    def create(self, db: str) -> str:
        self.drop(db)
        with self._admin() as conn:
            conn.execute(f"CREATE DATABASE tripod_bench_{db}")
        return self.url(db)

    def clone(self, template: str, db: str) -> str:
        self.drop(db)
        with self._admin() as conn:
            conn.execute(f"CREATE DATABASE tripod_bench_{db} TEMPLATE tripod_bench_{template}")
        return self.url(db)

    def drop(self, db: str) -> None:
        with self._admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS tripod_bench_{db} WITH (FORCE)")

    def version(self) -> str:
        with self._admin() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]


def ensure_loaded(backend: Backend, db: str, org: Path, *, without: set[str], log) -> str:  # type: ignore[no-untyped-def]
    """A template database holding `org` (minus the kinds in `without`), loaded once and reused."""
    manifest = json.loads((org / "manifest.json").read_text(encoding="utf-8"))
    stamp = json.dumps({"org": str(org), "today": manifest["today"], "without": sorted(without)})
    stamp = stamp.replace("'", "")
    if backend.has(db, stamp):
        # A template loaded by an older version is brought to this version's schema (the
        # migrations fill what they add, e.g. booking_week); on an up-to-date one it is a no-op.
        run_worker("migrate", url=backend.url(db))
        return backend.url(db)
    log(f"loading {org.name} into {backend.name}:{db} (once; later runs reuse it)")
    if isinstance(backend, PostgresBackend):
        url = backend.create(db)
    else:
        backend.drop(db)
        url = backend.url(db)
    outcome = run_worker("setup", url=url, org=org, without=",".join(sorted(without)))
    log(f"  loaded in {outcome['seconds']:.0f} s")
    backend.mark(db, stamp)
    return url


# --- the measurements --------------------------------------------------------------------------


def bench_import(  # type: ignore[no-untyped-def]
    backend: Backend, org: Path, work: Path, rows: int, today: date, repeat: int, log, compare: str = ""
) -> list[Row]:
    """1,000,000 complaints into a fresh database, the same file again, and an overlapping re-export."""
    first = data.write_complaints(work / f"complaints-{org.name}-{rows}.csv", org, rows=rows, today=today)
    extra = max(1, rows // 100)
    again = data.write_complaints(
        work / f"complaints-{org.name}-{rows}-plus-{extra}.csv", org, rows=rows, extra=extra, today=today
    )
    template = f"import_{org.name.replace('-', '_')}"
    ensure_loaded(backend, template, org, without=set(ALL_KINDS) - REFERENCE_KINDS, log=log)
    captured = work / f"prepared-{org.name}-{rows}.pickle"
    if not captured.exists() or captured.stat().st_mtime < first.stat().st_mtime:
        log("capturing the importer's prepared rows for the baseline")
        url = backend.clone(template, "capture")
        run_worker("capture", url=url, file=first, out=captured)
        backend.drop("capture")
    out: list[Row] = []
    label = f"{rows:,} complaints"
    yardstick = "plain sqlite3 executemany" if backend.name == "sqlite" else "plain psycopg COPY"
    # Baselines and the first import take turns, round after round, so that a noisy neighbour
    # on the machine slows both alike; the median of the rounds is reported.
    rounds: dict[str, list[dict]] = {"baseline": [], "cache": [], "first": [], "compare": []}
    for n in range(1, repeat + 1):
        log(f"{backend.name}: round {n}/{repeat}: baseline")
        url = backend.clone(template, "baseline")
        rounds["baseline"].append(run_worker("baseline", url=url, rows=captured))
        if backend.name == "sqlite":
            url = backend.clone(template, "baseline")
            rounds["cache"].append(run_worker("baseline", url=url, rows=captured, cache_mb=256))
        backend.drop("baseline")
        if compare:
            log(f"{backend.name}: round {n}/{repeat}: import {label} with the code in {compare}")
            url = backend.clone(template, "import")
            rounds["compare"].append(run_worker("import", url=url, file=first, code=compare))
        log(f"{backend.name}: round {n}/{repeat}: import {label}, end to end")
        url = backend.clone(template, "import")
        rounds["first"].append(run_worker("import", url=url, file=first))
    base = median(rounds["baseline"])
    runs = {"runs": [r["seconds"] for r in rounds["baseline"]]}
    what = f"baseline: {label}, {yardstick}"
    out.append(Row("import", what, backend.name, base["seconds"], base["peak_mb"], extra=runs))
    if rounds["cache"]:
        big = median(rounds["cache"])
        what = f"baseline with a 256 MB page cache, as the importer uses (for reference): {label}"
        runs = {"runs": [r["seconds"] for r in rounds["cache"]]}
        seconds, peak = big["seconds"], big["peak_mb"]
        out.append(Row("import", what, backend.name, seconds, peak, yardstick, base["seconds"], extra=runs))
    if rounds["compare"]:
        old = median(rounds["compare"])
        runs = {"runs": [r["seconds"] for r in rounds["compare"]], "code": str(compare)}
        what = f"import {label}, end to end, with the code in {Path(compare).name} (before)"
        seconds, peak = old["seconds"], old["peak_mb"]
        out.append(Row("import", what, backend.name, seconds, peak, yardstick, base["seconds"], extra=runs))
    steps = [
        ("first", median(rounds["first"]), f"import {label}, end to end", f"≤ {IMPORT_RATIO}× baseline"),
        ("same", first, "the same file again (identical bytes)", f"≤ {SAME_FILE_SECONDS:.0f} s"),
        ("overlap", again, f"overlapping re-export: same rows + {extra:,} new", ""),
    ]
    for key, source, what, target in steps:
        if isinstance(source, dict):
            outcome = source
        else:
            log(f"{backend.name}: {what}")
            outcome = run_worker("import", url=url, file=source)
        row = Row(
            "import",
            what,
            backend.name,
            outcome["seconds"],
            outcome["peak_mb"],
            yardstick,
            base["seconds"],
            target,
            extra={k: outcome[k] for k in ("rows_read", "inserted", "duplicate", "unmatched", "rejected")},
        )
        if key == "first":
            row.extra["runs"] = [r["seconds"] for r in rounds["first"]]
            row.met = row.ratio is not None and row.ratio <= IMPORT_RATIO and outcome["peak_mb"] <= PEAK_MB
            row.target += f", peak ≤ {PEAK_MB / 1024:.1f} GB"
        elif key == "same":
            row.met = outcome["seconds"] <= SAME_FILE_SECONDS and outcome["peak_mb"] <= PEAK_MB
        out.append(row)
    backend.drop("import")
    return out


def median(runs: list[dict]) -> dict:
    """The run with the median time (the upper one of an even count), its peak memory the highest seen."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["peak_mb"] = max(r["peak_mb"] for r in runs)
    return chosen


def bench_kpi(  # type: ignore[no-untyped-def]
    backend: Backend, org: Path, db: str, label: str, week: str, department: str, log, compare: str = ""
) -> list[Row]:
    """The weekly KPI set for one department and the whole company; with `compare`, also with that code.

    The other version's figure is taken right before this version's, on the same database, so
    the two can be compared as a ratio from one run.
    """
    url = ensure_loaded(backend, db, org, without=set(), log=log)
    out = []
    for scope, code, limit in (
        ("one department", department, KPI_DEPARTMENT_SECONDS),
        ("whole company", "", KPI_COMPANY_SECONDS),
    ):
        versions = [(f" (before: the code in {Path(compare).name})", compare)] if compare else []
        for suffix, folder in [*versions, ("", "")]:
            log(f"{backend.name}: weekly KPI set, {label}, {scope}{suffix}")
            outcome = run_worker("kpi", url=url, week=week, department=code, code=folder)
            row = Row(
                "kpi",
                f"weekly KPI set, {label}, {scope}{suffix}",
                backend.name,
                outcome["seconds"],
                outcome["peak_mb"],
                target=f"≤ {limit:.0f} s" if backend.name == "sqlite" else f"≤ {PG_RATIO:.0f}× SQLite",
                met=outcome["seconds"] <= limit if backend.name == "sqlite" else None,
                extra={"warm_seconds": outcome["warm_seconds"], "supervisors": outcome["supervisors"]},
                note=f" (first call in a fresh process; again: {fmt_seconds(outcome['warm_seconds'])})",
            )
            if folder:
                row.extra["code"] = folder
            elif versions:
                row.extra["before_seconds"] = out[-1].seconds
            out.append(row)
    return out


def pair_postgres_with_sqlite(rows: list[Row]) -> None:
    """A PostgreSQL KPI figure's baseline is the same figure on SQLite from this run."""
    sqlite = {r.what: r for r in rows if r.section == "kpi" and r.backend == "sqlite"}
    for row in rows:
        if row.section == "kpi" and row.backend == "postgresql" and row.what in sqlite:
            row.baseline, row.baseline_seconds = "SQLite", sqlite[row.what].seconds
            row.met = row.ratio is not None and row.ratio <= PG_RATIO


# --- reporting ---------------------------------------------------------------------------------


def machine() -> dict:
    info: dict = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    try:
        cpu = Path("/proc/cpuinfo").read_text().splitlines()
        info["cpu"] = next(
            (line.split(":", 1)[1].strip() for line in cpu if line.startswith("model name")), ""
        )
        mem = next(
            line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
        )
        info["memory_gib"] = round(int(mem.split()[1]) / 1024 / 1024, 1)
        info["load_average"] = os.getloadavg()
    except (OSError, StopIteration):
        pass
    return info


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def table(rows: list[Row]) -> str:
    lines = [
        "| measure | backend | time | peak memory | baseline (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        base = f"{r.baseline}: {fmt_seconds(r.baseline_seconds)}" if r.baseline_seconds else "—"
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        peak = f"{r.peak_mb:,.0f} MB" if r.peak_mb is not None else "—"
        met = {True: "yes", False: "**no**", None: ""}[r.met]
        cells = [r.what + r.note, r.backend, fmt_seconds(r.seconds), peak, base, ratio, r.target, met]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="demo", help="demo, bench (the metrics issue's size) or a number")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--only", default="import,kpi,pages", help="comma-separated: import, kpi, pages")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the complaint import")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="generated inputs and databases")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="server URL without a database name")
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of baseline + import (median reported)")
    parser.add_argument(
        "--compare-with",
        default="",
        help="a folder holding another version's core/ (and, for pages, pages/ ui/ bench/) to time as well",
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    unknown = only - {"import", "kpi", "pages"}
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")

    def log(text: str) -> None:
        print(f"[{datetime.now():%H:%M:%S}] {text}", file=sys.stderr, flush=True)

    work: Path = args.work.resolve()
    compare = str(Path(args.compare_with).resolve()) if args.compare_with else ""
    work.mkdir(parents=True, exist_ok=True)
    backends: list[Backend] = []
    if args.backend in ("sqlite", "both"):
        backends.append(SqliteBackend(work / "sqlite"))
    if args.backend in ("postgresql", "both"):
        backends.append(PostgresBackend(args.postgres))

    log("generating the demo organisation (reused when present)")
    demo = data.organisation(work / "org-demo", today=args.today, scale=1)
    large: Path | None = None
    if args.scale == "bench":
        log("generating the bench organisation (minutes, once)")
        large = data.organisation(work / "org-bench", today=args.today, preset="bench")
    elif args.scale != "demo":
        scale = float(args.scale)
        large = data.organisation(work / f"org-scale-{args.scale}", today=args.today, scale=scale)
    started = datetime.now(UTC)
    rows: list[Row] = []
    for backend in backends:
        if "import" in only:
            rows += bench_import(
                backend, large or demo, work, args.rows, args.today, args.repeat, log, compare
            )
        if "kpi" in only:
            for org, db in ((demo, "org_demo"), (large, f"org_{(large or demo).name.replace('-', '_')}")):
                if org is None:
                    continue
                manifest = json.loads((org / "manifest.json").read_text(encoding="utf-8"))
                label = "demo organisation" if org is demo else _describe(manifest)
                week = manifest["window"]["week"]
                rows += bench_kpi(backend, org, db, label, week, "D01", log, compare)
        if "pages" in only:
            from bench.pages import bench_pages

            rows += bench_pages(backend, demo, large, run_worker, ensure_loaded, log, compare=compare)
    pair_postgres_with_sqlite(rows)

    info = machine()
    if any(isinstance(b, PostgresBackend) for b in backends):
        info["postgresql"] = next(b for b in backends if isinstance(b, PostgresBackend)).version()
    print(f"\nMachine: {info.get('cpu', '?')}, {info['nproc']} cores, {info.get('memory_gib', '?')} GiB; "
          f"Python {info['python']}, SQLite {info['sqlite']}"
          + (f", PostgreSQL {info['postgresql']}" if "postgresql" in info else "")
          + f"; {started:%Y-%m-%d %H:%M} UTC\n")  # fmt: skip
    print(table(rows))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{started:%Y%m%dT%H%M%S}-{args.scale}.json"
    out.write_text(
        json.dumps(
            {
                "started_utc": started.isoformat(timespec="seconds"),
                "args": {k: str(v) for k, v in vars(args).items()},
                "machine": info,
                "rows": [{**asdict(r), "ratio": r.ratio} for r in rows],
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"\nresults: {out.relative_to(ROOT)}")
    missed = [r for r in rows if r.met is False]
    return 1 if missed else 0


def _describe(manifest: dict) -> str:
    counts = manifest.get("rows", {})
    sups = counts.get("supervisors", 0)
    complaints = counts.get("complaints", 0)
    return f"{sups:,} supervisors / {complaints / 1e6:.1f} M complaints"


if __name__ == "__main__":
    sys.exit(main())
