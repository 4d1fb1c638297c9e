"""upload provenance and name aliases

Complaints remember the upload that inserted them (created_upload_id) beside the one that last
wrote them (upload_id); upload_change keeps the values an upload replaced, so that undo can put
them back; name_alias remembers names someone resolved, for the uploads that repeat them;
complaint.row_hash lets a re-upload compare one hash instead of every column (NULL for the rows
already stored: they are compared column by column until an upload writes them again).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 05:30:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "name_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("written", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at_utc", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(customer_id IS NULL) <> (department_id IS NULL)", name=op.f("ck_name_alias_one_target")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_name_alias_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_name_alias_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_name_alias")),
        sa.UniqueConstraint("name_key", name=op.f("uq_name_alias_name_key")),
    )
    op.create_table(
        "upload_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("previous_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaint.id"], name=op.f("fk_upload_change_complaint_id_complaint")
        ),
        sa.ForeignKeyConstraint(["upload_id"], ["upload.id"], name=op.f("fk_upload_change_upload_id_upload")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_change")),
        sa.UniqueConstraint(
            "upload_id", "complaint_id", name=op.f("uq_upload_change_upload_id_complaint_id")
        ),
    )
    with op.batch_alter_table("upload_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_upload_change_complaint_id"), ["complaint_id"], unique=False)

    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_upload_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.BigInteger(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_complaint_created_upload_id"), ["created_upload_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_complaint_created_upload_id_upload"), "upload", ["created_upload_id"], ["id"]
        )

    _fill_created_upload_id()


def _fill_created_upload_id() -> None:
    """Existing complaints: created by the upload that last wrote them, unless it only updated them.

    Before this revision each complaint upload recorded in its "upload.commit" audit event the
    highest complaint id that existed when it started (new_ids_above): a row it stamped with an
    id at or below that existed before it, so it was updated, not inserted, by that upload. Who
    inserted such a row is not known; it is left without a creator and no undo deletes it.
    """
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE complaint SET created_upload_id = upload_id WHERE upload_id IS NOT NULL"))
    events = bind.execute(
        sa.text("SELECT target, detail FROM audit_event WHERE action = 'upload.commit'")
    ).all()
    for target, detail in events:
        try:
            upload_id = int(str(target).removeprefix("upload:"))
            above = int(json.loads(detail)["new_ids_above"])
        except (ValueError, TypeError, KeyError):
            continue
        bind.execute(
            sa.text(
                "UPDATE complaint SET created_upload_id = NULL "
                "WHERE created_upload_id = :upload AND id <= :above"
            ),
            {"upload": upload_id, "above": above},
        )


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_complaint_created_upload_id_upload"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_complaint_created_upload_id"))
        batch_op.drop_column("row_hash")
        batch_op.drop_column("created_upload_id")

    with op.batch_alter_table("upload_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_change_complaint_id"))

    op.drop_table("upload_change")
    op.drop_table("name_alias")
