"""contact associations

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 06:33:36.155065
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "association_label",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("object_type", sa.String(length=16), nullable=False),
        sa.Column("object_key", sa.String(length=64), nullable=True),
        sa.Column("inverse_name", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_association_label_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association_label")),
    )
    with op.batch_alter_table("association_label", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_association_label_location_id_object_type"),
            ["location_id", "object_type"],
            unique=False,
        )

    op.create_table(
        "company",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_company_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company")),
    )
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_company_location_id_domain"), ["location_id", "domain"], unique=False
        )

    op.create_table(
        "custom_object_record",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("object_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["location.id"],
            name=op.f("fk_custom_object_record_location_id_location"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_object_record")),
    )
    with op.batch_alter_table("custom_object_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_custom_object_record_location_id_object_key"),
            ["location_id", "object_key"],
            unique=False,
        )

    op.create_table(
        "opportunity",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("pipeline_id", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("monetary_value", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_opportunity_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity")),
    )
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_location_id_created_at_id"),
            ["location_id", "created_at", "id"],
            unique=False,
        )

    op.create_table(
        "contact_association",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("link_id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("object_type", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=36), nullable=False),
        sa.Column("object_key", sa.String(length=64), nullable=True),
        sa.Column("is_reverse", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_association_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_association")),
        sa.UniqueConstraint(
            "contact_id",
            "object_type",
            "object_id",
            name=op.f("uq_contact_association_contact_id_object_type_object_id"),
        ),
    )
    with op.batch_alter_table("contact_association", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_association_contact_id_created_at_id"),
            ["contact_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_association_link_id"), ["link_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_association_object_type_object_id"),
            ["object_type", "object_id"],
            unique=False,
        )

    op.create_table(
        "contact_association_label",
        sa.Column("link_id", sa.String(length=36), nullable=False),
        sa.Column("label_id", sa.String(length=36), nullable=False),
        sa.Column("is_reverse", sa.Boolean(), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["label_id"],
            ["association_label.id"],
            name=op.f("fk_contact_association_label_label_id_association_label"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "link_id", "label_id", "is_reverse", name=op.f("pk_contact_association_label")
        ),
    )
    with op.batch_alter_table("contact_association_label", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_association_label_label_id"), ["label_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_association_label", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_association_label_label_id"))

    op.drop_table("contact_association_label")
    with op.batch_alter_table("contact_association", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_association_object_type_object_id"))
        batch_op.drop_index(batch_op.f("ix_contact_association_link_id"))
        batch_op.drop_index(batch_op.f("ix_contact_association_contact_id_created_at_id"))

    op.drop_table("contact_association")
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_location_id_created_at_id"))

    op.drop_table("opportunity")
    with op.batch_alter_table("custom_object_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_object_record_location_id_object_key"))

    op.drop_table("custom_object_record")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_company_location_id_domain"))

    op.drop_table("company")
    with op.batch_alter_table("association_label", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_association_label_location_id_object_type"))

    op.drop_table("association_label")
