"""contact documents

The Documents tab's table. FILE_UPLOAD custom field values now name documents of the contact
(``{"documentId": ...}``); the values stored before named files by URL that no file store
held (uploads did not exist), so they are removed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:13:57.391572
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_document",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("folder", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=True),
        sa.Column("added_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_document_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_document")),
    )
    with op.batch_alter_table("contact_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_document_contact_id_created_at_id"),
            ["contact_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_document_contact_id_updated_at_id"),
            ["contact_id", "updated_at", "id"],
            unique=False,
        )
    op.execute(
        "DELETE FROM contact_custom_value WHERE field_id IN "
        "(SELECT id FROM custom_field WHERE data_type = 'FILE_UPLOAD')"
    )


def downgrade() -> None:
    with op.batch_alter_table("contact_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_document_contact_id_updated_at_id"))
        batch_op.drop_index(batch_op.f("ix_contact_document_contact_id_created_at_id"))

    op.drop_table("contact_document")
