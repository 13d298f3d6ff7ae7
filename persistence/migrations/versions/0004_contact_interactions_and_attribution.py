"""contact interactions and attribution

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 06:34:30.197527
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_interaction",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("referrer", sa.String(length=2048), nullable=True),
        sa.Column("utm_source", sa.String(length=255), nullable=True),
        sa.Column("utm_medium", sa.String(length=255), nullable=True),
        sa.Column("utm_campaign", sa.String(length=255), nullable=True),
        sa.Column("utm_term", sa.String(length=255), nullable=True),
        sa.Column("utm_content", sa.String(length=255), nullable=True),
        sa.Column("gclid", sa.String(length=512), nullable=True),
        sa.Column("fbclid", sa.String(length=512), nullable=True),
        sa.Column("msclkid", sa.String(length=512), nullable=True),
        sa.Column("campaign_id", sa.String(length=255), nullable=True),
        sa.Column("session_source", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_interaction_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_interaction")),
        sa.UniqueConstraint(
            "location_id",
            "external_id",
            name=op.f("uq_contact_interaction_location_id_external_id"),
        ),
    )
    with op.batch_alter_table("contact_interaction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_interaction_contact_id_occurred_at_id"),
            ["contact_id", "occurred_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_interaction_contact_id_recorded_at_id"),
            ["contact_id", "recorded_at", "id"],
            unique=False,
        )

    op.create_table(
        "contact_attribution",
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("first_interaction_id", sa.String(length=36), nullable=True),
        sa.Column("latest_interaction_id", sa.String(length=36), nullable=True),
        sa.Column("latest_occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reset_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_attribution_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["first_interaction_id"],
            ["contact_interaction.id"],
            name="fk_contact_attribution_first_interaction",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["latest_interaction_id"],
            ["contact_interaction.id"],
            name="fk_contact_attribution_latest_interaction",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contact_attribution")),
    )


def downgrade() -> None:
    op.drop_table("contact_attribution")
    with op.batch_alter_table("contact_interaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_interaction_contact_id_recorded_at_id"))
        batch_op.drop_index(batch_op.f("ix_contact_interaction_contact_id_occurred_at_id"))

    op.drop_table("contact_interaction")
