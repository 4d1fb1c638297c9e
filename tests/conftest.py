"""Shared fixtures. Every test database is fresh; PostgreSQL is used when TEST_DATABASE_URL is set.

CI runs the whole suite twice: once on SQLite (in-memory per test) and once with
TEST_DATABASE_URL pointing at a throw-away PostgreSQL database, where each test starts from
empty tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from core.db import create_all, drop_all, make_engine
from core.models import SQLModel

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


def backend_name() -> str:
    return "postgresql" if TEST_DATABASE_URL else "sqlite"


@pytest.fixture(autouse=True)
def _english_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests expect English messages whatever the machine's locale (LANG=zh_CN.UTF-8 included).

    The command line picks its language from --lang, else TRIPOD_LANG, else LANG. Pinning
    TRIPOD_LANG=en (and LANG to a neutral C.UTF-8, for code that reads LANG alone) keeps the
    suite's results independent of the shell it runs in; a test that wants another language sets
    or deletes these itself with monkeypatch, or passes --lang.
    """
    monkeypatch.setenv("TRIPOD_LANG", "en")
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(scope="session")
def _pg_engine() -> Iterator[Engine | None]:
    if not TEST_DATABASE_URL:
        yield None
        return
    engine = make_engine(TEST_DATABASE_URL)
    drop_all(engine)
    create_all(engine)
    yield engine
    engine.dispose()


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def engine(_pg_engine: Engine | None) -> Iterator[Engine]:
    """An empty database with every table: in-memory SQLite, or PostgreSQL when configured."""
    if _pg_engine is not None:
        _truncate_all(_pg_engine)
        yield _pg_engine
        return
    eng = make_engine("sqlite://")
    create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine):
    from sqlmodel import Session

    with Session(engine) as s:
        yield s


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database holding the demo organisation, loaded once per test session. Tests only read it."""
    from tests.demo_org import demo_database_url, load_demo

    tmp = tmp_path_factory.mktemp("demo")
    return load_demo(demo_database_url(tmp, TEST_DATABASE_URL), tmp)


@pytest.fixture
def demo_app(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the app (AppTest pages) at the demo organisation's database; returns its URL."""
    from core.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.setenv("TRIPOD_DEMO", "0")
    get_settings.cache_clear()
    yield demo_url
    get_settings.cache_clear()
