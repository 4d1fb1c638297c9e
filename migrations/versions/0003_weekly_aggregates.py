"""weekly pre-aggregates kept by the importer

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 05:30:00

booking_week: bookings summed per rep and ISO week (core.aggregates keeps it). The upgrade
fills it from the bookings already stored, so an upgraded database reads the same figures.
The SQL is written out here (not imported from core.aggregates) so that this migration keeps
meaning what it meant when later code changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Week k starts on day 4 + 7k (days since 1970-01-01): core.periods.week_index.
_WEEK = {
    "sqlite": "(CAST(julianday(booked_on) - 2440587.5 AS INTEGER) - 4) / 7",
    "postgresql": "((booked_on - DATE '1970-01-01') - 4) / 7",
}


def upgrade() -> None:
    op.create_table(
        "booking_week",
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bookings", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["rep_id"], ["rep.id"], name=op.f("fk_booking_week_rep_id_rep")),
        sa.PrimaryKeyConstraint("rep_id", "week", name=op.f("pk_booking_week")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("booking_week", schema=None) as batch_op:
        batch_op.create_index("ix_booking_week_week_rep", ["week", "rep_id", "amount_cents"], unique=False)

    # Data: the cells of the bookings already stored.
    week = _WEEK["postgresql" if op.get_bind().dialect.name == "postgresql" else "sqlite"]
    op.execute(
        "INSERT INTO booking_week (rep_id, week, bookings, amount_cents) "
        f"SELECT rep_id, {week}, count(*), sum(CAST(round(amount * 100) AS BIGINT)) "
        f"FROM booking GROUP BY rep_id, {week}"
    )


def downgrade() -> None:
    with op.batch_alter_table("booking_week", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_week_week_rep")
    op.drop_table("booking_week")
