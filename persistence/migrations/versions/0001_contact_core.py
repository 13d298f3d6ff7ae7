"""Contact core: locations, contacts and their lists, custom fields, the event log.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 06:08:41.732167
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "contact_event",
        sa.Column(
            "sequence",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_contact_event")),
        sa.UniqueConstraint("id", name=op.f("uq_contact_event_id")),
    )
    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_event_contact_id_sequence"),
            ["contact_id", "sequence"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_event_location_id_sequence"),
            ["location_id", "sequence"],
            unique=False,
        )

    op.create_table(
        "location",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location")),
    )
    op.create_table(
        "contact",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("last_name", sa.String(length=255), nullable=True),
        sa.Column("contact_type", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("business_name", sa.String(length=255), nullable=True),
        sa.Column("address_line1", sa.String(length=255), nullable=True),
        sa.Column("address_line2", sa.String(length=255), nullable=True),
        sa.Column("city", sa.String(length=255), nullable=True),
        sa.Column("state", sa.String(length=255), nullable=True),
        sa.Column("postal_code", sa.String(length=255), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("website", sa.String(length=2048), nullable=True),
        sa.Column("owner_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_contact_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_location_id_created_at_id"),
            ["location_id", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_location_id_owner_id"), ["location_id", "owner_id"], unique=False
        )

    op.create_table(
        "custom_field",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("data_type", sa.String(length=32), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_custom_field_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_field")),
        sa.UniqueConstraint("location_id", "key", name=op.f("uq_custom_field_location_id_key")),
    )
    op.create_table(
        "contact_custom_value",
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("field_id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("text_value", sa.String(), nullable=True),
        sa.Column("number_value", sa.Float(), nullable=True),
        sa.Column("date_value", sa.Date(), nullable=True),
        sa.Column("bool_value", sa.Boolean(), nullable=True),
        sa.Column("json_value", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_custom_value_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["custom_field.id"],
            name=op.f("fk_contact_custom_value_field_id_custom_field"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", "field_id", name=op.f("pk_contact_custom_value")),
    )
    with op.batch_alter_table("contact_custom_value", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_custom_value_field_id"), ["field_id"], unique=False
        )

    op.create_table(
        "contact_dnd",
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_dnd_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", "channel", name=op.f("pk_contact_dnd")),
    )
    op.create_table(
        "contact_email",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("address_key", sa.String(length=320), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_email_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_email")),
        sa.UniqueConstraint(
            "contact_id", "address_key", name=op.f("uq_contact_email_contact_id_address_key")
        ),
        sa.UniqueConstraint("contact_id", "label", name=op.f("uq_contact_email_contact_id_label")),
    )
    with op.batch_alter_table("contact_email", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_email_location_id_address_key"),
            ["location_id", "address_key"],
            unique=False,
        )

    op.create_table(
        "contact_follower",
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_follower_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", "user_id", name=op.f("pk_contact_follower")),
    )
    with op.batch_alter_table("contact_follower", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_follower_location_id_user_id"),
            ["location_id", "user_id"],
            unique=False,
        )

    op.create_table(
        "contact_phone",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_phone_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_phone")),
        sa.UniqueConstraint("contact_id", "label", name=op.f("uq_contact_phone_contact_id_label")),
        sa.UniqueConstraint(
            "contact_id", "number", name=op.f("uq_contact_phone_contact_id_number")
        ),
    )
    with op.batch_alter_table("contact_phone", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_phone_location_id_number"),
            ["location_id", "number"],
            unique=False,
        )

    op.create_table(
        "contact_tag",
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_tag_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", "tag", name=op.f("pk_contact_tag")),
    )
    with op.batch_alter_table("contact_tag", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_tag_location_id_tag"), ["location_id", "tag"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("contact_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_tag_location_id_tag"))

    op.drop_table("contact_tag")
    with op.batch_alter_table("contact_phone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_phone_location_id_number"))

    op.drop_table("contact_phone")
    with op.batch_alter_table("contact_follower", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_follower_location_id_user_id"))

    op.drop_table("contact_follower")
    with op.batch_alter_table("contact_email", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_email_location_id_address_key"))

    op.drop_table("contact_email")
    op.drop_table("contact_dnd")
    with op.batch_alter_table("contact_custom_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_custom_value_field_id"))

    op.drop_table("contact_custom_value")
    op.drop_table("custom_field")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_location_id_owner_id"))
        batch_op.drop_index(batch_op.f("ix_contact_location_id_created_at_id"))

    op.drop_table("contact")
    op.drop_table("location")
    with op.batch_alter_table("contact_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_event_location_id_sequence"))
        batch_op.drop_index(batch_op.f("ix_contact_event_contact_id_sequence"))

    op.drop_table("contact_event")
