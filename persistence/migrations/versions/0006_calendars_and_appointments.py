"""calendars and appointments

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 06:32:41.090475
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "booking_lock",
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("team_member_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("location_id", "team_member_id", name=op.f("pk_booking_lock")),
    )
    op.create_table(
        "calendar",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("default_title", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("meeting_location", sa.String(length=1000), nullable=True),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("team_member_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_calendar_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar")),
    )
    with op.batch_alter_table("calendar", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_location_id_name"), ["location_id", "name"], unique=False
        )

    op.create_table(
        "contact_appointment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("calendar_id", sa.String(length=36), nullable=False),
        sa.Column("appointment_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("meeting_location", sa.String(length=1000), nullable=True),
        sa.Column("team_member_id", sa.String(length=64), nullable=False),
        sa.Column("attendee_contact_ids", sa.JSON(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendar.id"],
            name=op.f("fk_contact_appointment_calendar_id_calendar"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_appointment_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_appointment")),
    )
    with op.batch_alter_table("contact_appointment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_appointment_calendar_id"), ["calendar_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_appointment_contact_id_start_at_id"),
            ["contact_id", "start_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_appointment_location_id_team_member_id_start_at"),
            ["location_id", "team_member_id", "start_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_appointment", schema=None) as batch_op:
        batch_op.drop_index(
            batch_op.f("ix_contact_appointment_location_id_team_member_id_start_at")
        )
        batch_op.drop_index(batch_op.f("ix_contact_appointment_contact_id_start_at_id"))
        batch_op.drop_index(batch_op.f("ix_contact_appointment_calendar_id"))

    op.drop_table("contact_appointment")
    with op.batch_alter_table("calendar", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_location_id_name"))

    op.drop_table("calendar")
    op.drop_table("booking_lock")
