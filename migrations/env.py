"""Alembic environment: migrates the database behind DATABASE_URL (or a connection handed in)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from core import models  # noqa: F401  (registers the tables)
from core.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or None
    engine = make_engine(url)
    with engine.begin() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("Tripod's migrations run online only: use `python -m core.cli init`.")
run_migrations_online()
