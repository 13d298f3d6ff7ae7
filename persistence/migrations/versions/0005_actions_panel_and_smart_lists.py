"""actions panel and smart lists

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 06:32:47.093503
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "smart_list",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("filter", sa.JSON(), nullable=True),
        sa.Column("sort_field", sa.String(length=32), nullable=False),
        sa.Column("sort_descending", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_smart_list_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smart_list")),
        sa.UniqueConstraint(
            "location_id", "name_key", name=op.f("uq_smart_list_location_id_name_key")
        ),
    )
    op.create_table(
        "contact_community_group",
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("group_name", sa.String(length=255), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_community_group_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", "group_id", name=op.f("pk_contact_community_group")),
    )
    op.create_table(
        "contact_course_offer",
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("offer_name", sa.String(length=255), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_course_offer_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", "offer_id", name=op.f("pk_contact_course_offer")),
    )
    op.create_table(
        "contact_workflow",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("workflow_id", sa.String(length=64), nullable=False),
        sa.Column("workflow_name", sa.String(length=255), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolled_by", sa.String(length=64), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=64), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_workflow_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_workflow")),
    )
    with op.batch_alter_table("contact_workflow", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_workflow_contact_id_ended_at_id"),
            ["contact_id", "ended_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_workflow_contact_id_enrolled_at_id"),
            ["contact_id", "enrolled_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_contact_workflow_active",
            ["contact_id", "workflow_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_workflow", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_contact_workflow_active",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_contact_workflow_contact_id_enrolled_at_id"))
        batch_op.drop_index(batch_op.f("ix_contact_workflow_contact_id_ended_at_id"))

    op.drop_table("contact_workflow")
    op.drop_table("contact_course_offer")
    op.drop_table("contact_community_group")
    op.drop_table("smart_list")
