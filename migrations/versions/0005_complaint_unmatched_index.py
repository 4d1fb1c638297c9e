"""complaints waiting for attribution, by a partial index

The Satisfaction page lists the newest unmatched complaints and counts them. Without an index
on them, both walked every complaint (11 s of the page's first run at 3 M complaints, none of
them unmatched); a partial index holds only the unmatched rows, so it costs an import nothing
for matched rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 06:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNMATCHED_ONLY = "match_status = 'unmatched'"


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaint_unmatched_received",
            ["received_at", "id"],
            unique=False,
            sqlite_where=sa.text(UNMATCHED_ONLY),
            postgresql_where=sa.text(UNMATCHED_ONLY),
        )


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_unmatched_received")
