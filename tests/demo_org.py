"""The demo organisation for page tests: one database per test session, loaded through the importer.

The committed set in seed_data/demo is used when it exists (seed_demo regenerates a stale one
for today); until then the same deterministic generator writes a set for today into a temporary
folder. On PostgreSQL the demo gets a database of its own next to TEST_DATABASE_URL's, because
the per-test `engine` fixture empties the tables of that one.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from core.db import init_db, make_engine
from core.importing.load import DEMO_DIR, load_folder, seed_demo
from core.models import Department


def demo_database_url(tmp: Path, test_database_url: str = "") -> str:
    """Where the session's demo database lives: a SQLite file in tmp, or a sibling PostgreSQL database."""
    if not test_database_url:
        return f"sqlite:///{tmp / 'demo.db'}"
    url = make_url(test_database_url)
    demo = url.set(database=f"{url.database}_demo")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            # Afresh each session: a database left by an earlier run may hold an older schema.
            connection.execute(text(f'drop database if exists "{demo.database}" with (force)'))
            connection.execute(text(f'create database "{demo.database}"'))
    finally:
        admin.dispose()
    return demo.render_as_string(hide_password=False)


def _loaded(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Department)).scalar_one() > 0


def load_demo(url: str, tmp: Path, today: date | None = None) -> str:
    """Create the schema in the new, empty database at `url` and load the demo into it; returns the URL."""
    engine = make_engine(url)
    try:
        init_db(engine)
        if (DEMO_DIR / "manifest.json").exists():
            seed_demo(engine, today=today)
        else:
            from seed_data.generate import generate

            folder = tmp / "demo-files"
            generate(folder, today=today or date.today())
            outcome = load_folder(engine, folder, username="demo")
            if not outcome.ok:
                raise RuntimeError(f"the demo organisation did not load: {outcome.refusal}")
        assert _loaded(engine)
    finally:
        engine.dispose()
    return url
