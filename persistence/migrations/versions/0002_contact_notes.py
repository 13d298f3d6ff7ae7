"""contact notes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 06:21:56.456132
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_note",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_note_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_note")),
    )
    with op.batch_alter_table("contact_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_note_contact_id_created_at_id"),
            ["contact_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_note_contact_id_updated_at_id"),
            ["contact_id", "updated_at", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_note_contact_id_updated_at_id"))
        batch_op.drop_index(batch_op.f("ix_contact_note_contact_id_created_at_id"))

    op.drop_table("contact_note")
