"""contact tasks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 06:27:46.246845
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_task",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assignee_id", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_task_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_task")),
    )
    with op.batch_alter_table("contact_task", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_task_contact_id_created_at_id"),
            ["contact_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_task_contact_id_due_at_id"),
            ["contact_id", "due_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_task_contact_id_updated_at_id"),
            ["contact_id", "updated_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_task_location_id_assignee_id_due_at"),
            ["location_id", "assignee_id", "due_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_task_location_id_assignee_id_due_at"))
        batch_op.drop_index(batch_op.f("ix_contact_task_contact_id_updated_at_id"))
        batch_op.drop_index(batch_op.f("ix_contact_task_contact_id_due_at_id"))
        batch_op.drop_index(batch_op.f("ix_contact_task_contact_id_created_at_id"))

    op.drop_table("contact_task")
